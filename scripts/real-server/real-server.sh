#!/usr/bin/env bash
# Runs the unmodified npm package @tiledesk/tiledesk-server@2.19.16 on loopback for tiledesk-sdk's conformance
# tests: Redis (Debian's redis-server) + CongoDB (an in-memory MongoDB-wire server) + tiledesk-server.
#
#   scripts/real-server/real-server.sh setup    install into the cache dir (skipped when already installed)
#   scripts/real-server/real-server.sh start    start the three processes, wait until the server answers
#   scripts/real-server/real-server.sh stop     stop exactly the processes `start` started (same TD_PORT)
#   scripts/real-server/real-server.sh status   say whether an instance started by this script is running
#
# Environment:
#   TILEDESK_REAL_SERVER_DIR   cache dir outside the repo (default ~/.cache/tiledesk-sdk-real-server)
#   TD_PORT                    HTTP + WebSocket port (default 3000)
#   TD_DB_PORT                 CongoDB port (default 27017)
#   TD_REDIS_PORT              Redis port (default 6379)
#   TD_START_TIMEOUT           seconds to wait for the server to answer (default 90)
#
# Exit status: 0 ok, 1 failure, 3 a prerequisite cannot be installed here (no apt/npm access).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
HARNESS="$HERE/harness"
DIR="${TILEDESK_REAL_SERVER_DIR:-$HOME/.cache/tiledesk-sdk-real-server}"
PORT="${TD_PORT:-3000}"
DB_PORT="${TD_DB_PORT:-27017}"
REDIS_PORT="${TD_REDIS_PORT:-6379}"
START_TIMEOUT="${TD_START_TIMEOUT:-90}"
SERVER_VERSION=2.19.16
SMARTMONGO_VERSION=2.2.0
# One run folder per HTTP port, so instances on different ports can share one installation.
RUN="$DIR/run/$PORT"

log() { echo "[real-server] $*"; }
die() { echo "[real-server] ERROR: $1" >&2; exit "${2:-1}"; }
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Fingerprint of everything setup installs from: a change to the harness or to Node's major version reinstalls.
fingerprint() {
  {
    echo "server $SERVER_VERSION smartmongo $SMARTMONGO_VERSION node $(node -p 'process.versions.node.split(".")[0]')"
    (cd "$HARNESS" && find . -type f | LC_ALL=C sort | xargs sha256sum)
  } | sha256sum | cut -d' ' -f1
}

ensure_redis() {
  command -v redis-server >/dev/null && return 0
  log "installing redis-server with apt-get"
  local sudo=()
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null && sudo -n true 2>/dev/null || die "redis-server is missing and apt-get needs root (no passwordless sudo)" 3
    sudo=(sudo -n)
  fi
  command -v apt-get >/dev/null || die "redis-server is missing and there is no apt-get to install it" 3
  "${sudo[@]}" apt-get update -qq >/dev/null || die "apt-get update failed" 3
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends redis-server >/dev/null \
    || die "apt-get install redis-server failed" 3
}

# `npm install`, not `npm ci`: the server lists optional @tiledesk-ent/* packages that the registry does not have,
# which `npm ci` refuses; `npm install` still takes every version from the committed lockfile.
npm_install_in() { # folder
  (cd "$1" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error) \
    || die "npm install failed in $1 (is the npm registry reachable?)" 3
}

