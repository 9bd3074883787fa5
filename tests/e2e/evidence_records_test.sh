#!/usr/bin/env bash
# The personal data behind a payment stays off the ledger (api/evidence_record_api.h): an
# official files who attended, the purpose in full and a scan of the receipt with the node of its
# organization, and pays a merchant's request citing the record; the ledger's payment carries
# only the record's salted hash, which this test recomputes from the record as the format
# (docs/formats/evidence-record.md) says. The record is read by the official, its organization's
# admin and an auditor, and by nobody else: not another ministry's official, not a caller without
# a session; nothing of it is on the node's disk in the clear. Erasure after the retention period
# is tested in wallet/evidence_store_test.cc, which can move a clock five years on.
set -u
nuri=$1
source "$(dirname "$0")/localnet_lib.sh"
localnet_test_setup evidence
official=kim-0001@moef
stranger=lee-0002@me
merchant=sejong-cafe@merchants
password="a long enough password"

"$nuri" localnet up --dir "$dir" --validators 1 --observers 0 --accounts 10 --base-port "$port" \
  > /dev/null || fail "localnet up"
tx issuer@kb '{"type":"mint","token":"KRW-KB","to":"treasury@moef","amount":1000000}'
tx treasury@moef '{"type":"fund_program","program":"bpe-moef","amount":1000000}'
tx budget@moef '{"type":"grant","program":"bpe-moef","to":"'$official'","amount":500000}'
printf '%s\n' "$password" > "$dir/pw"
for account in $official $stranger $merchant admin@moef auditor@bai; do
  "$nuri" wallet enroll --network "$dir" --account "$account" --password-file "$dir/pw" --json \
    > "$dir/$account.enrol" || fail "enroll $account"
done

PYTHONPATH="$(dirname "$0")" python3 - "$(api 1)" "$dir" "$official" "$stranger" "$merchant" \
  "$password" <<'PY' || fail "evidence records"
import base64, hashlib, json, struct, sys
from wallet_client import Node, check
base, directory, official, stranger, merchant, password = sys.argv[1:]
node = Node(base, directory, password)
call, login = node.call, node.login

kim, lee, shop = login(official), login(stranger), login(merchant)
admin, auditor = login("admin@moef"), login("auditor@bai")

scan = b"\x89PNG\r\n\x1a\n" + b"receipt of the sejong cafe, 3 lunches" * 20
filed = {"attendees": ["Park Ji-hoon (KDI)", "김민준"],
         "purpose": "Lunch with the KDI delegation on the 2027 budget review",
         "document": base64.b64encode(scan).decode(), "document_type": "image/png"}
status, record = call("POST", "/v1/evidence-records", filed, kim)
check(status == 201 and len(record["id"]) == 32 and len(record["hash"]) == 64, f"file: {status} {record}")

# Who reads it: the official, its ministry's admin, an auditor; nobody else.
for who, token in (("the official", kim), ("its admin", admin), ("an auditor", auditor)):
    status, shown = call("GET", f"/v1/evidence-records/{record['id']}", token=token)
    check(status == 200 and shown["attendees"] == filed["attendees"] and
          base64.b64decode(shown["document"]) == scan, f"{who} reads: {status} {shown}")
status, body = call("GET", f"/v1/evidence-records/{record['id']}", token=lee)
check(status == 403 and body["code"] == "FORBIDDEN", f"another ministry's official: {status} {body}")
status, body = call("GET", f"/v1/evidence-records/{record['id']}")
check(status == 401, f"no session, from the operator's own address: {status} {body}")
status, body = call("POST", "/v1/evidence-records", filed, shop)
check(status == 403, f"a merchant files evidence: {status} {body}")
status, body = call("POST", "/v1/evidence-records", dict(filed, document_type="text/html"), kim)
check(status == 400 and body["field"] == "document_type", f"a bad type: {status} {body}")
status, body = call("POST", "/v1/evidence-records", dict(filed, document="not base64!"), kim)
check(status == 400 and body["field"] == "document", f"bad base64: {status} {body}")

# The hash, recomputed as docs/formats/evidence-record.md says.
def blob(data):
    return struct.pack("<I", len(data)) + data
_, shown = call("GET", f"/v1/evidence-records/{record['id']}", token=kim)
encoding = struct.pack("<I", len(filed["attendees"]))
for name in filed["attendees"]:
    encoding += blob(name.encode())
encoding += blob(filed["purpose"].encode()) + blob(b"image/png") + blob(scan)
recomputed = hashlib.sha256(b"nuri/evidence-record/v1" + bytes.fromhex(shown["salt"]) + encoding)
check(recomputed.hexdigest() == record["hash"], f"the hash is not the format's: {shown['salt']}")

# Paying a merchant's request, citing the record: the ledger gets the hash, and no name.
status, asked = call("POST", "/v1/payment-requests",
                     {"amount": 90000, "memo": "3 lunches", "expires_in_seconds": 300}, shop)
check(status == 201, f"payment request: {status} {asked}")
_, lee_record = call("POST", "/v1/evidence-records", filed, lee)
status, body = call("POST", f"/v1/payment-requests/{asked['id']}/pay",
                    {"program": "bpe-moef", "attendees": 3, "purpose": "business lunch",
                     "evidence_record": lee_record["id"], "justification": "budget review",
                     "totp": ""}, kim)
check(status == 403 and lee_record["id"] in body["message"], f"citing another's record: {status} {body}")
status, paid = call("POST", f"/v1/payment-requests/{asked['id']}/pay",
                    {"program": "bpe-moef", "attendees": 3, "purpose": "business lunch",
                     "evidence_record": record["id"], "justification": "budget review",
                     "totp": ""}, kim)
check(status == 200 and paid["status"] == "ok", f"pay: {status} {paid}")
status, evidence = call("GET", f"/v1/evidence/transactions/{paid['id']}")
check(status == 200, f"the payment's evidence: {status} {evidence}")
body = evidence["statement"]["transaction"]["body"]
check(body["evidence"] == record["hash"], f"the payment carries {body}")
print(f"record {record['id']} read by its holder, admin and auditor only; payment "
      f"{paid['id'][:16]} carries its hash {record['hash'][:16]}")
PY

# Nothing of the record is on the node's disk in the clear (the sealed files are not compressed,
# and the metadata holds no content).
grep -rqa "KDI delegation\|Park Ji-hoon\|receipt of the sejong cafe" "$dir/nodes/v1/wallets"
case $? in
  0) fail "personal data is on disk in the clear: $(grep -rla "KDI delegation" "$dir/nodes")" ;;
  1) ;;
  *) fail "cannot search the node's wallets directory" ;;
esac
echo "evidence records stay off the ledger, sealed, read by those who may"
