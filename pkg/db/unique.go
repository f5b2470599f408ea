package db

import (
	"sync"

	"github.com/spona/spona/pkg/errs"
)

// UniqueKey is what a unique constraint a caller can run into means to
// the caller: the request field whose value takes the key (as the
// request names it: project.code) and why it is refused, a description
// beginning "is already taken" (pkg/i18n localizes it).
type UniqueKey struct {
	Field, Description string
}

// uniqueKeys holds the named keys by schema and constraint.
var uniqueKeys sync.Map // schema + "." + constraint → UniqueKey

// NameUniqueKeys names the fields of schema's unique constraints (by
// constraint or unique index name) that a request can run into, such as a
// project code another project of the organisation has. Error then refuses
// a write that takes one of those keys with an AlreadyExists error naming
// the field (a field violation, 409 at the edge) instead of the
// constraint. The adapters owning the tables call it when they are made;
// calling it again with the same keys changes nothing.
func NameUniqueKeys(schema string, keys map[string]UniqueKey) {
	for constraint, k := range keys {
		uniqueKeys.Store(schema+"."+constraint, k)
	}
}

// uniqueKeyError is the refusal of a write that ran into a named unique
// key; nil when the constraint has no name for callers.
func uniqueKeyError(schema, constraint string, cause error) error {
	v, ok := uniqueKeys.Load(schema + "." + constraint)
	if !ok {
		return nil
	}
	k, _ := v.(UniqueKey)
	e := errs.Wrap(errs.KindAlreadyExists, cause, k.Field+" "+k.Description)
	e.Violations = []errs.FieldViolation{{Field: k.Field, Description: k.Description}}
	return e
}
