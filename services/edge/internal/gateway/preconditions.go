package gateway

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/etag"
	"github.com/spona/spona/pkg/grpcx"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// HTTP's conditional requests (RFC 9110) over the API's etags (pkg/etag):
//
//   - an answer that is one resource with an etag carries it in the ETag
//     header (etagHeader), as in its body;
//   - a read (GET, HEAD) with If-Match naming no etag of what it answers
//     is 412 Precondition Failed (ETAG_MISMATCH); * matches any answer, and
//     an answer with no etag (a list, a file) matches nothing else (RFC
//     9110 section 13.1.1);
//   - a read with If-None-Match naming the etag of the resource it
//     answers, or *, is 304 Not Modified with the ETag and no body
//     (notModified); * is that for every read, one answering no etag (a
//     list) too, as there is a current answer (RFC 9110 section 13.1.2);
//     any other If-None-Match is answered in full; If-Match is evaluated
//     first (RFC 9110 section 13.2.2);
//   - the conditions are evaluated on a read's answer, so a read that is
//     refused (404, 403) is refused whatever they say (RFC 9110 section
//     13.2.1);
//   - If-Match on a route that takes an etag (an update's resource etag, a
//     delete's or a custom method's etag) is that etag: the edge puts it in
//     the request's field (ifMatchConn), and a stale one is 412 Precondition
//     Failed instead of the body etag's 409; one that differs from an etag
//     the body gives too is 400;
//   - If-Match on a route that changes something and takes no etag, and
//     If-None-Match on any change, are 400 (the condition could not be
//     kept), as is an If-Match that is no etag of this API (nor *).
//
// If-None-Match compares tags as RFC 9110's weak comparison does (etag.Same):
// W/"7" and "7" are one tag, and W/"7" is not W/"7-overdue", the etag a
// referral of version 7 reads once it is overdue (etag.OfState), so a
// conditional read sees a change of what the resource shows. If-Match
// compares the versions the tags name (etag.Version): W/"7", "7" and
// W/"7-overdue" name version 7. RFC 9110 prescribes for If-Match the
// strong comparison, which
// no weak tag passes, and every etag of this API is weak (the JSON of one
// version differs by the caller's language and grants, and its spacing by
// build): strictly, every If-Match would fail. The edge compares versions
// instead, deliberately: a resource's version changes with every change to
// its data, so a matching one keeps exactly what If-Match is for, that no
// change made since the read is overwritten.
//
// The body's etag works as before, without the headers.

// IfMatchHeader is the request header holding the etag a change is made
// against.
const IfMatchHeader = "If-Match"

// IfNoneMatchHeader is the request header of a conditional read: the
// etags the client holds (or *).
const IfNoneMatchHeader = "If-None-Match"

// etagField is the path, in a route's request message, of the etag the
// route takes ("" if none): the request's own etag field (a delete, a
// custom method), or the etag of the resource an update (PATCH) sends as
// its body. A create's resource has an etag too, which it does not take.
func etagField(r Route) string {
	if isEtag(r.Input.Fields().ByName("etag")) {
		return "etag"
	}
	if r.Method == http.MethodPatch && r.Body != "" && r.Body != "*" {
		if f := r.Input.Fields().ByName(protoreflect.Name(r.Body)); f != nil && f.Message() != nil && isEtag(f.Message().Fields().ByName("etag")) {
			return r.Body + ".etag"
		}
	}
	return ""
}

func isEtag(fd protoreflect.FieldDescriptor) bool {
	return fd != nil && fd.Kind() == protoreflect.StringKind && !fd.IsList()
}

// precondition is an If-Match etag and the request field it goes in.
type precondition struct{ field, etag string }

type preconditionKey struct{}

// tagList is a read's If-Match or If-None-Match: its tags, or any (*).
type tagList struct {
	tags []string
	any  bool
}

func newTagList(tags []string) tagList { return tagList{tags: tags, any: slices.Contains(tags, "*")} }

// unlessMatchKey holds a read's If-None-Match, ifMatchKey its If-Match.
type (
	unlessMatchKey struct{}
	ifMatchKey     struct{}
)

// headerTags returns the entity tags of a header holding a list of them
// (If-Match, If-None-Match), in every field line it was sent in.
func headerTags(h http.Header, name string) []string {
	var tags []string
	for _, v := range h.Values(name) {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" {
				tags = append(tags, t)
			}
		}
	}
	return tags
}

