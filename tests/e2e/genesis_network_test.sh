#!/usr/bin/env bash
# `nuri genesis --nodes` (docs/operations.md): from a description and a list of institutions'
# nodes it makes each organization's CA, each node's TLS certificate and consensus key, the
# network file and the genesis whose validators are the new keys. Checked with openssl and
# `nuri keys show`, then by running the network those files describe: two validators of
# different institutions commit a transfer over mutual TLS.
set -u
nuri=$1
dir=$(mktemp -d /tmp/nuri-genesis-XXXXXX)
port=$((20000 + RANDOM % 12000))  # below the ephemeral ports (32768 up)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; for log in "$dir"/*.log; do [ -f "$log" ] && tail -n 8 "$log"; done; exit 1; }

printf 'a-long-enough-password\n' > "$dir/password"
cat > "$dir/nodes.json" <<EOF
{"nodes": [
  {"name": "bok-1", "org": "bok", "role": "validator",
   "api": "http://127.0.0.1:$((port + 1))", "p2p": "127.0.0.1:$((port + 101))"},
  {"name": "bnk-1", "org": "bnk", "role": "validator",
   "api": "http://127.0.0.1:$((port + 2))", "p2p": "127.0.0.1:$((port + 102))"},
  {"name": "bai-1", "org": "bai", "role": "observer",
   "api": "http://127.0.0.1:$((port + 3))", "p2p": "127.0.0.1:$((port + 103))"}
]}
EOF
# A bank's issuer with a key of its own; the other accounts get test keys.
issuer_key=$("$nuri" keys generate --label issuer@bnk --out "$dir/issuer.key" \
  --password-file "$dir/password" | python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])') \
  || fail "keys generate"
cat > "$dir/description.json" <<EOF
{"chain_id": "nuri-three-institutions", "start": "2026-03-02T09:00:00+09:00",
 "orgs": [{"id": "bok", "kind": "central_bank", "name": "Bank of Korea"},
          {"id": "bnk", "kind": "bank", "name": "BNK Busan Bank"},
          {"id": "moef", "kind": "ministry", "name": "Ministry of Economy and Finance"},
          {"id": "bai", "kind": "auditor", "name": "Board of Audit and Inspection"}],
 "accounts": [{"id": "governor@bok", "roles": ["governor"]},
              {"id": "issuer@bnk", "roles": ["issuer"], "keys": ["$issuer_key"]},
              {"id": "kim@moef", "roles": ["holder"]}],
 "tokens": [{"id": "KRW-BNK", "issuer": "issuer@bnk", "name": "BNK deposit token"}]}
EOF

# Faults are refused before any key is made.
sed '0,/"role": "validator"/s//"role": "boss"/' "$dir/nodes.json" > "$dir/bad-nodes.json"
"$nuri" genesis --in "$dir/description.json" --nodes "$dir/bad-nodes.json" --dir "$dir/bad" \
  --password-file "$dir/password" --test-keys 2> "$dir/bad.err" && fail "an unknown role was taken"
grep -q "role is validator or observer" "$dir/bad.err" || fail "refusal: $(cat "$dir/bad.err")"
[ ! -e "$dir/bad" ] || fail "a refused genesis left files"

"$nuri" genesis --in "$dir/description.json" --nodes "$dir/nodes.json" --dir "$dir/net" \
  --password-file "$dir/password" --test-keys > "$dir/summary.json" || fail "genesis --nodes"
"$nuri" genesis --in "$dir/description.json" --nodes "$dir/nodes.json" --dir "$dir/net" \
  --password-file "$dir/password" --test-keys 2> /dev/null && fail "keys were overwritten"

for org in bok bnk bai; do
  [ "$(stat -c %a "$dir/net/tls/$org-ca.key")" = 600 ] || fail "$org's CA key is not private"
done
openssl verify -CAfile "$dir/net/tls/bok-ca.pem" "$dir/net/nodes/bnk-1/tls.pem" > /dev/null 2>&1 \
  && fail "bnk-1's certificate verifies under bok's CA"
