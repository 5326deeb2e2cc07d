#!/usr/bin/env bash
# One RingKV node vs redis-server (Debian), same machine, same run, same redis-benchmark command.
# Usage (from the repository root, after ./mvnw -q -DskipTests package):
#   bash launcher/scripts/bench-vs-redis.sh [rounds]
# Env: N (requests, 200000), C (clients, 50), D (value bytes, 100), R (key space, 100000),
#      FSYNC (RingKV --fsync, everysec), RINGKV_PORT (7101), REDIS_PORT (7102), JAVA_OPTS.
# Prints one line per run and a summary of medians and ratios. Loopback only; every run is bounded by -n.
set -euo pipefail
rounds=${1:-3}
N=${N:-200000}; C=${C:-50}; D=${D:-100}; R=${R:-100000}; FSYNC=${FSYNC:-everysec}
RINGKV_PORT=${RINGKV_PORT:-7101}; REDIS_PORT=${REDIS_PORT:-7102}
jar=launcher/target/ringkv.jar
command -v redis-benchmark >/dev/null || { echo "needs redis-benchmark (apt-get install redis-tools redis-server)"; exit 2; }
command -v redis-server >/dev/null || { echo "needs redis-server (apt-get install redis-server)"; exit 2; }
[ -f "$jar" ] || { echo "build first: ./mvnw -q -DskipTests package"; exit 2; }

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

# shellcheck disable=SC2086
java ${JAVA_OPTS:-} -jar "$jar" server --standalone -p "$RINGKV_PORT" -a 127.0.0.1 -d "$tmp/ringkv" --fsync "$FSYNC" --log-level WARN >"$tmp/ringkv.out" 2>&1 &
pids+=($!)
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$tmp" --daemonize no >"$tmp/redis.out" 2>&1 &
pids+=($!)
for port in "$RINGKV_PORT" "$REDIS_PORT"; do
  for _ in $(seq 1 100); do [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done
  [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] || { echo "nothing answers on port $port (in use by another program?)"; cat "$tmp"/*.out; exit 1; }
done
for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "a server exited at start:"; cat "$tmp"/*.out; exit 1; }; done

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(java -version 2>&1 | head -1), $(redis-server --version | cut -d' ' -f1-3)"
echo "command: redis-benchmark -h 127.0.0.1 -p PORT -t set,get -n $N -c $C -d $D -r $R [-P 16] --csv"
declare -A results
for pipe in 1 16; do
  popt=""; [ "$pipe" -gt 1 ] && popt="-P $pipe"
  # warm-up (JIT) for RingKV, not counted
  # shellcheck disable=SC2086
  redis-benchmark -h 127.0.0.1 -p "$RINGKV_PORT" -t set,get -n "$N" -c "$C" -d "$D" -r "$R" $popt --csv >/dev/null 2>&1 || true
  for round in $(seq 1 "$rounds"); do
    for target in ringkv redis; do
      port=$RINGKV_PORT; [ "$target" = redis ] && port=$REDIS_PORT
      # shellcheck disable=SC2086
      out=$(redis-benchmark -h 127.0.0.1 -p "$port" -t set,get -n "$N" -c "$C" -d "$D" -r "$R" $popt --csv 2>/dev/null)
      set_rps=$(echo "$out" | awk -F'"' '$2=="SET"{print $4}')
      get_rps=$(echo "$out" | awk -F'"' '$2=="GET"{print $4}')
      set_p99=$(echo "$out" | awk -F'"' '$2=="SET"{print $14}')
      get_p99=$(echo "$out" | awk -F'"' '$2=="GET"{print $14}')
      echo "P=$pipe round=$round $target SET=$set_rps (p99 ${set_p99} ms) GET=$get_rps (p99 ${get_p99} ms)"
      results["$pipe,$target,SET"]+="$set_rps "
      results["$pipe,$target,GET"]+="$get_rps "
    done
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
echo
echo "summary (median of $rounds rounds, requests/s):"
for pipe in 1 16; do
  for op in SET GET; do
    rk=$(echo "${results["$pipe,ringkv,$op"]}" | median)
    rd=$(echo "${results["$pipe,redis,$op"]}" | median)
    ratio=$(awk -v a="$rk" -v b="$rd" 'BEGIN{printf "%.2f", a/b}')
    echo "P=$pipe $op ringkv=$rk redis=$rd ratio=$ratio"
  done
done
