# Shared by the service scripts that source it (scripts/services/postgres.sh,
# conductor.sh): a free port, a watchdog that ends a server with its owner, and
# a stop that escalates. Callers define log/die before sourcing.

# A free loopback port, found by binding port 0.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# watch_owner OWNER PID DIR [SIGNAL]: when process OWNER (the run that started the
# server) is gone, however it ended, stop PID with SIGNAL (default TERM), then
# KILL after 10 s, and delete DIR. A server that ends first ends the watchdog.
watch_owner() {
  local owner="$1" pid="$2" dir="$3" signal="${4:-TERM}"
  setsid bash -c 'while kill -0 '"$owner"' 2>/dev/null && kill -0 '"$pid"' 2>/dev/null; do sleep 2; done
    kill -0 '"$owner"' 2>/dev/null && exit 0
    kill -'"$signal"' '"$pid"' 2>/dev/null
    for _ in $(seq 1 50); do kill -0 '"$pid"' 2>/dev/null || break; sleep 0.2; done
    kill -9 '"$pid"' 2>/dev/null
    rm -rf "'"$dir"'"' </dev/null >/dev/null 2>&1 &
}

# stop_pid PID [SIGNAL]: send SIGNAL (default TERM), wait up to 30 s, then KILL.
stop_pid() {
  local pid="$1" signal="${2:-TERM}"
  kill -0 "$pid" 2>/dev/null || return 0
  kill -"$signal" "$pid" 2>/dev/null || true
  for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
}
