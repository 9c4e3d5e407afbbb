#!/usr/bin/env bash
# A real Apache Airflow for tests, without Docker: pip-installed into a cached
# virtual environment and run as `airflow standalone` (API server, scheduler,
# DAG processor, triggerer; LocalExecutor on SQLite) on a free loopback port,
# with the DAG folder tests/services/dags. The DAGs read and write S3 on the
# versitygw that scripts/services/s3.sh starts.
#
#   airflow.sh install     build the venv if needed (pinned: airflow-requirements.txt
#                          with airflow-constraints.txt; airflow2-*.txt for Airflow 2);
#                          prints AIRFLOW_VENV=<dir>
#   airflow.sh start       install if needed, start a fresh Airflow; needs S3_ENDPOINT,
#                          S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY (what `s3.sh start`
#                          prints); waits until both test DAGs are loaded; prints
#                          AIRFLOW_URL=http://127.0.0.1:<port>, AIRFLOW_VERSION,
#                          AIRFLOW_USERNAME, AIRFLOW_PASSWORD, AIRFLOW_S3_BUCKET,
#                          AIRFLOW_PID, AIRFLOW_DIR
#   airflow.sh stop [DIR]  stop the Airflow of DIR (default $AIRFLOW_DIR), delete DIR
#   airflow.sh freeze      resolve airflow-requirements.txt afresh and rewrite
#                          airflow-constraints.txt from `pip freeze` (after changing a pin)
#
# AIRFLOW_MAJOR=3 (default): Airflow 3.1; its API is /api/v2 with a JWT from
# POST /auth/token {username, password} (its simple auth manager; the user is an admin).
# AIRFLOW_MAJOR=2: Airflow 2.10 (its own venv, SequentialExecutor on SQLite); its API
# is /api/v1 with basic auth (AIRFLOW__API__AUTH_BACKENDS=...basic_auth) on the web
# server's port; the user is the Admin `airflow standalone` creates: `admin`, with the
# password it writes to standalone_admin_password.txt (AIRFLOW_TEST_* do not apply).
#
# Environment: BATON_CACHE_DIR (default ~/.cache/baton), BATON_PYTHON (default the
# first of python3.11, python3.12, python3.10, python3.13 found), AIRFLOW_OWNER_PID (Airflow is
# stopped when that process ends), AIRFLOW_START_TIMEOUT (seconds, default 240),
# AIRFLOW_STOP_TIMEOUT (seconds to wait after SIGTERM before SIGKILL, default 30),
# AIRFLOW_TEST_USERNAME / AIRFLOW_TEST_PASSWORD (default baton / a random one),
# AIRFLOW_S3_BUCKET (default airflow-data: where the DAGs write output and stats
# under the conf.output_prefix Baton sends; Baton's setting of the same name),
# PIP_* as pip reads them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MAJOR="${AIRFLOW_MAJOR:-3}"
case "$MAJOR" in
3) FLAVOUR=airflow ;;
2) FLAVOUR=airflow2 ;;
*) echo "airflow.sh: AIRFLOW_MAJOR=$MAJOR: expected 2 or 3" >&2; exit 2 ;;
esac
REQUIREMENTS="$ROOT/scripts/services/$FLAVOUR-requirements.txt"
CONSTRAINTS="$ROOT/scripts/services/$FLAVOUR-constraints.txt"
DAGS="$ROOT/tests/services/dags"
CACHE_ROOT="${BATON_CACHE_DIR:-$HOME/.cache/baton}"
START_TIMEOUT="${AIRFLOW_START_TIMEOUT:-240}"
TEST_DAGS=(name_parse email_hygiene)

log() { echo "airflow.sh: $*" >&2; }
die() { log "$*"; exit 1; }

