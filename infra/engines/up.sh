#!/usr/bin/env bash
# Installs (once, cached) and starts the real engines on loopback without Docker (DESIGN.md §8).
# Usage: up.sh [redis kafka elasticsearch mongodb s3 kms]   (default: all). See README.md.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"

# Installs run in parallel (the Go builds dominate a cold run); each one logs to its own file.
install_engines() {
  local engine pids=() names=() failed=0 i
  for engine in "$@"; do
    ("${engine}_install") >"$LOG_DIR/install-$engine.log" 2>&1 &
    pids+=($!)
    names+=("$engine")
  done
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      log "installing ${names[$i]} failed"
      print_log_tail "$LOG_DIR/install-${names[$i]}.log"
      failed=1
    fi
  done
  ((failed == 0)) || die "installation failed"
}

write_engines_json() {
  local name version address pid logfile first=1
  {
    echo '['
    while IFS=$'\t' read -r name version address pid logfile; do
      ((first)) || echo ','
      first=0
      printf '  {"name": "%s", "version": "%s", "address": "%s", "pid": %s, "log": "%s"}' \
        "$name" "$version" "$address" "$pid" "$logfile"
    done <"$STATE_DIR/engines.tsv"
    printf '\n]\n'
  } >"$STATE_DIR/engines.json"
}

print_summary() {
  {
    printf 'ENGINE\tVERSION\tADDRESS\tPID\tLOG\n'
    cat "$STATE_DIR/engines.tsv"
  } | column -t -s $'\t'
  echo
  echo "env for tests: $STATE_DIR/env   (load with: set -a; . $STATE_DIR/env; set +a)"
  echo "versions:      $STATE_DIR/engines.json"
  echo "stop with:     $HERE/down.sh"
}

# Only a directory this script made (or an empty one) is wiped: CAAS_ENGINES_STATE pointing at the
# wrong place must not cost anyone their files.
STATE_MARKER=.caas-engines-state
wipe_state_dir() {
  [[ -d "$STATE_DIR" ]] || return 0
  if [[ -f "$STATE_DIR/$STATE_MARKER" || -z "$(ls -A "$STATE_DIR")" ]]; then
    rm -rf "$STATE_DIR"
  else
    die "$STATE_DIR is not empty and was not made by up.sh; point CAAS_ENGINES_STATE at a dir of its own"
  fi
}

# Anything that leaves up.sh without finishing stops what it had started; logs stay for inspection.
stop_on_failure() {
  local status=$?
  ((status == 0)) && return
  log "up failed; stopping the engines it started (logs kept in $LOG_DIR)"
  "$HERE/down.sh" >&2 || true
  exit "$status"
}

main() {
  local engines=("$@") engine started=$SECONDS
  ((${#engines[@]})) || engines=("${ALL_ENGINES[@]}")
  for engine in "${engines[@]}"; do
    is_known_engine "$engine" || die "unknown engine '$engine' (known: ${ALL_ENGINES[*]})"
    # shellcheck source=/dev/null
    source "$HERE/lib/$engine.sh"
  done

  "$HERE/down.sh"
  wipe_state_dir
  mkdir -p "$PID_DIR" "$LOG_DIR" "$CACHE_DIR"
  touch "$STATE_DIR/$STATE_MARKER"
  echo "$PORT_OFFSET" >"$STATE_DIR/port-offset"
  ensure_command column bsdextrautils
  : >"$STATE_DIR/engines.tsv"
  echo "CAAS_ENGINES_JSON=$STATE_DIR/engines.json" >"$STATE_DIR/env"
  trap stop_on_failure EXIT

  install_engines "${engines[@]}"
  for engine in "${engines[@]}"; do "${engine}_start"; done
  for engine in "${engines[@]}"; do
    "${engine}_await" || exit 1
    log "$engine ready ($((SECONDS - started))s since up started)"
  done

  write_engines_json
  trap - EXIT
  log "ready in $((SECONDS - started))s"
  print_summary
}

main "$@"
