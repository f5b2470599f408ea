package resttest

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// Operation is one REST operation of the OpenAPI (Swagger 2.0) document.
type Operation struct {
	Method   string   // GET, POST, …
	Template string   // /v1/beneficiaries/{beneficiary_id}/assistances
	Vars     []string // path variables, in order
	Body     string   // definition name of the body ("" when none)
	BodyAll  bool     // the body is the whole request message ("*")
	Query    []string // query parameters
}

// Collection is the literal segment before the last variable of a path
// (/v1/trainingEvents/{event_id}/participants → trainingEvents), or the
// last segment of a path without variables.
func (o Operation) Collection() string {
	segs := strings.Split(strings.Trim(o.Template, "/"), "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if strings.HasPrefix(segs[i], "{") && i > 0 {
			return segs[i-1]
		}
	}
	return strings.SplitN(segs[len(segs)-1], ":", 2)[0]
}

// Spec is a parsed OpenAPI document.
type Spec struct {
	Operations  []Operation
	Definitions map[string]Schema
}

// Schema is the part of a Swagger schema the helpers use.
type Schema struct {
	Ref         string            `json:"$ref"`
	AllOf       []Schema          `json:"allOf"` // a $ref with a description beside it
	Type        string            `json:"type"`
	Format      string            `json:"format"`
	Enum        []any             `json:"enum"`
	Items       *Schema           `json:"items"`
	Properties  map[string]Schema `json:"properties"`
	ReadOnly    bool              `json:"readOnly"`
	Additional  json.RawMessage   `json:"additionalProperties"` // a schema or a bool
	Description string            `json:"description"`
}

var varRe = regexp.MustCompile(`\{([^}=]+)(=[^}]*)?\}`)

