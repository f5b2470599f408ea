// Package protoenum converts protobuf enums to the lower-case codes the
// domain uses and back: LEGAL_STATUS_ASYLUM_SEEKER <-> "asylum_seeker".
// The gRPC ports use it so domain code never sees generated types.
package protoenum

import (
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

func prefix(d protoreflect.EnumDescriptor) string {
	zero := string(d.Values().ByNumber(0).Name())
	return strings.TrimSuffix(zero, "UNSPECIFIED")
}

// Code returns the domain code of e: "" for the zero value, the number for a
// value the schema does not know (so validation can refuse it).
func Code(e protoreflect.Enum) string {
	if e.Number() == 0 {
		return ""
	}
	v := e.Descriptor().Values().ByNumber(e.Number())
	if v == nil {
		return strconv.Itoa(int(e.Number()))
	}
	return strings.ToLower(strings.TrimPrefix(string(v.Name()), prefix(e.Descriptor())))
}

// Codes maps Code over a slice.
func Codes[E protoreflect.Enum](es []E) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, Code(e))
	}
	return out
}

// Parse returns the enum value of a domain code, the zero value for "" or an
// unknown code.
func Parse[E interface {
	protoreflect.Enum
	~int32
}](code string) E {
	var zero E
	if code == "" {
		return zero
	}
	d := zero.Descriptor()
	v := d.Values().ByName(protoreflect.Name(prefix(d) + strings.ToUpper(code)))
	if v == nil {
		return zero
	}
	return E(v.Number())
}

// Pass returns the enum value Code gave code for, for a code passed on to
// another service to check: a known code's value, and, unlike Parse, the
// number of a value the schema does not know (Code keeps it as "999"), so
// the other service refuses it as unknown rather than as missing. Any
// other code is the zero value.
func Pass[E interface {
	protoreflect.Enum
	~int32
}](code string) E {
	if n, err := strconv.ParseInt(code, 10, 32); err == nil && n > 0 {
		return E(n)
	}
	return Parse[E](code)
}

// ParseAll maps Parse over a slice.
func ParseAll[E interface {
	protoreflect.Enum
	~int32
}](codes []string) []E {
	out := make([]E, 0, len(codes))
	for _, c := range codes {
		out = append(out, Parse[E](c))
	}
	return out
}

// Values lists the codes of every non-zero value of the enum type of zero.
func Values(zero protoreflect.Enum) []string {
	d := zero.Descriptor()
	p := prefix(d)
	out := Names(d)
	for i, n := range out {
		out[i] = strings.ToLower(strings.TrimPrefix(n, p))
	}
	return out
}

// Names lists the names of every non-zero value of d (URGENCY_HIGH, ...),
// the values a client may give an enum field.
func Names(d protoreflect.EnumDescriptor) []string {
	var out []string
	for i := 0; i < d.Values().Len(); i++ {
		if v := d.Values().Get(i); v.Number() != 0 {
			out = append(out, string(v.Name()))
		}
	}
	return out
}
