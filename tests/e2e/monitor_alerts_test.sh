#!/usr/bin/env bash
# The compliance monitor on the audit board's observer, over real HTTP (api/alert_api.h): under
# `nuri load` the observer is killed with SIGKILL and started again, and its alerts are then the
# same, id for id, as those it raises when it follows the whole chain again from nothing: no gap
# and none twice. Every alert names committed, accepted payments of its account and program.
# An auditor signed in with its wallet resolves and escalates alerts with a note and freezes an
# account on the ledger with a fresh code; the node's operator reads but does not act; nobody
# else reads. The auditor follows the alerts on the event stream, each after its block.
set -u
nuri=$1
source "$(dirname "$0")/localnet_lib.sh"
localnet_test_setup monitor
password="a long enough password"

"$nuri" localnet up --dir "$dir" --validators 1 --observers 1 --accounts 30 --base-port "$port" \
  > /dev/null || fail "localnet up"
printf '%s\n' "$password" > "$dir/pw"
for account in auditor@bai kim-0001@moef; do
  "$nuri" wallet enroll --network "$dir" --node o1 --account "$account" --password-file "$dir/pw" \
    --json > "$dir/$account.enrol" || fail "enroll $account"
done

"$nuri" load --network "$dir" --seconds 10 --rate 200 --json > "$dir/load.json" \
  2> "$dir/load.err" &
load_pid=$!
sleep 7
"$nuri" localnet stop-node o1 --kill --dir "$dir" || fail "kill o1"
sleep 1
"$nuri" localnet start-node o1 --dir "$dir" || fail "start o1 again"
finish_load

# Lists every alert of o1 as JSON lines, once its monitor has caught up with the validator's
# head (load is over: the chain no longer grows).
all_alerts() {
  python3 - "$(api 2)" "$(api 1)" <<'PY'
import json, sys, time, urllib.request
base, validator = sys.argv[1:]
def get(path, node=base):
    with urllib.request.urlopen(node + path, timeout=30) as response:
        return json.load(response)
# An observer started again syncs the blocks it missed one batch at a time.
for _ in range(1500):
    head = get("/v1/status", validator)["height"]
    monitor = get("/v1/alerts?limit=1")["monitor"]
    if monitor["followed_height"] >= head and not monitor["failed"]:
        break
    time.sleep(0.1)
else:
    sys.exit(f"the monitor does not catch up: {monitor}, head {head}")
before = ""
while True:
    page = get("/v1/alerts?limit=100" + before)
    for alert in page["alerts"]:
        print(json.dumps(alert))
    if page["next_before"] is None:
        break
    before = f"&before={page['next_before']}"
PY
}
all_alerts > "$dir/after_crash.jsonl" || fail "alerts after the crash"

python3 - "$(api 2)" "$dir/after_crash.jsonl" <<'PY' || fail "alerts name what happened"
import json, sys, urllib.request
base, path = sys.argv[1:]
alerts = [json.loads(line) for line in open(path)]
def get(target):
    with urllib.request.urlopen(base + target, timeout=30) as response:
        return json.load(response)
def check(condition, what):
    if not condition:
        sys.exit(what)
check(len(alerts) >= 5, f"only {len(alerts)} alerts under a load that splits bills")
check(len({a["id"] for a in alerts}) == len(alerts), "an alert is listed twice")
check(len({a["sequence"] for a in alerts}) == len(alerts), "a sequence is given twice")
check([a["sequence"] for a in alerts] == sorted((a["sequence"] for a in alerts), reverse=True),
      "alerts are not newest first")
checks = {a["check"] for a in alerts}
for alert in alerts:
    check(alert["status"] == "open" and alert["actions"] == [], f"untouched yet: {alert}")
    check(alert["sentence"] and len(alert["transactions"]) >= 1, f"empty alert: {alert}")
    for tx_id in alert["transactions"]:
        tx = get(f"/v1/transactions/{tx_id}")
        check(tx["status"] == "ok" and tx["height"] <= alert["height"],
              f"{alert['id']} names {tx_id}: {tx}")
        check(tx.get("program") == alert["program"], f"{alert['id']}: {tx} is not of {alert['program']}")
    # The last transaction is the one that raised it, in the alert's block.
    check(get(f"/v1/transactions/{alert['transactions'][-1]}")["height"] == alert["height"],
          f"{alert['id']} was raised at another height than its last payment's")
