#!/usr/bin/env bash
# BFT consensus with real processes over mutual TLS (docs/consensus.md): 4 validators and an
# observer on loopback under `nuri load`.
# - SIGKILL one validator: the others keep committing; restarted, it catches up.
# - SIGKILL validators one after another (whoever proposes next among them): progress goes on.
# - Stop 2 of 4: no block is committed and nothing forks; bring them back: progress resumes.
# - A stranger sending random bytes to a validator's peer port is cut off; the rest go on.
# At the end every node has the same block hash at every height, every chain checks, and
# nothing that `load` saw committed is lost.
set -u
nuri=$1
source "$(dirname "$0")/localnet_lib.sh"
localnet_test_setup bft

"$nuri" localnet up --dir "$dir" --validators 4 --observers 1 --accounts 60 --base-port "$port" \
  || fail "localnet up"
peers_of_v1() {
  curl -fsS --max-time 3 "http://127.0.0.1:$((port + 1))/v1/status" |
    python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["peers"])))'
}
for _ in $(seq 1 50); do [ "$(peers_of_v1)" = "o1 v2 v3 v4" ] && break; sleep 0.2; done
[ "$(peers_of_v1)" = "o1 v2 v3 v4" ] || fail "v1 is connected to '$(peers_of_v1)'"
"$nuri" load --network "$dir" --seconds 45 --rate 300 --record "$dir/committed.txt" --json \
  > "$dir/load.json" 2> "$dir/load.err" &
load_pid=$!
sleep 3

# One validator killed: the other three are a quorum.
"$nuri" localnet stop-node v2 --kill --dir "$dir" || fail "kill v2"
before=$(height 1)
wait_for_progress 1 "$before" 15 || fail "no progress with v2 down (height $before)"
"$nuri" localnet start-node v2 --dir "$dir" || fail "restart v2"
wait_for_progress 2 "$(height 1)" 20 || fail "v2 did not catch up"

# Validators killed one after another, each restarted before the next goes.
for victim in v1 v3 v4 v1; do
  "$nuri" localnet stop-node "$victim" --kill --dir "$dir" || fail "kill $victim"
  watcher=$([ "$victim" = v1 ] && echo 2 || echo 1)
  before=$(height "$watcher")
  wait_for_progress "$watcher" "$before" 15 || fail "no progress with $victim down"
  "$nuri" localnet start-node "$victim" --dir "$dir" || fail "restart $victim"
done

# A stranger's garbage on a validator's peer port.
python3 - "$((port + 101))" <<'PY' || fail "garbage sender"
import os, socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(os.urandom(4096))
s.settimeout(10)
try:
    s.recv(1)
except OSError:
    pass
PY
grep -q "TLS handshake" "$dir/nodes/v1/node.log" || fail "the garbage sender was not logged"

# Two of four stopped: no quorum, no block; then back.
"$nuri" localnet stop-node v3 --dir "$dir" || fail "stop v3"
"$nuri" localnet stop-node v4 --dir "$dir" || fail "stop v4"
# A node may still fetch a block decided before the stop; the highest height may not move.
highest() { local a b; a=$(height 1); b=$(height 2); echo $((a > b ? a : b)); }
sleep 1
stalled=$(highest)
sleep 4
[ "$(highest)" -eq "$stalled" ] || fail "blocks were committed without a quorum"
"$nuri" localnet start-node v3 --dir "$dir" || fail "restart v3"
"$nuri" localnet start-node v4 --dir "$dir" || fail "restart v4"
wait_for_progress 1 "$stalled" 30 || fail "no progress once the quorum was back"

finish_load
committed=$(wc -l < "$dir/committed.txt")
[ "$committed" -gt 1000 ] || fail "only $committed transactions committed"
check_agreement
check_chains
echo "4 validators and an observer survived kills, a stranger and a lost quorum with $committed committed transactions intact"
