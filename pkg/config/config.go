// Package config loads typed configuration from environment variables.
//
// A configuration is a struct whose fields carry an `env` tag naming the
// variable, an optional `default`, and `secret:"true"` for values that must
// never be logged:
//
//	type Config struct {
//		GRPCAddr    string        `env:"GRPC_ADDR" default:":9101"`
//		DatabaseURL string        `env:"DATABASE_URL" secret:"true"`
//		Timeout     time.Duration `env:"SHUTDOWN_TIMEOUT" default:"10s"`
//	}
//
// Nested structs are walked, so services embed the common platform settings.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
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
	walk(v.Elem(), func(f reflect.StructField, fv reflect.Value) {
		name := f.Tag.Get("env")
		raw, ok := lookup(name)
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
		}
	})
	if len(problems) > 0 {
		return fmt.Errorf("config: %s", strings.Join(problems, "; "))
	}
	return nil
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
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil {
			return err
		}
		fv.SetInt(n)
	case reflect.Float64:
		n, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return err
		}
		fv.SetFloat(n)
	default:
		return fmt.Errorf("unsupported type %s", fv.Type())
	}
	return nil
}

// LogValue renders cfg for a log line with secrets masked.
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
		attrs = append(attrs, slog.Any(name, fv.Interface()))
	})
	return slog.GroupValue(attrs...)
}

// mask hides a secret but keeps the shape of a URL so operators can see which
// host a service talks to.
func mask(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			return s[:i+3] + "***@" + rest[at+1:]
		}
		return s
	}
	return "***"
}
