package service_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spona/spona/pkg/testkit/register"
	"github.com/spona/spona/pkg/testkit/resttest"
	"github.com/spona/spona/services/edge/edgetest"
	"github.com/spona/spona/services/edge/service"
)

// upload sends file to the import route over a connection of its own:
// first bytes at once, the rest in pieces of piece bytes every gap, with
// its Content-Length or chunked, and headers (name, value pairs); it
// returns the answer's status and Status body.
func upload(t *testing.T, base, key string, file []byte, first, piece int, gap time.Duration, chunked bool, headers ...string) (int, map[string]any) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	hdr := "POST /v1/beneficiaries:import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key + "\r\nContent-Type: text/csv\r\n"
	for i := 0; i+1 < len(headers); i += 2 {
		hdr += headers[i] + ": " + headers[i+1] + "\r\n"
	}
	if chunked {
		hdr += "Transfer-Encoding: chunked\r\n\r\n"
	} else {
		hdr += fmt.Sprintf("Content-Length: %d\r\n\r\n", len(file))
	}
	send := func(p []byte) error {
		if chunked {
			_, err := fmt.Fprintf(conn, "%x\r\n%s\r\n", len(p), p)
			return err
		}
		_, err := conn.Write(p)
		return err
	}
	// The answer may come before the whole file (a refusal): the sending
	// stops then.
	type answer struct {
		code int
		raw  []byte
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		_ = conn.SetReadDeadline(time.Now().Add(time.Minute))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		raw, err := io.ReadAll(resp.Body)
		answered <- answer{code: resp.StatusCode, raw: raw, err: err}
	}()
	start := time.Now()
	_, _ = io.WriteString(conn, hdr)
	err = send(file[:first])
pieces:
	for i := first; i < len(file) && err == nil; i += piece {
		select {
		case a := <-answered:
			answered <- a
			break pieces
		case <-time.After(gap):
		}
		err = send(file[i:min(i+piece, len(file))])
	}
	if chunked && err == nil {
		_, _ = io.WriteString(conn, "0\r\n\r\n")
	}
	a := <-answered
	if a.err != nil {
		t.Fatalf("no answer to the upload: %v", a.err)
	}
	t.Logf("upload of %d bytes (chunked %v): %d after %s", len(file), chunked, a.code, time.Since(start).Round(time.Millisecond))
	var body map[string]any
	_ = json.Unmarshal(a.raw, &body)
	return a.code, body
}

// TestSlowUploads: an import may take longer than HTTP_BODY_TIMEOUT while
// it arrives at HTTP_UPLOAD_MIN_RATE or faster; a slower one is answered
// 408 with a Status saying so (with or without an Idempotency-Key), and
// nothing is imported.
func TestSlowUploads(t *testing.T) {
	s := edgetest.Start(t, func(c *service.Config) {
		c.HTTP.BodyTimeout = time.Second // HTTP_UPLOAD_MIN_RATE: the default, 64 KiB/s
	})
	k := s.CreateKey(t, "partner", "Slow Upload NGO")
	// About 5 KiB/s after the first 10 KB, a tenth of the minimum rate.
	for i, headers := range [][]string{nil, {"Idempotency-Key", "slow-upload"}} {
		file := register.CSV(uint64(10+i), 0, 2000)
		code, st := upload(t, s.URL, k.Key, file, 10000, 1000, 200*time.Millisecond, i == 1, headers...)
		msg, _ := st["message"].(string)
		if code != 408 || st["code"] != float64(4) || !strings.Contains(msg, "64 KiB per second") {
			t.Errorf("upload at a tenth of the minimum rate %v: %d %v", headers, code, st)
		}
		ownText(t, "a slow upload", resttest.Response{Status: code, Body: st})
	}
	c := resttest.New(s.URL, k.Key)
	if r := c.Do(t, "GET", "/v1/imports", nil).Must(t, 200); len(r.Body) != 0 {
		t.Errorf("a refused upload was imported: %s", r.Raw)
	}
	// 116 kB over two seconds (about 58 KiB/s after the first 40%): longer
	// than HTTP_BODY_TIMEOUT, within the minimum rate.
	for i, chunked := range []bool{false, true} {
		file := register.CSV(uint64(20+i), 0, 2000)
		first := len(file) * 4 / 10
		code, st := upload(t, s.URL, k.Key, file, first, (len(file)-first)/10+1, 200*time.Millisecond, chunked)
		if code != 200 || st["name"] == nil {
			t.Errorf("upload within the minimum rate (chunked %v): %d %v", chunked, code, st)
		}
	}
}