pick_python() {
  if [[ -n "${BATON_PYTHON:-}" ]]; then
    "$BATON_PYTHON" -c 'import sys, venv, ensurepip; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null ||
      die "BATON_PYTHON=$BATON_PYTHON: expected a Python 3.10-3.13 interpreter with venv and ensurepip"
    echo "$BATON_PYTHON"
    return
  fi
  local candidate
  # Airflow 3.1 supports Python 3.10-3.13; the constraints were resolved with 3.11, so it comes first.
  for candidate in python3.11 python3.12 python3.10 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys, venv, ensurepip; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 13) else 1)' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  die "missing python: Airflow needs Python 3.10-3.13 with venv and ensurepip (Debian: 'apt-get install -y python3 python3-venv'), or set BATON_SKIP_SERVICES=airflow to skip the Airflow tests."
}

venv_dir() { echo "$CACHE_ROOT/$FLAVOUR-$(cat "$REQUIREMENTS" "$CONSTRAINTS" | sha256sum | cut -c1-16)"; }

install() {
  local venv
  venv="$(venv_dir)"
  if [[ ! -f "$venv/.complete" ]]; then
    mkdir -p "$CACHE_ROOT"
    # One builder at a time per cache (parallel test runs on a fresh machine).
    exec 9>"$CACHE_ROOT/.$FLAVOUR.lock"
    command -v flock >/dev/null 2>&1 && flock 9
    if [[ ! -f "$venv/.complete" ]]; then
      local python started=$SECONDS
      python="$(pick_python)"
      # Built in place (a venv's scripts name its directory); the stamp written
      # last marks it complete, so a half-built one is rebuilt next time.
      rm -rf "$venv"
      log "creating the Airflow venv in $venv ($("$python" --version 2>&1)); a few minutes the first time"
      "$python" -m venv "$venv" >&2
      if ! "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$REQUIREMENTS" -c "$CONSTRAINTS" >"$venv/install.log" 2>&1; then
        cat "$venv/install.log" >&2
        die "pip could not install $REQUIREMENTS with $CONSTRAINTS (log: $venv/install.log)"
      fi
      touch "$venv/.complete"
      # Venvs of earlier pins are of no further use.
      find "$CACHE_ROOT" -maxdepth 1 -name "$FLAVOUR-*" -type d ! -path "$venv" -exec rm -rf {} + 2>/dev/null || true
      log "installed $("$venv/bin/python" -m pip freeze 2>/dev/null | grep -c '==') packages in $((SECONDS - started)) s"
    fi
    # Release the lock: Airflow started after this must not inherit it.
    exec 9>&-
  fi
  echo "AIRFLOW_VENV=$venv"
}

freeze() {
  local python tmp
  python="$(pick_python)"
  tmp="$(mktemp -d "${TMPDIR:-/tmp}/baton-$FLAVOUR-freeze.XXXXXX")"
  trap 'rm -rf "$tmp"' RETURN
  "$python" -m venv "$tmp/venv" >&2
  "$tmp/venv/bin/python" -m pip install --disable-pip-version-check -q -r "$REQUIREMENTS" >&2
  {
    echo "# Every package of the Airflow $MAJOR test venv, pinned: 'AIRFLOW_MAJOR=$MAJOR scripts/services/airflow.sh freeze'"
    echo "# resolved scripts/services/$FLAVOUR-requirements.txt with $("$python" --version 2>&1) and wrote this."
    "$tmp/venv/bin/python" -m pip freeze --all --exclude pip --exclude setuptools --exclude wheel | LC_ALL=C sort -f
  } >"$CONSTRAINTS"
  log "wrote $(grep -c '==' "$CONSTRAINTS") pins to $CONSTRAINTS"
}

free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
}

# 0 once the API answers and every test DAG is loaded: GET /api/v2/dags/<id> with a
# token (Airflow 3), GET /api/v1/dags/<id> with basic auth (Airflow 2).
ready() {
  "$1/bin/python" - "$MAJOR" "$2" "$3" "$4" "${TEST_DAGS[@]}" <<'PY' 2>/dev/null
import base64, json, sys, urllib.request
major, url, user, password, *dags = sys.argv[1:]
def call(method, path, body=None, authorization=None):
    request = urllib.request.Request(url + path, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("content-type", "application/json")
    if authorization: request.add_header("authorization", authorization)
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read() or b"null")
if major == "2":
    authorization, api = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode(), "/api/v1"
else:
    authorization, api = "Bearer " + call("POST", "/auth/token", {"username": user, "password": password})["access_token"], "/api/v2"
for dag in dags:
    call("GET", f"{api}/dags/{dag}", authorization=authorization)
PY
}

