package standards

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// HSDSBase is where the HSDS 3.0 schemas are published; the profile
// (openapi.json) refers to them by these URLs.
const HSDSBase = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"

// hsdsFiles maps the published URLs (relative to HSDSBase) to the local
// copies in hsds-3.0/.
var hsdsFiles = map[string]string{
	"openapi.json":                           "openapi.json",
	"compiled/service.json":                  "service.json",
	"compiled/service_list.json":             "service_list.json",
	"compiled/organization.json":             "organization.json",
	"compiled/organization_list.json":        "organization_list.json",
	"compiled/service_at_location.json":      "service_at_location.json",
	"compiled/service_at_location_list.json": "service_at_location_list.json",
	"compiled/service_with_definitions.json": "service_with_definitions.json",
	"taxonomy.json":                          "taxonomy.json",
	"taxonomy_term.json":                     "taxonomy_term.json",
}

// HSDS validates answers of the HSDS API against the profile's response
// schemas (JSON Schema draft 2020-12, formats asserted).
type HSDS struct {
	mu       sync.Mutex
	compiler *jsonschema.Compiler
	schemas  map[string]*jsonschema.Schema
}

var (
	hsdsOnce sync.Once
	hsds     *HSDS
	hsdsErr  error
)

// HSDSSchemas returns the validator, loading the schemas once; a missing
// schema fails t.
func HSDSSchemas(t testing.TB) *HSDS {
	t.Helper()
	dir := filepath.Join(Dir(t), "hsds-3.0")
	hsdsOnce.Do(func() { hsds, hsdsErr = loadHSDS(dir) })
	if hsdsErr != nil {
		t.Fatal(hsdsErr)
	}
	return hsds
}

func loadHSDS(dir string) (*HSDS, error) {
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	// Nothing is fetched: every schema is added here, and a reference to
	// anything else fails to compile.
	c.UseLoader(noNetwork{})
	docs := map[string]any{}
	for rel, file := range hsdsFiles {
		f, err := os.Open(filepath.Join(dir, file))
		if err != nil {
			return nil, fmt.Errorf("HSDS schema %s: %w", rel, err)
		}
		doc, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("HSDS schema %s: %w", rel, err)
		}
		docs[rel] = doc
		if err := c.AddResource(HSDSBase+rel, doc); err != nil {
			return nil, fmt.Errorf("HSDS schema %s: %w", rel, err)
		}
	}
	// taxonomy.json and taxonomy_term.json refer to schema/metadata.json,
	// which the compiled schemas carry inlined (compiled/service.json,
	// properties.metadata.items): that copy stands for it.
	metadata := docs["compiled/service.json"].(map[string]any)["properties"].(map[string]any)["metadata"].(map[string]any)["items"]
	if err := c.AddResource(HSDSBase+"metadata.json", metadata); err != nil {
		return nil, err
	}
	return &HSDS{compiler: c, schemas: map[string]*jsonschema.Schema{}}, nil
}

type noNetwork struct{}

func (noNetwork) Load(url string) (any, error) {
	return nil, fmt.Errorf("%s is not among the local HSDS schemas (no network)", url)
}

// profileSlips are the paths whose 200-response schema in the profile's
// openapi.json contradicts the profile itself, with the schema the profile
// means. GET /service_at_locations/{id} refers to compiled/service.json,
// while its summary, description and operation id
// (getServiceAtLocationWithNestedDataById), and the API reference (its
// response is service at location data, its example a service_at_location)
// all say it returns a fully nested service_at_location.
var profileSlips = map[string]string{
	"/service_at_locations/{id}": "compiled/service_at_location.json",
}

// schema returns the profile's 200-response schema of GET path ("/",
// "/services", "/services/{id}", …).
func (h *HSDS) schema(path string) (*jsonschema.Schema, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if s, ok := h.schemas[path]; ok {
		return s, nil
	}
	pointer := strings.NewReplacer("~", "~0", "/", "~1").Replace(path)
	loc := HSDSBase + "openapi.json#/paths/" + pointer + "/get/responses/200/content/application~1json/schema"
	if rel, ok := profileSlips[path]; ok {
		loc = HSDSBase + rel
	}
	s, err := h.compiler.Compile(loc)
	if err != nil {
		return nil, fmt.Errorf("compile the profile's schema of GET %s: %w", path, err)
	}
	h.schemas[path] = s
	return s, nil
}

// Validate checks an answer of GET path against the profile; it returns
// the validation error, nil when the body is valid.
func (h *HSDS) Validate(path string, body []byte) error {
	s, err := h.schema(path)
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return s.Validate(doc)
}
