#!/usr/bin/env bash
# Stops every engine up.sh started (found through its pid files). Safe to run any number of times.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"

[[ -d "$PID_DIR" ]] || exit 0
for engine in "${ALL_ENGINES[@]}"; do
  stop_daemon "$engine" &
done
wait
