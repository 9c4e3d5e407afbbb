#!/usr/bin/env bash
# A Python virtual environment pinned whole by one requirements file, built once
# per content of that file under $BATON_CACHE_DIR and reused (changing a pin
# builds a new one; venvs of earlier pins are removed). Shared by the services
# that need one: python-sdk.sh and schemathesis.sh.
#
#   pinned-venv.sh NAME REQUIREMENTS SKIP_NAME WHAT
#     NAME          the venv's prefix under the cache (NAME-<hash>), also the lock's name
#     REQUIREMENTS  the pinned requirements file
#     SKIP_NAME     the BATON_SKIP_SERVICES name a missing Python suggests
#     WHAT          who needs it, for messages ("the Python SDK tests")
#   prints the venv's directory on stdout.
#
# Environment: BATON_CACHE_DIR (default ~/.cache/baton), BATON_PYTHON (the
# interpreter to build with; default the first of python3.13 ... python3.10,
# python3 that is 3.10 or newer), PIP_* as pip reads them (e.g. PIP_INDEX_URL).
set -euo pipefail

NAME="$1"
REQUIREMENTS="$2"
SKIP_NAME="$3"
WHAT="$4"
CACHE_ROOT="${BATON_CACHE_DIR:-$HOME/.cache/baton}"

log() { echo "$NAME: $*" >&2; }
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
  die "missing python: $WHAT need Python 3.10+ with venv and ensurepip (Debian: 'apt-get install -y python3 python3-venv'), or set BATON_SKIP_SERVICES=$SKIP_NAME to skip them."
}

key="$(sha256sum "$REQUIREMENTS" | cut -c1-16)"
venv="$CACHE_ROOT/$NAME-$key"
if [[ ! -f "$venv/.complete" ]]; then
  mkdir -p "$CACHE_ROOT"
  # One builder at a time per cache (parallel test runs on a fresh machine).
  exec 9>"$CACHE_ROOT/.$NAME.lock"
  command -v flock >/dev/null 2>&1 && flock 9
  if [[ ! -f "$venv/.complete" ]]; then
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
    find "$CACHE_ROOT" -maxdepth 1 -name "$NAME-*" -type d ! -path "$venv" -exec rm -rf {} + 2>/dev/null || true
    log "installed $(grep -c '==' "$REQUIREMENTS") pinned packages"
  fi
fi
echo "$venv"
