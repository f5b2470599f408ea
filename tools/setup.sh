#!/usr/bin/env bash
# Usage: tools/setup.sh [-q]
#
# Installs what `make run` and `make test` need besides Go and make, when it
# is missing, and says what it does; when everything is there it only prints
# one summary line (nothing with -q). Run by `make run`, `make test` (both
# with -q) and .ci/run; safe to run again.
#
#   PostgreSQL server binaries (initdb, pg_ctl, postgres; pg_dump) with
#              contrib (pg_trgm, unaccent): every test database and
#              `make run`'s cluster
#   Chromium   the API docs page test (headless)
#   xmllint    validates the IATI exports against the IATI 2.03 schema
#   node, npm  the pinned OpenAPI tools (tools/openapi) and the webhook
#              tests' independent signature check
#   skopeo     inspects the container images (deploy/image) independently
#
# Debian/Ubuntu: apt-get, as root or through sudo. macOS: Homebrew.
# SPONA_SETUP=skip leaves the machine alone (the tests then fail, naming
# what is missing, rather than skip).
set -euo pipefail

case "${1:-}" in
-h | --help)
  # The comment above is the usage.
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0
  ;;
esac
[ "${SPONA_SETUP:-}" = skip ] && exit 0
# -q: say nothing when nothing is missing (make run and make test).
quiet=
[ "${1:-}" = -q ] && quiet=1

say() { echo "setup: $*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

# pg_bin prints the directory holding initdb and pg_ctl, as
# pkg/testkit/pgcluster finds it: $PG_BIN, PATH, the newest Debian
# /usr/lib/postgresql/N/bin, or a Homebrew postgresql@N.
pg_bin() {
  if [ -n "${PG_BIN:-}" ]; then echo "$PG_BIN"; return; fi
  if have initdb; then dirname "$(readlink -f "$(command -v initdb)")"; return; fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin /opt/homebrew/opt/postgresql@*/bin /usr/local/opt/postgresql@*/bin 2>/dev/null | sort -V); do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/pg_dump" ] && echo "$d"
  done | tail -1
}

# pg_contrib: the server finds pg_trgm and unaccent (the contrib extensions
# the migrations create).
pg_contrib() {
  local bin share
  bin="$(pg_bin)"
  [ -n "$bin" ] || return 1
  if [ -x "$bin/pg_config" ]; then
    share="$("$bin/pg_config" --sharedir)"
  else
    # Debian: /usr/lib/postgresql/N/bin -> /usr/share/postgresql/N
    share="/usr/share/postgresql/$(basename "$(dirname "$bin")")"
  fi
  [ -f "$share/extension/pg_trgm.control" ] && [ -f "$share/extension/unaccent.control" ]
}

chromium_bin() {
  local c
  for c in chromium chromium-browser google-chrome; do
    have "$c" && { command -v "$c"; return; }
  done
  for c in "/Applications/Chromium.app/Contents/MacOS/Chromium" "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"; do
    [ -x "$c" ] && { echo "$c"; return; }
  done
  return 1
}

missing=()
{ [ -n "$(pg_bin)" ] && pg_contrib; } || missing+=(postgresql)
chromium_bin >/dev/null || missing+=(chromium)
have xmllint || missing+=(xmllint)
{ have node && have npm; } || missing+=(node)
have skopeo || missing+=(skopeo)

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif have sudo; then
    sudo "$@"
  else
    say "need root to run: $*"
    say "run it as root (or install sudo), then run this again"
    exit 1
  fi
}

if [ ${#missing[@]} -gt 0 ]; then
  case "$(uname -s)" in
  Linux)
    if ! have apt-get; then
      say "missing: ${missing[*]}; this script installs them with apt-get (Debian, Ubuntu) or Homebrew (macOS) only: install them, then run it again"
      exit 1
    fi
    pkgs=()
    for m in "${missing[@]}"; do
      case "$m" in
      postgresql) pkgs+=(postgresql postgresql-contrib) ;;
      chromium)
        # Ubuntu ships chromium as a snap behind chromium-browser; Debian as a package.
        if apt-cache show chromium >/dev/null 2>&1; then pkgs+=(chromium); else pkgs+=(chromium-browser); fi ;;
      xmllint) pkgs+=(libxml2-utils) ;;
      node) pkgs+=(nodejs npm) ;;
      skopeo) pkgs+=(skopeo) ;;
      esac
    done
    say "missing: ${missing[*]}; installing with apt-get: ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends ca-certificates "${pkgs[@]}"
    ;;
  Darwin)
    if ! have brew; then
      say "missing: ${missing[*]}; install Homebrew (https://brew.sh) and run this again"
      exit 1
    fi
    for m in "${missing[@]}"; do
      case "$m" in
      postgresql) say "installing PostgreSQL with Homebrew (postgresql@17; contrib included)"; brew install postgresql@17 ;;
      chromium) say "installing Chromium with Homebrew"; brew install --cask chromium ;;
      xmllint) say "installing xmllint with Homebrew (libxml2)"; brew install libxml2; brew link --force libxml2 ;;
      node) say "installing node and npm with Homebrew"; brew install node ;;
      skopeo) say "installing skopeo with Homebrew"; brew install skopeo ;;
      esac
    done
    ;;
  *)
    say "missing: ${missing[*]}; this script installs them on Debian/Ubuntu and macOS only: install them, then run it again"
    exit 1
    ;;
  esac
fi

# What is still missing now is a failure, named.
still=()
{ [ -n "$(pg_bin)" ] && pg_contrib; } || still+=("PostgreSQL server with contrib (pg_trgm, unaccent)")
chromium_bin >/dev/null || still+=(chromium)
have xmllint || still+=(xmllint)
{ have node && have npm; } || still+=("node and npm")
have skopeo || still+=(skopeo)
if [ ${#still[@]} -gt 0 ]; then
  say "still missing after installing: $(IFS=,; echo "${still[*]}")"
  exit 1
fi

# initdb refuses to run as root: as root, the test clusters and `make run`'s
# run as the postgres user (pkg/testkit/pgcluster).
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  say "adding the system user postgres (initdb refuses to run as root)"
  if have useradd; then
    useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  else
    say "cannot add the postgres user here: add it, or run as another user"
    exit 1
  fi
fi

[ -n "$quiet" ] && [ ${#missing[@]} -eq 0 ] && exit 0
pg="$(pg_bin)"
say "ready: $("$pg/initdb" --version) ($pg), $("$(chromium_bin)" --version 2>/dev/null | head -1 || echo chromium), $(xmllint --version 2>&1 | head -1), node $(node --version), npm $(npm --version), skopeo $(skopeo --version | awk '{print $3}')"
