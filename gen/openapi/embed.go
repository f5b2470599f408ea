// Package openapi embeds the OpenAPI documents of the whole REST API,
// generated from the protos by `make generate`: the merged Swagger 2.0
// document of protoc-gen-openapiv2, and its OpenAPI 3.1 upgrade
// (tools/openapi/convert.mjs). This file is written by hand.
package openapi

import _ "embed"

// Spec is the Swagger 2.0 document (served at /openapi.json).
//
//go:embed spona.swagger.json
var Spec []byte

// SpecV3 is the OpenAPI 3.1 document (served at /openapi/v3.json).
//
//go:embed spona.openapi.json
var SpecV3 []byte
