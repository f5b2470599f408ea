package logging

import (
	"errors"
	"log/slog"
	"strings"
)

// ErrorText is err's text for a log line or a trace span: err.Error()
// without the values the database driver and PostgreSQL quote in theirs,
// which are a request's or a row's values (a name sent where an id goes, a
// document number): pgx names the argument it could not encode and the
// column it could not scan, and then quotes the value; PostgreSQL's data
// exceptions end their message with it (invalid input syntax for type
// uuid: "…"). What is left says where it failed (the argument's place, the
// column, the type, the SQLSTATE).
func ErrorText(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	for _, at := range []string{"failed to encode args[", "can't scan into dest["} {
		i := strings.Index(s, at)
		if i < 0 {
			continue
		}
		end := i + len(at)
		if j := strings.IndexByte(s[end:], ']'); j >= 0 {
			end += j + 1
			if strings.HasPrefix(s[end:], " (col: ") {
				if k := strings.IndexByte(s[end:], ')'); k >= 0 {
					end += k + 1
				}
			}
		}
		return s[:end] + ": (value left out)"
	}
	var pg interface {
		error
		SQLState() string
	}
	if errors.As(err, &pg) && strings.HasPrefix(pg.SQLState(), "22") {
		whole := pg.Error()
		s = strings.Replace(s, whole, WithoutQuotedValue(whole), 1)
	}
	return s
}

// WithoutQuotedValue is a PostgreSQL data exception's message (SQLSTATE
// class 22) without the value it quotes: from its first double quote to its
// last, wherever in the message it stands (invalid input syntax for type
// date: "…"; value "…" is out of range for type integer).
func WithoutQuotedValue(msg string) string {
	i, j := strings.IndexByte(msg, '"'), strings.LastIndexByte(msg, '"')
	if i < 0 || j <= i {
		return msg
	}
	return msg[:i] + "(value left out)" + msg[j+1:]
}

// Err is the "error" attribute of a log record: ErrorText of err.
func Err(err error) slog.Attr { return slog.String("error", ErrorText(err)) }
