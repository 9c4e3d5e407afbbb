#!/usr/bin/env bash
# A Python virtual environment with schemathesis (PyPI), the property-based API
# fuzzer tests/services/openapi-schemathesis.test.ts runs against Baton's
# /api-docs. The environment is pinned whole in
# tests/services/schemathesis/requirements.txt (schemathesis 4.32.5 and what it
# pulls in); it is built once per content of
# that file under $BATON_CACHE_DIR and reused, so changing a pin builds a new one.
#
#   schemathesis.sh install    create the venv if needed; prints SCHEMATHESIS_BIN=<venv's schemathesis>
#
# Environment: BATON_CACHE_DIR (default ~/.cache/baton), BATON_PYTHON (the
# interpreter to build with; default the first of python3.13 ... python3.10,
# python3 that is 3.10 or newer), PIP_* as pip reads them (e.g. PIP_INDEX_URL).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REQUIREMENTS="$ROOT/tests/services/schemathesis/requirements.txt"
CACHE_ROOT="${BATON_CACHE_DIR:-$HOME/.cache/baton}"

log() { echo "schemathesis.sh: $*" >&2; }
die() { log "$*"; exit 1; }

pick_python() {
  if [[ -n "${BATON_PYTHON:-}" ]]; then echo "$BATON_PYTHON"; return; fi
  local candidate
  for candidate in python3.13 python3.12 python3.11 python3.10 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  die "missing python: the schemathesis run needs Python 3.10+ with venv and ensurepip (Debian: 'apt-get install -y python3 python3-venv'), or set BATON_SKIP_SERVICES=schemathesis to skip them."
}

install() {
  local key venv
  key="$(sha256sum "$REQUIREMENTS" | cut -c1-16)"
  venv="$CACHE_ROOT/schemathesis-$key"
  if [[ ! -f "$venv/.complete" ]]; then
    mkdir -p "$CACHE_ROOT"
    # One builder at a time per cache (parallel test runs on a fresh machine).
    exec 9>"$CACHE_ROOT/.schemathesis.lock"
    command -v flock >/dev/null 2>&1 && flock 9
    if [[ ! -f "$venv/.complete" ]]; then
      local python
      python="$(pick_python)"
      # Built in place (a venv's scripts name its directory); the stamp written
      # last marks it complete, so a half-built one is rebuilt next time.
      rm -rf "$venv"
      log "creating a venv from $(basename "$REQUIREMENTS") in $venv ($("$python" --version 2>&1))"
      "$python" -m venv "$venv" >&2
      if ! "$venv/bin/python" -m pip install --disable-pip-version-check -q -r "$REQUIREMENTS" >"$venv/install.log" 2>&1; then
        cat "$venv/install.log" >&2
        die "pip could not install $REQUIREMENTS (log: $venv/install.log)"
      fi
      touch "$venv/.complete"
      # Venvs of earlier pins are of no further use.
      find "$CACHE_ROOT" -maxdepth 1 -name 'schemathesis-*' -type d ! -path "$venv" -exec rm -rf {} + 2>/dev/null || true
      log "installed $(grep -c '==' "$REQUIREMENTS") pinned packages"
    fi
  fi
  echo "SCHEMATHESIS_BIN=$venv/bin/schemathesis"
}

case "${1:-}" in
install) install ;;
*)
  echo "usage: $0 install" >&2
  exit 2
  ;;
esac
