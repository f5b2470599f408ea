package fieldmask_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spona/spona/pkg/errs"
	"github.com/spona/spona/pkg/fieldmask"
)

type thing struct {
	Name, Note string
	Tags       []string
	Window     struct{ From, To int }
}

func apply(dst *thing, src thing, paths []string) ([]string, error) {
	return fieldmask.Apply(paths,
		fieldmask.Field{Path: "name", Set: func() { dst.Name = src.Name }},
		fieldmask.Field{Path: "note", Set: func() { dst.Note = src.Note }},
		fieldmask.Field{Path: "tags", Set: func() { dst.Tags = src.Tags }},
		fieldmask.Field{Path: "window", Set: func() { dst.Window = src.Window }},
	)
}

func TestResolveParents(t *testing.T) {
	t.Parallel()
	named, err := fieldmask.Resolve([]string{"project_id", "id", "unit"}, []string{"code", "unit"}, "project_id")
	if err != nil || !slices.Equal(named, []string{"unit"}) {
		t.Fatalf("named %v, err %v", named, err)
	}
	if _, err := fieldmask.Resolve([]string{"project_id", "unit"}, []string{"code", "unit"}); err == nil {
		t.Fatal("project_id is no field of this resource")
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	src := thing{Name: "new", Note: "", Tags: []string{"a"}}
	src.Window.From = 3
	tests := []struct {
		name       string
		paths      []string
		want       thing
		named      []string
		violations []string
	}{
		{name: "one field", paths: []string{"name"}, want: thing{Name: "new", Note: "old", Tags: []string{"x"}}, named: []string{"name"}},
		{name: "clears what it names", paths: []string{"note", "name"}, want: thing{Name: "new", Note: "", Tags: []string{"x"}}, named: []string{"name", "note"}},
		{name: "id and etag change nothing", paths: []string{"id", "etag", "tags"}, want: thing{Name: "old", Note: "old", Tags: []string{"a"}}, named: []string{"tags"}},
		{name: "star is every field", paths: []string{"*"}, want: src, named: []string{"name", "note", "tags", "window"}},
		{name: "nested path is its field", paths: []string{"window.from"}, want: func() thing {
			w := thing{Name: "old", Note: "old", Tags: []string{"x"}}
			w.Window.From = 3
			return w
		}(), named: []string{"window"}},
		{name: "repeated paths once", paths: []string{"name", "name"}, want: thing{Name: "new", Note: "old", Tags: []string{"x"}}, named: []string{"name"}},
		{name: "unknown path", paths: []string{"name", "owner"}, violations: []string{"update_mask.paths[1]"}},
		{name: "read-only path", paths: []string{"create_time"}, violations: []string{"update_mask.paths[0]"}},
		{name: "nothing", paths: nil, violations: []string{"update_mask"}},
		{name: "only the version", paths: []string{"etag"}, violations: []string{"update_mask"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := thing{Name: "old", Note: "old", Tags: []string{"x"}}
			before := got
			named, err := apply(&got, src, tt.paths)
			if tt.violations != nil {
				var e *errs.Error
				if !errors.As(err, &e) || e.Kind != errs.KindInvalidArgument {
					t.Fatalf("got %v, want invalid argument", err)
				}
				var fields []string
				for _, v := range e.Violations {
					fields = append(fields, v.Field)
				}
				if !slices.Equal(fields, tt.violations) {
					t.Fatalf("violations %v, want %v", fields, tt.violations)
				}
				if diff := cmp.Diff(before, got); diff != "" {
					t.Fatalf("an invalid mask changed the resource (-before +after):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if !slices.Equal(named, tt.named) {
				t.Errorf("named %v, want %v", named, tt.named)
			}
		})
	}
}
