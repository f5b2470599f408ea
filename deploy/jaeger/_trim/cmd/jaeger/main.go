// Command jaeger is Spona's trimmed Jaeger v2 (see deploy/jaeger/build.sh):
// the collector command of cmd/jaeger/internal without the v1 subcommands
// (docs, Elasticsearch mappings), which would link the Elasticsearch client.
package main

import (
	"log"

	"github.com/jaegertracing/jaeger/cmd/jaeger/internal"
	"github.com/jaegertracing/jaeger/internal/version"
)

func main() {
	cmd := internal.Command()
	cmd.AddCommand(version.Command())
	if err := cmd.Execute(); err != nil {
		log.Fatal(err)
	}
}