cmd_setup() {
  command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are required" 3
  local wanted; wanted="$(fingerprint)"
  if [ -f "$DIR/.installed" ] && [ "$(cat "$DIR/.installed")" = "$wanted" ] && command -v redis-server >/dev/null; then
    log "already installed in $DIR (setup skipped)"
    return 0
  fi
  local started=$SECONDS
  ensure_redis
  mkdir -p "$DIR"
  rm -f "$DIR/.installed"
  # The harness files are copied, never linked: the cache must not depend on this checkout staying put.
  rm -rf "$DIR/app/stubs" "$DIR/db/congodb"
  mkdir -p "$DIR/app" "$DIR/db"
  cp -R "$HARNESS/app/." "$DIR/app/"
  cp -R "$HARNESS/db/." "$DIR/db/"

  log "installing @tiledesk/tiledesk-server@$SERVER_VERSION (npm, --ignore-scripts)"
  npm_install_in "$DIR/app"

  # Only smartmongo's congodb folder is used: the whole package would pull mongodb-memory-server, which downloads
  # a MongoDB binary at install time.
  log "installing CongoDB from @push.rocks/smartmongo@$SMARTMONGO_VERSION"
  local unpack; unpack="$(mktemp -d)"
  (cd "$unpack" && npm pack "@push.rocks/smartmongo@$SMARTMONGO_VERSION" --silent >/dev/null && tar xzf ./*.tgz) \
    || { rm -rf "$unpack"; die "npm pack @push.rocks/smartmongo@$SMARTMONGO_VERSION failed" 3; }
  cp -R "$unpack/package/dist_ts/congodb" "$DIR/db/congodb"
  rm -rf "$unpack"
  npm_install_in "$DIR/db"

  (cd "$DIR/app" && node -e "require.resolve('@tiledesk/tiledesk-server/app.js'); require('sharp')") \
    || die "the installed server does not load (see above)"
  echo "$wanted" > "$DIR/.installed"
  log "setup done in $((SECONDS - started))s: $DIR"
}

export_server_env() {
  export HOST=127.0.0.1 PORT
  # connectTimeoutMS: the driver's 10 s default counts from the first connect, which tiledesk-server makes early in its
  # boot and then blocks its event loop for seconds loading its modules. On a loaded machine the block passed 10 s, and
  # timers run before the socket is read: CongoDB's answer was there, yet the connect timed out and the server exited
  # (the first boot failed 2 times in 3 at load 5). A setting of the URI, not a change to the server.
  export DATABASE_URI="mongodb://127.0.0.1:$DB_PORT/tiledesk?connectTimeoutMS=60000"
  export MONGODB_URI="$DATABASE_URI"                              # read by the bundled connectors too
  export DATABASE_LOG_URI="mongodb://127.0.0.1:$DB_PORT/tiledesk-logs"
  export MONGODB_LOGS_URI="$DATABASE_LOG_URI"
  export CACHE_REDIS_HOST=127.0.0.1 CACHE_REDIS_PORT="$REDIS_PORT" # TdCache always connects to Redis at boot
  export API_URL="http://127.0.0.1:$PORT"
  export GLOBAL_SECRET="${TD_GLOBAL_SECRET:-tiledesk-sdk-conformance-secret}"
  # Everything that would reach another service stays off; events stay in-process.
  export EMAIL_ENABLED=false EMAIL_NOTIFICATION_ENABLED=false CHAT21_ENABLED=false CACHE_ENABLED=false
  export QUEUE_ENABLED=false JOB_WORKER_ENABLED=false DISABLE_SESSION_STRATEGY=true
  export CHATBOT_TRAINING_API_URL=http://127.0.0.1:9/train
  # The voice modules load when TOKEN equals SECRET (both unset counts), and the installed voice-twilio crashes.
  export VOICE_TOKEN=off-a VOICE_SECRET=off-b VOICE_TWILIO_TOKEN=off-a VOICE_TWILIO_SECRET=off-b
  # "test" would switch the database to localhost:27017/tiledesk-test.
  export NODE_ENV=development LOG_LEVEL="${TD_LOG_LEVEL:-info}"
}

# The command line each started process must still have before `stop` signals its PID.
expected_cmdline() {
  case "$1" in
    redis) echo "redis-server 127.0.0.1:$REDIS_PORT" ;;
    db) echo "$DIR/db/start-db.mjs $DB_PORT" ;;
    server) echo "$DIR/app/launch-server.cjs" ;;
  esac
}

is_ours() { # name pid
  local actual
  actual="$(tr '\0' ' ' < "/proc/$2/cmdline" 2>/dev/null || true)"
  [[ "$actual" == *"$(expected_cmdline "$1")"* ]]
}

running_pid() { # name -> prints the PID when the recorded process is alive and still ours
  local file="$RUN/$1.pid" pid
  [ -f "$file" ] || return 1
  pid="$(cat "$file")"
  kill -0 "$pid" 2>/dev/null && is_ours "$1" "$pid" && echo "$pid"
}

wait_for_port() { # name port
  local pid; pid="$(cat "$RUN/$1.pid")"
  for _ in $(seq 1 100); do
    port_in_use "$2" && return 0
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$RUN/$1.log" >&2; return 1; }
    sleep 0.1
  done
  echo "$1 did not open 127.0.0.1:$2 within 10s" >&2
  return 1
}

cmd_start() {
  [ -f "$DIR/.installed" ] || die "not installed in $DIR: run '$0 setup' first"
  for name in redis db server; do
    if pid="$(running_pid "$name")"; then die "$name already running (pid $pid) for port $PORT: run '$0 stop' first"; fi
  done
  for port in "$PORT" "$DB_PORT" "$REDIS_PORT"; do
    if port_in_use "$port"; then die "127.0.0.1:$port is already in use (set TD_PORT / TD_DB_PORT / TD_REDIS_PORT)"; fi
  done
  mkdir -p "$RUN"
  rm -f "$RUN"/*.pid
  export_server_env
  local started=$SECONDS
  # A start that fails half-way stops what it had already started.
  trap 'cmd_stop >/dev/null 2>&1 || true' ERR

  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --protected-mode yes \
    --daemonize no >"$RUN/redis.log" 2>&1 &
  echo $! >"$RUN/redis.pid"
  node "$DIR/db/start-db.mjs" "$DB_PORT" >"$RUN/db.log" 2>&1 &
  echo $! >"$RUN/db.pid"
  wait_for_port redis "$REDIS_PORT" || { cmd_stop >/dev/null; die "redis did not start (log: $RUN/redis.log)"; }
  wait_for_port db "$DB_PORT" || { cmd_stop >/dev/null; die "CongoDB did not start (log: $RUN/db.log)"; }

  launch_server() {
    (cd "$DIR/app" && exec node "$DIR/app/launch-server.cjs") >"$RUN/server.log" 2>&1 &
    echo $! >"$RUN/server.pid"
    server_pid="$(cat "$RUN/server.pid")"
  }
  local server_pid relaunched=0
  launch_server
  local deadline=$((SECONDS + START_TIMEOUT))
  until [ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/" || true)" = 200 ]; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
      # Seen once in CI on a busy machine: CongoDB listening, yet the server's first connect to it timed out, and the
      # server exits on that. Its database is up, so one more boot is a fair test; a second failure is reported.
      if [ "$relaunched" = 0 ] && grep -q 'Failed to connect to MongoDB' "$RUN/server.log"; then
        relaunched=1
        cp "$RUN/server.log" "$RUN/server.first-boot.log"
        log "tiledesk-server could not reach CongoDB on its first boot (log: $RUN/server.first-boot.log): booting it once more"
        launch_server
        continue
      fi
      tail -n 30 "$RUN/server.log" >&2
      cmd_stop >/dev/null
      die "tiledesk-server exited during boot (log above, full log: $RUN/server.log)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      tail -n 30 "$RUN/server.log" >&2
      cmd_stop >/dev/null
      die "tiledesk-server did not answer within ${START_TIMEOUT}s"
    fi
    sleep 0.5
  done
  trap - ERR
  log "up after $((SECONDS - started))s: http://127.0.0.1:$PORT (ws://127.0.0.1:$PORT/) pids redis=$(cat "$RUN/redis.pid") db=$(cat "$RUN/db.pid") server=$server_pid logs=$RUN"
}

cmd_stop() {
  local name file pid
  # The server first, so it does not log its database and cache vanishing.
  for name in server db redis; do
    file="$RUN/$name.pid"
    [ -f "$file" ] || continue
    pid="$(cat "$file")"
    rm -f "$file"
    if ! kill -0 "$pid" 2>/dev/null; then log "$name (pid $pid) was not running"; continue; fi
    if ! is_ours "$name" "$pid"; then log "$name: pid $pid is not the process start launched; left alone"; continue; fi
    kill -TERM "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; log "$name (pid $pid) killed"; else log "$name (pid $pid) stopped"; fi
  done
}

cmd_status() {
  local name pid all=0
  for name in redis db server; do
    if pid="$(running_pid "$name")"; then log "$name running (pid $pid)"; else log "$name not running"; all=1; fi
  done
  return "$all"
}

case "${1:-}" in
  setup) cmd_setup ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
