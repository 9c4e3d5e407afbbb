#!/usr/bin/env bash
# A real PostgreSQL server for benchmarks (the persistence Conductor users run in
# production), without Docker: a fresh cluster from the machine's PostgreSQL
# binaries (Debian's `postgresql` package) on a free loopback port.
#
#   postgres.sh start         initdb a fresh cluster, start it, create database
#                             'conductor'; prints PG_PORT=<port>, PG_PID=<postmaster pid>,
#                             PG_DIR=<dir>, PG_USER=<role>, PG_URL=jdbc:postgresql://...
#   postgres.sh stop [DIR]    stop the server of DIR (default $PG_DIR) and delete DIR
#
# Environment: PG_BINDIR (default: the directory of `initdb` on PATH, else the
# newest /usr/lib/postgresql/*/bin), PG_OWNER_PID (the server is stopped when that
# process ends, so a crashed run leaves nothing behind), PG_START_TIMEOUT (seconds,
# default 60). Durability is PostgreSQL's default (fsync and synchronous_commit on).
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres`
# user (created by the Debian package) and lives under $TMPDIR, which that user can reach.
set -euo pipefail

START_TIMEOUT="${PG_START_TIMEOUT:-60}"

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

bindir() {
  if [[ -n "${PG_BINDIR:-}" ]]; then echo "$PG_BINDIR"; return; fi
  local initdb
  initdb="$(command -v initdb || true)"
  if [[ -n "$initdb" ]]; then dirname "$(readlink -f "$initdb")"; return; fi
  local newest
  newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [[ -n "$newest" ]] || die "no PostgreSQL binaries: install them with 'apt-get install -y postgresql' (Debian/Ubuntu) or set PG_BINDIR"
  echo "$newest"
}

# Runs a PostgreSQL binary as the cluster's owner: this user, or `postgres` when root.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    getent passwd postgres >/dev/null || die "running as root needs a 'postgres' user to own the cluster (the Debian package creates it)"
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

owner_name() { if [[ "$(id -u)" == 0 ]]; then echo postgres; else id -un; fi; }

start() {
  local bin dir port pid user
  bin="$(bindir)"
  [[ -x "$bin/postgres" && -x "$bin/initdb" && -x "$bin/pg_ctl" ]] || die "$bin lacks postgres, initdb or pg_ctl"
  user="$(owner_name)"
  dir="$(mktemp -d "${TMPDIR:-/tmp}/baton-postgres.XXXXXX")"
  chmod 755 "$dir"
  mkdir -p "$dir/data"
  [[ "$(id -u)" == 0 ]] && chown -R postgres: "$dir"
  as_owner "$bin/initdb" -D "$dir/data" -U "$user" -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; rm -rf "$dir"; die "initdb failed"; }
  port="$(free_port)"
  cat >>"$dir/data/postgresql.conf" <<EOF
# baton scripts/services/postgres.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 100
shared_buffers = 128MB
EOF
  as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t "$START_TIMEOUT" start >"$dir/pg_ctl.log" 2>&1 ||
    { tail -n 40 "$dir/server.log" >&2 || true; die "PostgreSQL did not start (log: $dir/server.log)"; }
  pid="$(head -n 1 "$dir/data/postmaster.pid")"
  as_owner "$bin/psql" -h 127.0.0.1 -p "$port" -U "$user" -d postgres -qAt -c "CREATE DATABASE conductor" >/dev/null 2>"$dir/psql.log" ||
    { cat "$dir/psql.log" >&2; die "creating database 'conductor' failed"; }
  # SIGINT is PostgreSQL's fast shutdown: sessions end, the checkpoint is written.
  [[ -z "${PG_OWNER_PID:-}" ]] || watch_owner "$PG_OWNER_PID" "$pid" "$dir" INT
  echo "PG_PORT=$port"
  echo "PG_PID=$pid"
  echo "PG_DIR=$dir"
  echo "PG_USER=$user"
  echo "PG_URL=jdbc:postgresql://127.0.0.1:$port/conductor"
}

stop() {
  local dir="${1:-${PG_DIR:-}}"
  [[ -n "$dir" && -d "$dir/data" ]] || die "no cluster dir given: pass the PG_DIR that 'start' printed"
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    stop_pid "$(head -n 1 "$dir/data/postmaster.pid")" INT
  fi
  rm -rf "$dir"
}

case "${1:-}" in
start) start ;;
stop) stop "${2:-}" ;;
*)
  echo "usage: $0 start | stop [DIR]" >&2
  exit 2
  ;;
esac
