#!/usr/bin/env bash
# The Java SDK scenario of tests/services/java-sdk.test.ts (tests/services/java-sdk:
# a Maven project on the official conductor-client and java-sdk, pinned in its
# pom.xml), compiled into $BATON_CACHE_DIR and reused until its sources change.
# Maven keeps the downloaded jars in its own repository cache (~/.m2 by default).
#
#   java-sdk.sh build    compile if needed; prints JAVA_SDK_CLASSPATH=<classes:jars...>
#                        and JAVA_SDK_JAVA=<java binary>
#
# Environment: BATON_CACHE_DIR (default ~/.cache/baton), JAVA_HOME (else java on PATH;
# 17 or newer), MAVEN_OPTS / MAVEN_ARGS as Maven reads them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PROJECT="$ROOT/tests/services/java-sdk"
CACHE_ROOT="${BATON_CACHE_DIR:-$HOME/.cache/baton}"

log() { echo "java-sdk.sh: $*" >&2; }
die() { log "$*"; exit 1; }

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"; else command -v java || true; fi
}

require_tools() {
  local java missing=()
  java="$(java_bin)"
  [[ -n "$java" ]] || missing+=(java)
  command -v mvn >/dev/null 2>&1 || missing+=(mvn)
  ((${#missing[@]} == 0)) ||
    die "missing ${missing[*]}: the Java SDK tests need Java 17+ and Maven ('apt-get install -y openjdk-17-jdk-headless maven' on Debian/Ubuntu), or set BATON_SKIP_SERVICES=java-sdk to skip them."
  local major
  major="$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [[ "${major%%.*}" -ge 17 ]] 2>/dev/null || die "the Java SDK needs Java 17 or newer; $java is ${major:-unknown}"
}

build() {
  require_tools
  # The build is keyed by the project's content: a changed pin or scenario builds anew.
  local key dir
  key="$(cd "$PROJECT" && find pom.xml src -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
  dir="$CACHE_ROOT/java-sdk-$key"
  if [[ ! -f "$dir/.complete" ]]; then
    mkdir -p "$CACHE_ROOT"
    exec 9>"$CACHE_ROOT/.java-sdk.lock"
    command -v flock >/dev/null 2>&1 && flock 9
    if [[ ! -f "$dir/.complete" ]]; then
      rm -rf "$dir"
      mkdir -p "$dir"
      log "building the Java SDK scenario into $dir (the first run downloads the SDK with Maven)"
      if ! mvn -B -q -f "$PROJECT/pom.xml" -Dbaton.buildDir="$dir/target" \
        compile dependency:build-classpath -Dmdep.outputFile="$dir/classpath.txt" >"$dir/build.log" 2>&1; then
        cat "$dir/build.log" >&2
        die "mvn could not build the Java SDK scenario (log: $dir/build.log)"
      fi
      touch "$dir/.complete"
      # Older builds of the scenario are of no further use.
      find "$CACHE_ROOT" -maxdepth 1 -name 'java-sdk-*' -type d ! -path "$dir" -exec rm -rf {} + 2>/dev/null || true
      log "built the Java SDK scenario"
    fi
  fi
  echo "JAVA_SDK_CLASSPATH=$dir/target/classes:$(cat "$dir/classpath.txt")"
  echo "JAVA_SDK_JAVA=$(java_bin)"
}

case "${1:-}" in
build) build ;;
*)
  echo "usage: $0 build" >&2
  exit 2
  ;;
esac
