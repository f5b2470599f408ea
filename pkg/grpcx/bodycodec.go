package grpcx

import (
	"encoding/binary"
	"io"
	"sync"

	"github.com/spona/spona/pkg/intconv"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// bodyCodec is gRPC's proto codec for every message but those carrying a
// file: a google.api.HttpBody (an upload's field at the top of the request,
// or the message itself, a download) whose data has at least bodyMin
// bytes. gRPC's codec holds such a file three times while it decodes it
// (the received frames, those frames copied into one buffer, and that
// buffer copied into the message) and twice while it sends it (the
// message and its encoding). This one reads the file's bytes from the
// frames straight into a slice of their size, and sends them as they are,
// after the rest of the message encoded (fields may come in any order on
// the wire). Anything it does not expect (groups, a malformed message) is
// left to the proto codec, so the result is always proto.Unmarshal's.
type bodyCodec struct{ proto encoding.CodecV2 }

// bodyMin is the smallest file sent and received without a copy.
const bodyMin = 64 << 10

func newBodyCodec() bodyCodec { return bodyCodec{proto: encoding.GetCodecV2("proto")} }

func (bodyCodec) Name() string { return "proto" }

// httpBodyName is google.api.HttpBody's full name.
var httpBodyName = (&httpbody.HttpBody{}).ProtoReflect().Descriptor().FullName()

// bodyFields caches FileField's answers.
var bodyFields sync.Map

// FileField is the first singular google.api.HttpBody field of messages
// of md (a file, as uploads carry it), nil when they have none.
func FileField(md protoreflect.MessageDescriptor) protoreflect.FieldDescriptor {
	if f, ok := bodyFields.Load(md); ok {
		fd, _ := f.(protoreflect.FieldDescriptor)
		return fd
	}
	var found protoreflect.FieldDescriptor
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Kind() == protoreflect.MessageKind && fd.Cardinality() != protoreflect.Repeated && fd.Message().FullName() == httpBodyName {
			found = fd
			break
		}
	}
	bodyFields.Store(md, found)
	return found
}

func messageOf(v any) proto.Message {
	switch m := v.(type) {
	case protoadapt.MessageV2:
		return m
	case protoadapt.MessageV1:
		return protoadapt.MessageV2Of(m)
	}
	return nil
}

// fileOf returns m's file and, when it is a field of m, that field.
func fileOf(m proto.Message) (*httpbody.HttpBody, protoreflect.FieldDescriptor) {
	if hb, ok := m.(*httpbody.HttpBody); ok {
		return hb, nil
	}
	fd := FileField(m.ProtoReflect().Descriptor())
	if fd == nil || !m.ProtoReflect().Has(fd) {
		return nil, fd
	}
	hb, _ := m.ProtoReflect().Get(fd).Message().Interface().(*httpbody.HttpBody)
	return hb, fd
}

// Marshal encodes v; a large file's bytes are not copied.
func (c bodyCodec) Marshal(v any) (mem.BufferSlice, error) {
	m := messageOf(v)
	if m == nil {
		return c.proto.Marshal(v)
	}
	hb, fd := fileOf(m)
	if hb == nil || len(hb.GetData()) < bodyMin {
		return c.proto.Marshal(v)
	}
	// The file without its data (content type, extensions, unknown
	// fields), then its data's tag and length.
	head := &httpbody.HttpBody{ContentType: hb.GetContentType(), Extensions: hb.GetExtensions()}
	head.ProtoReflect().SetUnknown(hb.ProtoReflect().GetUnknown())
	inner, err := proto.Marshal(head)
	if err != nil {
		return nil, err
	}
	inner = protowire.AppendTag(inner, 2, protowire.BytesType)
	inner = protowire.AppendVarint(inner, uint64(len(hb.GetData())))
	var out []byte
	if fd == nil {
		out = inner
	} else {
		// The other fields (a shallow copy: nothing large is copied),
		// then the file's field.
		rest := m.ProtoReflect().New()
		m.ProtoReflect().Range(func(f protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			if f != fd {
				rest.Set(f, v)
			}
			return true
		})
		rest.SetUnknown(m.ProtoReflect().GetUnknown())
		if out, err = proto.Marshal(rest.Interface()); err != nil {
			return nil, err
		}
		out = protowire.AppendTag(out, fd.Number(), protowire.BytesType)
		out = protowire.AppendVarint(out, uint64(len(inner)+len(hb.GetData())))
		out = append(out, inner...)
	}
	return mem.BufferSlice{mem.SliceBuffer(out), mem.SliceBuffer(hb.GetData())}, nil
}

