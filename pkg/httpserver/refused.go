package httpserver

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"sync"
)

// Refused writes the answer to a request net/http refuses before any
// handler sees it: a request line or request target that does not parse
// (GET /v1/beneficiaries/%zz), headers over the limit (431), a header name
// that is not a token, no Host, a Transfer-Encoding it does not know, a
// protocol version it does not speak. net/http answers those in plain text
// of its own; with Refused, the handler's own error body is written
// instead, in the language the request asks for. status is net/http's
// (400, 431, 501, 505); message says what is wrong ("" when net/http did
// not say); r holds what could be read of the refused request: Method,
// RequestURI as sent (URL is nil when it does not parse) and its headers
// (Accept-Language), as far as they came in the first 4 KiB. Connection:
// close is set before: net/http closes the connection after.
func Refused(write func(w http.ResponseWriter, r *http.Request, status int, message string)) Option {
	return func(s *Server) { s.refused = write }
}

// maxHeaderBytes is net/http's MaxHeaderBytes of the server.
const maxHeaderBytes = 64 << 10

// headCap is how much of a request's start a refusingConn keeps: its
// request line and the headers a refusal reads (Accept-Language).
const headCap = 4 << 10

// refusingConn replaces net/http's plain-text refusals with the answer
// Refused writes. It keeps the start of each request it reads (up to
// headCap, until the end of its headers) so that the answer is in the
// request's language; a response written marks the start of the next
// request.
type refusingConn struct {
	net.Conn
	s *Server

	mu     sync.Mutex
	head   []byte
	inHead bool
}

func (c *refusingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		if c.inHead {
			from := max(0, len(c.head)-3)
			c.head = append(c.head, p[:min(n, headCap-len(c.head))]...)
			if len(c.head) >= headCap || bytes.Contains(c.head[from:], []byte("\r\n\r\n")) {
				c.inHead = false
			}
		}
		c.mu.Unlock()
	}
	return n, err
}

func (c *refusingConn) Write(p []byte) (int, error) {
	if status, msg, ok := plainRefusal(p); ok {
		return c.refuse(len(p), status, msg)
	}
	c.mu.Lock()
	c.head, c.inHead = c.head[:0], true
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// CloseWrite lets net/http half-close the connection after a 431, so that
// the client reads the answer rather than a reset.
func (c *refusingConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// plainHeaders follow the status line of every refusal net/http writes
// itself (server.go: errorHeaders). A handler's answer never has them so:
// net/http writes its headers sorted, Connection before Content-Type.
const plainHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// plainRefusal reads net/http's own refusal from a write to the connection:
// its status and what it says after the status text ("" when nothing).
func plainRefusal(p []byte) (status int, message string, ok bool) {
	rest, ok := bytes.CutPrefix(p, []byte("HTTP/1.1 "))
	if !ok || len(rest) < 4 || rest[3] != ' ' {
		return 0, "", false
	}
	end := bytes.Index(rest, []byte("\r\n"))
	if end < 0 || !bytes.HasPrefix(rest[end:], []byte(plainHeaders)) {
		return 0, "", false
	}
	status, err := strconv.Atoi(string(rest[:3]))
	if err != nil || status < 400 {
		return 0, "", false
	}
	_, message, _ = strings.Cut(string(rest[4:end]), ": ")
	if status == http.StatusRequestHeaderFieldsTooLarge {
		message = "request headers larger than " + bytesText(maxHeaderBytes)
	}
	return status, message, true
}

// refuse writes Refused's answer in place of net/http's n bytes.
func (c *refusingConn) refuse(n, status int, message string) (int, error) {
	c.mu.Lock()
	r := partialRequest(c.head)
	c.mu.Unlock()
	w := &bufferedAnswer{header: http.Header{}, status: http.StatusOK}
	w.header.Set("Connection", "close")
	c.s.refused(w, r, status, message)
	var out bytes.Buffer
	fmt.Fprintf(&out, "HTTP/1.1 %d %s\r\n", w.status, http.StatusText(w.status))
	w.header.Set("Content-Length", strconv.Itoa(w.body.Len()))
	_ = w.header.Write(&out)
	out.WriteString("\r\n")
	out.Write(w.body.Bytes())
	if _, err := c.Conn.Write(out.Bytes()); err != nil {
		return 0, err
	}
	return n, nil
}

// partialRequest is what head, the start of a request net/http refused,
// says of it: its request line and the headers that parse.
func partialRequest(head []byte) *http.Request {
	r := &http.Request{Header: http.Header{}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1}
	tp := textproto.NewReader(bufio.NewReader(bytes.NewReader(head)))
	line, err := tp.ReadLine()
	if err != nil {
		return r
	}
	if method, rest, ok := strings.Cut(line, " "); ok {
		r.Method = method
		r.RequestURI, _, _ = strings.Cut(rest, " ")
		r.URL, _ = url.ParseRequestURI(r.RequestURI)
	}
	for {
		kv, err := tp.ReadLine()
		if err != nil || kv == "" {
			return r
		}
		if k, v, ok := strings.Cut(kv, ":"); ok && k != "" && !strings.ContainsAny(k, " \t") {
			r.Header.Add(textproto.CanonicalMIMEHeaderKey(k), strings.TrimSpace(v))
		}
	}
}

// bufferedAnswer is the http.ResponseWriter Refused writes to.
type bufferedAnswer struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (w *bufferedAnswer) Header() http.Header { return w.header }

func (w *bufferedAnswer) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
}

func (w *bufferedAnswer) Write(p []byte) (int, error) {
	w.wrote = true
	return w.body.Write(p)
}
