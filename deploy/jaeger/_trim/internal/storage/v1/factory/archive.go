// Package factory stands in for Jaeger's v1 storage meta-factory in the
// trimmed build: the query app (cmd/query/app) imports it only for the
// ArchiveStorage type of the v1 binaries, and the real package would link
// every v1 backend (Elasticsearch, Cassandra, Badger, Kafka, gRPC).
package factory

import "github.com/jaegertracing/jaeger/internal/storage/v1/api/spanstore"

// ArchiveStorage pairs an archive reader and writer.
type ArchiveStorage struct {
	Reader spanstore.Reader
	Writer spanstore.Writer
}
