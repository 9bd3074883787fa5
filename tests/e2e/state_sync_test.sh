#!/usr/bin/env bash
# A node that starts over from a peer's state snapshot (docs/consensus.md, "State snapshots"),
# with real processes: 4 validators and an observer keep a snapshot every 20 blocks. The
# observer o1 is stopped and its data removed while `nuri load` goes on; started again with an
# empty store, it is far behind, fetches a validator's snapshot, checks it from the genesis set
# and follows by block sync. Then it must have every block from its base on, equal to the
# validators', its chain must check from that base, and nothing `load` saw committed is lost.
set -u
nuri=$1
source "$(dirname "$0")/localnet_lib.sh"
localnet_test_setup statesync

status_field() {  # node index, field of /v1/status
  curl -fsS --max-time 3 "$(api "$1")/v1/status" 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["'"$2"'"])' 2>/dev/null || echo -1
}

"$nuri" localnet up --dir "$dir" --validators 4 --observers 1 --accounts 40 --base-port "$port" \
  --snapshot-interval 20 || fail "localnet up"
"$nuri" load --network "$dir" --seconds 30 --rate 150 --record "$dir/committed.txt" --json \
  > "$dir/load.json" 2> "$dir/load.err" &
load_pid=$!
sleep 2
"$nuri" localnet stop-node o1 --dir "$dir" || fail "stop o1"
rm -rf "$dir/nodes/o1/db"
# Far behind: more than the gap of 40 blocks.
wait_for_progress 1 100 30 || fail "the validators made no 100 blocks (height $(height 1))"
"$nuri" localnet start-node o1 --dir "$dir" || fail "start o1 again"
for _ in $(seq 1 100); do
  [ "$(status_field 5 base_height)" -gt 0 ] && break
  sleep 0.2
done
base=$(status_field 5 base_height)
[ "$base" -gt 40 ] || fail "o1 did not start from a snapshot (base height $base)"
grep -q "starts from the snapshot of height $base" "$dir/nodes/o1/node.log" || fail "o1's log"
before=$(height 5)
wait_for_progress 5 "$before" 20 || fail "o1 does not follow after its snapshot"
finish_load

# The same head everywhere, and o1's blocks from its base on are the validators'.
top=0
for _ in $(seq 1 100); do
  heights=$(for i in 1 2 3 4 5; do height "$i"; done | sort -u)
  [ "$(echo "$heights" | wc -l)" -eq 1 ] && top=$heights && break
  sleep 0.2
done
[ "$top" -gt "$base" ] || fail "nodes did not converge: $(for i in 1 2 3 4 5; do height "$i"; done)"
# A node that falls more than the gap behind again (blocks come fast under load, and a busy
# machine can hold o1 back for a second) starts over from a later snapshot: its base moves up.
first_base=$base
base=$(status_field 5 base_height)
[ "$base" -ge "$first_base" ] && [ "$base" -le "$top" ] \
  || fail "o1's base went from $first_base to $base (head $top)"
python3 - "$port" "$base" "$top" <<'PY' || fail "o1 disagrees with the validators"
import json, sys, urllib.error, urllib.request
port, base, top = (int(a) for a in sys.argv[1:])
def block(node, h):
    with urllib.request.urlopen(f"http://127.0.0.1:{port + node}/v1/blocks/{h}", timeout=5) as r:
        return json.load(r)["hash"]
for h in range(base, top + 1):
    if block(5, h) != block(1, h):
        sys.exit(f"height {h} differs")
try:
    block(5, base - 1)
    sys.exit("o1 holds a block before its base")
except urllib.error.HTTPError as error:
    if error.code != 404:
        raise
print(f"o1 agrees on blocks {base}..{top} and holds none before")
PY
check_chains
"$nuri" node check --data "$dir/nodes/o1" | grep -q "\"base_height\":$base" \
  || fail "o1 was not checked from its base"
echo "ok: o1 started from the snapshot of height $first_base (base now $base) and followed to $top"
