#!/usr/bin/env bash
# Conductor OSS for side-by-side benchmarks (bench/compare.ts), without Docker:
# the server's boot jar from Maven Central (cached outside the repository) run on
# a free loopback port with SQLite or PostgreSQL persistence, queues and index.
#
#   conductor.sh install             fetch the boot jar into $BATON_CACHE_DIR/conductor-<version> (once)
#   conductor.sh start               install if needed, start a fresh server and wait until
#                                    /health says healthy; prints CONDUCTOR_URL=http://127.0.0.1:<port>,
#                                    CONDUCTOR_PID=<pid>, CONDUCTOR_DIR=<dir>,
#                                    CONDUCTOR_READY_SECONDS=<launch to healthy>
#   conductor.sh stop [DIR]          stop the server of DIR (default $CONDUCTOR_DIR) and delete DIR
#
# Environment: CONDUCTOR_VERSION (default 3.21.14; 3.32.3 is the newest line),
# CONDUCTOR_DB (sqlite, the default, or postgres), CONDUCTOR_PG_URL and
# CONDUCTOR_PG_USER (with postgres: what scripts/services/postgres.sh printed as
# PG_URL and PG_USER), CONDUCTOR_JAVA_HOME (default: Java 17 on PATH for 3.2x
# before 3.30; the Temurin 25 JDK at /usr/lib/jvm/temurin-25-jdk-amd64 for newer
# lines when present), CONDUCTOR_HEAP (default -Xmx1g), CONDUCTOR_OWNER_PID (the
# server is stopped when that process ends), CONDUCTOR_START_TIMEOUT (seconds,
# default 600: a loaded machine stretches the JVM start), CONDUCTOR_EXTRA_PROPERTIES
# (more Spring properties, one per line, appended last: e.g. the Kafka event queue's
# conductor.event-queues.kafka.* for the sink scenario), BATON_CACHE_DIR (default ~/.cache/baton).
set -euo pipefail

VERSION="${CONDUCTOR_VERSION:-3.21.14}"
DB="${CONDUCTOR_DB:-sqlite}"
CACHE_ROOT="${BATON_CACHE_DIR:-$HOME/.cache/baton}"
HOME_DIR="$CACHE_ROOT/conductor-$VERSION"
JAR="$HOME_DIR/conductor-server-$VERSION-boot.jar"
HEAP="${CONDUCTOR_HEAP:--Xmx1g}"
START_TIMEOUT="${CONDUCTOR_START_TIMEOUT:-600}"

