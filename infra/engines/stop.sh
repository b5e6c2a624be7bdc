#!/usr/bin/env bash
# Stops one or more engines that up.sh started, keeping their data (start.sh brings them back).
# Usage: stop.sh <engine>...   e.g. stop.sh redis. See README.md ("Stopping and starting one engine").
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"

(($#)) || die "usage: stop.sh <engine>... (known: ${ALL_ENGINES[*]})"
for engine in "$@"; do
  is_known_engine "$engine" || die "unknown engine '$engine' (known: ${ALL_ENGINES[*]})"
  stop_daemon "$engine"
done
