#!/usr/bin/env bash
# `make run`: starts a local Nuri network, drives it with signed traffic for about 20 seconds
# with progress shown, prints the summary, and stops the network cleanly.
set -euo pipefail
build=${1:-build}
dir=${NURI_LOCALNET_DIR:-localnet}
nuri="$build/nuri"
if [ -f "$dir/network.json" ]; then
  echo "== restarting the local network in $dir"
else
  echo "== starting a local network in $dir: one validator, ministries, banks, officials, merchants"
fi
"$nuri" localnet up --dir "$dir" --validators 1 --observers 0
trap '"$nuri" localnet down --dir "$dir"; echo "== network stopped; its data stays in $dir"' EXIT
"$nuri" localnet status --dir "$dir"
echo "== officials pay merchants for 20 seconds"
"$nuri" load --network "$dir" --seconds 20 --progress
echo "== the ledger now"
"$nuri" localnet status --dir "$dir"
"$nuri" query --url "$("$nuri" localnet status --dir "$dir" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["nodes"][0]["api"])')" token KRW-BNK
