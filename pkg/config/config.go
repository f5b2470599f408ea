// Package config loads typed configuration from environment variables.
//
// A configuration is a struct whose fields carry an `env` tag naming the
// variable, an optional `default`, `required:"true"` for a variable the
// process cannot start without, `secret:"true"` for values that must never
// be logged, and a `help` text (shown by `<binary> --help`, and the list
// docs/operations.md is checked against):
//
//	type Config struct {
//		GRPCAddr    string        `env:"GRPC_ADDR" required:"true" help:"gRPC listen address"`
//		DatabaseURL string        `env:"DATABASE_URL" secret:"true" required:"true" help:"PostgreSQL URL"`
//		Timeout     time.Duration `env:"SHUTDOWN_TIMEOUT" default:"10s" help:"drain time on SIGTERM"`
//	}
//
// Numbers and durations are never negative (no setting means anything by
// one: a negative interval would make its ticker panic); `min:"1ms"` (in
// the field's own type) sets a higher floor for one a zero (or a value too
// small to divide) breaks or would silently stand for something else, and
// `max:"30s"` a ceiling. `oneof:"debug,info,warn,error"` lists the only
// values a string may take (case aside). `https:"true"` makes a URL the
// process fetches something it trusts from (a signing key set) an https
// one; plain http is accepted only to a loopback host (127.0.0.0/8, ::1,
// localhost: a local test issuer), where no one sits in between.
// `hostport:"true"` makes an address host:port (or a gRPC target such as
// dns:///host:port): a URL or a host without its port is refused.
// `zone:"true"` makes a string an IANA time zone name. `origin:"true"`
// makes a string (or each of a list) "*" or a browser origin exactly as a
// browser's Origin header carries it (https://app.example.org:8443).
// `cidr:"true"` makes each of a list an address block (Prefix). Help texts
// and the docs show these bounds. `together:"name"` marks settings that work
// only as a group (an OIDC issuer, its audience and its key set): all of
// the group's variables are given, or none, and a load with only some of
// them names each one given and the ones missing.
//
// A rule across variables (one meaningful only with another, a value
// refused only while another is set) is a method of the struct holding
// them: a struct implementing Checker has its CheckConfig problems refused
// with the others.
//
// Nested structs are walked, so services embed the common platform settings;
// a variable named twice (an embedded struct and the process's own field)
// is described once, by its first occurrence.
package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // zone checks against the zones the processes know
)

// Load fills dst (a pointer to a struct) from the environment.
func Load(dst any) error {
	return LoadFrom(dst, os.LookupEnv)
}

// LoadFrom fills dst using lookup instead of the process environment.
func LoadFrom(dst any, lookup func(string) (string, bool)) error {
	v := reflect.ValueOf(dst)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return errors.New("config: Load needs a pointer to a struct")
	}
	var problems []string
	groups := map[string]*group{}
	var order []string
	walk(v.Elem(), func(f reflect.StructField, fv reflect.Value) {
		name := f.Tag.Get("env")
		raw, ok := lookup(name)
		if g := f.Tag.Get("together"); g != "" {
			if groups[g] == nil {
				groups[g] = &group{}
				order = append(order, g)
			}
			shown := raw
			if f.Tag.Get("secret") == "true" {
				shown = mask(raw)
			}
			groups[g].add(name, shown, ok && raw != "")
		}
		if !ok || raw == "" {
			raw, ok = f.Tag.Lookup("default")
		}
		if !ok {
			if f.Tag.Get("required") == "true" {
				problems = append(problems, name+" is required")
			}
			return
		}
		if err := set(fv, raw); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
			return
		}
		if err := inRange(f, fv); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v (got %s)", name, err, raw))
		}
		if err := oneOf(f, fv); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v (got %q)", name, err, raw))
		}
		if err := secureURL(f, fv); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v (got %q)", name, err, raw))
		}
		if err := hostPort(f, fv); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v (got %q)", name, err, raw))
		}
		if err := zone(f, fv); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v (got %q)", name, err, raw))
		}
		if err := origins(f, fv); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", name, err))
		}
		if err := prefixes(f, fv); err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v (got %q)", name, err, raw))
		}
	})
	for _, g := range order {
		problems = append(problems, groups[g].problems()...)
	}
	for _, p := range checks(v.Elem()) {
		if !slices.Contains(problems, p) { // a rule promoted from an embedded struct runs twice
			problems = append(problems, p)
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("config: %s", strings.Join(problems, "; "))
	}
	return nil
}

// group is the variables of one together tag, in declaration order: those
// given (with their values) and those missing.
type group struct {
	given, values, missing []string
}

func (g *group) add(name, raw string, given bool) {
	if slices.Contains(g.given, name) || slices.Contains(g.missing, name) {
		return // described by its first occurrence
	}
	if given {
		g.given, g.values = append(g.given, name), append(g.values, raw)
	} else {
		g.missing = append(g.missing, name)
	}
}

