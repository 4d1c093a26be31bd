package gateway

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fuzzTimeLimit bounds one document's import and export, fuzzing
// instrumentation included; real imports take microseconds to
// milliseconds.
const fuzzTimeLimit = 5 * time.Second

// FuzzParseDefinition: any input is refused with a *DefinitionError or
// compiled, never a panic, within bounded time; and whatever compiles
// exports to OpenAPI 3.0.1 that compiles to the same Definition, from the
// document and from the Definition alone. The seeds are whole SAM
// documents, so a short minimize time keeps the workers fuzzing rather
// than shrinking:
//
//	go test ./internal/gateway/ -run '^$' -fuzz FuzzParseDefinition -fuzztime 60s -fuzzminimizetime 3s
func FuzzParseDefinition(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "openapi", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		doc, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc, false)
		f.Add(doc, true)
	}
	for _, doc := range [][]byte{
		opDoc(`{"x-amazon-apigateway-integration": LAMBDA, "security": [{"A": ["s"]}]}`, `"components": {"securitySchemes": {"A": COGNITO}}`),
		integrationDoc(`MOCK`),
		api(`"paths": {"$default": {"x-amazon-apigateway-any-method": {"x-amazon-apigateway-integration": LAMBDA}}}, "x-amazon-apigateway-cors": {"allowOrigins": ["*"]}`),
		[]byte("a: &a [1, 2]\nb: [*a, *a]\nc: {<<: {x: 1}}\n"),
		[]byte(`{"swagger": "2.0", "paths": {"/a/{b}": {"get": {"parameters": [{"in": "body", "name": "b"}]}}}}`),
		validatedDoc("all"),
	} {
		f.Add(doc, false)
		f.Add(doc, true)
	}
	f.Fuzz(func(t *testing.T, doc []byte, http bool) {
		proto := REST
		if http {
			proto = HTTP
		}
		start := time.Now()
		def, err := ParseDefinition(doc, proto, testRegion, testAccount)
		if elapsed := time.Since(start); elapsed > fuzzTimeLimit {
			t.Fatalf("ParseDefinition took %v for %d bytes", elapsed, len(doc))
		}
		if err != nil {
			var de *DefinitionError
			if !errors.As(err, &de) {
				t.Fatalf("error %T %v is not a *DefinitionError", err, err)
			}
			return
		}
		for _, src := range [][]byte{doc, nil} {
			start := time.Now()
			out, err := ExportOAS30(def, src, testServer)
			if err != nil {
				t.Fatalf("ExportOAS30 (document %t): %v", src != nil, err)
			}
			again, err := ParseDefinition(out, proto, testRegion, testAccount)
			if err != nil {
				t.Fatalf("the export (document %t) does not import: %v\n%s", src != nil, err, out)
			}
			want := def
			if src == nil {
				// Validators come only from an imported document, and an
				// API with a document exports from it: the export from the
				// Definition alone (APIs made without one) has none to carry.
				want = withoutValidation(def)
			}
			if !equivalent(want, again) {
				t.Fatalf("the export (document %t) imports differently:\n%+v\n%+v\n%s", src != nil, def, again, out)
			}
			if elapsed := time.Since(start); elapsed > fuzzTimeLimit {
				t.Fatalf("the export round trip took %v", elapsed)
			}
		}
	})
}

func withoutValidation(d *Definition) *Definition {
	c := *d
	c.Routes = append([]Route(nil), d.Routes...)
	for i := range c.Routes {
		c.Routes[i].Validation = nil
	}
	return &c
}
