#!/usr/bin/env bash
# Changing the validator set with real processes (docs/consensus.md, "Changing the validator
# set"): 4 validators and an observer under `nuri load`. The governor makes the observer o1 a
# validator and retires v4. Then v4 and v3 are stopped: the two validators left of the original
# four are no quorum alone, so progress shows that o1 votes. At the end every node has the same
# block hash at every height and the same schedule of validator sets, every chain checks, and
# nothing that `load` saw committed is lost.
set -u
nuri=$1
source "$(dirname "$0")/localnet_lib.sh"
localnet_test_setup vset

validators() {  # the names of the set that certifies a node's next block
  curl -fsS --max-time 3 "$(api "$1")/v1/validators" 2>/dev/null |
    python3 -c 'import json,sys; print(" ".join(v["name"] for v in json.load(sys.stdin)["validators"]))' \
      2>/dev/null
}
wait_for_set() {  # node index, expected names, seconds
  for _ in $(seq 1 $(($3 * 5))); do
    [ "$(validators "$1")" = "$2" ] && return 0
    sleep 0.2
  done
  return 1
}

"$nuri" localnet up --dir "$dir" --validators 4 --observers 1 --accounts 40 --base-port "$port" \
  || fail "localnet up"
[ "$(validators 5)" = "v1 v2 v3 v4" ] || fail "the genesis set is '$(validators 5)'"
"$nuri" load --network "$dir" --seconds 40 --rate 200 --record "$dir/committed.txt" --json \
  > "$dir/load.json" 2> "$dir/load.err" &
load_pid=$!
sleep 2

# Only a governor changes the set.
"$nuri" tx --network "$dir" --as auditor@bai --body '{"type":"remove_validator","name":"v4"}' \
  > "$dir/refused.json" && fail "an auditor removed a validator"
grep -q NOT_AUTHORIZED "$dir/refused.json" || fail "refusal: $(cat "$dir/refused.json")"

o1_key=$("$nuri" keys show "$dir/nodes/o1/validator.key" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])') || fail "o1's key"
"$nuri" tx --network "$dir" --as governor@bok \
  --body '{"type":"add_validator","name":"o1","key":"'"$o1_key"'"}' > "$dir/add.json" \
  || fail "add_validator: $(cat "$dir/add.json")"
wait_for_set 1 "v1 v2 v3 v4 o1" 20 || fail "o1 never joined: '$(validators 1)'"
"$nuri" tx --network "$dir" --as governor@bok --body '{"type":"remove_validator","name":"v4"}' \
  > "$dir/remove.json" || fail "remove_validator: $(cat "$dir/remove.json")"
wait_for_set 1 "v1 v2 v3 o1" 20 || fail "v4 never left: '$(validators 1)'"
grep -q "o1 votes from height" "$dir/nodes/o1/node.log" || fail "o1 did not start voting"

# v4 is no validator now, and v3 is the one failure four validators tolerate: v1, v2 and o1
# go on only if o1 votes.
"$nuri" localnet stop-node v4 --dir "$dir" || fail "stop v4"
"$nuri" localnet stop-node v3 --kill --dir "$dir" || fail "kill v3"
before=$(height 1)
wait_for_progress 1 "$before" 20 || fail "no progress with v1, v2 and o1 (height $before)"
python3 - "$(api 1)" "$before" <<'PY' || fail "o1 signs no certificate"
import json, sys, urllib.request
url, before = sys.argv[1], int(sys.argv[2])
with urllib.request.urlopen(f"{url}/v1/blocks/latest", timeout=5) as r:
    block = json.load(r)
if "o1" not in block["signed_by"] or block["height"] <= before:
    sys.exit(f"block {block['height']} signed by {block['signed_by']}")
PY
"$nuri" localnet start-node v3 --dir "$dir" || fail "restart v3"
"$nuri" localnet start-node v4 --dir "$dir" || fail "restart v4"

finish_load
check_agreement
# And the same schedule of validator sets everywhere.
python3 - "$port" <<'PY' || fail "nodes disagree on the validator sets"
import json, sys, urllib.request
port = int(sys.argv[1])
schedules = set()
for i in range(1, 6):
    with urllib.request.urlopen(f"http://127.0.0.1:{port + i}/v1/validators", timeout=5) as r:
        schedules.add(json.dumps(json.load(r)["schedule"]))
if len(schedules) != 1:
    sys.exit(f"schedules differ: {schedules}")
sets = [[v["name"] for v in entry["validators"]] for entry in json.loads(schedules.pop())]
if sets != [["v1", "v2", "v3", "v4"], ["v1", "v2", "v3", "v4", "o1"], ["v1", "v2", "v3", "o1"]]:
    sys.exit(f"schedule: {sets}")
print(f"5 nodes agree on the sets {sets}")
PY

# Evidence of the last transaction `load` saw committed, taken from o1 (which joined the set):
# it verifies offline from the genesis, across both set changes, and not once any part of it
# is changed.
last=$(tail -n 1 "$dir/committed.txt" | cut -d' ' -f1)
"$nuri" evidence export --network "$dir" --node o1 --tx "$last" > "$dir/case.json" \
  || fail "evidence export $last"
"$nuri" verify "$dir/case.json" --genesis "$dir/genesis.json" > "$dir/verified.txt" \
  || fail "evidence does not verify: $(cat "$dir/case.json")"
grep -q "through 2 proven changes" "$dir/verified.txt" || fail "verified: $(cat "$dir/verified.txt")"
python3 - "$nuri" "$dir" <<'PY' || fail "tampered evidence"
import json, subprocess, sys
nuri, directory = sys.argv[1:]
honest = json.load(open(f"{directory}/case.json"))
def flip(hex_text, at):  # one byte of what is proven, changed
    byte = int(hex_text[2 * at:2 * at + 2], 16) ^ 1
    return hex_text[:2 * at] + f"{byte:02x}" + hex_text[2 * at + 2:]
tries = {
    "the certificate": lambda e: e.update(commit_certificate=flip(e["commit_certificate"], 40)),
    "the header": lambda e: e.update(block_header=flip(e["block_header"], 50)),
    "the transaction": lambda e: e.update(transaction=flip(e["transaction"], 30)),
    "the receipt": lambda e: e.update(receipt=flip(e["receipt"], 1)),
    "a set change": lambda e: e["validator_set_changes"].__setitem__(
        1, flip(e["validator_set_changes"][1], 60)),
    "the statement": lambda e: e["statement"]["receipt"].update(
        status="ok" if e["statement"]["receipt"]["status"] == "rejected" else "rejected"),
}
for what, change in tries.items():
    evidence = json.loads(json.dumps(honest))
    change(evidence)
    with open(f"{directory}/tampered.json", "w") as out:
        json.dump(evidence, out)
    result = subprocess.run([nuri, "verify", f"{directory}/tampered.json", "--genesis",
                             f"{directory}/genesis.json"], capture_output=True, text=True)
    if result.returncode != 1 or "does not verify" not in result.stderr:
        sys.exit(f"{what} changed: {result.returncode} {result.stdout} {result.stderr}")
    print(f"{what} changed: {result.stderr.strip()}")
PY
check_chains
echo "o1 joined, v4 left, and the network went on with o1's votes; every chain checks"
