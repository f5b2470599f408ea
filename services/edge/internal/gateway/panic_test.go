package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	adminv1 "github.com/spona/spona/gen/go/spona/admin/v1"
	"github.com/spona/spona/pkg/auth"
	"github.com/spona/spona/pkg/testkit/syncbuf"
	"github.com/spona/spona/services/edge/internal/gateway"
)

// panickingKeys is the edge's own key service (it runs in the request, not
// behind a gRPC server's recovery) with a bug: it panics with a value
// formatted from what it read.
type panickingKeys struct {
	adminv1.UnimplementedApiKeyServiceServer
}

func (panickingKeys) ListApiKeys(context.Context, *adminv1.ListApiKeysRequest) (*adminv1.ListApiKeysResponse, error) {
	var byName map[string]int
	name := "Ana Horvat-Pavlović"
	if byName[name] == 0 {
		panic(fmt.Sprintf("no key named for %s", name))
	}
	return nil, nil
}

// TestPanicAnsweredAndLoggedWithoutItsValue: a request whose handling at
// the edge panics is answered 500 with a Status body (INTERNAL, "internal
// error"), and the panic is logged at error level with its type and where,
// not its value. Before, net/http recovered it: the client's connection was
// dropped without an answer, and the panic, value and all, went to the HTTP
// server's error log, which the edge writes at debug level only.
func TestPanicAnsweredAndLoggedWithoutItsValue(t *testing.T) {
	var logs syncbuf.Buffer
	h, err := gateway.New(context.Background(), gateway.Options{
		Log:          slog.New(slog.NewJSONHandler(&logs, nil)),
		Auth:         keyTable{testKey: {ClientID: "ops", Scopes: auth.AdminScopes}},
		Backends:     gateway.Backends{APIKeys: panickingKeys{}},
		MaxBodyBytes: 1 << 20,
		// A panic after the answer began: the connection is cut, so the
		// client cannot take the half answer for a whole one.
		Middleware: []gateway.Middleware{func(next http.Handler) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/v1/halfway" {
					next.ServeHTTP(w, r)
					return
				}
				w.Header().Set("Content-Length", "100")
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write([]byte(`{"name":`))
				panic("halfway through Ana Horvat")
			})
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(h)
	defer hs.Close()
	req, err := http.NewRequest("GET", hs.URL+"/v1/apiKeys", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	resp, err := hs.Client().Do(req)
	if err != nil {
		t.Fatalf("no answer to a request whose handling panicked: %v", err)
	}
	defer resp.Body.Close()
	var st struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || resp.StatusCode != 500 || st.Code != 13 || st.Message != "internal error" {
		t.Errorf("answer: HTTP %d %+v (%v); want 500 INTERNAL internal error", resp.StatusCode, st, err)
	}
	if resp, err := hs.Client().Get(hs.URL + "/v1/halfway"); err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Errorf("a half answer read whole (HTTP %d)", resp.StatusCode)
		}
	}
	if strings.Contains(logs.String(), "Horvat") {
		t.Errorf("the panic's value is in the log: %s", logs.String())
	}
	var line struct {
		Level, Msg string
		Panic      struct{ Type, At string }
	}
	for l := range strings.Lines(logs.String()) {
		if strings.Contains(l, "ListApiKeys") {
			_ = json.Unmarshal([]byte(l), &line)
			break
		}
	}
	if line.Level != "ERROR" || line.Panic.Type != "string" || !strings.Contains(line.Panic.At, "panickingKeys.ListApiKeys") {
		t.Errorf("want an error line with the panic's type and where; log: %s", logs.String())
	}
}
