#!/usr/bin/env bash
# `nuri program check` and `nuri program explain` as docs/programs.md promises them: a valid
# definition passes, a faulty one exits 2 naming the path of each fault, references are checked
# against a genesis, and the rules read as sentences.
set -u
nuri=$1
data=$2
scenarios=$3
fail() { echo "FAIL: $*"; exit 1; }

out=$("$nuri" program check "$data/program-valid.json" 2>&1); code=$?
[ "$code" -eq 0 ] || fail "a valid definition should exit 0, got $code: $out"

out=$("$nuri" program check "$data/program-faulty.json" 2>&1); code=$?
[ "$code" -eq 2 ] || fail "a faulty definition should exit 2, got $code: $out"
for fault in "rules\[0\].rule: unknown rule 'teleport'" \
             "rules\[1\].from: 23:00 is not before to 06:00" \
             "rules\[2\].amount: expected a positive integer" \
             "rules\[3\].from: expected a time of day"; do
  echo "$out" | grep -q "program-faulty.json: $fault" || fail "missing fault '$fault' in: $out"
done

# References: the business-promotion scenario's ledger has moef's treasury and budget office;
# the EV-charger scenario's has no moef at all.
out=$("$nuri" program check "$data/program-valid.json" --genesis "$scenarios/business-promotion.json" 2>&1)
code=$?
[ "$code" -eq 0 ] || fail "every reference exists in business-promotion, got $code: $out"
out=$("$nuri" program check "$data/program-valid.json" --genesis "$scenarios/ev-charger-subsidy.json" 2>&1)
code=$?
[ "$code" -eq 2 ] || fail "unknown references should exit 2, got $code: $out"
echo "$out" | grep -q "owner: account treasury@moef does not exist (UNKNOWN_ACCOUNT)" \
  || fail "the unknown owner is not named: $out"
echo "$out" | grep -q "managers\[0\]: account budget@moef does not exist" \
  || fail "the unknown manager is not named: $out"

out=$("$nuri" program explain "$data/program-valid.json" 2>&1); code=$?
[ "$code" -eq 0 ] || fail "explain should exit 0, got $code: $out"
echo "$out" | grep -qx "Payments are permitted only from 06:00 to 23:00 Korea time, unless the payment is justified in writing (rule R2)." \
  || fail "the hours rule is not explained: $out"
for rule in R1 R2 R3 R4 R5 R6 R7; do
  echo "$out" | grep -q "(rule $rule)" || fail "rule $rule is not explained: $out"
done
echo "program check and explain hold"
