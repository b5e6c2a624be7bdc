# shellcheck shell=bash
# MongoDB wire protocol: FerretDB v1 (the last line with a built-in SQLite backend), built from the
# Go module proxy. No auth. A real mongod is used instead whenever the tests' MONGO_URL names one.
#
# Backend: CAAS_FERRETDB_BACKEND=postgresql (default) runs FerretDB on Debian's PostgreSQL, started
# in the same process group (so down.sh stops both); =sqlite runs it on SQLite files. PostgreSQL is
# the default because it takes concurrent writers in parallel where SQLite takes them one at a time:
# docs/benchmarks.md ("Send, cluster mode") has both measured under the send benchmark.

FERRETDB_VERSION="${CAAS_FERRETDB_VERSION:-v1.24.2}"
FERRETDB_PORT=$((27018 + PORT_OFFSET))
# FerretDB's HTTP debug listener; its /debug/readyz answers 200 once the backend is usable.
FERRETDB_DEBUG_PORT=$((27019 + PORT_OFFSET))
FERRETDB_BIN="$CACHE_DIR/bin/ferretdb-$FERRETDB_VERSION/ferretdb"
FERRETDB_BACKEND="${CAAS_FERRETDB_BACKEND:-postgresql}"
FERRETDB_POOL_MAX_CONNS=500   # FerretDB's PostgreSQL pool: see mongodb_start_on_postgres
# PostgreSQL listens on a unix socket in the state dir only: nothing else on the machine can clash.
POSTGRES_BIN_DIR=""

# `go install module@version` would build it, but FerretDB panics at start unless its embedded
# build/version/version.txt names the version, and the module zip leaves that file out. So: fetch
# the module, write the file into a copy, build the copy.
# The newest installed PostgreSQL's bin directory (Debian keeps them under /usr/lib/postgresql/N/bin).
postgres_bin_dir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -x "$dir/postgres" ]] && echo "$dir"
}

mongodb_install() {
  if [[ "$FERRETDB_BACKEND" == postgresql ]]; then
    postgres_bin_dir >/dev/null || ensure_command /usr/lib/postgresql/15/bin/postgres postgresql
    ensure_engine_user
  fi
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
  local ferretdb=("$FERRETDB_BIN" --listen-addr="127.0.0.1:$FERRETDB_PORT" --debug-addr="127.0.0.1:$FERRETDB_DEBUG_PORT"
    --state-dir="$dir/state" --telemetry=disable --log-level=info)
  case "$FERRETDB_BACKEND" in
    sqlite) start_daemon mongodb "${ferretdb[@]}" --handler=sqlite --sqlite-url="file:$dir/data/" ;;
    postgresql) mongodb_start_on_postgres "$dir" "${ferretdb[@]}" ;;
    *) die "mongodb: CAAS_FERRETDB_BACKEND must be postgresql or sqlite, not $FERRETDB_BACKEND" ;;
  esac
}

# A throwaway PostgreSQL cluster (no fsync: test data) owned by the engine user, then FerretDB on it,
# both in one process group under one pid file.
mongodb_start_on_postgres() {
  local dir="$1"; shift
  local bin pg="$dir/postgres" as_user=(setpriv --reuid="$ENGINE_USER" --regid="$ENGINE_USER" --clear-groups)
  bin="$(postgres_bin_dir)" || die "mongodb: PostgreSQL is not installed"
  mkdir -p "$pg"
  chown "$ENGINE_USER:" "$pg"
  "${as_user[@]}" "$bin/initdb" -D "$pg/data" -U ferretdb --auth=trust -E UTF8 >"$LOG_DIR/postgres-initdb.log" 2>&1 ||
    { print_log_tail "$LOG_DIR/postgres-initdb.log"; die "mongodb: initdb failed"; }
  # FerretDB v1 keeps the connection its update, delete or findAndModify read from while it takes a
  # second one from its pool to write: with as many of those at once as the pool has connections,
  # every one waits for a second connection nobody gives back, and FerretDB answers nothing again,
  # not even a ping (100 concurrent updateOne from one full driver pool did it to a pool of 64). Its
  # pool is sized above the connections its clients can open at once (the driver's default pool is
  # 100 per client; a test run has a few clients busy at a time), and PostgreSQL above the pool.
  local url="postgres://ferretdb@/ferretdb?host=$pg&pool_max_conns=$FERRETDB_POOL_MAX_CONNS"
  local script
  script="$(printf '%q ' "${as_user[@]}" "$bin/postgres" -D "$pg/data" -k "$pg" -c listen_addresses= \
    -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=$((FERRETDB_POOL_MAX_CONNS + 50)) \
    -c shared_buffers=256MB)"
  script+=" & for _ in \$(seq 100); do $(printf '%q' "$bin/pg_isready") -q -h $(printf '%q' "$pg") && break; sleep 0.2; done;"
  script+=" $(printf '%q ' "${as_user[@]}" "$bin/createdb" -h "$pg" -U ferretdb ferretdb) &&"
  # Indexes FerretDB's pushed-down filters can use, and the guard that keeps concurrent updates of
  # one document from undoing each other (see each file): before FerretDB starts.
  local sql
  for sql in ferretdb-pushdown-indexes.sql ferretdb-update-guard.sql; do
    script+=" $(printf '%q ' "${as_user[@]}" "$bin/psql" -q -v ON_ERROR_STOP=1 -h "$pg" -U ferretdb -d ferretdb) <$(printf '%q' "$HERE/lib/$sql") &&"
  done
  script+=" exec $(printf '%q ' "$@") --handler=pg --postgresql-url=$(printf '%q' "$url")"
  start_daemon mongodb bash -c "$script"
}

mongodb_ready() {
  curl -sf "http://127.0.0.1:$FERRETDB_DEBUG_PORT/debug/readyz" && port_is_open "$FERRETDB_PORT"
}

mongodb_await() {
  await mongodb 60 mongodb_ready || return 1
  local backend="SQLite"
  [[ "$FERRETDB_BACKEND" == postgresql ]] && backend="PostgreSQL $("$(postgres_bin_dir)/postgres" --version | awk '{print $3}')"
  record_engine mongodb "FerretDB $FERRETDB_VERSION ($backend)" "127.0.0.1:$FERRETDB_PORT"
  env_add "MONGO_URL=mongodb://127.0.0.1:$FERRETDB_PORT/"
}
