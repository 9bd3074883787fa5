#!/usr/bin/env bash
# Who sees what of the ledger over the API (api/read_access.h), over real HTTP from an address
# that is not the node's operator's: without a session, nothing but the node's status; an
# official its own account and what it paid; a merchant its own takings; an organization's
# admin its organization; the auditor everything. The node's operator, on loopback, reads all.
# A frozen admin keeps sight of its own account and loses its organization's at once.
set -u
nuri=$1
source "$(dirname "$0")/localnet_lib.sh"
localnet_test_setup roles
official=kim-0001@moef   # of the Ministry of Economy and Finance, as is its admin
stranger=lee-0002@me     # an official of the Ministry of Environment
merchant=sejong-cafe@merchants
password="a long enough password"

"$nuri" localnet up --dir "$dir" --validators 1 --observers 0 --accounts 4 --base-port "$port" \
  > /dev/null || fail "localnet up"
tx issuer@kb '{"type":"mint","token":"KRW-KB","to":"treasury@moef","amount":5000000}'
tx treasury@moef '{"type":"fund_program","program":"bpe-moef","amount":5000000}'
tx budget@moef '{"type":"grant","program":"bpe-moef","to":"'$official'","amount":1000000}'
printf '%s\n' "$password" > "$dir/pw"
for account in $official $stranger $merchant admin@moef auditor@bai; do
  "$nuri" wallet enroll --network "$dir" --account "$account" --password-file "$dir/pw" --json \
    > "$dir/$account.enrol" || fail "enroll $account"
done

args=("$nuri" "$port" "$dir" "$official" "$stranger" "$merchant" "$password")
python3 - "${args[@]}" <<'PY' || fail "roles"
import http.client, json, subprocess, sys
nuri, port, directory, official, stranger, merchant, password = sys.argv[1:]
port = int(port) + 1

def call(method, path, body=None, token=None, source="127.0.0.2"):
    # Loopback answers from all of 127/8; the node's operator is 127.0.0.1 alone.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60,
                                            source_address=(source, 0))
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    connection.request(method, path, None if body is None else json.dumps(body), headers)
    response = connection.getresponse()
    text = response.read()
    try:
        return response.status, json.loads(text)
    except ValueError:
        return response.status, text.decode()

def check(condition, what):
    if not condition:
        sys.exit(what)

def login(account):
    secret = json.load(open(f"{directory}/{account}.enrol"))["totp_secret"]
    code = subprocess.check_output(["oathtool", "--totp", "-b", secret], text=True).strip()
    status, body = call("POST", "/v1/sessions",
                        {"account": account, "password": password, "totp": code})
    check(status == 201, f"login {account}: {status} {body}")
    return body["token"]

def expect(token, path, wanted, who):
    status, body = call("GET", path, token=token)
    check(status == wanted, f"{who} GET {path}: {status}, not {wanted}: {body}")
    if wanted >= 400:
        check(isinstance(body, dict) and body.get("code") ==
              {401: "UNAUTHENTICATED", 403: "FORBIDDEN", 404: "NOT_FOUND"}[wanted],
              f"{who} GET {path}: {body}")
    return body

seller, payer, stranger_session = login(merchant), login(official), login(stranger)
status, request = call("POST", "/v1/payment-requests", {"amount": 30000, "memo": "lunch"}, seller)
check(status == 201, f"payment request: {status} {request}")
status, paid = call("POST", f"/v1/payment-requests/{request['id']}/pay",
                    {"program": "bpe-moef", "attendees": 1, "purpose": "working lunch",
                     "justification": "a test of who sees the payment"}, payer)
check(status == 200 and paid["status"] == "ok", f"pay: {status} {paid}")
payment = f"/v1/transactions/{paid['id']}"
history = lambda account: f"/v1/accounts/{account}/transactions"
status, treasury = call("GET", history("treasury@moef"), source="127.0.0.1")
check(status == 200 and treasury["transactions"], f"the operator reads any history: {treasury}")
minted = f"/v1/transactions/{treasury['transactions'][-1]['id']}"  # the mint, oldest
# Evidence holds proofs with other accounts' state entries: it is for auditors alone.
payment_evidence = payment.replace("/v1/transactions/", "/v1/evidence/transactions/")
minted_evidence = minted.replace("/v1/transactions/", "/v1/evidence/transactions/")

# Without a session: the node's status and its API's description, and nothing of the ledger.
for path in ["/v1/status", "/v1/validators", "/openapi.json"]:
    expect(None, path, 200, "no session")
for path in [f"/v1/accounts/{official}", history(official), payment, "/v1/blocks/1",
             "/v1/programs", "/v1/programs/bpe-moef", "/v1/tokens/KRW-KB", "/metrics",
             payment_evidence]:
    expect(None, path, 401, "no session")
status, body = call("POST", "/v1/transactions", {"not": "a transaction"})
check(status == 400, f"a submission needs no session, only a valid signature: {status} {body}")

# An official: its own account, what it paid, the programs and tokens it spends under.
check(expect(payer, f"/v1/accounts/{official}", 200, official)["id"] == official, "own account")
seen = [t["id"] for t in expect(payer, history(official), 200, official)["transactions"]]
check(paid["id"] in seen, f"the official's history lacks its payment: {seen}")
expect(payer, payment, 200, official)
expect(payer, payment + "?wait_ms=100", 200, official)
expect(payer, payment_evidence, 403, official)
for path in ["/v1/programs", "/v1/programs/bpe-moef", "/v1/tokens/KRW-KB"]:
    expect(payer, path, 200, official)
