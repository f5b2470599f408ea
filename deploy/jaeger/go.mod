// Wrapper module that builds Jaeger v2 (all-in-one) from the Go module proxy
// for the trace test; see build.sh. Deliberately not part of go.work: its
// dependency tree stays out of Spona's modules.
module github.com/spona/spona/deploy/jaeger

go 1.26

require github.com/jaegertracing/jaeger v1.76.0
