#!/usr/bin/env bash
# A real S3-compatible server for tests, without Docker: versitygw (the Versity
# S3 gateway) built from its Go module with `go install` (cached outside the
# repository), serving a POSIX directory on a free loopback port.
#
#   s3.sh install          build versitygw into $BATON_CACHE_DIR/bin (once per version)
#   s3.sh start            install if needed, start a fresh gateway; prints
#                          S3_ENDPOINT=http://127.0.0.1:<port>, S3_PID=<pid>, S3_DIR=<dir>,
#                          S3_ACCESS_KEY_ID=..., S3_SECRET_ACCESS_KEY=...
#   s3.sh stop [DIR]       stop the gateway of DIR (default $S3_DIR) and delete DIR
#
# Environment: VERSITYGW_VERSION (default v1.8.0), BATON_CACHE_DIR (default
# ~/.cache/baton), S3_OWNER_PID (the gateway is stopped when that process ends,
# so a crashed test run leaves nothing behind), S3_START_TIMEOUT (seconds,
# default 30), S3_TEST_ACCESS_KEY / S3_TEST_SECRET_KEY (the root credentials).
set -euo pipefail

VERSITYGW_VERSION="${VERSITYGW_VERSION:-v1.8.0}"
CACHE_ROOT="${BATON_CACHE_DIR:-$HOME/.cache/baton}"
BIN_DIR="$CACHE_ROOT/bin"
BIN="$BIN_DIR/versitygw"
STAMP="$BIN_DIR/versitygw.version"
START_TIMEOUT="${S3_START_TIMEOUT:-30}"
ACCESS_KEY="${S3_TEST_ACCESS_KEY:-baton-test-access}"
SECRET_KEY="${S3_TEST_SECRET_KEY:-baton-test-secret-key}"

log() { echo "s3.sh: $*" >&2; }
die() { log "$*"; exit 1; }

installed() { [[ -x "$BIN" && "$(cat "$STAMP" 2>/dev/null)" == "$VERSITYGW_VERSION" ]]; }

install() {
  if installed; then
    log "versitygw $VERSITYGW_VERSION already in $BIN"
    return
  fi
  command -v go >/dev/null 2>&1 ||
    die "missing go: the S3 test server (versitygw) is built with 'go install'. Install a recent Go toolchain (https://go.dev/dl; Debian's golang-go may be too old for versitygw), or set BATON_SKIP_SERVICES=s3 to skip the S3 tests."
  mkdir -p "$BIN_DIR"
  # One builder at a time per cache (parallel test runs on a fresh machine).
  exec 9>"$BIN_DIR/.versitygw.lock"
  command -v flock >/dev/null 2>&1 && flock 9
  if installed; then return; fi
  log "building versitygw $VERSITYGW_VERSION with go install into $BIN_DIR (a few minutes the first time)"
  local staging
  staging="$(mktemp -d "$BIN_DIR/.versitygw-build.XXXXXX")"
  if ! GOBIN="$staging" GOFLAGS="${GOFLAGS:--buildvcs=false}" go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION" >"$staging/build.log" 2>&1; then
    cat "$staging/build.log" >&2
    rm -rf "$staging"
    die "go install of versitygw $VERSITYGW_VERSION failed"
  fi
  mv "$staging/versitygw" "$BIN"
  echo "$VERSITYGW_VERSION" >"$STAMP"
  rm -rf "$staging"
  log "installed versitygw $VERSITYGW_VERSION as $BIN"
}

free_port() {
  if command -v node >/dev/null 2>&1; then
    node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
  else
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
  fi
}

# The gateway answers GET /health once it serves requests.
healthy() {
  local port="$1"
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null
  else
    node -e 'fetch(process.argv[1]).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "http://127.0.0.1:$port/health"
  fi
}

start() {
  install
  local dir port pid
  dir="$(mktemp -d "${TMPDIR:-/tmp}/baton-s3.XXXXXX")"
  mkdir -p "$dir/root" "$dir/meta"
  port="$(free_port)"
  # --sidecar keeps object metadata in a directory: no need for user xattrs on the temp filesystem.
  setsid bash -c 'exec "$@" >>"'"$dir"'/server.log" 2>&1' _ \
    "$BIN" --port "127.0.0.1:$port" --access "$ACCESS_KEY" --secret "$SECRET_KEY" --region us-east-1 \
    --health /health --quiet posix --sidecar "$dir/meta" "$dir/root" </dev/null &
  pid=$!
  echo "$pid" >"$dir/s3.pid"
  echo "$port" >"$dir/s3.port"
  local owner="${S3_OWNER_PID:-}"
  if [[ -n "$owner" ]]; then
    # Watchdog: stop the gateway and delete its dir when its owner (the test run) is gone.
    setsid bash -c 'while kill -0 '"$owner"' 2>/dev/null && kill -0 '"$pid"' 2>/dev/null; do sleep 2; done
      kill -0 '"$owner"' 2>/dev/null && exit 0
      kill '"$pid"' 2>/dev/null
      for _ in $(seq 1 50); do kill -0 '"$pid"' 2>/dev/null || break; sleep 0.2; done
      kill -9 '"$pid"' 2>/dev/null
      rm -rf "'"$dir"'"' </dev/null >/dev/null 2>&1 &
  fi
  local deadline=$((SECONDS + START_TIMEOUT))
  until healthy "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$dir/server.log" >&2 || true
      die "versitygw exited during start-up (log: $dir/server.log)"
    fi
    ((SECONDS < deadline)) || { kill "$pid" 2>/dev/null; tail -n 40 "$dir/server.log" >&2; die "versitygw did not answer within ${START_TIMEOUT}s"; }
    sleep 0.1
  done
  echo "S3_ENDPOINT=http://127.0.0.1:$port"
  echo "S3_PID=$pid"
  echo "S3_DIR=$dir"
  echo "S3_ACCESS_KEY_ID=$ACCESS_KEY"
  echo "S3_SECRET_ACCESS_KEY=$SECRET_KEY"
}

stop() {
  local dir="${1:-${S3_DIR:-}}" pid
  [[ -n "$dir" && -f "$dir/s3.pid" ]] || die "no gateway dir given: pass the S3_DIR that 'start' printed"
  pid="$(cat "$dir/s3.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop "${2:-}" ;;
*)
  echo "usage: $0 install | start | stop [DIR]" >&2
  exit 2
  ;;
esac
