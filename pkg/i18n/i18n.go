// Package i18n gives every error a google.rpc.LocalizedMessage in the
// language a partner asks for with Accept-Language: English (en), Serbian in
// Latin and Cyrillic script (sr-Latn, sr-Cyrl), Bosnian (bs) and Croatian
// (hr); English when none of them is asked for.
//
// The edge localizes every google.rpc.Status it writes (Localize), from what
// the status says in a machine-readable way: its code, the reason of its
// google.rpc.ErrorInfo (ETAG_MISMATCH, ILLEGAL_TRANSITION, CONSENT_REQUIRED,
// …) and, per field violation, the description's pattern ("is required",
// "must be a UUID", …). The English `message` is never changed.
package i18n

import (
	"fmt"
	"regexp"
	"strings"

	"golang.org/x/text/language"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
)

// Languages are the supported locales, the default first.
var Languages = []string{"en", "sr-Latn", "sr-Cyrl", "bs", "hr"}

var matcher = language.NewMatcher([]language.Tag{
	language.English, language.MustParse("sr-Latn"), language.MustParse("sr-Cyrl"), language.MustParse("bs"), language.Croatian,
})

// Negotiate picks the supported locale that best fits an Accept-Language
// header ("sr" alone is Cyrillic, as CLDR has it); "en" when none fits.
// The edge's error texts and the directory's HSDS answers both negotiate
// with it (Match).
func Negotiate(acceptLanguage string) string {
	if l, ok := Match(acceptLanguage); ok {
		return l
	}
	return Languages[0]
}

// Match is the supported locale that best fits an Accept-Language header,
// and false when none does (no header, nothing parseable, or only
// languages Spona does not speak). A tag the matcher finds no fit for is
// retried by its base language before the next one is looked at, as
// RFC 4647 lookup truncates a range: "bs-Cyrl" (Bosnian is official in both
// scripts) is Bosnian rather than nothing, and so English.
func Match(acceptLanguage string) (string, bool) {
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return "", false
	}
	for i, t := range tags {
		if _, _, conf := matcher.Match(t); conf != language.No {
			continue
		}
		if base, conf := t.Base(); conf == language.Exact {
			tags[i] = language.Make(base.String())
		}
	}
	_, i, conf := matcher.Match(tags...)
	if conf == language.No {
		return "", false
	}
	return Languages[i], true
}

// text is one message in every supported language.
type text map[string]string

// Localize returns st with a google.rpc.LocalizedMessage in lang added to
// its details (replacing one already there) and a localized message on each
// field violation of its google.rpc.BadRequest. An OK status is returned as
// it is.
func Localize(st *status.Status, lang string) *status.Status {
	if st == nil || st.Code() == codes.OK {
		return st
	}
	if _, ok := catalogue[lang]; !ok {
		lang = Languages[0]
	}
	var reason text
	fields := false
	var details []protoadapt.MessageV1
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.LocalizedMessage:
			continue
		case *errdetails.ErrorInfo:
			reason = reasonText(d)
		case *errdetails.BadRequest:
			for _, fv := range d.GetFieldViolations() {
				fields = true
				fv.LocalizedMessage = &errdetails.LocalizedMessage{Locale: lang, Message: violation(fv.GetDescription(), lang)}
			}
		}
		if m, ok := d.(protoadapt.MessageV1); ok {
			details = append(details, m)
		}
	}
	msg := reason
	switch {
	case msg != nil:
	case st.Code() == codes.InvalidArgument && !fields:
		msg = invalidNoFields
	default:
		msg = byCode[st.Code()]
		if msg == nil {
			msg = byCode[codes.Internal]
		}
	}
	details = append(details, &errdetails.LocalizedMessage{Locale: lang, Message: msg[lang]})
	p := st.Proto()
	p.Details = nil
	out, err := status.FromProto(p).WithDetails(details...)
	if err != nil {
		return st
	}
	return out
}

// The google.rpc.ErrorInfo metadata of a ROWS_INVALID refusal (an
// all-or-nothing import that wrote nothing), imports.RowsInvalid's: how
// many data rows, and how many cells of the header row, have problems.
// They choose its text (TestRowsInvalidLocalized reads them from
// imports.RowsInvalid).
const (
	invalidRowsKey    = "invalid_rows"
	headerProblemsKey = "header_problems"
)

// reasonText is the text of an ErrorInfo's reason (nil for a reason
// without one). A ROWS_INVALID whose header row has problems names the
// header row: alone when no data row has any, rather than "some rows".
func reasonText(info *errdetails.ErrorInfo) text {
	t := byReason[info.GetReason()]
	md := info.GetMetadata()
	if info.GetReason() != "ROWS_INVALID" || md[headerProblemsKey] == "" || md[headerProblemsKey] == "0" {
		return t
	}
	if md[invalidRowsKey] == "0" {
		return rowsInvalidHeader
	}
	return rowsInvalidBoth
}

// violationText is a field violation description pattern and its message.
type violationText struct {
	re  *regexp.Regexp
	msg text // {1}, {2}: the pattern's groups
}

func violation(desc, lang string) string {
	if s, ok := header(desc, lang); ok {
		return s
	}
	if s, ok := fill(violations, desc, lang); ok {
		return s
	}
	return invalidValue[lang]
}

// fill is the text in lang of the first of list whose pattern reads desc,
// with the pattern's groups in its places.
func fill(list []violationText, desc, lang string) (string, bool) {
	for _, v := range list {
		if m := v.re.FindStringSubmatch(desc); m != nil {
			s := v.msg[lang]
			for i, g := range m[1:] {
				s = strings.ReplaceAll(s, fmt.Sprintf("{%d}", i+1), g)
			}
			return s, true
		}
	}
	return "", false
}

// catalogue lists every message per language (for tests and the fallback).
var catalogue = func() map[string][]string {
	out := map[string][]string{}
	add := func(t text) {
		for _, l := range Languages {
			out[l] = append(out[l], t[l])
		}
	}
	for _, t := range byCode {
		add(t)
	}
	for _, t := range byReason {
		add(t)
	}
	for _, v := range violations {
		add(v.msg)
	}
	for _, v := range problems {
		add(v.msg)
	}
	for _, v := range headers {
		add(v.msg)
	}
	add(hiddenHeader)
	add(rowsInvalidHeader)
	add(rowsInvalidBoth)
	add(invalidValue)
	add(invalidNoFields)
	return out
}()
