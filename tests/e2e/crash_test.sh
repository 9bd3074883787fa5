#!/usr/bin/env bash
# Crash safety with real processes: a node under `nuri load` is killed with SIGKILL several
# times at random moments and restarted; afterwards its chain passes `nuri node check` and every
# transaction whose receipt said committed is still there, with the same status.
set -u
nuri=$1
dir=$(mktemp -d /tmp/nuri-crash-XXXXXX)
port=$((20000 + RANDOM % 12000))  # below the ephemeral ports (32768 up)
cleanup() { "$nuri" localnet down --dir "$dir" >/dev/null 2>&1; rm -rf "$dir"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -n 20 "$dir/nodes/v1/node.log" 2>/dev/null; exit 1; }

"$nuri" localnet up --dir "$dir" --validators 1 --observers 0 --accounts 60 --base-port "$port" \
  || fail "localnet up"
"$nuri" load --network "$dir" --seconds 20 --rate 600 --record "$dir/committed.txt" --json \
  > "$dir/load.json" 2> "$dir/load.err" &
load_pid=$!

kills=0
for round in 1 2 3 4; do
  sleep "$(( (RANDOM % 3) + 2 )).$(( RANDOM % 10 ))"
  "$nuri" localnet stop-node v1 --kill --dir "$dir" || fail "kill round $round"
  kills=$((kills + 1))
  sleep 0.$(( RANDOM % 10 ))
  "$nuri" localnet start-node v1 --dir "$dir" || fail "restart round $round"
done
wait "$load_pid"; load_status=$?
cat "$dir/load.json"
[ "$load_status" -eq 0 ] || fail "load lost transactions: $(cat "$dir/load.json" "$dir/load.err")"
committed=$(wc -l < "$dir/committed.txt")
[ "$committed" -gt 1000 ] || fail "only $committed transactions committed"

"$nuri" localnet stop-node v1 --dir "$dir" || fail "clean stop"
"$nuri" node check --data "$dir/nodes/v1" || fail "node check"
"$nuri" localnet start-node v1 --dir "$dir" || fail "final restart"
"$nuri" load --network "$dir" --verify "$dir/committed.txt" || fail "committed transactions lost"
echo "survived $kills kills with $committed committed transactions intact"
