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
approving=choi-0004@moef  # pays 1,000,000 won: an approver's co-signature is needed (rule R7)
declined=cho-0007@moef
withdrawn=lim-0010@moef
merchant=sejong-cafe@merchants  # category 5814: at most 50,000 won per attendee (rule R6)
password="a long enough password"

"$nuri" localnet up --dir "$dir" --validators 1 --observers 0 --accounts 10 --base-port "$port" \
  > /dev/null || fail "localnet up"
tx issuer@kb '{"type":"mint","token":"KRW-KB","to":"treasury@moef","amount":10000000}'
tx treasury@moef '{"type":"fund_program","program":"bpe-moef","amount":10000000}'
for holder in $official $approving $declined $withdrawn; do
  tx budget@moef '{"type":"grant","program":"bpe-moef","to":"'$holder'","amount":2000000}'
done
printf '%s\n' "$password" > "$dir/pw"
for account in $official $merchant auditor@bai $approving $declined $withdrawn director@moef; do
  "$nuri" wallet enroll --network "$dir" --account "$account" --password-file "$dir/pw" --json \
    > "$dir/$account.enrol" || fail "enroll $account"
done

python3 - "$(api 1)" "$dir" "$official" "$merchant" "$password" "$approving" "$declined" "$withdrawn" \
  <<'PY' || fail "payments"
import base64, hashlib, http.client, json, os, socket, subprocess, sys, threading, time
import urllib.error, urllib.parse
import urllib.request
base, directory, official, merchant, password, approving, declined, withdrawn = sys.argv[1:]
address = urllib.parse.urlparse(base)

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

