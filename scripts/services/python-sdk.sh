#!/usr/bin/env bash
# A Python virtual environment with the official Conductor Python SDK, for the
# tests that drive Baton through it (tests/services/python-sdk.test.ts). The
# environment is pinned whole in tests/services/python-sdk/requirements.txt
# (conductor-python 2.0.0 and what it pulls in); pinned-venv.sh builds it once
# per content of that file under $BATON_CACHE_DIR and reuses it.
#
#   python-sdk.sh install    create the venv if needed; prints PYTHON_SDK_PYTHON=<venv python>
#
# Environment: see pinned-venv.sh (BATON_CACHE_DIR, BATON_PYTHON, PIP_*).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

case "${1:-}" in
install)
  venv="$("$HERE/pinned-venv.sh" python-sdk "$ROOT/tests/services/python-sdk/requirements.txt" python-sdk "the Python SDK tests")"
  echo "PYTHON_SDK_PYTHON=$venv/bin/python"
  ;;
*)
  echo "usage: $0 install" >&2
  exit 2
  ;;
esac
