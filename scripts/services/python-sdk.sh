#!/usr/bin/env bash
# A Python virtual environment with the official Conductor Python SDK, for the
# tests that drive Baton through it (tests/services/python-sdk.test.ts). Built
# once under $BATON_CACHE_DIR and reused; a changed pin builds a new one.
#
#   python-sdk.sh install    create the venv if needed; prints PYTHON_SDK_PYTHON=<venv python>
#
# Environment: CONDUCTOR_PYTHON_VERSION (default 2.0.0), BATON_CACHE_DIR (default
# ~/.cache/baton), BATON_PYTHON (the interpreter to build with; default the first of
# python3.12, python3.11, python3.10, python3 that is 3.9 or newer).
set -euo pipefail

SDK_VERSION="${CONDUCTOR_PYTHON_VERSION:-2.0.0}"
# pytest runs nothing here but is what the SDK's own suites need (README: SDK compatibility).
PYTEST_VERSION=8.3.5
CACHE_ROOT="${BATON_CACHE_DIR:-$HOME/.cache/baton}"
VENV="$CACHE_ROOT/python-sdk-$SDK_VERSION"
STAMP="$VENV/.complete"

log() { echo "python-sdk.sh: $*" >&2; }
die() { log "$*"; exit 1; }

pick_python() {
  if [[ -n "${BATON_PYTHON:-}" ]]; then echo "$BATON_PYTHON"; return; fi
  local candidate
  for candidate in python3.12 python3.11 python3.10 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys, venv, ensurepip; sys.exit(0 if sys.version_info >= (3, 9) else 1)' 2>/dev/null; then
      echo "$candidate"
      return
    fi
  done
  die "missing python: the Python SDK tests need Python 3.9+ with venv and ensurepip (Debian: 'apt-get install -y python3 python3-venv'), or set BATON_SKIP_SERVICES=python-sdk to skip them."
}

install() {
  if [[ -f "$STAMP" ]]; then
    log "conductor-python $SDK_VERSION already in $VENV"
  else
    mkdir -p "$CACHE_ROOT"
    # One builder at a time per cache (parallel test runs on a fresh machine).
    exec 9>"$CACHE_ROOT/.python-sdk.lock"
    command -v flock >/dev/null 2>&1 && flock 9
    if [[ ! -f "$STAMP" ]]; then
      local python
      python="$(pick_python)"
      # Built in place (a venv's scripts name its directory); the stamp written
      # last marks it complete, so a half-built one is rebuilt next time.
      rm -rf "$VENV"
      log "creating a venv with conductor-python $SDK_VERSION in $VENV ($("$python" --version 2>&1))"
      "$python" -m venv "$VENV" >&2
      if ! "$VENV/bin/python" -m pip install --disable-pip-version-check -q \
        "conductor-python==$SDK_VERSION" "pytest==$PYTEST_VERSION" >"$VENV/install.log" 2>&1; then
        cat "$VENV/install.log" >&2
        die "pip could not install conductor-python $SDK_VERSION (log: $VENV/install.log)"
      fi
      touch "$STAMP"
      log "installed conductor-python $SDK_VERSION"
    fi
  fi
  echo "PYTHON_SDK_PYTHON=$VENV/bin/python"
}

case "${1:-}" in
install) install ;;
*)
  echo "usage: $0 install" >&2
  exit 2
  ;;
esac
