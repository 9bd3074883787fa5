#!/usr/bin/env bash
# A merchant asks for payment and an official pays it from a custodial wallet, over real HTTP
# (api/payment_request_api.h): the merchant's request comes with a nuri: URI and its QR code;
# the official's wallet signs the pay transaction, and the answer is its receipt; a request is
# paid once; a payment above the step-up amount needs a fresh code; a payment the program's
# rules refuse is answered with the rule's sentence. Payments are justified in writing, so that
# the hours and business-days rules let them through whenever the test runs.
set -u
nuri=$1
source "$(dirname "$0")/localnet_lib.sh"
localnet_test_setup payreq
official=kim-0001@moef
merchant=sejong-cafe@merchants  # category 5814: at most 50,000 won per attendee (rule R6)
password="a long enough password"

"$nuri" localnet up --dir "$dir" --validators 1 --observers 0 --accounts 10 --base-port "$port" \
  > /dev/null || fail "localnet up"
tx() {  # account, body
  "$nuri" tx --network "$dir" --as "$1" --body "$2" > "$dir/tx.out" 2>&1 ||
    fail "$1: $2: $(cat "$dir/tx.out")"
}
tx issuer@kb '{"type":"mint","token":"KRW-KB","to":"treasury@moef","amount":10000000}'
tx treasury@moef '{"type":"fund_program","program":"bpe-moef","amount":10000000}'
tx budget@moef '{"type":"grant","program":"bpe-moef","to":"'$official'","amount":2000000}'
printf '%s\n' "$password" > "$dir/pw"
for account in $official $merchant; do
  "$nuri" wallet enroll --network "$dir" --account "$account" --password-file "$dir/pw" --json \
    > "$dir/$account.enrol" || fail "enroll $account"
done

python3 - "$(api 1)" "$dir" "$official" "$merchant" "$password" <<'PY' || fail "payments"
import json, subprocess, sys, time, urllib.error, urllib.request
base, directory, official, merchant, password = sys.argv[1:]

def call(method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)

def code(account, later=0):
    secret = json.load(open(f"{directory}/{account}.enrol"))["totp_secret"]
    return subprocess.check_output(
        ["oathtool", "--totp", "-b", secret, "-N", f"now + {later} seconds"], text=True).strip()

used_codes = {}

def login(account):
    used_codes[account] = code(account)
    status, body = call("POST", "/v1/sessions",
                        {"account": account, "password": password, "totp": used_codes[account]})
    assert status == 201, (account, status, body)
    return body["token"]

def check(condition, what):
    if not condition:
        sys.exit(what)

seller, payer = login(merchant), login(official)
status, body = call("POST", "/v1/payment-requests", {"amount": 1000}, payer)
check(status == 403 and body["code"] == "NOT_AUTHORIZED", f"an official asked for payment: {body}")
status, body = call("POST", "/v1/payment-requests", {"amount": 1000})
check(status == 401, f"a request without a session: {status}")

status, lunch = call("POST", "/v1/payment-requests", {"amount": 30000, "memo": "lunch"}, seller)
check(status == 201 and lunch["status"] == "open", f"create: {status} {lunch}")
check(lunch["uri"] == f"nuri:pay?request={lunch['id']}&merchant=sejong-cafe%40merchants&amount=30000",
      f"uri: {lunch['uri']}")
check(lunch["qr_svg"].startswith("<svg") and lunch["qr_svg"].count("h1v1h-1z") > 100,
      "the QR code")
status, shown = call("GET", f"/v1/payment-requests/{lunch['id']}", token=payer)
check(status == 200 and shown["amount"] == 30000 and shown["merchant"] == merchant, f"show: {shown}")

pay = {"program": "bpe-moef", "attendees": 1, "purpose": "working lunch",
       "justification": "an end-to-end test of the payment path"}
status, body = call("POST", f"/v1/payment-requests/{lunch['id']}/pay", pay, seller)
check(status == 403, f"a merchant paid its own request: {status} {body}")
status, body = call("POST", f"/v1/payment-requests/{lunch['id']}/pay", dict(pay, program="No!"),
                    payer)
check(status == 400 and body.get("field") == "program", f"a malformed program: {status} {body}")
status, receipt = call("POST", f"/v1/payment-requests/{lunch['id']}/pay", pay, payer)
check(status == 200 and receipt["status"] == "ok" and receipt["program"] == "bpe-moef",
      f"pay: {status} {receipt}")
status, shown = call("GET", f"/v1/payment-requests/{lunch['id']}", token=seller)
check(shown["status"] == "paid" and shown["payment"] == receipt["id"] and shown["payer"] == official,
      f"after paying: {shown}")
status, again = call("POST", f"/v1/payment-requests/{lunch['id']}/pay", pay, payer)
check(status == 409, f"paid twice: {status} {again}")
with urllib.request.urlopen(f"{base}/v1/accounts/{merchant}", timeout=5) as r:
    check(json.load(r)["balances"].get("KRW-KB") == 30000, "the merchant was not paid")

# Above the step-up amount (500,000 won), a fresh code is needed.
status, dinner = call("POST", "/v1/payment-requests", {"amount": 600000, "memo": "dinner"}, seller)
check(status == 201, f"create: {dinner}")
big = dict(pay, attendees=12, evidence="ab" * 32)
status, body = call("POST", f"/v1/payment-requests/{dinner['id']}/pay", big, payer)
check(status == 401 and body["code"] == "STEP_UP_REQUIRED", f"no step-up: {status} {body}")
status, body = call("POST", f"/v1/payment-requests/{dinner['id']}/pay",
                    dict(big, totp=used_codes[official]), payer)
check(status == 401 and body["code"] == "WRONG_CREDENTIALS", f"the login's code again: {body}")
status, receipt = call("POST", f"/v1/payment-requests/{dinner['id']}/pay",
                       dict(big, totp=code(official, 30)), payer)
check(status == 200 and receipt["status"] == "ok", f"with a fresh code: {status} {receipt}")

# The program's rules refuse 200,000 won for one attendee at a cafe; the request stays open.
status, coffee = call("POST", "/v1/payment-requests", {"amount": 200000}, seller)
status, refused = call("POST", f"/v1/payment-requests/{coffee['id']}/pay", pay, payer)
check(status == 422 and refused["status"] == "rejected" and refused["rule"] == "R6",
      f"refused: {status} {refused}")
check("refused" in refused["message"] and "R6" in refused["message"], refused["message"])
status, shown = call("GET", f"/v1/payment-requests/{coffee['id']}", token=seller)
check(shown["status"] == "open", f"a refused payment's request: {shown}")
print("payment requests: created, shown, paid once, stepped up, refused with the rule")
PY
echo "payment requests over HTTP: ok"