split = [a for a in alerts if a["check"] == "split_payments"]
filtered = get("/v1/alerts?check=split_payments&limit=500")["alerts"]
check([a["id"] for a in filtered] == [a["id"] for a in split], "the check filter differs")
# Block by block (what the indexer reads), the same alerts, each block's in the order raised.
by_height = {}
for alert in sorted(alerts, key=lambda a: a["sequence"]):
    by_height.setdefault(alert["height"], []).append(alert["id"])
for height, ids in by_height.items():
    block = get(f"/v1/alerts?height={height}")
    check([a["id"] for a in block["alerts"]] == ids and block["monitor"]["followed_height"] >= height,
          f"block {height}: {block}, the listing has {ids}")
quiet = next(h for h in range(1, max(by_height) + 2) if h not in by_height)
check(get(f"/v1/alerts?height={quiet}")["alerts"] == [], f"block {quiet} raised none")
print(f"{len(alerts)} alerts of checks {sorted(checks)}, all naming committed payments, "
      f"the same block by block")
PY
python3 - "$(api 2)" <<'PY' || fail "the height filter takes no other"
import sys, urllib.error, urllib.request
try:
    urllib.request.urlopen(sys.argv[1] + "/v1/alerts?height=3&limit=5", timeout=10)
    sys.exit("height with limit was answered")
except urllib.error.HTTPError as error:
    if error.code != 400:
        sys.exit(f"height with limit: {error.code}")
PY

# The same chain followed again from nothing raises the same alerts.
"$nuri" localnet stop-node o1 --dir "$dir" || fail "stop o1"
mv "$dir/nodes/o1/alerts" "$dir/alerts.after_crash"
"$nuri" localnet start-node o1 --dir "$dir" || fail "start o1 with no alerts"
all_alerts > "$dir/from_nothing.jsonl" || fail "alerts from nothing"
python3 - "$dir/after_crash.jsonl" "$dir/from_nothing.jsonl" <<'PY' || fail "a crash changed the alerts"
import json, sys
def read(path):
    return {a["id"]: (a["check"], a["transactions"], a["height"])
            for a in map(json.loads, open(path))}
crashed, clean = read(sys.argv[1]), read(sys.argv[2])
missing, extra = clean.keys() - crashed.keys(), crashed.keys() - clean.keys()
if missing or extra or crashed != clean:
    sys.exit(f"missing after the crash {sorted(missing)[:5]}, extra {sorted(extra)[:5]}")
print(f"the {len(clean)} alerts are the same after a crash as from nothing")
PY

python3 - "$(api 2)" "$dir" "$password" "$dir/from_nothing.jsonl" <<'PY' || fail "auditor's actions"
import http.client, json, subprocess, sys, time, urllib.parse
base, directory, password, path = sys.argv[1:]
address = urllib.parse.urlparse(base)
alerts = [json.loads(line) for line in open(path)]

def call(method, target, body=None, token=None, source="127.0.0.1"):
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60,
                                            source_address=(source, 0))
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    connection.request(method, target, None if body is None else json.dumps(body), headers)
    response = connection.getresponse()
    answer = json.loads(response.read() or b"null")
    connection.close()
    return response.status, answer

def code(account, later=0):
    secret = json.load(open(f"{directory}/{account}.enrol"))["totp_secret"]
    return subprocess.check_output(
        ["oathtool", "--totp", "-b", secret, "-N", f"now + {later} seconds"], text=True).strip()

def login(account):
    status, body = call("POST", "/v1/sessions",
                        {"account": account, "password": password, "totp": code(account)})
    assert status == 201, (account, status, body)
    return body["token"]

def check(condition, what):
    if not condition:
        sys.exit(what)

auditor, holder = login("auditor@bai"), login("kim-0001@moef")
first, second = alerts[0], alerts[1]
target = f"/v1/alerts/{first['id']}"

