# Shared by the end-to-end tests that run a localnet of 4 validators and an observer (nodes 1-5
# in the order v1..v4, o1). Source it with the nuri binary in $nuri and a name for the
# temporary directory; it sets $dir and $port and stops the localnet on exit.
localnet_test_setup() {
  dir=$(mktemp -d "/tmp/nuri-$1-XXXXXX")
  # A node uses base+1.. (API), base+101.. (peers) and base+201.. (HTTPS): all below the
  # kernel's ephemeral ports (32768 up), which outgoing connections may hold at any moment.
  port=$((20000 + RANDOM % 12000))
  trap '"$nuri" localnet down --dir "$dir" >/dev/null 2>&1; rm -rf "$dir"' EXIT
}
fail() {
  echo "FAIL: $*"
  for log in "$dir"/nodes/*/node.log; do echo "== $log"; tail -n 8 "$log"; done
  exit 1
}
tx() {  # account, body: signs with the localnet's key, waits; fails unless committed ok
  "$nuri" tx --network "$dir" --as "$1" --body "$2" > "$dir/tx.out" 2>&1 ||
    fail "$1: $2: $(cat "$dir/tx.out")"
}
api() { echo "http://127.0.0.1:$((port + $1))"; }
height() {  # the committed height a node reports, or -1 when it does not answer
  curl -fsS --max-time 3 "$(api "$1")/v1/status" 2>/dev/null |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["height"])' 2>/dev/null || echo -1
}
wait_for_progress() {  # node index, from height, seconds
  for _ in $(seq 1 $(($3 * 5))); do
    [ "$(height "$1")" -gt "$2" ] && return 0
    sleep 0.2
  done
  return 1
}
# Waits for `load` (pid $load_pid) and fails unless it lost nothing.
finish_load() {
  wait "$load_pid"; local status=$?
  cat "$dir/load.json"
  [ "$status" -eq 0 ] || fail "load lost transactions: $(cat "$dir/load.json" "$dir/load.err")"
}
# Every node at the same head with the same block hash at every height.
check_agreement() {
  local top=0 heights
  for _ in $(seq 1 100); do
    heights=$(for i in 1 2 3 4 5; do height "$i"; done | sort -u)
    [ "$(echo "$heights" | wc -l)" -eq 1 ] && top=$heights && break
    sleep 0.2
  done
  [ "$top" -gt 0 ] || fail "nodes did not converge: $(for i in 1 2 3 4 5; do height "$i"; done)"
  python3 - "$port" "$top" <<'PY' || fail "nodes disagree on a block"
import json, sys, urllib.request
port, top = int(sys.argv[1]), int(sys.argv[2])
for h in range(1, top + 1):
    hashes = set()
    for i in range(1, 6):
        with urllib.request.urlopen(f"http://127.0.0.1:{port + i}/v1/blocks/{h}", timeout=5) as r:
            hashes.add(json.load(r)["hash"])
    if len(hashes) != 1:
        sys.exit(f"height {h}: {hashes}")
print(f"5 nodes agree on all {top} blocks")
PY
}
# Nothing `load` saw committed is lost, the nodes stop cleanly and every chain checks.
check_chains() {
  "$nuri" load --network "$dir" --verify "$dir/committed.txt" || fail "committed transactions lost"
  "$nuri" localnet down --dir "$dir" || fail "clean stop"
  for node in v1 v2 v3 v4 o1; do
    "$nuri" node check --data "$dir/nodes/$node" > /dev/null || fail "node check $node"
  done
}