// preconditions reads r's If-Match and If-None-Match for the route: the
// request's context carries an If-Match etag for ifMatchConn when the
// route takes one, and a read's If-Match and If-None-Match for etagHeader.
// An If-Match that is no single etag of this API, or on a change that
// takes none, a read's If-Match naming something that is no etag of this
// API nor *, and an If-None-Match on a change, are refused (400 naming the
// header). (HEAD comes here as GET: headAsGet.)
func (m *matched) preconditions(r *http.Request) (*http.Request, error) {
	var v errs.Violations
	if r.Method == http.MethodGet {
		ctx := r.Context()
		// A header sent empty (or of commas only) names no etag: refused,
		// as a value that is no etag is, rather than read as absent.
		for _, h := range []string{IfMatchHeader, IfNoneMatchHeader} {
			if len(r.Header.Values(h)) > 0 && len(headerTags(r.Header, h)) == 0 {
				v.Add(h, `must be etags as read from ETag headers (W/"<version>"), or *`)
				return r, v.Err()
			}
		}
		if tags := headerTags(r.Header, IfMatchHeader); len(tags) > 0 {
			for _, t := range tags {
				if _, ok := etag.Version(t); !ok && t != "*" {
					v.Add(IfMatchHeader, `must be etags as read from ETag headers (W/"<version>"), or *`)
					return r, v.Err()
				}
			}
			ctx = context.WithValue(ctx, ifMatchKey{}, newTagList(tags))
		}
		if tags := headerTags(r.Header, IfNoneMatchHeader); len(tags) > 0 {
			ctx = context.WithValue(ctx, unlessMatchKey{}, newTagList(tags))
		}
		return r.WithContext(ctx), nil
	}
	if len(r.Header.Values(IfNoneMatchHeader)) > 0 {
		v.Add(IfNoneMatchHeader, "is taken only by reads (GET, HEAD), not by %s %s: send If-Match with the etag read to make a change against it", m.Method, m.Template)
		return r, v.Err()
	}
	if len(r.Header.Values(IfMatchHeader)) == 0 {
		return r, nil
	}
	tags := headerTags(r.Header, IfMatchHeader)
	version, known := int64(0), false
	if len(tags) == 1 {
		version, known = etag.Version(tags[0])
	}
	switch {
	case m.Etag == "":
		v.Add(IfMatchHeader, "is not taken by %s %s, which has no etag", m.Method, m.Template)
	case len(tags) != 1:
		v.Add(IfMatchHeader, `must be one etag, as read from the resource's ETag header (W/"<version>")`)
	case tags[0] == "*":
		v.Add(IfMatchHeader, `must be the etag read from the resource's ETag header (W/"<version>"), not *`)
	case !known:
		v.Add(IfMatchHeader, `must be an etag as read from the resource's ETag header, W/"<version>"`)
	}
	if err := v.Err(); err != nil {
		return r, err
	}
	return r.WithContext(context.WithValue(r.Context(), preconditionKey{}, precondition{field: m.Etag, etag: etag.Of(version)})), nil
}

// ifMatchConn puts the If-Match etag of the request a call is made for
// (ifMatch) in the call's etag field, refusing one that differs from the
// etag the body gives.
type ifMatchConn struct {
	grpc.ClientConnInterface
	log *slog.Logger
}

func (c ifMatchConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	if p, ok := ctx.Value(preconditionKey{}).(precondition); ok {
		if m, ok := args.(proto.Message); ok {
			if err := p.apply(m.ProtoReflect()); err != nil {
				return grpcx.ToStatus(ctx, c.log, err)
			}
		}
	}
	return c.ClientConnInterface.Invoke(ctx, method, args, reply, opts...)
}

// apply sets the field of p in msg to its etag.
func (p precondition) apply(msg protoreflect.Message) error {
	path := strings.Split(p.field, ".")
	for _, name := range path[:len(path)-1] {
		fd := msg.Descriptor().Fields().ByName(protoreflect.Name(name))
		if fd == nil || fd.Message() == nil {
			return nil
		}
		msg = msg.Mutable(fd).Message()
	}
	fd := msg.Descriptor().Fields().ByName(protoreflect.Name(path[len(path)-1]))
	if !isEtag(fd) {
		return nil
	}
	if given := msg.Get(fd).String(); given != "" && !sameVersion(given, p.etag) {
		var v errs.Violations
		v.Add(IfMatchHeader, "differs from the etag the body gives (%s): send one of them, or the same in both", p.field)
		return v.Err()
	}
	msg.Set(fd, protoreflect.ValueOfString(p.etag))
	return nil
}