status, body = call("GET", "/v1/alerts", source="127.0.0.2")
check(status == 401, f"a stranger lists alerts: {status} {body}")
status, body = call("GET", target, token=holder, source="127.0.0.2")
check(status == 403, f"a holder reads an alert: {status} {body}")
status, body = call("GET", target, token=auditor, source="127.0.0.2")
check(status == 200 and body["id"] == first["id"], f"the auditor reads it: {status} {body}")
status, body = call("POST", target + "/resolve", {"note": "from the operator"})
check(status == 401, f"the operator acts without a session: {status} {body}")
status, body = call("POST", target + "/resolve", {"note": "a holder's view"}, token=holder)
check(status == 403, f"a holder acts: {status} {body}")
status, body = call("POST", target + "/resolve", {}, token=auditor, source="127.0.0.2")
check(status == 400 and body["field"] == "note", f"resolved without a note: {status} {body}")

note = "a team dinner split between two cards; receipts checked"
status, body = call("POST", target + "/resolve", {"note": note}, token=auditor)
check(status == 200 and body["status"] == "resolved" and body["actions"][0]["by"] == "auditor@bai"
      and body["actions"][0]["note"] == note, f"resolve: {status} {body}")
status, body = call("POST", target + "/escalate", {"note": "again"}, token=auditor, source="127.0.0.2")
check(status == 409 and body["code"] == "NOT_ALLOWED_NOW", f"a resolved alert escalated: {status} {body}")
status, body = call("GET", "/v1/alerts?status=resolved", token=auditor, source="127.0.0.2")
check([a["id"] for a in body["alerts"]] == [first["id"]], f"resolved alerts: {body}")

second_target = f"/v1/alerts/{second['id']}"
status, body = call("POST", second_target + "/escalate", {"note": "ask the office for receipts"},
                    token=auditor, source="127.0.0.2")
check(status == 200 and body["status"] == "escalated", f"escalate: {status} {body}")
status, body = call("POST", second_target + "/freeze", {"note": "until the office answers"},
                    token=auditor, source="127.0.0.2")
check(status == 401 and body["code"] == "STEP_UP_REQUIRED", f"a freeze without a code: {status} {body}")
status, body = call("POST", second_target + "/freeze",
                    {"note": "until the office answers", "totp": code("auditor@bai", 30)},
                    token=auditor, source="127.0.0.2")
check(status == 200 and body["transaction"]["status"] == "ok", f"freeze: {status} {body}")
freeze = body["alert"]["actions"][-1]
check(freeze["kind"] == "freeze" and freeze["transaction"] == body["transaction"]["id"],
      f"the freeze is not on the alert: {body['alert']}")
status, account = call("GET", f"/v1/accounts/{second['account']}")
check(status == 200 and account["frozen"] is True, f"{second['account']} is not frozen: {account}")
print(f"resolved {first['id']}, escalated {second['id']} and froze {second['account']}")

# The auditor follows the alerts live: the stream from the first block carries every alert the
# store lists, each with the height of its block, after that block's transactions.
def stream(token, query):
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=60,
                                            source_address=("127.0.0.2", 0))
    connection.request("GET", "/v1/events?" + query, None, {"Authorization": "Bearer " + token})
    return connection, connection.getresponse()
connection, response = stream(auditor, "events=alert&from_height=1")
check(response.status == 200, f"the alert stream: {response.status}")
streamed = {}
event_id = event = None
deadline = time.monotonic() + 60
while len(streamed) < len(alerts):
    check(time.monotonic() < deadline,
          f"the stream carried {len(streamed)} of {len(alerts)} alerts in a minute: the last "
          f"{event_id}; missing {sorted((a['height'], a['id']) for a in alerts if a['id'] not in streamed)[:5]}")
    line = response.readline().decode().rstrip("\n")
    if line.startswith("id: "):
        event_id = line[4:]
    elif line.startswith("event: "):
        event = line[7:]
    elif line.startswith("data: "):
        check(event == "alert", f"a {event} event in a stream of alerts")
        data = json.loads(line[6:])
        check(event_id.split(":")[0] == str(data["height"]) and data["event_id"] == event_id,
              f"alert {data['id']} has the event id {event_id}")
        streamed[data["id"]] = data
connection.close()
check(set(streamed) == {a["id"] for a in alerts}, "the stream's alerts differ from the store's")
check(streamed[first["id"]]["status"] == "resolved", f"{streamed[first['id']]}")
connection, response = stream(holder, "events=alert&account=kim-0001@moef")
check(response.status == 403, f"a holder follows alerts: {response.status}")
connection.close()
print(f"the auditor's stream carried the {len(streamed)} alerts")
PY
echo "the monitor's alerts survive a crash unchanged, and auditors act on them"
