# shellcheck shell=bash
# Shared helpers for up.sh / down.sh. Sourced, never executed.
# Every engine runs as its own process group (setsid) so down.sh can stop it together with any
# child processes it forks (Elasticsearch's launcher forks the server JVM, for instance).

ENGINES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${CAAS_ENGINES_CACHE:-$HOME/.cache/caas-engines}"
STATE_DIR="${CAAS_ENGINES_STATE:-/tmp/caas-engines}"
PID_DIR="$STATE_DIR/pids"
LOG_DIR="$STATE_DIR/logs"
ALL_ENGINES=(redis kafka elasticsearch mongodb s3 kms)
# Added to every port, so a second set of engines (another checkout, a parallel CI job) can run beside.
# up.sh records it in the state dir, so stop.sh / start.sh on that dir find the same ports.
PORT_OFFSET="${CAAS_ENGINES_PORT_OFFSET:-$(cat "$STATE_DIR/port-offset" 2>/dev/null || echo 0)}"

# The unprivileged account that runs engines refusing to run as root (Elasticsearch).
ENGINE_USER="caas-engines"

log() { printf '[engines] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

is_known_engine() {
  local name
  for name in "${ALL_ENGINES[@]}"; do [[ "$name" == "$1" ]] && return 0; done
  return 1
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_is_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

require_free_port() {
  local engine="$1" port="$2"
  port_is_open "$port" && die "$engine: port $port on 127.0.0.1 is already in use by a process this script did not start"
  return 0
}

# The kernel's start time of a process (field 22 of /proc/PID/stat). Stored beside the pid so a pid
# file left by an earlier boot or session can never make down.sh signal a stranger that reused it.
process_start_time() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  echo "$stat" | cut -d' ' -f20
}

# start_daemon NAME CMD...: runs CMD in a new session, output to $LOG_DIR/NAME.log, "pid start-time"
# to $PID_DIR/NAME.pid. setsid does not fork here (a background job is never a group leader), so $!
# is the process group id too.
start_daemon() {
  local name="$1"; shift
  setsid "$@" >"$LOG_DIR/$name.log" 2>&1 </dev/null &
  echo "$! $(process_start_time $!)" >"$PID_DIR/$name.pid"
}

# The pid of NAME if it is still the process up.sh started; fails otherwise.
daemon_pid() {
  local pid started
  [[ -f "$PID_DIR/$1.pid" ]] || return 1
  read -r pid started <"$PID_DIR/$1.pid"
  [[ -n "$pid" ]] || return 1
  # A pid file without a start time comes from an earlier version of this script: trust it if alive.
  if [[ -n "$started" ]]; then
    [[ "$(process_start_time "$pid")" == "$started" ]] || return 1
  else
    kill -0 "$pid" 2>/dev/null || return 1
  fi
  echo "$pid"
}

daemon_alive() { daemon_pid "$1" >/dev/null; }

# Seconds between SIGTERM and SIGKILL. SeaweedFS stops its volume server first and then spends
# ~15 s retrying a metadata flush that can no longer land; its data is wiped on the next up anyway.
stop_grace_seconds() {
  case "$1" in
    s3) echo 3 ;;
    *) echo 30 ;;
  esac
}

# stop_daemon NAME: SIGTERM to the whole process group, SIGKILL after the grace period; no-op when
# not running.
stop_daemon() {
  local name="$1" pid deadline
  pid="$(daemon_pid "$name")" || { rm -f "$PID_DIR/$name.pid"; return 0; }
  rm -f "$PID_DIR/$name.pid"
  log "stopping $name (pid $pid)"
  deadline=$((SECONDS + $(stop_grace_seconds "$name")))
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  while kill -0 -- "-$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  if kill -0 -- "-$pid" 2>/dev/null; then
    log "$name did not stop within $(stop_grace_seconds "$name")s; killing it"
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
}

print_log_tail() {
  local file="$1"
  log "last lines of $file:"
  tail -n 40 "$file" >&2 2>/dev/null || true
}

# await NAME TIMEOUT_SECONDS CHECK...: polls CHECK until it succeeds. Fails early when the daemon died,
# and prints the tail of its log on failure.
await() {
  local name="$1" timeout="$2"; shift 2
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ! daemon_alive "$name"; then
      log "$name exited before it was ready"
      print_log_tail "$LOG_DIR/$name.log"
      return 1
    fi
    if ((SECONDS >= deadline)); then
      log "$name was not ready after ${timeout}s"
      print_log_tail "$LOG_DIR/$name.log"
      return 1
    fi
    sleep 0.5
  done
}

# java_home_at_least MAJOR: the JDK with the highest major version >= MAJOR, from JAVA_HOME,
# /usr/lib/jvm/* and the java on PATH. Prints nothing (and fails) when none qualifies.
java_home_at_least() {
  local min="$1" best="" best_major=0 home major candidates=()
  [[ -n "${JAVA_HOME:-}" ]] && candidates+=("$JAVA_HOME")
  candidates+=(/usr/lib/jvm/*)
  command -v java >/dev/null && candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  for home in "${candidates[@]}"; do
    [[ -x "$home/bin/java" && -f "$home/release" ]] || continue
    major="$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")"
    [[ -n "$major" ]] || continue
    if ((major >= min && major > best_major)); then best="$home"; best_major="$major"; fi
  done
  [[ -n "$best" ]] && echo "$best"
}

java_major() { sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$1/release"; }

# ensure_command COMMAND DEBIAN_PACKAGE: installs the package with apt-get when COMMAND is missing.
ensure_command() {
  local command="$1" package="$2"
  command -v "$command" >/dev/null && return 0
  [[ "$(id -u)" == 0 ]] || die "$command is missing; install Debian's $package package (needs root)"
  log "installing $package with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  # Serialised: two engines' installs may both need apt, and apt holds a lock.
  flock "$CACHE_DIR/.apt.lock" sh -c "apt-get install -y -q '$package' || { apt-get update -q && apt-get install -y -q '$package'; }"
}

# Concurrent Maven runs share ~/.m2 without locking; one at a time keeps a cold cache from tearing.
mvn_locked() { flock "$CACHE_DIR/.maven.lock" mvn -B -q "$@"; }

# write_fetch_pom DIR DEPENDENCIES_XML: a throwaway pom whose only job is to make Maven resolve the
# given <dependency> elements (and their runtime dependencies) from the registry.
write_fetch_pom() {
  local dir="$1" dependencies="$2"
  mkdir -p "$dir"
  cat >"$dir/pom.xml" <<EOF
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.caas</groupId>
  <artifactId>engine-fetch</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
$dependencies
  </dependencies>
</project>
EOF
}

# The account used for engines that refuse root. Created once; harmless when it already exists.
ensure_engine_user() {
  id -u "$ENGINE_USER" >/dev/null 2>&1 && return 0
  useradd --system --no-create-home --shell /usr/sbin/nologin "$ENGINE_USER" ||
    die "could not create the system user $ENGINE_USER"
}

# Records one started engine for the summary, engines.json and the test env file.
record_engine() {
  local name="$1" version="$2" address="$3"
  printf '%s\t%s\t%s\t%s\t%s\n' "$name" "$version" "$address" "$(daemon_pid "$name")" "$LOG_DIR/$name.log" \
    >>"$STATE_DIR/engines.tsv"
}

env_add() { printf '%s\n' "$@" >>"$STATE_DIR/env"; }