// problems refuses each variable given without the rest of its group.
func (g *group) problems() []string {
	if len(g.given) == 0 || len(g.missing) == 0 {
		return nil
	}
	var out []string
	for i, name := range g.given {
		out = append(out, fmt.Sprintf("%s: must be set together with %s, or left out with them (got %q)",
			name, andList(g.missing), g.values[i]))
	}
	return out
}

// andList writes names as "A", "A and B", "A, B and C".
func andList(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// Checker is a configuration struct with rules across its variables.
// CheckConfig runs after every variable is set (to its default when
// absent) and returns each problem as "VARIABLE: what to do (got value)".
type Checker interface {
	CheckConfig() []string
}

// checks returns the problems of v's Checker rules and those of the structs
// it holds.
func checks(v reflect.Value) []string {
	var out []string
	if c, ok := v.Interface().(Checker); ok {
		out = append(out, c.CheckConfig()...)
	}
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.IsExported() && f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Time]() {
			out = append(out, checks(v.Field(i))...)
		}
	}
	return out
}

func walk(v reflect.Value, fn func(reflect.StructField, reflect.Value)) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		fv := v.Field(i)
		if !f.IsExported() {
			continue
		}
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeFor[time.Time]() {
			walk(fv, fn)
			continue
		}
		if _, ok := f.Tag.Lookup("env"); ok {
			fn(f, fv)
		}
	}
}

func set(fv reflect.Value, raw string) error {
	switch fv.Interface().(type) {
	case time.Duration:
		d, err := time.ParseDuration(raw)
		if err != nil {
			return err
		}
		fv.SetInt(int64(d))
		return nil
	case []string:
		var parts []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		fv.Set(reflect.ValueOf(parts))
		return nil
	}
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(raw)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return err
		}
		fv.SetBool(b)
	case reflect.Int, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, fv.Type().Bits())
		if err != nil {
			return err
		}
		fv.SetInt(n)
	case reflect.Float64:
		n, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return err
		}
		if math.IsNaN(n) {
			return errors.New("not a number")
		}
		fv.SetFloat(n)
	default:
		return fmt.Errorf("unsupported type %s", fv.Type())
	}
	return nil
}

// inRange checks a number or duration set into fv against zero and the
// field's `min` and `max` tags.
func inRange(f reflect.StructField, fv reflect.Value) error {
	v, ok := number(fv)
	if !ok {
		return nil
	}
	floor, hasMin, err := bound(f, fv, "min")
	if err != nil {
		return err
	}
	ceiling, hasMax, err := bound(f, fv, "max")
	if err != nil {
		return err
	}
	switch {
	case hasMin && v < floor:
		return fmt.Errorf("must be at least %s", f.Tag.Get("min"))
	case hasMax && v > ceiling:
		return fmt.Errorf("must be at most %s", f.Tag.Get("max"))
	case v < 0:
		return errors.New("must not be negative")
	}
	return nil
}

// number returns the value of a number or duration field.
func number(fv reflect.Value) (float64, bool) {
	switch fv.Kind() {
	case reflect.Int, reflect.Int32, reflect.Int64:
		return float64(fv.Int()), true
	case reflect.Float64:
		return fv.Float(), true
	}
	return 0, false
}

// bound reads the field's tag (min or max) in the field's own type.
func bound(f reflect.StructField, fv reflect.Value, tag string) (float64, bool, error) {
	raw, ok := f.Tag.Lookup(tag)
	if !ok {
		return 0, false, nil
	}
	m := reflect.New(fv.Type()).Elem()
	if err := set(m, raw); err != nil {
		return 0, false, fmt.Errorf("bad %s tag: %w", tag, err)
	}
	n, _ := number(m)
	return n, true, nil
}

// oneOf checks a string set into fv against the field's `oneof` tag.
func oneOf(f reflect.StructField, fv reflect.Value) error {
	raw, ok := f.Tag.Lookup("oneof")
	if !ok || fv.Kind() != reflect.String {
		return nil
	}
	allowed := strings.Split(raw, ",")
	for _, a := range allowed {
		if strings.EqualFold(fv.String(), a) {
			return nil
		}
	}
	return fmt.Errorf("must be one of %s", strings.Join(allowed, ", "))
}

