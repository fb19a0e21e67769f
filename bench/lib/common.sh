# Sourced by run.sh: logging, temp space and process cleanup, registries, measured runs.

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'bench: error: %s\n' "$*" >&2; exit 1; }

# Processes this script started (by pid), stopped on exit.
STARTED_PIDS=()
cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "${TMP:-}" ] && [ -d "$TMP" ] && [ -z "${BENCH_KEEP_TMP:-}" ]; then
    rm -rf "$TMP"
  fi
}

stop_pid() {
  local pid="$1" keep=() p
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${STARTED_PIDS[@]}"; do
    [ "$p" = "$pid" ] || keep+=("$p")
  done
  STARTED_PIDS=("${keep[@]}")
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http URL PID SECONDS: until URL answers (any HTTP status) or PID dies.
wait_http() {
  local url="$1" pid="$2" deadline=$((SECONDS + $3))
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$pid" 2>/dev/null || return 1
    curl -s -o /dev/null --max-time 1 "$url" && return 0
    sleep 0.1
  done
  return 1
}

# registry_start VAR [STORAGE [PORT]]: a docker-registry on 127.0.0.1 with a free port (or PORT) and temp storage (or
# the given storage directory). Sets VAR_PORT, VAR_PID, VAR_DIR (config, log) and VAR_STORAGE.
registry_start() {
  local var="$1" dir port storage pid
  dir=$(mktemp -d "$TMP/registry.XXXXXX")
  storage="${2:-$dir/storage}"
  mkdir -p "$storage"
  port="${3:-$(free_port)}"
  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
  secret: airlock-bench-secret
YAML
  docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  pid=$!
  STARTED_PIDS+=("$pid")
  wait_http "http://127.0.0.1:$port/v2/" "$pid" 20 \
    || die "docker-registry did not start on 127.0.0.1:$port: $(tail -3 "$dir/registry.log")"
  printf -v "${var}_PORT" '%s' "$port"
  printf -v "${var}_PID" '%s' "$pid"
  printf -v "${var}_DIR" '%s' "$dir"
  printf -v "${var}_STORAGE" '%s' "$storage"
}

# registry_stop VAR [keep]: stops it and removes its temp dir (unless keep).
registry_stop() {
  local var="$1" pid dir
  pid="${var}_PID"
  dir="${var}_DIR"
  stop_pid "${!pid}"
  [ "${2:-}" = keep ] || rm -rf "${!dir}"
}

# measured PREFIX CMD...: runs CMD under /usr/bin/time -v with stdout/stderr in PREFIX.out/.err.
# Sets M_RC, M_SECS (wall clock) and M_RSS_KB (peak RSS of the largest process in the command's tree).
measured() {
  local p="$1" t0 t1
  shift
  # untimed: let the previous run's writes (and deletions) reach the disk first, so neither tool pays
  # for the other's writeback
  sync
  t0=$(date +%s%N)
  set +e
  /usr/bin/time -v -o "$p.time" "$@" >"$p.out" 2>"$p.err"
  M_RC=$?
  set -e
  t1=$(date +%s%N)
  M_SECS=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b - a) / 1e9}')
  M_RSS_KB=$(awk -F': *' '/Maximum resident set size/{print $2}' "$p.time")
}

# unavailable ERRFILE: true when an airlock command said it is not there yet (exit 2 with "not available
# yet", or an option or argument it does not take yet). Sets NA_REASON, one short line.
unavailable() {
  [ "$M_RC" = 2 ] || return 1
  if grep -qi 'not available yet' "$1"; then
    NA_REASON=$(grep -m1 -i 'not available yet' "$1" | cut -c1-100)
  elif grep -qi 'unmatched argument' "$1"; then
    NA_REASON="the command does not take these arguments yet ($(grep -m1 -io 'unmatched argument' "$1"))"
  elif grep -qiE 'unknown (option|subcommand)' "$1"; then
    NA_REASON=$(grep -m1 -ioE "unknown (option|subcommand)[^,]*" "$1" | cut -c1-100)
  else
    return 1
  fi
  NA_REASON=$(printf '%s' "$NA_REASON" | tr '|\t' '/ ')
}

# fail_run WHAT PREFIX: a command failed for real: say which, with its last lines, and stop.
fail_run() {
  {
    echo "bench: error: $1 failed (exit $M_RC)"
    tail -n 15 "$2.err" 2>/dev/null | sed 's/^/  | /'
  } >&2
  exit 1
}

# record SCENARIO TOOL RUN SECONDS RSS_KB BYTES STATUS NOTE
record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$RESULTS_TSV"
}

bytes_of() { du -sb "$@" 2>/dev/null | awk '{s += $1} END{printf "%.0f\n", s}'; }

# vm_hwm_kb PID: peak RSS so far of a running process.
vm_hwm_kb() { awk '/^VmHWM:/{print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
# cpu_secs PID: user + system CPU seconds a running process has used so far.
cpu_secs() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat" 2>/dev/null || echo 0
}
