#!/usr/bin/env bash
# The browser the console's tests (tests/ui) drive through playwright-core:
# Debian's Chromium package, so nothing is downloaded by Playwright itself.
#
#   chromium.sh install    install the `chromium` package unless it is there; prints CHROMIUM_PATH=<path>
#
# Environment: CHROMIUM_PATH (default /usr/bin/chromium).
set -euo pipefail

CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"

log() { echo "chromium.sh: $*" >&2; }

case "${1:-install}" in
  install)
    if [[ ! -x "$CHROMIUM_PATH" ]]; then
      command -v apt-get >/dev/null || { log "no $CHROMIUM_PATH and no apt-get: install Chromium and set CHROMIUM_PATH"; exit 1; }
      sudo_cmd=""
      [[ "$(id -u)" == 0 ]] || sudo_cmd="sudo"
      log "installing Debian's chromium package"
      DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y chromium >&2 || {
        DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get update >&2 && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y chromium >&2
      }
    fi
    [[ -x "$CHROMIUM_PATH" ]] || { log "$CHROMIUM_PATH is still missing after installing"; exit 1; }
    echo "CHROMIUM_PATH=$CHROMIUM_PATH"
    ;;
  *)
    log "usage: chromium.sh install"
    exit 2
    ;;
esac
