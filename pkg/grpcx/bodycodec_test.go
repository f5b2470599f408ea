package grpcx

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

func file(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}

// frames splits b into buffers of random sizes, as gRPC receives a message.
func frames(r *rand.Rand, b []byte) mem.BufferSlice {
	var s mem.BufferSlice
	for len(b) > 0 {
		n := min(len(b), 1+r.IntN(32<<10))
		s = append(s, mem.SliceBuffer(bytes.Clone(b[:n])))
		b = b[n:]
	}
	return s
}

// bodyCodec encodes and decodes exactly as proto does, whatever the size
// of the file and whatever else the message holds; messages without a
// file, and files under bodyMin, go through the proto codec as they are.
func TestBodyCodec(t *testing.T) {
	t.Parallel()
	ext, err := anypb.New(wrapperspb.String("x"))
	if err != nil {
		t.Fatal(err)
	}
	withUnknown := func(m proto.Message, raw []byte) proto.Message {
		m.ProtoReflect().SetUnknown(raw)
		return m
	}
	unknown := protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 7)
	var msgs []proto.Message
	for _, n := range []int{0, 10, bodyMin - 1, bodyMin, 1 << 20, 3<<20 + 17} {
		msgs = append(msgs,
			&benv1.ImportBeneficiariesRequest{File: &httpbody.HttpBody{ContentType: "text/csv", Data: file(n)}, ValidateOnly: true, OnError: "skip", RequestId: "r1"},
			&benv1.ImportBeneficiariesRequest{File: &httpbody.HttpBody{Data: file(n), Extensions: []*anypb.Any{ext, ext}}, OnDuplicate: "link"},
			withUnknown(&benv1.ImportBeneficiariesRequest{File: &httpbody.HttpBody{ContentType: "a/b", Data: file(n)}}, unknown),
			&benv1.ImportBeneficiariesRequest{File: withUnknown(&httpbody.HttpBody{Data: file(n)}, unknown).(*httpbody.HttpBody)},
			&httpbody.HttpBody{ContentType: "application/pdf", Data: file(n), Extensions: []*anypb.Any{ext}},
		)
	}
	msgs = append(msgs, &benv1.ImportBeneficiariesRequest{ValidateOnly: true}, &benv1.GetBeneficiaryRequest{Id: "x"})
	c := newBodyCodec()
	std := encoding.GetCodecV2("proto")
	r := rand.New(rand.NewPCG(1, 2))
	for i, m := range msgs {
		enc, err := c.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		// What bodyCodec sends is what proto reads.
		got := m.ProtoReflect().New().Interface()
		if err := proto.Unmarshal(enc.Materialize(), got); err != nil {
			t.Fatalf("message %d: proto cannot read what bodyCodec wrote: %v", i, err)
		}
		if !proto.Equal(got, m) {
			t.Errorf("message %d: proto read %v from bodyCodec's encoding", i, short(got))
		}
		// What proto sends is what bodyCodec reads, frames of any size.
		want, err := std.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		got = m.ProtoReflect().New().Interface()
		if err := c.Unmarshal(frames(r, want.Materialize()), got); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !proto.Equal(got, m) {
			t.Errorf("message %d: bodyCodec read %v", i, short(got))
		}
	}
}

func short(m proto.Message) string {
	hb, _ := fileOf(m)
	return fmt.Sprintf("%s with a file of %d bytes", m.ProtoReflect().Descriptor().FullName(), len(hb.GetData()))
}

// Encodings proto writes differently (the file's field twice, its data
// twice, a field of the right number but another wire type) or not at all
// (truncated, groups) decode as proto decodes them: the same message, or
// an error.
func TestBodyCodecOddWire(t *testing.T) {
	t.Parallel()
	big := file(bodyMin + 5)
	body := func(fields ...[]byte) []byte { return bytes.Join(fields, nil) }
	bytesField := func(num protowire.Number, v []byte) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), v)
	}
	varintField := func(num protowire.Number, v uint64) []byte {
		return protowire.AppendVarint(protowire.AppendTag(nil, num, protowire.VarintType), v)
	}
	file1 := bytesField(1, body(bytesField(1, []byte("text/csv")), bytesField(2, big)))
	file2 := bytesField(1, body(bytesField(2, []byte("second")), bytesField(1, []byte("text/plain")), bytesField(2, big[:bodyMin])))
	group := protowire.AppendTag(protowire.AppendTag(nil, 50, protowire.StartGroupType), 50, protowire.EndGroupType)
	cases := map[string][]byte{
		"file twice":               body(file1, varintField(2, 1), file2),
		"data twice":               body(bytesField(1, body(bytesField(2, big), bytesField(2, big[:bodyMin+1])))),
		"data of another type":     body(bytesField(1, body(bytesField(2, big), varintField(2, 3)))),
		"file of another type":     body(file1, varintField(1, 4)),
		"group":                    body(file1, group),
		"truncated":                body(file1, varintField(2, 1))[:bodyMin+10],
		"data longer than message": body(bytesField(1, body(bytesField(1, []byte("x")))), protowire.AppendTag(nil, 1, protowire.BytesType), protowire.AppendVarint(nil, 1<<40), big),
	}
	c := newBodyCodec()
	r := rand.New(rand.NewPCG(3, 4))
	for name, wire := range cases {
		t.Run(name, func(t *testing.T) {
			var want, got benv1.ImportBeneficiariesRequest
			werr := proto.Unmarshal(wire, &want)
			gerr := c.Unmarshal(frames(r, wire), &got)
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("proto: %v, bodyCodec: %v", werr, gerr)
			}
			if werr == nil && !proto.Equal(&got, &want) {
				t.Errorf("bodyCodec read %q (%d bytes), proto %q (%d bytes)", got.GetFile().GetContentType(), len(got.GetFile().GetData()),
					want.GetFile().GetContentType(), len(want.GetFile().GetData()))
			}
		})
	}
}

