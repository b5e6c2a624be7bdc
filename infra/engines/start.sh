#!/usr/bin/env bash
# Starts again engines that stop.sh stopped, on the same ports and the data they left, and waits
# until each is ready. Usage: start.sh <engine>...   (redis, kafka, elasticsearch, s3).
# Unlike up.sh it wipes nothing and leaves env and engines.json as they are (the addresses are the
# same; the pid files name the new processes, so down.sh still stops them).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib/common.sh
source "$HERE/lib/common.sh"

# How each engine runs again without its first-start steps: Kafka must not format its storage
# again, Elasticsearch must not copy its distribution and config again. Redis keeps nothing (it runs
# without persistence), so it comes back empty, as after any Redis restart without a snapshot.
launch() {
  case "$1" in
    redis) redis_start ;;
    kafka) kafka_launch ;;
    elasticsearch) elasticsearch_launch ;;
    s3) s3_start ;;
    *) die "start.sh does not restart $1 (it restarts: redis kafka elasticsearch s3)" ;;
  esac
}

ready_check() {
  case "$1" in
    redis) await redis 30 redis_ready ;;
    kafka) await kafka 120 kafka_ready ;;
    elasticsearch) await elasticsearch 180 elasticsearch_ready ;;
    s3) await s3 120 s3_ready ;;
  esac
}

(($#)) || die "usage: start.sh <engine>... (redis kafka elasticsearch s3)"
[[ -d "$PID_DIR" ]] || die "no engines were started under $STATE_DIR (run up.sh first)"
for engine in "$@"; do
  is_known_engine "$engine" || die "unknown engine '$engine' (known: ${ALL_ENGINES[*]})"
  daemon_alive "$engine" && die "$engine is running; stop it first with stop.sh $engine"
  # shellcheck source=/dev/null
  source "$HERE/lib/$engine.sh"
done
started=$SECONDS
for engine in "$@"; do launch "$engine"; done
for engine in "$@"; do
  ready_check "$engine" || exit 1
  log "$engine ready again ($((SECONDS - started))s)"
done