// sameVersion reports whether etags a and b name one version (an etag of
// a derived state, W/"7-overdue", names version 7 as W/"7" does).
func sameVersion(a, b string) bool {
	x, ok := etag.Version(a)
	y, ok2 := etag.Version(b)
	return ok && ok2 && x == y
}

// etagHeader sets the ETag header of an answer that is one resource with
// an etag (the message the HTTP body holds: the response, or its
// response_body field), and evaluates a read's conditions on the answer:
// one whose If-Match names neither its etag nor * gets errIfMatchFailed
// (412), and then one whose If-None-Match names its etag, or *, gets
// errNotModified (304), instead of the body (the error handler answers
// them).
func etagHeader(ctx context.Context, w http.ResponseWriter, resp proto.Message) error {
	tag := answerEtag(resp)
	if tag != "" {
		w.Header().Set("ETag", tag)
	}
	if m, ok := ctx.Value(ifMatchKey{}).(tagList); ok && !m.matches(tag, sameVersion) {
		return errIfMatchFailed
	}
	if u, ok := ctx.Value(unlessMatchKey{}).(tagList); ok && u.matches(tag, etag.Same) {
		return errNotModified
	}
	return nil
}

// answerEtag is the etag of an answer that is one resource with an etag
// (the message the HTTP body holds: the response, or its response_body
// field), "" for any other.
func answerEtag(resp proto.Message) string {
	if rb, ok := resp.(interface{ XXX_ResponseBody() any }); ok {
		if body, ok := rb.XXX_ResponseBody().(proto.Message); ok {
			resp = body
		}
	}
	if resp == nil {
		return ""
	}
	msg := resp.ProtoReflect()
	if !msg.IsValid() {
		return ""
	}
	fd := msg.Descriptor().Fields().ByName("etag")
	if !isEtag(fd) {
		return ""
	}
	return msg.Get(fd).String()
}

// matches reports whether the list names current, or is any (*), by
// same: for If-None-Match the weak comparison of whole tags (etag.Same),
// so W/"7" no longer matches once the same version reads W/"7-overdue"
// (etag.OfState); for If-Match the version the tags name (sameVersion).
// An answer without an etag (current "") matches only *.
func (u tagList) matches(current string, same func(a, b string) bool) bool {
	if u.any {
		return true
	}
	for _, t := range u.tags {
		if same(t, current) {
			return true
		}
	}
	return false
}

// errNotModified is etagHeader's way to answer 304 (notModified) instead
// of the resource.
var errNotModified = errors.New("not modified")

// errIfMatchFailed is etagHeader's way to answer 412 to a read whose
// If-Match names no etag of its answer.
var errIfMatchFailed = errors.New("if-match failed")

// ifMatchFailed is the 412 answer of a read whose If-Match names no etag
// of its answer (the ETag header, set, has the current one): an etag
// mismatch, as a change's stale If-Match is.
func ifMatchFailed(ctx context.Context, log *slog.Logger, w http.ResponseWriter, r *http.Request) {
	msg := "the resource was changed since it was read: If-Match names no current etag of it (the ETag header has it); read it again without If-Match"
	if w.Header().Get("ETag") == "" {
		msg = "If-Match names an etag, and the answer of " + r.URL.Path + " has none (it is not one resource): send If-Match only with the etag of a resource, or *"
	}
	err := &errs.Error{Kind: errs.KindAborted, Reason: etag.ReasonMismatch, Message: msg}
	// What the service said of the answer not sent (a download's file
	// name, its language) does not describe this one.
	w.Header().Del("Content-Disposition")
	w.Header().Del("Content-Language")
	writeStatusCode(w, r, http.StatusPreconditionFailed, status.Convert(grpcx.ToStatus(ctx, log, err)))
}

// notModified answers 304 Not Modified: the headers a 200 would have had
// (the ETag, Cache-Control), none describing a body (RFC 9110 section
// 15.4.5).
func notModified(w http.ResponseWriter) {
	h := w.Header()
	h.Del("Content-Type")
	h.Del("Content-Length")
	w.WriteHeader(http.StatusNotModified)
}

// jsonMedia is the media type of every request body but an upload's.
const jsonMedia = "application/json"

