package gateway

import (
	"bytes"
	"errors"
	"io"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/api/httpbody"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Uploads (spreadsheet imports) send a file as the raw request body. After
// routing, limits applies the route's body limit (uploads get their own,
// larger one), and an upload's body is tagged with its Content-Type and
// decoded by uploadMarshaler into the RPC's google.api.HttpBody as it is,
// whatever the file's type: the service judges the file and says what is
// wrong with it. Read once, and held once: a body the idempotency
// middleware already read for its hash is handed over without a copy.

// uploadMIME stands in for an upload's Content-Type while the gateway picks
// the decoder.
const uploadMIME = "application/x-spona-upload"

// uploadBody is an upload's body with the Content-Type and length it came
// with.
type uploadBody struct {
	io.ReadCloser
	contentType string
	// size is the Content-Length (-1 unknown).
	size int64
}

// bufferedBody is a body already read into memory.
type bufferedBody struct {
	*bytes.Reader
	data []byte
}

func (b *bufferedBody) Close() error { return nil }

// limit enforces the matched route's body limit and tags uploads; it
// reports whether the request may go on (false: it answered 413).
func limit(w http.ResponseWriter, r *http.Request, upload bool, maxBody, maxUpload int64) bool {
	limit := maxBody
	if upload {
		limit = maxUpload
	}
	if limit > 0 && r.ContentLength > limit {
		writeStatusCode(w, r, http.StatusRequestEntityTooLarge, status.Newf(codes.InvalidArgument, "request body larger than %d bytes", limit))
		return false
	}
	if limit > 0 && r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
	}
	if upload {
		r.Body = &uploadBody{ReadCloser: r.Body, contentType: r.Header.Get("Content-Type"), size: r.ContentLength}
		r.Header.Set("Content-Type", uploadMIME)
	}
	return true
}

// uploadMarshaler decodes a tagged upload into a google.api.HttpBody and
// writes responses as its embedded marshaler does.
type uploadMarshaler struct{ runtime.Marshaler }

func (m uploadMarshaler) NewDecoder(r io.Reader) runtime.Decoder {
	return runtime.DecoderFunc(func(v any) error {
		var hb *httpbody.HttpBody
		switch x := v.(type) {
		case *httpbody.HttpBody:
			hb = x
		case **httpbody.HttpBody:
			if *x == nil {
				*x = &httpbody.HttpBody{}
			}
			hb = *x
		default:
			return status.Error(codes.InvalidArgument, "this route takes a JSON body")
		}
		size := int64(-1)
		if u, ok := r.(*uploadBody); ok {
			hb.ContentType, size = u.contentType, u.size
			r = u.ReadCloser
		}
		if b, ok := unwrapBuffered(r); ok {
			hb.Data = b
			return nil
		}
		// Read into one buffer of the announced size (io.ReadAll would
		// grow it step by step, copying the file each time).
		data, err := readSized(r, size)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return err
			}
			return status.Error(codes.InvalidArgument, "could not read the request body")
		}
		hb.Data = data
		return nil
	})
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
