package gateway

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/grpc-ecosystem/grpc-gateway/v2/utilities"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Uploads (spreadsheet imports) send a file as the raw request body. After
// routing, limits applies the route's body limit (uploads get their own,
// larger one), and an upload's body is tagged with its Content-Type, length
// and query, and decoded by uploadMarshaler whatever the file's type: the
// service judges the file and says what is wrong with it.
//
//   - A unary RPC (the file is its google.api.HttpBody field) gets the body
//     in that field, read once into one buffer.
//   - A client-streaming RPC gets the body in pieces of uploadPiece bytes,
//     each in a message of its own (the file's data), the first with the
//     query's options and the file's content type, sent as they are read:
//     the edge holds a piece or a few at a time, not the file.
//
// A body the idempotency middleware already read for its hash is handed
// over without a copy (the pieces are parts of it).

// uploadTemplates are the path templates of the upload routes, split into
// segments.
var uploadTemplates = sync.OnceValue(func() [][]string {
	var out [][]string
	for _, r := range AnnotatedRoutes() {
		if r.Upload && r.Method == http.MethodPost {
			out = append(out, splitPath(r.Template))
		}
	}
	return out
})

// IsUpload reports, before routing, whether r is for an upload route (the
// server gives those time to arrive at a minimum rate: pkg/httpserver's
// Uploads).
func IsUpload(r *http.Request) bool {
	if r.Method != http.MethodPost {
		return false
	}
	path := splitPath(r.URL.Path)
	for _, t := range uploadTemplates() {
		if templateMatches(t, path) {
			return true
		}
	}
	return false
}

// splitPath splits a path or a route template into its segments.
func splitPath(p string) []string { return strings.Split(strings.TrimPrefix(p, "/"), "/") }

// templateMatches reports whether a path's segments match a template's
// (splitPath): a variable matches one segment, a variable followed by a
// custom method ({id}:accept) a segment ending in it.
func templateMatches(template, path []string) bool {
	return len(template) == len(path) && slices.EqualFunc(template, path, segmentMatches)
}

func segmentMatches(template, segment string) bool {
	if strings.HasPrefix(template, "{") {
		if end := strings.IndexByte(template, '}'); end > 0 {
			verb := template[end+1:]
			return len(segment) > len(verb) && strings.HasSuffix(segment, verb)
		}
	}
	return template == segment
}

// uploadMIME stands in for an upload's Content-Type while the gateway picks
// the decoder.
const uploadMIME = "application/x-spona-upload"

// uploadBody is an upload's body with the Content-Type, length and query
// it came with.
type uploadBody struct {
	io.ReadCloser
	contentType string
	// size is the Content-Length (-1 unknown).
	size  int64
	query url.Values
}

// uploadPiece is how many bytes of an upload each message of a streaming
// RPC carries (at least grpcx's 64 KiB, so that they are sent without a
// copy).
const uploadPiece = 512 << 10

// bufferedBody is a body already read into memory.
type bufferedBody struct {
	*bytes.Reader
	data []byte
}

func (b *bufferedBody) Close() error { return nil }

// encoded answers 415 (RFC 7694: Accept-Encoding: identity) when r's body
// has a Content-Encoding, which the edge does not decode (the JSON decoder
// would call a gzip body invalid JSON, and the body limit would count its
// compressed size); it reports whether it did.
func encoded(w http.ResponseWriter, r *http.Request, log *slog.Logger) bool {
	enc := r.Header.Get("Content-Encoding")
	if enc == "" || strings.EqualFold(enc, "identity") || r.ContentLength == 0 {
		return false
	}
	w.Header().Set("Accept-Encoding", "identity")
	writeStatusCode(w, r, http.StatusUnsupportedMediaType, status.Convert(grpcx.ToStatus(r.Context(), log, &errs.Error{
		Kind:       errs.KindInvalidArgument,
		Reason:     ReasonUnsupportedMediaType,
		Message:    "Content-Encoding " + enc + " is not supported: send the body uncompressed",
		Violations: []errs.FieldViolation{{Field: "Content-Encoding", Description: "is not supported: send the body uncompressed"}},
	})))
	return true
}

// limit enforces the matched route's body limit and tags uploads; it
// reports whether the request may go on (false: it answered 413).
func limit(w http.ResponseWriter, r *http.Request, upload bool, maxBody, maxUpload int64) bool {
	limit := maxBody
	if upload {
		limit = maxUpload
	}
	if limit > 0 && r.ContentLength > limit {
		writeStatusCode(w, r, http.StatusRequestEntityTooLarge, bodyTooLarge(limit))
		return false
	}
	if limit > 0 && r.Body != nil {
		r.Body = &limitedBody{ReadCloser: http.MaxBytesReader(w, r.Body, limit)}
	}
	if upload {
		r.Body = &uploadBody{ReadCloser: r.Body, contentType: r.Header.Get("Content-Type"), size: r.ContentLength, query: r.URL.Query()}
		r.Header.Set("Content-Type", uploadMIME)
	}
	return true
}

