#!/usr/bin/env bash
# Builds Jaeger v2 (github.com/jaegertracing/jaeger/cmd/jaeger) once and caches
# the binary; prints its path. Idempotent: an existing binary is reused.
# Jaeger's dependency graph is large: expect several minutes the first time.
set -euo pipefail
VERSION=v1.76.0
cache="${SPONA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spona}/jaeger-$VERSION"
bin="$cache/jaeger"
if [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi
mkdir -p "$cache"
cd "$(dirname "$0")"
# The wrapper module is not in go.work. go.sum pins what was built here; the
# checksum database is off because this machine cannot reach it.
export GOWORK=off GOFLAGS="-mod=mod -buildvcs=false" GOSUMDB=off CGO_ENABLED=0
tmp="$cache/jaeger.tmp.$$"
go build -trimpath -o "$tmp" github.com/jaegertracing/jaeger/cmd/jaeger >&2
mv "$tmp" "$bin"
echo "$bin"
