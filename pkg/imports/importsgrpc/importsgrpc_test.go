package importsgrpc

import (
	"errors"
	"io"
	"strings"
	"testing"

	pb "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/imports/importsjob"
	"google.golang.org/genproto/googleapis/api/httpbody"
)

// TestTooLargeUploadSaysNoWrongSize: a file sent in pieces is refused as
// soon as it passes IMPORT_MAX_BYTES, and the refusal says the file has
// more than the limit, not a size it does not know. Before, it said "the
// file has N bytes" with N the bytes received so far (21495808 for a 25 MiB
// file under a 20 MiB limit). A whole file still has its size said.
func TestTooLargeUploadSaysNoWrongSize(t *testing.T) {
	env := importsjob.Env{MaxBytes: 1000}
	piece := func(n int) *pb.ImportBeneficiariesRequest {
		return &pb.ImportBeneficiariesRequest{File: &httpbody.HttpBody{Data: make([]byte, n)}}
	}
	sent, pieces := 0, []*pb.ImportBeneficiariesRequest{piece(400), piece(400), piece(400), piece(400), piece(400)}
	recv := func() (*pb.ImportBeneficiariesRequest, error) {
		if sent == len(pieces) {
			return nil, io.EOF
		}
		sent++
		return pieces[sent-1], nil
	}
	_, _, _, err := ReceiveFile(recv, env)
	var e *errs.Error
	if !errors.As(err, &e) || e.Reason != "FILE_TOO_LARGE" {
		t.Fatalf("2000-byte file in pieces: %v; want FILE_TOO_LARGE", err)
	}
	if want := "the file has more than the 1000 bytes accepted (IMPORT_MAX_BYTES); split it"; e.Message != want || sent != 3 {
		t.Errorf("refused after %d pieces: %q; want after 3: %q", sent, e.Message, want)
	}

	file := &httpbody.HttpBody{Data: make([]byte, 2000)}
	_, _, err = TakeFile(&file, env)
	if err == nil || !strings.Contains(err.Error(), "the file has 2000 bytes, more than the 1000 accepted") {
		t.Errorf("whole 2000-byte file: %v", err)
	}
}
