# shellcheck shell=bash
# MongoDB wire protocol: FerretDB v1 (the last line with a built-in SQLite backend), built from the
# Go module proxy. No auth. A real mongod is used instead whenever the tests' MONGO_URL names one.

FERRETDB_VERSION="${CAAS_FERRETDB_VERSION:-v1.24.2}"
FERRETDB_PORT=$((27018 + PORT_OFFSET))
# FerretDB's HTTP debug listener; its /debug/readyz answers 200 once the backend is usable.
FERRETDB_DEBUG_PORT=$((27019 + PORT_OFFSET))
FERRETDB_BIN="$CACHE_DIR/bin/ferretdb-$FERRETDB_VERSION/ferretdb"

# `go install module@version` would build it, but FerretDB panics at start unless its embedded
# build/version/version.txt names the version, and the module zip leaves that file out. So: fetch
# the module, write the file into a copy, build the copy.
mongodb_install() {
  [[ -x "$FERRETDB_BIN" ]] && return 0
  command -v go >/dev/null || die "mongodb: FerretDB is built with Go, and go is not on PATH"
  local module="github.com/FerretDB/FerretDB@$FERRETDB_VERSION" source build="$CACHE_DIR/src/ferretdb-$FERRETDB_VERSION"
  log "mongodb: building FerretDB $FERRETDB_VERSION (a cold build takes a few minutes)"
  source="$(go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$source" ]] || die "mongodb: go mod download $module gave no source directory"
  rm -rf "$build"
  mkdir -p "$(dirname "$build")"
  cp -r "$source" "$build"
  chmod -R u+w "$build"
  echo "$FERRETDB_VERSION" >"$build/build/version/version.txt"
  (cd "$build" && GOFLAGS="-trimpath -buildvcs=false" go build -o "$FERRETDB_BIN.tmp" ./cmd/ferretdb) ||
    die "mongodb: building FerretDB failed"
  mv "$FERRETDB_BIN.tmp" "$FERRETDB_BIN"
  rm -rf "$build"
}

mongodb_start() {
  require_free_port mongodb "$FERRETDB_PORT"
  require_free_port mongodb "$FERRETDB_DEBUG_PORT"
  local dir="$STATE_DIR/ferretdb"
  mkdir -p "$dir/data" "$dir/state"
  start_daemon mongodb "$FERRETDB_BIN" --handler=sqlite --sqlite-url="file:$dir/data/" \
    --listen-addr="127.0.0.1:$FERRETDB_PORT" --debug-addr="127.0.0.1:$FERRETDB_DEBUG_PORT" \
    --state-dir="$dir/state" --telemetry=disable --log-level=info
}

mongodb_ready() {
  curl -sf "http://127.0.0.1:$FERRETDB_DEBUG_PORT/debug/readyz" && port_is_open "$FERRETDB_PORT"
}

mongodb_await() {
  await mongodb 60 mongodb_ready || return 1
  record_engine mongodb "FerretDB $FERRETDB_VERSION (SQLite)" "127.0.0.1:$FERRETDB_PORT"
  env_add "MONGO_URL=mongodb://127.0.0.1:$FERRETDB_PORT/"
}