// limitedBody is a body read through http.MaxBytesReader that remembers
// going past the limit: the gateway passes on only the text of a decoding
// error (a streaming RPC's as InvalidArgument), and the error handler
// answers 413 from this (tooLarge), an upload's too (a body sent without
// Content-Length; one declared too large is refused before it is read).
type limitedBody struct {
	io.ReadCloser
	tooLarge *http.MaxBytesError
}

// tooLarge is the limit r's body went past while it was read, an
// upload's included; nil when it did not.
func tooLarge(r *http.Request) *http.MaxBytesError {
	body := r.Body
	if u, ok := body.(*uploadBody); ok {
		body = u.ReadCloser
	}
	if l, ok := body.(*limitedBody); ok {
		return l.tooLarge
	}
	return nil
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		b.tooLarge = mbe
	}
	return n, err
}

// uploadMarshaler decodes a tagged upload into a google.api.HttpBody and
// writes responses as its embedded marshaler does.
type uploadMarshaler struct{ runtime.Marshaler }

func (m uploadMarshaler) NewDecoder(r io.Reader) runtime.Decoder {
	u, _ := r.(*uploadBody)
	if u == nil {
		u = &uploadBody{ReadCloser: io.NopCloser(r), size: -1}
	}
	var pieces *pieceReader
	return runtime.DecoderFunc(func(v any) error {
		switch x := v.(type) {
		case *httpbody.HttpBody:
			return u.readWhole(x)
		case **httpbody.HttpBody:
			if *x == nil {
				*x = &httpbody.HttpBody{}
			}
			return u.readWhole(*x)
		case proto.Message:
			if fd := grpcx.FileField(x.ProtoReflect().Descriptor()); fd != nil {
				if pieces == nil {
					pieces = &pieceReader{u: u}
				}
				return pieces.next(x, fd)
			}
		}
		return status.Error(codes.InvalidArgument, "this route takes a JSON body")
	})
}

// readWhole reads the whole body into hb.
func (u *uploadBody) readWhole(hb *httpbody.HttpBody) error {
	hb.ContentType = u.contentType
	if b, ok := unwrapBuffered(u.ReadCloser); ok {
		hb.Data = b
		return nil
	}
	// Read into one buffer of the announced size (io.ReadAll would
	// grow it step by step, copying the file each time).
	data, err := readSized(u.ReadCloser, u.size)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return status.Error(codes.InvalidArgument, "could not read the request body")
	}
	hb.Data = data
	return nil
}

// pieceReader cuts an upload into the messages of a streaming RPC.
type pieceReader struct {
	u    *uploadBody
	sent int // messages made
	read int64
	done bool
}

// next fills msg with the next piece of the body; io.EOF after the last
// (the first message is made even for an empty body).
func (p *pieceReader) next(msg proto.Message, fd protoreflect.FieldDescriptor) error {
	if p.done {
		return io.EOF
	}
	hb := &httpbody.HttpBody{}
	if p.sent == 0 {
		hb.ContentType = p.u.contentType
		if err := runtime.PopulateQueryParameters(msg, p.u.query, utilities.NewDoubleArray([][]string{{string(fd.Name())}})); err != nil {
			return err
		}
	}
	if b, ok := unwrapBuffered(p.u.ReadCloser); ok {
		// Read before: the pieces are parts of it.
		rest := b[p.read:]
		hb.Data = rest[:min(len(rest), uploadPiece)]
		p.done = len(rest) <= uploadPiece
	} else {
		n := int64(uploadPiece)
		if p.u.size >= 0 {
			n = max(min(n, p.u.size-p.read), 0)
		}
		// A new buffer each time: gRPC may still be sending the last one.
		buf := make([]byte, n)
		got, err := io.ReadFull(p.u.ReadCloser, buf)
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			// The limitedBody read has kept it, for the error handler.
			return err
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			p.done = true
		case err != nil:
			return status.Error(codes.InvalidArgument, "could not read the request body")
		}
		hb.Data = buf[:got]
		p.done = p.done || (p.u.size >= 0 && p.read+int64(got) >= p.u.size)
	}
	if len(hb.Data) == 0 && p.sent > 0 {
		return io.EOF
	}
	p.read += int64(len(hb.Data))
	p.sent++
	msg.ProtoReflect().Set(fd, protoreflect.ValueOfMessage(hb.ProtoReflect()))
	return nil
}

// unwrapBuffered returns the bytes of a body read before (by the
// idempotency middleware), unread since.
func unwrapBuffered(r io.Reader) ([]byte, bool) {
	for {
		switch b := r.(type) {
		case *bufferedBody:
			if b.Len() != len(b.data) {
				return nil, false
			}
			return b.data, true
		default:
			return nil, false
		}
	}
}

// ReasonBodyTooLarge is the reason of the 413 for a body over the route's
// limit (MAX_BODY_BYTES, or IMPORT_MAX_BYTES for an upload).
const ReasonBodyTooLarge = "BODY_TOO_LARGE"

// bodyTooLarge is the refusal of a body over limit bytes.
func bodyTooLarge(limit int64) *status.Status {
	st := status.Newf(codes.InvalidArgument, "request body larger than %d bytes", limit)
	if withInfo, err := st.WithDetails(&errdetails.ErrorInfo{Reason: ReasonBodyTooLarge, Domain: grpcx.ErrorDomain}); err == nil {
		return withInfo
	}
	return st
}