for path in [f"/v1/accounts/{stranger}", history(stranger), "/v1/accounts/admin@moef",
             f"/v1/accounts/{merchant}", "/v1/blocks/1", "/v1/blocks/latest", "/metrics"]:
    expect(payer, path, 403, official)
expect(payer, minted, 404, official)  # another's transaction is answered as none at all
status, body = call("POST", "/v1/programs/check", {"id": "x"}, payer)
check(status == 403, f"an official checked a program definition: {status} {body}")

# A merchant: its takings, and no one else's.
seen = [t["id"] for t in expect(seller, history(merchant), 200, merchant)["transactions"]]
check(paid["id"] in seen, f"the merchant's history lacks the payment: {seen}")
expect(seller, payment, 200, merchant)
expect(seller, payment_evidence, 403, merchant)
for path in [f"/v1/accounts/{official}", history(official), "/v1/blocks/1"]:
    expect(seller, path, 403, merchant)
expect(seller, minted, 404, merchant)
# The request's id is on a QR code at the till: who paid it is the merchant's to see, and the
# payer's, not that of whoever scans it.
shown = expect(seller, f"/v1/payment-requests/{request['id']}", 200, merchant)
check(shown.get("payer") == official and shown.get("payment") == paid["id"], f"{shown}")
shown = expect(stranger_session, f"/v1/payment-requests/{request['id']}", 200, stranger)
check("payer" not in shown and "payment" not in shown and shown["status"] == "paid",
      f"a stranger sees who paid: {shown}")

# An admin: every account of its ministry, none of another's.
admin = login("admin@moef")
for path in [f"/v1/accounts/{official}", history(official), payment, minted,
             "/v1/accounts/treasury@moef"]:
    expect(admin, path, 200, "admin@moef")
for path in [f"/v1/accounts/{stranger}", history(stranger), f"/v1/accounts/{merchant}",
             "/v1/blocks/1", "/metrics", payment_evidence]:
    expect(admin, path, 403, "admin@moef")
shown = expect(admin, f"/v1/payment-requests/{request['id']}", 200, "admin@moef")
check(shown.get("payer") == official, f"the payer's admin does not see who paid: {shown}")
status, body = call("POST", "/v1/programs/check", {"id": "x"}, admin)
check(status == 422, f"the admin's program check: {status} {body}")

# The auditor: everything.
auditor = login("auditor@bai")
for path in [f"/v1/accounts/{stranger}", history(merchant), payment, minted, "/v1/blocks/1",
             "/v1/blocks/latest", "/metrics", minted_evidence]:
    expect(auditor, path, 200, "auditor@bai")
# What the auditor takes away checks offline, from the genesis alone, and names the payment.
case = f"{directory}/case.json"
with open(case, "w") as out:
    json.dump(expect(auditor, payment_evidence, 200, "auditor@bai"), out)
verified = subprocess.run([nuri, "verify", case, "--genesis", f"{directory}/genesis.json",
                           "--json"], capture_output=True, text=True)
check(verified.returncode == 0, f"verify: {verified.stdout} {verified.stderr}")
check(json.loads(verified.stdout)["transaction_id"] == paid["id"], f"verify: {verified.stdout}")
# And the merchant's balance, proven at the head, checks against what the ledger shows.
with open(case, "w") as out:
    json.dump(expect(auditor, f"/v1/evidence/balances/{merchant}/KRW-KB", 200, "auditor@bai"), out)
verified = subprocess.run([nuri, "verify", case, "--genesis", f"{directory}/genesis.json",
                           "--json"], capture_output=True, text=True)
check(verified.returncode == 0, f"verify the balance: {verified.stdout} {verified.stderr}")
shown = expect(auditor, f"/v1/accounts/{merchant}", 200, "auditor@bai")
check(json.loads(verified.stdout)["balance_won"] == shown["balances"]["KRW-KB"] == 30000,
      f"balance: {verified.stdout} vs {shown}")
expect(seller, f"/v1/evidence/balances/{merchant}/KRW-KB", 403, merchant)
# The same through the CLI, as an auditor at the node takes it away.
exported = subprocess.run([nuri, "evidence", "export", "--network", directory, "--account",
                           merchant, "--token", "KRW-KB"], capture_output=True, text=True)
check(exported.returncode == 0, f"evidence export --account: {exported.stderr}")
with open(case, "w") as out:
    out.write(exported.stdout)
verified = subprocess.run([nuri, "verify", case, "--genesis", f"{directory}/genesis.json"],
                          capture_output=True, text=True)
check(verified.returncode == 0 and f"{merchant} held 30,000 won of KRW-KB" in verified.stdout,
      f"verify the exported balance: {verified.stdout} {verified.stderr}")

# The operator, on loopback, without a session.
for path in [f"/v1/accounts/{stranger}", payment, "/v1/blocks/1", "/metrics"]:
    status, body = call("GET", path, source="127.0.0.1")
    check(status == 200, f"the operator GET {path}: {status} {body}")

# Frozen, the admin keeps its own account and loses its ministry's at once.
frozen = subprocess.run([nuri, "tx", "--network", directory, "--as", "governor@bok", "--body",
                         json.dumps({"type": "freeze", "account": "admin@moef"})],
                        capture_output=True, text=True)
check(frozen.returncode == 0, f"freeze admin@moef: {frozen.stdout} {frozen.stderr}")
check(expect(admin, "/v1/accounts/admin@moef", 200, "frozen admin@moef")["frozen"] is True,
      "the admin's account is not shown frozen")
expect(admin, f"/v1/accounts/{official}", 403, "frozen admin@moef")
PY