// Unmarshal decodes data into v; a large file's bytes are read straight
// into their own slice.
func (c bodyCodec) Unmarshal(data mem.BufferSlice, v any) error {
	m := messageOf(v)
	if m == nil || data.Len() < bodyMin {
		return c.proto.Unmarshal(data, v)
	}
	body, isBody := m.(*httpbody.HttpBody)
	fd := FileField(m.ProtoReflect().Descriptor())
	if !isBody && fd == nil {
		return c.proto.Unmarshal(data, v)
	}
	r := data.Reader()
	defer r.Close() //nolint:errcheck // never fails
	var ok bool
	if isBody {
		proto.Reset(m)
		ok = readBody(r, r.Remaining(), body)
	} else {
		ok = readWithBody(r, m, fd)
	}
	if !ok {
		proto.Reset(m)
		return c.proto.Unmarshal(data, v)
	}
	return nil
}

// readWithBody decodes m, whose field fd is a google.api.HttpBody, from r:
// the other fields as they came, fd by readBody. false when r holds
// something else than plain fields (the proto codec then decodes it).
func readWithBody(r *mem.Reader, m proto.Message, fd protoreflect.FieldDescriptor) bool {
	var rest []byte
	var hb *httpbody.HttpBody
	for r.Remaining() > 0 {
		raw, ok := readField(r, func(num protowire.Number, typ protowire.Type) bool {
			return num == fd.Number() && typ == protowire.BytesType
		})
		if !ok {
			return false
		}
		if raw != nil {
			rest = append(rest, raw...)
			continue
		}
		// fd: its length, then its fields. A field seen again is merged
		// into what came before, as proto does.
		n, ok := readLen(r, r.Remaining())
		if !ok {
			return false
		}
		if hb == nil {
			hb = &httpbody.HttpBody{}
		}
		if !readBody(r, n, hb) {
			return false
		}
	}
	if err := proto.Unmarshal(rest, m); err != nil {
		return false
	}
	if hb != nil {
		m.ProtoReflect().Set(fd, protoreflect.ValueOfMessage(hb.ProtoReflect()))
	}
	return true
}

// readBody merges the n bytes r holds of a google.api.HttpBody into hb, its
// data read into a slice of their size.
func readBody(r *mem.Reader, n int, hb *httpbody.HttpBody) bool {
	end := r.Remaining() - n
	var rest []byte
	for r.Remaining() > end {
		raw, ok := readField(r, func(num protowire.Number, typ protowire.Type) bool {
			return num == 2 && typ == protowire.BytesType
		})
		if !ok {
			return false
		}
		if raw != nil {
			rest = append(rest, raw...)
			continue
		}
		size, ok := readLen(r, r.Remaining()-end)
		if !ok {
			return false
		}
		data := make([]byte, size)
		if _, err := io.ReadFull(r, data); err != nil {
			return false
		}
		// The last occurrence wins, as for any scalar field.
		hb.Data = data
	}
	if r.Remaining() != end {
		return false
	}
	// rest holds no data field (a field 2 of another wire type is an
	// unknown field to proto too).
	return (proto.UnmarshalOptions{Merge: true}).Unmarshal(rest, hb) == nil
}

// readField reads one field's tag from r. When want accepts it, it returns
// with only the tag read (raw nil); otherwise it reads the whole field and
// returns it encoded. ok is false for groups and malformed input.
func readField(r *mem.Reader, want func(protowire.Number, protowire.Type) bool) (raw []byte, ok bool) {
	// The field is kept byte for byte as it came: an unknown field's bytes
	// are kept by proto as they are (a varint written in more bytes than
	// needed included), and so compare equal only if not re-encoded.
	rec := &recorder{r: r, buf: make([]byte, 0, 16)}
	tag, err := binary.ReadUvarint(rec)
	if err != nil {
		return nil, false
	}
	num, typ := protowire.DecodeTag(tag)
	if num < protowire.MinValidNumber || num > protowire.MaxValidNumber {
		return nil, false
	}
	if want(num, typ) {
		return nil, true
	}
	switch typ {
	case protowire.VarintType:
		if _, err := binary.ReadUvarint(rec); err != nil {
			return nil, false
		}
		return rec.buf, true
	case protowire.Fixed32Type:
		return readN(r, rec.buf, 4)
	case protowire.Fixed64Type:
		return readN(r, rec.buf, 8)
	case protowire.BytesType:
		n, ok := readLen(rec, r.Remaining())
		if !ok {
			return nil, false
		}
		return readN(r, rec.buf, n)
	}
	return nil, false
}

// recorder reads bytes from r one at a time and keeps them.
type recorder struct {
	r   *mem.Reader
	buf []byte
}

func (c *recorder) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.buf = append(c.buf, b)
	}
	return b, err
}

func readN(r *mem.Reader, dst []byte, n int) ([]byte, bool) {
	if n > r.Remaining() {
		return nil, false
	}
	dst = append(dst, make([]byte, n)...)
	_, err := io.ReadFull(r, dst[len(dst)-n:])
	return dst, err == nil
}

// readLen reads a length of at most limit bytes.
func readLen(r io.ByteReader, limit int) (int, bool) {
	n, err := binary.ReadUvarint(r)
	if err != nil || n > intconv.Uint64(int64(limit)) {
		return 0, false
	}
	return int(n), true //nolint:gosec // at most limit
}