start() {
  local venv
  install >/dev/null
  venv="$(venv_dir)"
  [[ -n "${S3_ENDPOINT:-}" && -n "${S3_ACCESS_KEY_ID:-}" && -n "${S3_SECRET_ACCESS_KEY:-}" ]] ||
    die "S3_ENDPOINT, S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must name the S3 server the DAGs use: start it first, e.g. 'set -a; eval \"\$(scripts/services/s3.sh start)\"; set +a'"
  local dir port pid user password bucket="${AIRFLOW_S3_BUCKET:-airflow-data}"
  dir="$(mktemp -d "${TMPDIR:-/tmp}/baton-airflow.XXXXXX")"
  mkdir -p "$dir/home"
  port="$(free_port)"
  if [[ "$MAJOR" == 2 ]]; then
    # `airflow standalone` creates the Admin `admin` with a random password, written to
    # standalone_admin_password.txt: read once it exists (admin_password below).
    user=admin password=""
  else
    user="${AIRFLOW_TEST_USERNAME:-baton}"
    password="${AIRFLOW_TEST_PASSWORD:-$("$venv/bin/python" -c 'import secrets;print(secrets.token_urlsafe(18))')}"
    "$venv/bin/python" -c 'import json,sys;json.dump({sys.argv[2]: sys.argv[3]}, open(sys.argv[1], "w"))' "$dir/passwords.json" "$user" "$password"
  fi
  # The DAGs' boto3 client: path-style addressing on the test server.
  printf '[default]\nregion = us-east-1\ns3 =\n    addressing_style = path\n' >"$dir/aws-config"
  (
    export AIRFLOW_HOME="$dir/home"
    export AIRFLOW__CORE__DAGS_FOLDER="$DAGS"
    export AIRFLOW__CORE__LOAD_EXAMPLES=False
    export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False
    export AIRFLOW__CORE__PARALLELISM=4
    if [[ "$MAJOR" == 2 ]]; then
      # The web server (gunicorn, one worker on 2 cores) serves /api/v1 with basic auth.
      export AIRFLOW__API__AUTH_BACKENDS=airflow.api.auth.backend.basic_auth
      export AIRFLOW__WEBSERVER__WEB_SERVER_HOST=127.0.0.1
      export AIRFLOW__WEBSERVER__WEB_SERVER_PORT="$port"
      export AIRFLOW__WEBSERVER__WORKERS=1
      export AIRFLOW__WEBSERVER__SECRET_KEY="$("$venv/bin/python" -c 'import secrets;print(secrets.token_hex(16))')"
    else
      export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="$user:admin"
      export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$dir/passwords.json"
      export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$port/execution/"
      export AIRFLOW__API__HOST=127.0.0.1
      export AIRFLOW__API__PORT="$port"
      export AIRFLOW__API__WORKERS=1
      export AIRFLOW__API__SECRET_KEY="$("$venv/bin/python" -c 'import secrets;print(secrets.token_hex(16))')"
      export AIRFLOW__API_AUTH__JWT_SECRET="$("$venv/bin/python" -c 'import secrets;print(secrets.token_hex(32))')"
    fi
    export AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT="$(free_port)"
    export AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT="$(free_port)"
    export AWS_ENDPOINT_URL="$S3_ENDPOINT" AWS_ACCESS_KEY_ID="$S3_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$S3_SECRET_ACCESS_KEY"
    export AWS_DEFAULT_REGION=us-east-1 AWS_CONFIG_FILE="$dir/aws-config"
    export BATON_DAG_OUTPUT_BUCKET="$bucket"
    export PATH="$venv/bin:$PATH"
    # Its own session: stop kills the whole group (API server, scheduler, DAG processor, triggerer, task runners).
    exec setsid bash -c 'exec airflow standalone >>"$1/server.log" 2>&1' _ "$dir" </dev/null
  ) &
  pid=$!
  echo "$pid" >"$dir/airflow.pid"
  echo "$port" >"$dir/airflow.port"
  local owner="${AIRFLOW_OWNER_PID:-}"
  if [[ -n "$owner" ]]; then
    # Watchdog: stop Airflow and delete its dir when its owner (the test run) is gone.
    setsid bash "${BASH_SOURCE[0]}" watch "$owner" "$dir" </dev/null >/dev/null 2>&1 &
  fi
  local deadline=$((SECONDS + START_TIMEOUT))
  # Airflow 2: the password standalone wrote, once it has.
  admin_password() { [[ -n "$password" ]] || password="$(cat "$dir/home/standalone_admin_password.txt" 2>/dev/null || true)"; }
  until admin_password && [[ -n "$password" ]] && ready "$venv" "http://127.0.0.1:$port" "$user" "$password"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 40 "$dir/server.log" >&2 || true
      die "airflow standalone exited during start-up (log: $dir/server.log)"
    fi
    if ((SECONDS >= deadline)); then
      tail -n 40 "$dir/server.log" >&2 || true
      stop "$dir"
      die "Airflow did not serve the test DAGs (${TEST_DAGS[*]}) within ${START_TIMEOUT}s"
    fi
    sleep 1
  done
  echo "AIRFLOW_URL=http://127.0.0.1:$port"
  echo "AIRFLOW_VERSION=$("$venv/bin/python" -c 'import importlib.metadata as m;print(m.version("apache-airflow"))')"
  echo "AIRFLOW_USERNAME=$user"
  echo "AIRFLOW_PASSWORD=$password"
  echo "AIRFLOW_S3_BUCKET=$bucket"
  echo "AIRFLOW_PID=$pid"
  echo "AIRFLOW_DIR=$dir"
}

