//go:build tools

// Package tools pins the Jaeger module that build.sh trims and builds; tidy
// against the whole command keeps go.sum complete for any trimmed subset.
package tools

import _ "github.com/jaegertracing/jaeger/cmd/jaeger"
