#!/usr/bin/env bash
# A Python virtual environment with schemathesis (PyPI), the property-based API
# fuzzer tests/services/openapi-schemathesis.test.ts runs against Baton's
# /api-docs. The environment is pinned whole in
# tests/services/schemathesis/requirements.txt (schemathesis 4.32.5 and what it
# pulls in); pinned-venv.sh builds it once per content of that file under
# $BATON_CACHE_DIR and reuses it.
#
#   schemathesis.sh install    create the venv if needed; prints SCHEMATHESIS_BIN=<venv's schemathesis>
#
# Environment: see pinned-venv.sh (BATON_CACHE_DIR, BATON_PYTHON, PIP_*).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

case "${1:-}" in
install)
  venv="$("$HERE/pinned-venv.sh" schemathesis "$ROOT/tests/services/schemathesis/requirements.txt" schemathesis "the schemathesis run")"
  echo "SCHEMATHESIS_BIN=$venv/bin/schemathesis"
  ;;
*)
  echo "usage: $0 install" >&2
  exit 2
  ;;
esac