// A received file is held once (the frames aside): proto's codec copies
// the frames into one buffer and that into the message.
func TestBodyCodecCopiesOnce(t *testing.T) {
	const size = 8 << 20
	m := &benv1.ImportBeneficiariesRequest{File: &httpbody.HttpBody{ContentType: "text/csv", Data: file(size)}}
	wire, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	in := frames(rand.New(rand.NewPCG(5, 6)), wire)
	allocated := func(codec encoding.CodecV2) uint64 {
		var got benv1.ImportBeneficiariesRequest
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if err := codec.Unmarshal(in, &got); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		if len(got.GetFile().GetData()) != size {
			t.Fatalf("%d bytes read", len(got.GetFile().GetData()))
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	if n := allocated(newBodyCodec()); n > size+size/8 {
		t.Errorf("bodyCodec allocated %d bytes to read a file of %d", n, size)
	}
	// And the encoding sent holds the file's own bytes.
	enc, err := newBodyCodec().Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	if last := enc[len(enc)-1].ReadOnlyData(); &last[0] != &m.File.Data[0] {
		t.Error("bodyCodec copied the file it sends")
	}
}

// Whatever comes before and after a large file on the wire, in the request
// or inside the file (other fields, the file's field or its data again,
// garbage), bodyCodec decodes what proto decodes,
// or fails where proto fails. `go test -fuzz FuzzBodyCodec ./pkg/grpcx`
// explores further than the seeds.
func FuzzBodyCodec(f *testing.F) {
	tag := func(num protowire.Number, typ protowire.Type) []byte { return protowire.AppendTag(nil, num, typ) }
	f.Add([]byte{}, []byte{}, uint16(0), uint64(1), false)
	f.Add(protowire.AppendBytes(tag(1, protowire.BytesType), []byte("text/csv")), protowire.AppendBytes(tag(2, protowire.BytesType), []byte("x")), uint16(2), uint64(6), true)
	f.Add(protowire.AppendBytes(tag(6, protowire.BytesType), []byte("req")), protowire.AppendVarint(tag(2, protowire.VarintType), 1), uint16(3), uint64(2), false)
	f.Add(protowire.AppendBytes(tag(1, protowire.BytesType), protowire.AppendBytes(tag(1, protowire.BytesType), []byte("text/csv"))), []byte{0x0a, 0x03, 0x12, 0x01}, uint16(9), uint64(3), false)
	// An unknown field (request_id as a varint) whose value is written in
	// two bytes where one would do: proto keeps those bytes as they came.
	f.Add([]byte("0\xf1\x00"), []byte{}, uint16(19), uint64(162), false)
	f.Add(tag(50, protowire.StartGroupType), tag(50, protowire.EndGroupType), uint16(1), uint64(4), true)
	f.Add([]byte{0xff, 0xff}, protowire.AppendVarint(tag(1, protowire.BytesType), 1<<40), uint16(100), uint64(5), false)
	f.Fuzz(func(t *testing.T, head, tail []byte, extra uint16, seed uint64, inside bool) {
		data := file(bodyMin + int(extra))
		inner := protowire.AppendBytes(tag(2, protowire.BytesType), data)
		if inside {
			inner = bytes.Join([][]byte{head, inner, tail}, nil)
			head, tail = nil, nil
		}
		wire := bytes.Join([][]byte{head, protowire.AppendBytes(tag(1, protowire.BytesType), inner), tail}, nil)
		var want, got benv1.ImportBeneficiariesRequest
		werr := proto.Unmarshal(wire, &want)
		gerr := newBodyCodec().Unmarshal(frames(rand.New(rand.NewPCG(seed, seed)), wire), &got)
		if (werr == nil) != (gerr == nil) {
			t.Fatalf("proto: %v, bodyCodec: %v", werr, gerr)
		}
		if werr == nil && !proto.Equal(&got, &want) {
			t.Fatalf("bodyCodec read %v, proto %v", short(&got), short(&want))
		}
	})
}
