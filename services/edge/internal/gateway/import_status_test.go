package gateway_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	benv1 "github.com/spona/spona/gen/go/spona/beneficiaries/v1"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/grpcx"
	"google.golang.org/grpc"
)

// importRefusals is a BeneficiaryImportService on loopback gRPC that
// refuses every upload as the imports do a repeated one, by request id:
// "reused" as a request id used for another file or options, "busy" as a
// repeat of an upload in progress, "deadlock" as a change that ran into
// another, anything else as a stale write.
type importRefusals struct {
	benv1.UnimplementedBeneficiaryImportServiceServer
}

func (importRefusals) ImportBeneficiaries(stream grpc.ClientStreamingServer[benv1.ImportBeneficiariesRequest, longrunningpb.Operation]) error {
	first, err := stream.Recv()
	if err != nil {
		return err
	}
	for {
		if _, err := stream.Recv(); err != nil {
			break
		}
	}
	e := &errs.Error{Kind: errs.KindAborted, Message: "the resource was changed since it was read"}
	switch first.GetRequestId() {
	case "reused":
		e = &errs.Error{Kind: errs.KindInvalidArgument, Reason: errs.ReasonRequestIDReused, Message: "request id used for another import"}
	case "busy":
		e = &errs.Error{Kind: errs.KindAborted, Reason: errs.ReasonUploadInProgress, Message: "an upload with this request id is in progress"}
	case "deadlock":
		e = errs.ConcurrentUpdate(nil)
	}
	return grpcx.ToStatus(stream.Context(), slog.Default(), e)
}

// TestImportRefusalStatus: the imports' refusals of a repeated upload get
// the HTTP answers of the edge's Idempotency-Key: a request id reused for
// a different request is 422, a repeat of one in progress is 409 with
// Retry-After (another 409 has none).
func TestImportRefusalStatus(t *testing.T) {
	url, _ := startGateway(t)
	for _, tc := range []struct {
		requestID  string
		status     int
		retryAfter string
	}{
		{"reused", http.StatusUnprocessableEntity, ""},
		{"busy", http.StatusConflict, "1"},
		// A change that ran into another (a deadlock) may be retried as
		// it is: Retry-After, and with an Idempotency-Key not replayed.
		{"deadlock", http.StatusConflict, "1"},
		{"other", http.StatusConflict, ""},
	} {
		req, err := http.NewRequest("POST", url+"/v1/beneficiaries:import?request_id="+tc.requestID, strings.NewReader("ime,prezime\nA,B\n"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+testKey)
		req.Header.Set("Content-Type", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tc.status || resp.Header.Get("Retry-After") != tc.retryAfter {
			t.Errorf("request id %q: HTTP %d Retry-After %q, want %d %q: %s", tc.requestID, resp.StatusCode,
				resp.Header.Get("Retry-After"), tc.status, tc.retryAfter, body)
		}
	}
}