for node in bok-1 bnk-1 bai-1; do
  org=${node%-1}
  openssl verify -CAfile "$dir/net/tls/$org-ca.pem" "$dir/net/nodes/$node/tls.pem" > /dev/null \
    || fail "$node's certificate is not issued by $org's CA"
  grep -q "BEGIN ENCRYPTED PRIVATE KEY" "$dir/net/nodes/$node/tls.key" || fail "$node's TLS key is not sealed"
  [ "$(stat -c %a "$dir/net/nodes/$node/validator.key")" = 600 ] || fail "$node's key is not private"
  fingerprint=$(openssl x509 -in "$dir/net/nodes/$node/tls.pem" -pubkey -noout |
    openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
  consensus_key=$("$nuri" keys show "$dir/net/nodes/$node/validator.key" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["public_key"])')
  python3 - "$dir/net" "$node" "$fingerprint" "$consensus_key" <<'PY' || fail "$node is listed wrongly"
import json, sys
net, node, fingerprint, key = sys.argv[1:]
member = next(m for m in json.load(open(f"{net}/network.json"))["nodes"] if m["name"] == node)
assert member["tls_key_fingerprint"] == fingerprint, member
validators = {v["name"]: v["key"] for v in json.load(open(f"{net}/genesis.json"))["validators"]}
assert (node in validators) == (member["role"] == "validator"), validators
assert node not in validators or validators[node] == key, (validators, key)
PY
done

# The network those files describe runs: each node gets a configuration and starts.
names=(bok-1 bnk-1 bai-1)
for i in 1 2 3; do
  node=${names[$((i - 1))]}
  cat > "$dir/net/nodes/$node/config.json" <<EOF
{"name": "$node", "data_dir": ".", "genesis": "../../genesis.json", "network": "../../network.json",
 "key_password_file": "../../../password", "validator_key": "validator.key",
 "api_address": "127.0.0.1", "api_port": $((port + i)), "p2p_address": "127.0.0.1",
 "p2p_port": $((port + 100 + i)), "tls_certificate": "tls.pem", "tls_key": "tls.key"}
EOF
  "$(dirname "$nuri")/nurid" --config "$dir/net/nodes/$node/config.json" > "$dir/$node.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 1 100); do
  curl -fsS --max-time 2 "http://127.0.0.1:$((port + 3))/v1/status" > /dev/null 2>&1 && break
  sleep 0.1
done
python3 - "$port" <<'PY' || fail "bok-1 never connected to its peers"
import json, sys, time, urllib.request
port = int(sys.argv[1])
def get(i, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port + i}{path}", timeout=5) as r:
        return json.load(r)
deadline = time.time() + 30
while time.time() < deadline:
    try:
        if len(get(1, "/v1/status")["peers"]) == 2:
            break
    except OSError:
        pass
    time.sleep(0.2)
else:
    sys.exit("bok-1 never saw both peers")
PY
"$nuri" tx --url "http://127.0.0.1:$((port + 2))" --key "$dir/issuer.key" \
  --password-file "$dir/password" \
  --body '{"type":"mint","token":"KRW-BNK","to":"kim@moef","amount":1000}' > "$dir/mint.json" \
  || fail "mint: $(cat "$dir/mint.json")"
grep -q '"status":"ok"' "$dir/mint.json" || fail "mint: $(cat "$dir/mint.json")"
# The observer learns of the block after the validators committed it: wait for it there.
for _ in $(seq 1 100); do
  curl -fsS --max-time 2 "http://127.0.0.1:$((port + 3))/v1/blocks/1" > "$dir/block1.json" 2> /dev/null \
    && break
  sleep 0.1
done
signed_by=$(python3 -c 'import json,sys; print(" ".join(sorted(json.load(sys.stdin)["signed_by"])))' \
  < "$dir/block1.json")
[ "$signed_by" = "bnk-1 bok-1" ] || fail "block 1 is signed by '$signed_by'"
echo "nuri genesis --nodes made a network of three institutions that commits: $(cat "$dir/summary.json" | head -c 120)..."