class Events(threading.Thread):
    """A client of GET /v1/events that collects what the stream brings."""
    def __init__(self, query, token, last_event_id=None):
        super().__init__(daemon=True)
        self.events = []
        headers = {"Authorization": "Bearer " + token} if token else {}
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=120)
        connection.request("GET", "/v1/events" + query, headers=headers)
        self.response = connection.getresponse()
        self.status = self.response.status
        if self.status == 200:
            self.start()
        else:
            self.error = json.load(self.response)

    def run(self):
        event = {}
        for raw in self.response:
            line = raw.decode().rstrip("\n")
            if line.startswith("id: "):
                event["id"] = line[4:]
            elif line.startswith("data: "):
                event["data"] = json.loads(line[6:])
            elif line == "" and "data" in event:
                self.events.append(event)
                event = {}

    def wait_for(self, transaction, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            for event in list(self.events):
                if event["data"]["id"] == transaction:
                    return event
            time.sleep(0.05)
        sys.exit(f"no event for {transaction} in {seconds} s; saw {self.events}")

seller, payer, auditor = login(merchant), login(official), login("auditor@bai")

class WebSocketEvents(threading.Thread):
    """A client of GET /v1/ws, the same feed as WebSocket messages (RFC 6455, by hand)."""
    def __init__(self, query, token):
        super().__init__(daemon=True)
        self.events = []
        self.socket = socket.create_connection((address.hostname, address.port), timeout=120)
        key = base64.b64encode(os.urandom(16)).decode()
        self.socket.sendall((f"GET /v1/ws{query} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                             f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                             f"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer {token}\r\n\r\n")
                            .encode())
        head = b""
        while b"\r\n\r\n" not in head:
            head += self.socket.recv(1)
        self.status = int(head.split(b" ")[1])
        accept = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        check(self.status != 101 or f"Sec-WebSocket-Accept: {accept}".encode() in head,
              f"the WebSocket handshake: {head}")
        if self.status == 101:
            self.start()

    def read_exactly(self, size):
        data = b""
        while len(data) < size:
            chunk = self.socket.recv(size - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    def run(self):
        try:
            while True:
                first, second = self.read_exactly(2)
                size = second & 0x7F
                if size == 126:
                    size = int.from_bytes(self.read_exactly(2), "big")
                elif size == 127:
                    size = int.from_bytes(self.read_exactly(8), "big")
                payload = self.read_exactly(size)
                if first & 0x0F == 1:  # a text message
                    self.events.append(json.loads(payload))
        except (EOFError, OSError):
            pass

    def wait_for(self, transaction, seconds=30):
        deadline = time.time() + seconds
        while time.time() < deadline:
            for event in list(self.events):
                if event.get("event") == "transaction" and event["data"]["id"] == transaction:
                    return event
            time.sleep(0.05)
        sys.exit(f"no WebSocket message for {transaction} in {seconds} s; saw {self.events}")

messages = WebSocketEvents("?from_height=1", auditor)
check(messages.status == 101, f"the auditor's WebSocket: {messages.status}")
check(WebSocketEvents("?organization=moef", seller).status == 403, "a merchant's WebSocket for moef")

# Who may follow which events: a merchant its own account, an auditor everything.
takings = Events(f"?account={urllib.parse.quote(merchant)}", seller)
check(takings.status == 200, f"the merchant's own events: {takings.status}")
for query, token, status in [(f"?account={urllib.parse.quote(official)}", seller, 403),
                             ("?organization=moef", seller, 403), ("", seller, 403),
                             ("", None, 401), ("?from_height=x", auditor, 400),
                             # This node runs no compliance monitor; an event kind is named.
                             ("?events=alert", auditor, 404),
                             ("?events=transaction,gossip", auditor, 400)]:
    refused = Events(query, token)
    check(refused.status == status and "code" in refused.error,
          f"events{query} for {token and token[:4]}: {refused.status}, not {status}")
everything = Events("?from_height=1", auditor)
check(everything.status == 200, f"the auditor's events: {everything.status}")
status, body = call("POST", "/v1/payment-requests", {"amount": 1000}, payer)
check(status == 403 and body["code"] == "NOT_AUTHORIZED", f"an official asked for payment: {body}")
status, body = call("POST", "/v1/payment-requests", {"amount": 1000})
check(status == 401, f"a request without a session: {status}")

status, lunch = call("POST", "/v1/payment-requests", {"amount": 30000, "memo": "lunch"}, seller)
check(status == 201 and lunch["status"] == "open", f"create: {status} {lunch}")
check(lunch["uri"] == f"nuri:pay?request={lunch['id']}", f"uri: {lunch['uri']}")
# The 49-byte URI takes a version 4 code: 33 modules a side and a quiet zone of 4 around it.
check(lunch["qr_svg"].startswith("<svg") and 'viewBox="0 0 41 41"' in lunch["qr_svg"]
      and lunch["qr_svg"].count("v1h-") > 100, "the QR code")
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
seen = takings.wait_for(receipt["id"])
check(seen["data"]["type"] == "pay" and seen["data"]["status"] == "ok"
      and seen["data"]["body"]["amount"] == 30000 and merchant in seen["data"]["accounts"],
      f"the merchant's event: {seen}")
check(seen["id"] == seen["data"]["event_id"] == f"{receipt['height']}:{seen['data']['index']}",
      f"the event's id: {seen}")
everything.wait_for(receipt["id"])
message = messages.wait_for(receipt["id"])
check(message["id"] == seen["id"] and message["data"] == seen["data"],
      f"the WebSocket message and the event differ: {message} {seen}")
check(everything.events[0]["data"]["type"] == "mint", "the auditor's stream from height 1")
# A client that reconnects after the payment's event gets what follows, and not it again.
resumed = Events(f"?account={urllib.parse.quote(merchant)}", seller, last_event_id=seen["id"])
check(resumed.status == 200, f"resumed: {resumed.status}")

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
resumed.wait_for(receipt["id"])
check(resumed.events[0]["data"]["id"] == receipt["id"],
      f"the resumed stream began with {resumed.events[0]}")
def place(event):
    return tuple(int(part) for part in event["id"].split(":"))
check(place(takings.wait_for(receipt["id"])) > place(seen), "events out of order")

# A request sent again with the same Idempotency-Key gets the first answer: no second request.
def create_once(body, key):
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    connection.request("POST", "/v1/payment-requests", json.dumps(body),
                       {"Content-Type": "application/json", "Authorization": "Bearer " + seller,
                        "Idempotency-Key": key})
    response = connection.getresponse()
    return response.status, json.load(response), response.getheader("Idempotent-Replayed")
first = create_once({"amount": 15000, "memo": "tea"}, "tea-2026-001")
again = create_once({"amount": 15000, "memo": "tea"}, "tea-2026-001")
check(first[0] == 201 and first[2] is None, f"first: {first}")
check(again == (201, first[1], "true"), f"replayed: {again}")
other = create_once({"amount": 16000, "memo": "tea"}, "tea-2026-001")
check(other[0] == 422 and other[1]["code"] == "IDEMPOTENCY_KEY_REUSED", f"reused: {other}")

# The program's rules refuse 200,000 won for one attendee at a cafe; the request stays open.
status, coffee = call("POST", "/v1/payment-requests", {"amount": 200000}, seller)
status, refused = call("POST", f"/v1/payment-requests/{coffee['id']}/pay", pay, payer)
check(status == 422 and refused["status"] == "rejected" and refused["rule"] == "R6",
      f"refused: {status} {refused}")
check("refused" in refused["message"] and "R6" in refused["message"], refused["message"])
status, shown = call("GET", f"/v1/payment-requests/{coffee['id']}", token=seller)
check(shown["status"] == "open", f"a refused payment's request: {shown}")

# From 1,000,000 won the program wants an approver's co-signature: the payment waits, unsent,
# until the director of the payer's ministry approves it with a fresh code, or declines it.
def awaiting(payer, amount):
    token = login(payer)
    status, request = call("POST", "/v1/payment-requests", {"amount": amount}, seller)
    check(status == 201, f"create: {request}")
    status, body = call("POST", f"/v1/payment-requests/{request['id']}/pay",
                        dict(pay, attendees=30, evidence="cd" * 32, totp=code(payer, 30)), token)
    check(status == 202 and body["status"] == "awaiting_approval"
          and body["approver_roles"] == ["approver"], f"awaiting: {status} {body}")
    status, shown = call("GET", f"/v1/payment-requests/{request['id']}", token=seller)
    check(shown["status"] == "paying", f"a request waiting for approval: {shown}")
    return token, request, body
payer2, big, waiting = awaiting(approving, 1000000)
approve = f"/v1/approvals/{waiting['approval']}/approve"
status, body = call("GET", "/v1/approvals", token=seller)
check(status == 403, f"a merchant listed approvals: {status} {body}")
status, body = call("POST", approve, {"totp": code(approving)}, payer2)
check(status == 403 and body["code"] == "NOT_AUTHORIZED", f"the payer approved: {status} {body}")
director = login("director@moef")
status, listed = call("GET", "/v1/approvals", token=director)
check(status == 200 and [a["id"] for a in listed["approvals"]] == [waiting["approval"]]
      and listed["approvals"][0]["payer"] == approving
      and listed["approvals"][0]["body"]["amount"] == 1000000, f"listed: {status} {listed}")
status, body = call("POST", approve, {}, director)
check(status == 401 and body["code"] == "STEP_UP_REQUIRED", f"approved without a code: {body}")
status, receipt = call("POST", approve, {"totp": code("director@moef", 30)}, director)
check(status == 200 and receipt["status"] == "ok" and receipt["id"] == waiting["id"],
      f"approved: {status} {receipt}")
check(takings.wait_for(receipt["id"])["data"]["body"]["amount"] == 1000000, "the event")
status, shown = call("GET", f"/v1/payment-requests/{big['id']}", token=seller)
check(shown["status"] == "paid" and shown["payer"] == approving, f"after approval: {shown}")
status, body = call("POST", approve, {"totp": code("director@moef", 30)}, director)
check(status == 404, f"approved twice: {status} {body}")

_, other, waiting = awaiting(declined, 1200000)
status, body = call("POST", f"/v1/approvals/{waiting['approval']}/decline", {}, director)
check(status == 200 and body["status"] == "declined", f"declined: {status} {body}")
status, shown = call("GET", f"/v1/payment-requests/{other['id']}", token=seller)
check(shown["status"] == "open", f"a declined payment's request: {shown}")
status, body = call("GET", f"/v1/transactions/{waiting['id']}")
check(status == 404 and body["code"] == "NOT_FOUND", f"a declined payment reached the ledger: {body}")
# The payer may withdraw a payment waiting for approval; another official may not touch it.
payer4, third, waiting = awaiting(withdrawn, 1100000)
status, body = call("POST", f"/v1/approvals/{waiting['approval']}/decline", {}, payer2)
check(status == 403, f"another official declined it: {status} {body}")
status, body = call("POST", f"/v1/approvals/{waiting['approval']}/decline", {}, payer4)
check(status == 200 and body["status"] == "withdrawn", f"withdrawn: {status} {body}")
status, shown = call("GET", f"/v1/payment-requests/{third['id']}", token=seller)
check(shown["status"] == "open", f"a withdrawn payment's request: {shown}")
status, listed = call("GET", "/v1/approvals", token=director)
check(listed["approvals"] == [], f"left waiting: {listed}")

print("payment requests: created, shown, paid once, stepped up, refused with the rule, "
      "followed as events and WebSocket messages, created once by their Idempotency-Key, "
      "approved, declined and withdrawn")
PY
echo "payment requests over HTTP: ok"
