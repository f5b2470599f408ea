// Package fieldmask applies the update mask of a PATCH, one way for every
// service (AIP-134).
//
// The transport resolves the mask first (grpcx.UpdatePaths): the paths of
// update_mask when it names any, otherwise the fields present in the body
// (over REST the gateway lists the body's JSON keys; over gRPC the fields
// set in the message). The domain then copies the named fields with Apply:
//
//   - "*" names every updatable field;
//   - a path into a message field ("eligibility.min_age") names that
//     field, which is replaced as a whole;
//   - "id" and "etag" name the resource and the version read, and change
//     nothing (nor do the parent fields a service names, e.g. an
//     indicator's "project_id");
//   - an unknown or read-only path is a violation of update_mask.paths[i];
//   - a mask naming no field to change is a violation of update_mask.
package fieldmask

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spona/spona/pkg/errs"
)

// Field is one updatable field of a resource: its path and how to copy it
// from the patch.
type Field struct {
	Path string
	Set  func()
}

// Apply runs the Set of every field paths name, once each and in the order
// of fields, and returns the paths of the fields it set. It sets nothing
// when the mask is invalid.
func Apply(paths []string, fields ...Field) ([]string, error) {
	named, err := Resolve(paths, Paths(fields))
	if err != nil {
		return nil, err
	}
	for _, f := range fields {
		if slices.Contains(named, f.Path) {
			f.Set()
		}
	}
	return named, nil
}

// Paths lists the paths of fields.
func Paths(fields []Field) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		out[i] = f.Path
	}
	return out
}

// Resolve returns the updatable paths (of updatable, in its order) that
// paths name, with the rules of the package; parents are the fields that
// name the resource's parent, which change nothing like "id".
func Resolve(paths, updatable []string, parents ...string) ([]string, error) {
	var v errs.Violations
	set := make(map[string]bool, len(updatable))
	for i, p := range paths {
		top, _, _ := strings.Cut(p, ".")
		switch {
		case p == "*":
			for _, q := range updatable {
				set[q] = true
			}
		case p == "id" || p == "etag" || slices.Contains(parents, p):
		case slices.Contains(updatable, top):
			set[top] = true
		default:
			v.Add(fmt.Sprintf("update_mask.paths[%d]", i), "%q cannot be updated; one of %s", p, strings.Join(updatable, ", "))
		}
	}
	if len(v) == 0 && len(set) == 0 {
		v.Add("update_mask", "names no field to change: list the fields in update_mask or send them in the body")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	named := make([]string, 0, len(set))
	for _, q := range updatable {
		if set[q] {
			named = append(named, q)
		}
	}
	return named, nil
}