// notJSON refuses, with 415 naming application/json, a request body sent
// to a JSON route (every route with a body but the uploads, which take
// the file's own type) under another Content-Type (text/plain, a form),
// or a charset other than UTF-8; it reports whether it did. A body without
// a Content-Type is read as JSON.
func (m *matched) notJSON(w http.ResponseWriter, r *http.Request, log *slog.Logger) bool {
	ct := r.Header.Get("Content-Type")
	if m.Upload || m.Body == "" || ct == "" || r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return false
	}
	media, params, err := mime.ParseMediaType(ct)
	charset, hasCharset := params["charset"]
	if err == nil && media == jsonMedia && (!hasCharset || strings.EqualFold(charset, "utf-8")) {
		return false
	}
	what := "Content-Type " + media
	switch {
	case err != nil:
		what = "a Content-Type that is no media type"
	case media == jsonMedia:
		what = "charset " + charset
	}
	const rule = "send the body as JSON, Content-Type: application/json (charset=utf-8 may be given)"
	if r.Method == http.MethodPatch {
		w.Header().Set("Accept-Patch", jsonMedia)
	}
	writeStatusCode(w, r, http.StatusUnsupportedMediaType, status.Convert(grpcx.ToStatus(r.Context(), log, &errs.Error{
		Kind:       errs.KindInvalidArgument,
		Reason:     ReasonUnsupportedMediaType,
		Message:    what + " is not supported on " + m.Method + " " + m.Template + ": " + rule,
		Violations: []errs.FieldViolation{{Field: "Content-Type", Description: "must be " + jsonMedia + ": " + rule}},
	})))
	return true
}

// answerMedia is the media type of a route's answers ("" when the request
// chooses it): JSON, but for the routes answering a file
// (google.api.HttpBody), whose type is the one their query asks for (a
// template's, an export's format), and the HSDS API's, which is JSON too.
func (r Route) answerMedia() string {
	switch {
	case r.Answer == nil || r.Answer.FullName() != "google.api.HttpBody":
		return jsonMedia
	case IsHSDS(r.Template):
		return jsonMedia
	}
	return ""
}

// notAcceptable refuses, with 406 Not Acceptable naming application/json,
// a request whose Accept header accepts no JSON, on a route that answers
// JSON (answerMedia), before it is forwarded (a write refused for its
// Accept is not made); it reports whether it did. No Accept, one that
// cannot be read, and the file downloads, whose query chooses the type,
// are answered as they are (RFC 9110 section 12.5.1 lets a server
// disregard Accept).
func (m *matched) notAcceptable(w http.ResponseWriter, r *http.Request, log *slog.Logger) bool {
	media := m.answerMedia()
	if media == "" || accepts(r.Header.Values("Accept"), media) {
		return false
	}
	rule := "every answer of " + m.Method + " " + m.Template + " is " + media + ": send Accept: " + media + " (or */*), or no Accept"
	writeStatusCode(w, r, http.StatusNotAcceptable, status.Convert(grpcx.ToStatus(r.Context(), log, &errs.Error{
		Kind:       errs.KindInvalidArgument,
		Reason:     ReasonNotAcceptable,
		Message:    "the Accept header accepts no " + media + ": " + rule,
		Violations: []errs.FieldViolation{{Field: "Accept", Description: "must accept " + media + ": " + rule}},
	})))
	return true
}

// accepts reports whether the Accept field lines accept media (a
// type/subtype without parameters): the most specific range naming it
// (type/subtype, then type/*, then */*; a lone *, as some clients send, is
// */*) has a q above 0 (RFC 9110 section 12.5.1). Parameters other than q
// are not compared. No Accept, or one with a range that is no media range
// or a q that is no number, accepts everything (it is disregarded).
func accepts(lines []string, media string) bool {
	typ, _, _ := strings.Cut(media, "/")
	best, q, seen := -1, 0.0, false
	for _, line := range lines {
		for _, el := range strings.Split(line, ",") {
			if el = strings.TrimSpace(el); el == "" {
				continue
			}
			seen = true
			if el == "*" || strings.HasPrefix(el, "*;") {
				el = "*/*" + strings.TrimPrefix(el, "*")
			}
			rng, params, err := mime.ParseMediaType(el)
			if err != nil || !strings.Contains(rng, "/") {
				return true
			}
			weight := 1.0
			if v, ok := params["q"]; ok {
				if weight, err = strconv.ParseFloat(v, 64); err != nil || weight < 0 || weight > 1 {
					return true
				}
			}
			rt, rs, _ := strings.Cut(rng, "/")
			specific := -1
			switch {
			case rng == media:
				specific = 2
			case rt == typ && rs == "*":
				specific = 1
			case rng == "*/*":
				specific = 0
			}
			if specific > best {
				best, q = specific, weight
			}
		}
	}
	return !seen || (best >= 0 && q > 0)
}
