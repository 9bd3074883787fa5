#!/usr/bin/env bash
# The scenario runner's exit codes and output, as docs/scenario.md promises them.
set -u
nuri=$1
data=$2
fail() { echo "FAIL: $*"; exit 1; }

out=$("$nuri" scenario run "$data/wrong-expectation.json" 2>&1); code=$?
[ "$code" -eq 1 ] || fail "a failed expectation should exit 1, got $code: $out"
echo "$out" | grep -q '^1 passed, 1 failed$' || fail "summary line missing: $out"
echo "$out" | grep -q '"step":"wrong".*"pass":false' || fail "the failing step is not marked: $out"

out=$("$nuri" scenario run "$data/invalid-amount.json" 2>&1); code=$?
[ "$code" -eq 2 ] || fail "an invalid file should exit 2, got $code: $out"
echo "$out" | grep -q 'invalid-amount.json: steps\[1\].tx.amount' || fail "fault path missing: $out"
echo "$out" | grep -q '"step"' && fail "nothing may run for an invalid file: $out"
out=$("$nuri" scenario run "$data/refund-unknown-step.json" 2>&1); code=$?
[ "$code" -eq 2 ] || fail "a refund of no earlier transaction should exit 2, got $code: $out"
echo "$out" | grep -q "steps\[1\].tx.payment: no earlier transaction step 'look'" \
  || fail "refund fault path missing: $out"
out=$("$nuri" scenario run "$data/balance-program-not-text.json" 2>&1); code=$?
[ "$code" -eq 2 ] || fail "a program that is not a string should exit 2, got $code: $out"
echo "$out" | grep -q "steps\[0\].query.program: expected a string" || fail "query fault missing: $out"
echo "scenario runner contract holds"