// secureURL checks a URL set into a field tagged `https:"true"`: https,
// or http to a loopback host. An empty value is left to `required`.
func secureURL(f reflect.StructField, fv reflect.Value) error {
	if f.Tag.Get("https") != "true" || fv.Kind() != reflect.String || fv.String() == "" {
		return nil
	}
	const want = "must be an https URL (plain http only to a loopback host: 127.0.0.0/8, ::1, localhost)"
	u, err := url.Parse(fv.String())
	if err != nil || u.Host == "" {
		return errors.New(want)
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return nil
	case "http":
		if host := u.Hostname(); strings.EqualFold(host, "localhost") {
			return nil
		} else if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return errors.New(want)
}

// targetSchemes are the gRPC target schemes a `hostport` address may use
// instead (dns:///host:port, unix:/path, ...), whose form gRPC checks.
var targetSchemes = []string{"dns:", "unix:", "unix-abstract:", "passthrough:"}

// hostPort checks an address set into a field tagged `hostport:"true"`:
// host:port with a numeric port (the host may be empty for a listen
// address, ":9090"), or a gRPC target of targetSchemes. A URL
// ("http://referrals:9090") or a host without its port ("referrals",
// which gRPC would dial at port 443) is refused at start rather than
// failing every call. An empty value is left to `required`.
func hostPort(f reflect.StructField, fv reflect.Value) error {
	if f.Tag.Get("hostport") != "true" || fv.Kind() != reflect.String || fv.String() == "" {
		return nil
	}
	v := fv.String()
	for _, s := range targetSchemes {
		if strings.HasPrefix(v, s) {
			return nil
		}
	}
	const want = "must be host:port (e.g. referrals:9090, 0.0.0.0:9090)"
	host, port, err := net.SplitHostPort(v)
	if err != nil || strings.ContainsAny(host, "/ ") {
		return errors.New(want)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errors.New(want)
	}
	return nil
}

// zone checks a time zone set into a field tagged `zone:"true"`: a name
// of the IANA time zone database, which the binary carries (time/tzdata),
// so that a process is refused at start, with its other problems, rather
// than after it has reached PostgreSQL and migrated.
func zone(f reflect.StructField, fv reflect.Value) error {
	if f.Tag.Get("zone") != "true" || fv.Kind() != reflect.String || fv.String() == "" {
		return nil
	}
	if _, err := time.LoadLocation(fv.String()); err != nil {
		return errors.New("is not a time zone (an IANA name such as Europe/Belgrade or Europe/Sarajevo)")
	}
	return nil
}

// origins checks the browser origins set into a field tagged
// `origin:"true"` (a list, or one): each is "*" or an origin as a browser
// sends it in its Origin header, which is compared exactly: http or https,
// the host in lower case (a name in other scripts as its xn-- form), a
// port only when it is not the scheme's own, nothing after it. Anything
// else ("https://app.example.org/", "app.example.org",
// "https://App.example.org", "https://app.example.org:443") would match
// no request and leave the browser app refused without a word; it is
// refused at start, with the form to write when there is one.
func origins(f reflect.StructField, fv reflect.Value) error {
	if f.Tag.Get("origin") != "true" {
		return nil
	}
	var list []string
	switch v := fv.Interface().(type) {
	case []string:
		list = v
	case string:
		if v != "" {
			list = []string{v}
		}
	}
	var bad []string
	for _, o := range list {
		if o == "*" {
			continue
		}
		if want, ok := origin(o); !ok {
			if want != "" {
				bad = append(bad, fmt.Sprintf("%q (write %s)", o, want))
			} else {
				bad = append(bad, strconv.Quote(o))
			}
		}
	}
	if len(bad) == 0 {
		return nil
	}
	verb := " is"
	if len(bad) > 1 {
		verb = " are"
	}
	return errors.New(strings.Join(bad, ", ") + verb +
		" not an origin as a browser sends it (scheme://host or scheme://host:port: http or https, lower case, no path, no default port; or * for any)")
}

// origin reports whether o is an origin as browsers serialize it and, when
// it is not but names one, that origin's serialization.
func origin(o string) (string, bool) {
	u, err := url.Parse(o)
	if err != nil || u.Opaque != "" || u.User != nil || u.Host == "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	for _, r := range host {
		if r > 0x7e {
			return "", false // a browser sends the xn-- form
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	want := scheme + "://" + host
	if port != "" {
		want += ":" + port
	}
	if u.Path != "" && u.Path != "/" {
		return "", false
	}
	return want, want == o
}

// Prefix reads an address block as TRUSTED_PROXIES lists them: a CIDR
// ("10.0.0.0/8") or one address ("10.0.0.5", its /32 or /128).
func Prefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		return netip.ParsePrefix(s)
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// prefixes checks the address blocks set into a list tagged `cidr:"true"`
// (Prefix), so that a typo is refused at start with the other problems,
// not after the process has reached PostgreSQL and migrated.
func prefixes(f reflect.StructField, fv reflect.Value) error {
	list, ok := fv.Interface().([]string)
	if f.Tag.Get("cidr") != "true" || !ok {
		return nil
	}
	var bad []string
	for _, p := range list {
		if _, err := Prefix(p); err != nil {
			bad = append(bad, strconv.Quote(p))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	return fmt.Errorf("%s: not an address block (a CIDR such as 10.0.0.0/8 or 2001:db8::/32, or one address)", strings.Join(bad, ", "))
}

// bounds describes the field's min, max, oneof and https tags for a help text
// ("" without them).
func bounds(f reflect.StructField) string {
	var parts []string
	if m, ok := f.Tag.Lookup("min"); ok {
		parts = append(parts, "at least "+m)
	}
	if m, ok := f.Tag.Lookup("max"); ok {
		parts = append(parts, "at most "+m)
	}
	if o, ok := f.Tag.Lookup("oneof"); ok {
		parts = append(parts, "one of "+strings.Join(strings.Split(o, ","), ", "))
	}
	if f.Tag.Get("https") == "true" {
		parts = append(parts, "https; http only to a loopback host")
	}
	if f.Tag.Get("hostport") == "true" {
		parts = append(parts, "host:port")
	}
	if f.Tag.Get("origin") == "true" {
		parts = append(parts, "origins as browsers send them: https://host or https://host:port, lower case, no path")
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// LogValue renders cfg for a log line with secrets masked and durations
// as they are written ("30s").
func LogValue(cfg any) slog.Value {
	v := reflect.ValueOf(cfg)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	var attrs []slog.Attr
	walk(v, func(f reflect.StructField, fv reflect.Value) {
		name := f.Tag.Get("env")
		if f.Tag.Get("secret") == "true" {
			if fv.IsZero() {
				attrs = append(attrs, slog.String(name, ""))
			} else {
				attrs = append(attrs, slog.String(name, mask(fmt.Sprint(fv.Interface()))))
			}
			return
		}
		if d, ok := fv.Interface().(time.Duration); ok {
			// As the variable is written ("30s"), not in nanoseconds.
			attrs = append(attrs, slog.String(name, d.String()))
			return
		}
		attrs = append(attrs, slog.Any(name, fv.Interface()))
	})
	return slog.GroupValue(attrs...)
}

// Var describes one environment variable of a configuration.
type Var struct {
	Name     string
	Default  string
	Required bool
	Secret   bool
	Help     string
}

// Describe lists the variables of cfg (a struct or a pointer to one) in
// declaration order, each once; a variable's bounds (min, max, oneof) end
// its help text.
func Describe(cfg any) []Var {
	v := reflect.ValueOf(cfg)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	var out []Var
	seen := map[string]bool{}
	walk(v, func(f reflect.StructField, _ reflect.Value) {
		name := f.Tag.Get("env")
		if seen[name] {
			return
		}
		seen[name] = true
		out = append(out, Var{
			Name: name, Default: f.Tag.Get("default"), Required: f.Tag.Get("required") == "true",
			Secret: f.Tag.Get("secret") == "true", Help: f.Tag.Get("help") + bounds(f),
		})
	})
	return out
}

// Usage writes the variables of cfg as a help text: required ones first.
func Usage(w io.Writer, cfg any) {
	vars := Describe(cfg)
	width := 0
	for _, v := range vars {
		width = max(width, len(v.Name))
	}
	for _, required := range []bool{true, false} {
		if required {
			fmt.Fprintln(w, "Required environment variables:")
		} else {
			fmt.Fprintln(w, "\nOptional environment variables (default in brackets):")
		}
		for _, v := range vars {
			if v.Required != required {
				continue
			}
			line := fmt.Sprintf("  %-*s  %s", width, v.Name, v.Help)
			if v.Default != "" {
				line += " [" + v.Default + "]"
			}
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
	}
}

// mask hides a secret but keeps the shape of a URL, so operators can see
// which host and database a process talks to: the user and password are
// hidden, and so is the value of every query parameter (a PostgreSQL URL
// may carry the password, the user or a key's passphrase as parameters:
// ?password=...). A value that is not a URL, or one whose host, path or
// parameter names could hold part of a password (an unescaped "@", "/" or
// "?" in it), is hidden whole, but for its scheme.
func mask(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return "***"
	}
	whole := s[:i+3] + "***"
	u, err := url.Parse(s)
	if err != nil || strings.Contains(u.Host+u.Path+u.Fragment, "@") {
		return whole
	}
	out := s[:i+3]
	if u.User != nil {
		out += "***@"
	}
	out += u.Host + u.EscapedPath()
	if u.RawQuery != "" || u.ForceQuery {
		var params []string
		for _, p := range strings.Split(u.RawQuery, "&") {
			name, _, hasValue := strings.Cut(p, "=")
			if strings.Contains(name, "@") {
				return whole
			}
			if hasValue {
				name += "=***"
			}
			params = append(params, name)
		}
		out += "?" + strings.Join(params, "&")
	}
	return out
}