# Processes whose environment names this Airflow's home (task runners may leave the group).
members() {
  local file
  for file in $(grep -lsz -- "^AIRFLOW_HOME=$1/home\$" /proc/[0-9]*/environ 2>/dev/null); do
    file="${file#/proc/}"
    [[ "${file%/environ}" != "$$" ]] && echo "${file%/environ}"
  done
  return 0
}

stop() {
  local dir="${1:-${AIRFLOW_DIR:-}}" pid pids
  [[ -n "$dir" && -f "$dir/airflow.pid" ]] || die "no Airflow dir given: pass the AIRFLOW_DIR that 'start' printed"
  pid="$(cat "$dir/airflow.pid")"
  # SIGTERM to the group; standalone stops its components, which end their task runners.
  kill -TERM -- "-$pid" 2>/dev/null || true
  local deadline=$((SECONDS + ${AIRFLOW_STOP_TIMEOUT:-30}))
  while ((SECONDS < deadline)); do
    pids="$(members "$dir")"
    kill -0 "$pid" 2>/dev/null || [[ -n "$pids" ]] || break
    sleep 0.2
  done
  kill -KILL -- "-$pid" 2>/dev/null || true
  pids="$(members "$dir")"
  if [[ -n "$pids" ]]; then
    log "killing what did not stop within ${AIRFLOW_STOP_TIMEOUT:-30}s: $(echo $pids)"
    kill -KILL $pids 2>/dev/null || true
  fi
  rm -rf "$dir"
}

# The watchdog's loop (internal): stop DIR's Airflow once OWNER has exited.
watch() {
  local owner="$1" dir="$2" pid
  pid="$(cat "$dir/airflow.pid")"
  while kill -0 "$owner" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 2; done
  kill -0 "$owner" 2>/dev/null && exit 0
  [[ -f "$dir/airflow.pid" ]] && stop "$dir"
}

case "${1:-}" in
install) install ;;
start) start ;;
stop) stop "${2:-}" ;;
freeze) freeze ;;
watch) watch "$2" "$3" ;;
*)
  echo "usage: $0 install | start | stop [DIR] | freeze" >&2
  exit 2
  ;;
esac