log() { echo "conductor.sh: $*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

java_bin() {
  if [[ -n "${CONDUCTOR_JAVA_HOME:-}" ]]; then echo "$CONDUCTOR_JAVA_HOME/bin/java"; return; fi
  local minor="${VERSION#3.}"
  minor="${minor%%.*}"
  if ((minor >= 30)) && [[ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]]; then
    echo /usr/lib/jvm/temurin-25-jdk-amd64/bin/java
  else
    command -v java || die "missing java: Conductor $VERSION needs Java 17+ ('apt-get install -y openjdk-17-jre-headless')"
  fi
}

install() {
  if [[ -f "$JAR" ]]; then
    log "Conductor $VERSION already in $JAR"
    return
  fi
  command -v mvn >/dev/null 2>&1 || die "missing mvn: fetching the Conductor boot jar needs Maven ('apt-get install -y maven')"
  mkdir -p "$HOME_DIR"
  # One installer at a time per cache.
  exec 9>"$HOME_DIR/.install.lock"
  command -v flock >/dev/null 2>&1 && flock 9
  if [[ -f "$JAR" ]]; then return; fi
  log "fetching org.conductoross:conductor-server:$VERSION:jar:boot (about 400 MB) from Maven Central"
  mvn -q -B dependency:copy -Dartifact="org.conductoross:conductor-server:$VERSION:jar:boot" \
    -DoutputDirectory="$HOME_DIR/partial" -Dmdep.overWriteReleases=true >"$HOME_DIR/install.log" 2>&1 ||
    { cat "$HOME_DIR/install.log" >&2; die "mvn could not fetch Conductor $VERSION (log: $HOME_DIR/install.log)"; }
  mv "$HOME_DIR/partial/conductor-server-$VERSION-boot.jar" "$JAR"
  rm -rf "$HOME_DIR/partial"
}

# Spring properties: persistence, queues and the search index all in one database,
# as Conductor's own SQLite/PostgreSQL docker configurations set them up.
write_properties() {
  local dir="$1" port="$2"
  {
    echo "server.port=$port"
    echo "server.address=127.0.0.1"
    echo "loadSample=false"
    echo "conductor.grpc-server.enabled=false"
    echo "conductor.db.type=$DB"
    echo "conductor.queue.type=$DB"
    echo "conductor.indexing.enabled=true"
    echo "conductor.indexing.type=$DB"
    echo "conductor.elasticsearch.version=0"
    echo "conductor.app.ownerEmailMandatory=false"
    echo "conductor.metrics-prometheus.enabled=false"
    # Without the execution lock, concurrent decides on SQLite fail with "database is locked"
    # and leave workflows RUNNING (3.21.x); it is the documented setting for one node too.
    echo "conductor.app.workflow-execution-lock-enabled=true"
    echo "conductor.workflow-execution-lock.type=local_only"
    case "$DB" in
    sqlite)
      # IMMEDIATE: writers take the lock when their transaction begins instead of failing on upgrade.
      echo "spring.datasource.url=jdbc:sqlite:$dir/conductor.db?transaction_mode=IMMEDIATE&journal_mode=WAL&busy_timeout=30000"
      ;;
    postgres)
      [[ -n "${CONDUCTOR_PG_URL:-}" ]] || die "CONDUCTOR_DB=postgres needs CONDUCTOR_PG_URL (the PG_URL scripts/services/postgres.sh start printed)"
      echo "spring.datasource.url=$CONDUCTOR_PG_URL"
      echo "spring.datasource.username=${CONDUCTOR_PG_USER:-postgres}"
      echo "spring.datasource.password="
      echo "spring.datasource.hikari.maximum-pool-size=10"
      echo "spring.datasource.hikari.minimum-idle=2"
      ;;
    *) die "CONDUCTOR_DB must be sqlite or postgres, got '$DB'" ;;
    esac
    [[ -z "${CONDUCTOR_EXTRA_PROPERTIES:-}" ]] || printf '%s\n' "$CONDUCTOR_EXTRA_PROPERTIES"
  } >"$dir/conductor.properties"
}

healthy() { curl -fsS "http://127.0.0.1:$1/health" 2>/dev/null | grep -q '"healthy" *: *true'; }

start() {
  install
  local java dir port pid
  java="$(java_bin)"
  dir="$(mktemp -d "${TMPDIR:-/tmp}/baton-conductor.XXXXXX")"
  port="$(free_port)"
  write_properties "$dir" "$port"
  local launched=$EPOCHREALTIME
  # setsid: the server outlives this script but not a Ctrl-C aimed at it.
  setsid bash -c 'exec "$@" >>"'"$dir"'/server.log" 2>&1' _ \
    "$java" $HEAP -Djava.awt.headless=true -DCONDUCTOR_CONFIG_FILE="$dir/conductor.properties" \
    -jar "$JAR" --spring.config.additional-location="file:$dir/conductor.properties" </dev/null &
  pid=$!
  echo "$pid" >"$dir/conductor.pid"
  [[ -z "${CONDUCTOR_OWNER_PID:-}" ]] || watch_owner "$CONDUCTOR_OWNER_PID" "$pid" "$dir"
  local deadline=$((SECONDS + START_TIMEOUT))
  until healthy "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 60 "$dir/server.log" >&2 || true
      die "Conductor $VERSION exited during start-up (log: $dir/server.log)"
    fi
    ((SECONDS < deadline)) || { kill "$pid" 2>/dev/null; tail -n 60 "$dir/server.log" >&2; die "Conductor $VERSION was not healthy within ${START_TIMEOUT}s"; }
    sleep 0.1
  done
  local ready=$EPOCHREALTIME
  echo "CONDUCTOR_URL=http://127.0.0.1:$port"
  echo "CONDUCTOR_PID=$pid"
  echo "CONDUCTOR_DIR=$dir"
  echo "CONDUCTOR_READY_SECONDS=$(awk -v a="$launched" -v b="$ready" 'BEGIN { printf "%.3f", b - a }')"
}

stop() {
  local dir="${1:-${CONDUCTOR_DIR:-}}"
  [[ -n "$dir" && -f "$dir/conductor.properties" ]] || die "no server dir given: pass the CONDUCTOR_DIR that 'start' printed"
  if [[ -f "$dir/conductor.pid" ]]; then
    stop_pid "$(cat "$dir/conductor.pid")"
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
