#!/usr/bin/env bash
# `make run`: starts a local Nuri network, shows the rules of a ministry's business-promotion
# program, drives the network with signed traffic (transfers and program payments) for about 20
# seconds with progress shown, prints the summary and the programs' totals, and stops the
# network cleanly.
set -euo pipefail
build=${1:-build}
dir=${NURI_LOCALNET_DIR:-localnet}
nuri="$build/nuri"
if [ -f "$dir/network.json" ]; then
  echo "== restarting the local network in $dir"
else
  echo "== starting a local network in $dir: 4 validators (Bank of Korea, KB, Shinhan, BNK) and the audit board's observer, with ministries, banks, officials, merchants"
fi
"$nuri" localnet up --dir "$dir" --validators 4 --observers 1
trap '"$nuri" localnet down --dir "$dir"; echo "== network stopped; its data stays in $dir"' EXIT
"$nuri" localnet status --dir "$dir"
api=$("$nuri" localnet status --dir "$dir" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["nodes"][0]["api"])')
echo "== the rules officials of the Ministry of Economy and Finance spend under"
"$nuri" program explain bpe-moef --url "$api"
echo "== officials pay merchants for 20 seconds (Korea time now: $(TZ=Asia/Seoul date +%H:%M\ %A))"
"$nuri" load --network "$dir" --seconds 20 --progress
echo "== the ledger now"
"$nuri" localnet status --dir "$dir"
"$nuri" query --url "$api" token KRW-BNK
echo "== programs: budget funded, granted and spent (won)"
curl -fsS "$api/v1/programs" | python3 -c '
import json, sys
for program in json.load(sys.stdin)["programs"]:
    t = program["totals"]
    print("%-10s funded %16s  granted %16s  spent %14s" % (
        program["id"], format(t["funded"], ","), format(t["granted"], ","), format(t["spent"], ",")))'
echo "== a refused payment, as its receipt explains it"
curl -fsS "$api/v1/accounts/kim-0001@moef/transactions?limit=50" | python3 -c '
import json, sys
refused = [t for t in json.load(sys.stdin)["transactions"] if t.get("program") and t["status"] == "rejected"]
print(refused[0]["message"] if refused else "(none of kim-0001@moef'"'"'s recent payments was refused)")'

