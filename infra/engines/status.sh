#!/usr/bin/env bash
# How the engines up.sh started are doing now: for each, whether its process lives and whether it
# answers (see answers below), with the last lines of its log other than INFO and DEBUG when it does
# not; then the machine's disk, memory and load. .ci/run prints it when a suite on the engines
# fails, so a run's end says which engine was away. Usage: status.sh   (exit 1: one does not answer)
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"

# Whether ENGINE answers within 10 s: its own readiness check, and for MongoDB smoke.mjs's round of
# writes and reads too (FerretDB's readiness check never reaches its PostgreSQL; those calls do).
answers() {
  timeout 10 bash -c "source '$HERE/lib/common.sh'; source '$HERE/lib/$1.sh'; ${1}_ready" >/dev/null 2>&1 || return 1
  [[ "$1" != mongodb ]] || CAAS_ENGINES_STATE="$STATE_DIR" timeout 10 node "$HERE/smoke.mjs" mongodb >/dev/null 2>&1
}

[[ -d "$PID_DIR" ]] || die "no engines were started under $STATE_DIR"
unready=0
for engine in "${ALL_ENGINES[@]}"; do
  [[ -f "$PID_DIR/$engine.pid" ]] || continue
  if ! daemon_alive "$engine"; then
    log "$engine: process gone"
  elif answers "$engine"; then
    log "$engine: ready"
    continue
  else
    log "$engine: running, not answering within 10 s"
  fi
  unready=1
  grep -vwE "INFO|DEBUG" "$LOG_DIR/$engine.log" 2>/dev/null | tail -n 15 | cut -c1-300 >&2
done
log "machine: $(df -h "$STATE_DIR" | awk 'NR == 2 { print $4 " free on " $6 }'), $(free -m | awk '/^Mem:/ { print $7 " MiB memory available" }'), load $(cut -d' ' -f1-3 /proc/loadavg)"
exit "$unready"
