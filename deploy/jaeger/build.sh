#!/usr/bin/env bash
# Builds a trimmed Jaeger v2 for the trace test (tests/jaeger) and caches it;
# prints the binary's path. Idempotent: a binary built from the same inputs
# (go.mod, go.sum, _trim/, this script) is reused.
#
# The trimmed Jaeger is Jaeger's own code (OTel Collector core, OTLP receiver,
# batch processor, healthcheckv2, jaeger_query with its UI and APIs,
# jaeger_storage_exporter, the memory store) without the other backends,
# receivers and exporters of cmd/jaeger, which make up most of its build time.
# Jaeger keeps those components in internal/ packages, out of reach of the
# OpenTelemetry Collector builder, so this script builds a copy of the pinned
# module with the files in _trim/ laid over it:
#   cmd/jaeger/main.go                       a main without the v1 subcommands
#   cmd/jaeger/internal/components.go        only the components above
#   cmd/jaeger/internal/extension/jaegerstorage/
#                                            memory-only jaeger_storage (replaces the package)
#   internal/storage/v1/factory/             just the ArchiveStorage type that
#                                            cmd/query/app needs (replaces the package)
# deploy/jaeger/config.yaml runs on both this build and the official image.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(awk '{ for (i = 1; i < NF; i++) if ($i == "github.com/jaegertracing/jaeger") { print $(i + 1); exit } }' "$here/go.mod")"
[ -n "$version" ] || { echo "build.sh: no github.com/jaegertracing/jaeger requirement in go.mod" >&2; exit 1; }
cache="${SPONA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spona}/jaeger-$version-trimmed"
bin="$cache/jaeger"
stamp="$(cd "$here" && cat go.mod go.sum build.sh $(find _trim -type f | LC_ALL=C sort) | sha256sum | cut -c1-16)"
if [ -x "$bin" ] && [ "$(cat "$cache/stamp" 2>/dev/null)" = "$stamp" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"
cd "$here"
# The wrapper module is not in go.work. go.sum pins every module (checked by
# -mod=readonly); the checksum database is off because this machine cannot
# reach it, and go.sum makes it unnecessary.
export GOWORK=off GOFLAGS="-mod=readonly -buildvcs=false" GOSUMDB=off CGO_ENABLED=0
go mod download github.com/jaegertracing/jaeger
src="$(go list -m -f '{{.Dir}}' github.com/jaegertracing/jaeger)"
work="$(mktemp -d "$cache/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp -R "$src" "$work/jaeger"
chmod -R u+w "$work/jaeger"
for pkg in cmd/jaeger/internal/extension/jaegerstorage internal/storage/v1/factory; do
  rm -f "$work/jaeger/$pkg"/*.go
done
cp -R _trim/. "$work/jaeger/"
cp go.mod go.sum "$work/"
go mod edit -modfile="$work/go.mod" -replace "github.com/jaegertracing/jaeger=$work/jaeger"
go build -modfile="$work/go.mod" -trimpath -o "$work/jaeger.bin" github.com/jaegertracing/jaeger/cmd/jaeger >&2
mv "$work/jaeger.bin" "$bin"
echo "$stamp" >"$cache/stamp"
echo "$bin"
