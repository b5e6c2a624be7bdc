# shellcheck shell=bash
# KMS: local-kms (nsmithuk/local-kms, MIT), an AWS KMS emulator with real AES-GCM, built from the Go
# module proxy. It does not check request signatures; the credentials below only satisfy the SDK.

# local-kms has no semver tags, so the module proxy serves it by commit (master, 2026-02-28).
LOCAL_KMS_VERSION="${CAAS_LOCAL_KMS_VERSION:-v0.0.0-20260228092603-2a5e92d09ab6}"
KMS_PORT=$((8400 + PORT_OFFSET))
KMS_REGION=us-east-1
KMS_ACCESS_KEY_ID=caas-engines
KMS_SECRET_ACCESS_KEY=caas-engines-secret
LOCAL_KMS_BIN="$CACHE_DIR/bin/local-kms-$LOCAL_KMS_VERSION/local-kms"

# Its go.mod has no replace directive, so `go install module@version` builds it as published.
kms_install() {
  [[ -x "$LOCAL_KMS_BIN" ]] && return 0
  command -v go >/dev/null || die "kms: local-kms is built with Go, and go is not on PATH"
  log "kms: building local-kms $LOCAL_KMS_VERSION"
  mkdir -p "$(dirname "$LOCAL_KMS_BIN")"
  GOBIN="$(dirname "$LOCAL_KMS_BIN")" GOFLAGS="-trimpath -buildvcs=false" \
    go install "github.com/nsmithuk/local-kms@$LOCAL_KMS_VERSION" || die "kms: building local-kms failed"
}

kms_start() {
  require_free_port kms "$KMS_PORT"
  local dir="$STATE_DIR/local-kms"
  mkdir -p "$dir/data"
  # No seed file: keys are created by the adapter. local-kms listens on every interface; the state
  # it holds is throwaway test keys.
  start_daemon kms env PORT="$KMS_PORT" KMS_REGION="$KMS_REGION" KMS_DATA_PATH="$dir/data" \
    KMS_SEED_PATH="$dir/no-seed.yaml" "$LOCAL_KMS_BIN"
}

# Ready once it answers a real API call (ListKeys) with 200.
kms_ready() {
  [[ "$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$KMS_PORT/" \
    -H 'Content-Type: application/x-amz-json-1.1' -H 'X-Amz-Target: TrentService.ListKeys' -d '{}')" == 200 ]]
}

kms_await() {
  await kms 60 kms_ready || return 1
  record_engine kms "local-kms $LOCAL_KMS_VERSION" "127.0.0.1:$KMS_PORT"
  env_add "KMS_ENDPOINT=http://127.0.0.1:$KMS_PORT" "KMS_REGION=$KMS_REGION" \
    "KMS_ACCESS_KEY_ID=$KMS_ACCESS_KEY_ID" "KMS_SECRET_ACCESS_KEY=$KMS_SECRET_ACCESS_KEY"
}
