# shellcheck shell=bash
# Redis: Debian's redis-server, no persistence, loopback only.

REDIS_PORT=$((6390 + PORT_OFFSET))

redis_install() {
  ensure_command redis-server redis-server
  ensure_command redis-cli redis-tools
}

redis_start() {
  require_free_port redis "$REDIS_PORT"
  mkdir -p "$STATE_DIR/redis"
  # An empty save list and appendonly off: a test run never needs the data after it ends.
  start_daemon redis redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --protected-mode yes \
    --save '' --appendonly no --dir "$STATE_DIR/redis" --daemonize no
}

redis_ready() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

redis_await() {
  await redis 30 redis_ready || return 1
  local version
  version="$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')"
  record_engine redis "$version" "127.0.0.1:$REDIS_PORT"
  env_add "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
}
