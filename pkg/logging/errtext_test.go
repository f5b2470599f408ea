package logging

import (
	"errors"
	"fmt"
	"testing"
)

type sqlStateError struct{ code, msg string }

func (e *sqlStateError) Error() string    { return "ERROR: " + e.msg + " (SQLSTATE " + e.code + ")" }
func (e *sqlStateError) SQLState() string { return e.code }

// The texts of pgx and PostgreSQL errors keep where they failed and lose the
// value; other errors are as they are (pkg/db has the test against a real
// server).
func TestErrorText(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("get: %w", &sqlStateError{"22P02", `invalid input syntax for type uuid: "Ana Marić"`}),
			"get: ERROR: invalid input syntax for type uuid: (value left out) (SQLSTATE 22P02)"},
		{&sqlStateError{"22003", `value "98765432109" is out of range for type integer`},
			"ERROR: value (value left out) is out of range for type integer (SQLSTATE 22003)"},
		{&sqlStateError{"23505", `duplicate key value violates unique constraint "documents_number_key"`},
			`ERROR: duplicate key value violates unique constraint "documents_number_key" (SQLSTATE 23505)`},
		{fmt.Errorf("failed to encode args[2]: %w", errors.New(`unable to encode []string{"Ana"} into binary format for int4`)),
			"failed to encode args[2]: (value left out)"},
		{fmt.Errorf("list: can't scan into dest[1] (col: name): %w", errors.New(`cannot parse "Ana"`)),
			"list: can't scan into dest[1] (col: name): (value left out)"},
		{errors.New("connection refused"), "connection refused"},
	} {
		if got := ErrorText(c.err); got != c.want {
			t.Errorf("ErrorText(%q) = %q, want %q", c.err, got, c.want)
		}
	}
}
