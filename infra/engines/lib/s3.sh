# shellcheck shell=bash
# S3: SeaweedFS (Apache-2.0), master + volume + filer + S3 gateway in one `weed server` process,
# built from the Go module proxy. Requests must be signed with the identity below.

# SeaweedFS tags are not semver, so the module proxy serves it by commit: this one reports 4.53.
SEAWEEDFS_VERSION="${CAAS_SEAWEEDFS_VERSION:-v0.0.0-20261109003541-7506e5f91cd6}"
S3_PORT=$((8333 + PORT_OFFSET))
# Internal SeaweedFS ports (each also uses port+10000 for gRPC), away from the common 8080/8888/9333.
SEAWEED_MASTER_PORT=$((9339 + PORT_OFFSET))
SEAWEED_VOLUME_PORT=$((9340 + PORT_OFFSET))
SEAWEED_FILER_PORT=$((9341 + PORT_OFFSET))
S3_BUCKET=caas
S3_REGION=us-east-1
# Fixed test credentials: the server listens on loopback only and holds throwaway data.
S3_ACCESS_KEY_ID=caas-engines
S3_SECRET_ACCESS_KEY=caas-engines-secret
WEED_BIN="$CACHE_DIR/bin/seaweedfs-$SEAWEEDFS_VERSION/weed"

# `go install .../weed@version` refuses modules whose go.mod has replace directives (SeaweedFS has
# one), so the module is downloaded and built in place, where its go.mod applies as written.
s3_install() {
  ensure_command curl curl
  [[ -x "$WEED_BIN" ]] && return 0
  command -v go >/dev/null || die "s3: SeaweedFS is built with Go, and go is not on PATH"
  local module="github.com/seaweedfs/seaweedfs@$SEAWEEDFS_VERSION" source
  log "s3: building SeaweedFS $SEAWEEDFS_VERSION (a cold build takes several minutes)"
  source="$(go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -d "$source" ]] || die "s3: go mod download $module gave no source directory"
  mkdir -p "$(dirname "$WEED_BIN")"
  (cd "$source" && GOFLAGS="-trimpath -buildvcs=false" go build -o "$WEED_BIN.tmp" ./weed) ||
    die "s3: building SeaweedFS failed"
  mv "$WEED_BIN.tmp" "$WEED_BIN"
}

s3_write_identities() {
  cat >"$1" <<JSON
{
  "identities": [
    {
      "name": "caas",
      "credentials": [{ "accessKey": "$S3_ACCESS_KEY_ID", "secretKey": "$S3_SECRET_ACCESS_KEY" }],
      "actions": ["Admin", "Read", "Write", "List", "Tagging"]
    }
  ]
}
JSON
}

s3_start() {
  local port dir="$STATE_DIR/seaweedfs"
  for port in "$S3_PORT" "$SEAWEED_MASTER_PORT" "$SEAWEED_VOLUME_PORT" "$SEAWEED_FILER_PORT"; do
    require_free_port s3 "$port"
    require_free_port s3 $((port + 10000))
  done
  mkdir -p "$dir/data"
  s3_write_identities "$dir/s3-identities.json"
  # SSE-S3 (x-amz-server-side-encryption: AES256, S3_SERVER_SIDE_ENCRYPTION) needs a key-encryption
  # key: generated once into the state dir, kept across restarts (objects encrypted under it stay readable).
  [[ -s "$dir/sse-key" ]] || (umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/sse-key")
  local sse_key
  sse_key="$(cat "$dir/sse-key")"
  # Small volumes and no pre-stop grace period: a test store holds little and should stop at once.
  # The Iceberg and Lance side servers are switched off; they would claim more ports.
  WEED_S3_SSE_KEY="$sse_key" start_daemon s3 "$WEED_BIN" server -ip=127.0.0.1 -ip.bind=127.0.0.1 -dir="$dir/data" \
    -master.port="$SEAWEED_MASTER_PORT" -master.volumeSizeLimitMB=64 \
    -volume.port="$SEAWEED_VOLUME_PORT" -volume.max=32 -volume.preStopSeconds=0 \
    -filer -filer.port="$SEAWEED_FILER_PORT" -filer.localSocket="$dir/filer.sock" \
    -s3 -s3.port="$S3_PORT" -s3.config="$dir/s3-identities.json" -s3.localSocket="$dir/s3.sock" \
    -s3.port.iceberg=0 -s3.port.lance=0
}

# A signed S3 request with curl; prints the HTTP status. Debian 12's curl signs the payload hash
# without sending it, which S3 servers reject; the header makes both sides use UNSIGNED-PAYLOAD.
s3_request() {
  local method="$1" path="$2"; shift 2
  curl -s -o /dev/null -w '%{http_code}' -X "$method" "$@" -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' \
    --aws-sigv4 "aws:amz:$S3_REGION:s3" --user "$S3_ACCESS_KEY_ID:$S3_SECRET_ACCESS_KEY" \
    "http://127.0.0.1:$S3_PORT/$path"
}

# Ready once the bucket exists and an object can be written and removed: that exercises the
# gateway, the filer and a volume, which come up in that order.
s3_bucket_created() { [[ "$(s3_request PUT "$S3_BUCKET")" =~ ^(200|409)$ ]]; }
s3_object_written() {
  [[ "$(s3_request PUT "$S3_BUCKET/.caas-engines-ready" --data-binary ready)" == 200 ]] &&
    [[ "$(s3_request DELETE "$S3_BUCKET/.caas-engines-ready")" == 204 ]]
}
s3_ready() { s3_bucket_created && s3_object_written; }

s3_await() {
  await s3 120 s3_ready || return 1
  local version
  version="$("$WEED_BIN" version 2>/dev/null | sed -n 's/^version [^ ]* \([^ ]*\).*/\1/p' | head -n 1)"
  record_engine s3 "SeaweedFS ${version:-$SEAWEEDFS_VERSION}" "127.0.0.1:$S3_PORT"
  env_add "S3_ENDPOINT=http://127.0.0.1:$S3_PORT" "S3_BUCKET=$S3_BUCKET" "S3_REGION=$S3_REGION" \
    "S3_ACCESS_KEY_ID=$S3_ACCESS_KEY_ID" "S3_SECRET_ACCESS_KEY=$S3_SECRET_ACCESS_KEY"
}