// ParseSpec reads the operations and definitions of an OpenAPI document.
func ParseSpec(doc []byte) (*Spec, error) {
	var raw struct {
		Paths map[string]map[string]struct {
			Parameters []struct {
				Name   string `json:"name"`
				In     string `json:"in"`
				Schema Schema `json:"schema"`
			} `json:"parameters"`
		} `json:"paths"`
		Definitions map[string]Schema `json:"definitions"`
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	s := &Spec{Definitions: raw.Definitions}
	for path, ops := range raw.Paths {
		for method, op := range ops {
			o := Operation{Method: strings.ToUpper(method), Template: path}
			for _, m := range varRe.FindAllStringSubmatch(path, -1) {
				o.Vars = append(o.Vars, m[1])
			}
			for _, p := range op.Parameters {
				switch p.In {
				case "body":
					o.Body = strings.TrimPrefix(p.Schema.Ref, "#/definitions/")
					o.BodyAll = p.Name == "body"
				case "query":
					o.Query = append(o.Query, p.Name)
				}
			}
			s.Operations = append(s.Operations, o)
		}
	}
	sort.Slice(s.Operations, func(i, j int) bool {
		a, b := s.Operations[i], s.Operations[j]
		if a.Template != b.Template {
			return a.Template < b.Template
		}
		return a.Method < b.Method
	})
	return s, nil
}

// Path fills the operation's path variables with values, in order.
func (o Operation) Path(values ...string) string {
	i := 0
	return varRe.ReplaceAllStringFunc(o.Template, func(string) string {
		v := ""
		if i < len(values) {
			v = values[i]
		}
		i++
		return v
	})
}

// Sample builds a plausible instance of a definition: every writable field
// set, enums to their first real value, ids from ids(field) when it knows
// one. It is a seed for fuzzing and load, not a valid request for sure.
func (s *Spec) Sample(def string, ids func(field string) (string, bool)) map[string]any {
	v, _ := s.sample(Schema{Ref: "#/definitions/" + def}, "", ids, 0).(map[string]any)
	return v
}

func (s *Spec) sample(sc Schema, field string, ids func(string) (string, bool), depth int) any {
	if sc.Ref == "" && len(sc.AllOf) == 1 && !sc.ReadOnly {
		sc = sc.AllOf[0]
	}
	if sc.Ref != "" {
		def, ok := s.Definitions[strings.TrimPrefix(sc.Ref, "#/definitions/")]
		if !ok || depth > 4 {
			return nil
		}
		return s.sample(def, field, ids, depth+1)
	}
	if len(sc.Enum) > 0 {
		if len(sc.Enum) > 1 {
			return sc.Enum[1]
		}
		return sc.Enum[0]
	}
	switch sc.Type {
	case "object", "":
		var add Schema
		if sc.Properties == nil && json.Unmarshal(sc.Additional, &add) == nil {
			return map[string]any{"key": s.sample(add, field, ids, depth+1)}
		}
		out := map[string]any{}
		for name, p := range sc.Properties {
			if p.ReadOnly {
				continue
			}
			if v := s.sample(p, name, ids, depth+1); v != nil {
				out[name] = v
			}
		}
		return out
	case "array":
		if sc.Items == nil {
			return nil
		}
		if v := s.sample(*sc.Items, field, ids, depth+1); v != nil {
			return []any{v}
		}
		return nil
	case "integer":
		if sc.Format == "int64" || sc.Format == "uint64" {
			return "1"
		}
		return 1
	case "number":
		return 1.5
	case "boolean":
		return true
	case "string":
		switch {
		case sc.Format == "date-time":
			return "2025-03-01T09:00:00Z"
		case sc.Format == "byte":
			return "eA=="
		case strings.HasSuffix(field, "_id") || field == "id":
			if ids != nil {
				if id, ok := ids(field); ok {
					return id
				}
			}
			return "0190a1b2-0000-7000-8000-000000000001"
		case strings.HasSuffix(field, "date"):
			return "2025-03-01"
		case field == "country" || field == "nationality":
			return "RS"
		case field == "currency":
			return "EUR"
		case strings.HasSuffix(field, "language") || field == "languages":
			return "sr"
		}
		return "Sample " + field
	}
	return nil
}

// Parameter is one parameter of an operation of an OpenAPI document.
type Parameter struct {
	Name string `json:"name"`
	In   string `json:"in"` // path, query, header, body (2.0)
	// MaxLength is the parameter's (2.0) or its schema's (3.x).
	MaxLength int             `json:"maxLength"`
	Schema    json.RawMessage `json:"schema"`
}

// Parameters returns the parameters of each operation of a Swagger 2.0 or
// OpenAPI 3.x document, keyed "GET /v1/beneficiaries/{id}" (the path as
// the document writes it), with each shared parameter an operation refers
// to (#/parameters/… in 2.0, #/components/parameters/… in 3.x) in its
// place. A reference to a parameter the document does not declare is an
// error.
func Parameters(doc []byte) (map[string][]Parameter, error) {
	type param struct {
		Ref string `json:"$ref"`
		Parameter
	}
	var raw struct {
		Paths      map[string]map[string]struct{ Parameters []param } `json:"paths"`
		Parameters map[string]param                                   `json:"parameters"`
		Components struct {
			Parameters map[string]param `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(doc, &raw); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	out := map[string][]Parameter{}
	for path, ops := range raw.Paths {
		for method, op := range ops {
			key := strings.ToUpper(method) + " " + path
			out[key] = []Parameter{}
			for _, p := range op.Parameters {
				if p.Ref != "" {
					var ok bool
					if name, v2 := strings.CutPrefix(p.Ref, "#/parameters/"); v2 {
						p, ok = raw.Parameters[name]
					} else if name, v3 := strings.CutPrefix(p.Ref, "#/components/parameters/"); v3 {
						p, ok = raw.Components.Parameters[name]
					}
					if !ok {
						return nil, fmt.Errorf("openapi: %s refers to %s, which the document does not declare", key, p.Ref)
					}
				}
				if p.MaxLength == 0 && len(p.Schema) > 0 {
					var s struct {
						MaxLength int `json:"maxLength"`
					}
					_ = json.Unmarshal(p.Schema, &s) // a schema need not be an object of this shape
					p.MaxLength = s.MaxLength
				}
				out[key] = append(out[key], p.Parameter)
			}
		}
	}
	return out, nil
}
