#!/usr/bin/env bash
# The API against its own description, on a live node over real HTTP (api/openapi.h):
#   - every operation of /openapi.json exists, and answers only with statuses the document
#     lists for it, errors as {"code","message"}, both to the operator and to a session from
#     elsewhere; /docs shows every path;
#   - methods and paths the document does not list are not served;
#   - random and mutated requests (paths, methods, headers, bodies, raw bytes) never get a 5xx
#     and never stop the node: every refusal is a 4xx with a code.
set -u
nuri=$1
source "$(dirname "$0")/localnet_lib.sh"
localnet_test_setup contract
password="a long enough password"
"$nuri" localnet up --dir "$dir" --validators 1 --observers 0 --accounts 3 --base-port "$port" \
  > /dev/null || fail "localnet up"
printf '%s\n' "$password" > "$dir/pw"
"$nuri" wallet enroll --network "$dir" --account sejong-cafe@merchants --password-file "$dir/pw" \
  --json > "$dir/merchant.enrol" || fail "enroll"

python3 - "$(api 1)" "$dir/merchant.enrol" "$password" <<'PY' || fail "the API and its document disagree"
import http.client, json, os, random, socket, subprocess, sys, time, urllib.parse
base, enrolment, password = sys.argv[1:]
address = urllib.parse.urlparse(base)
secret = json.load(open(enrolment))["totp_secret"]

def request(method, target, body=None, headers=None, source="127.0.0.1"):
    # Loopback answers from all of 127/8; the node's operator is 127.0.0.1 alone, and a caller
    # from elsewhere reads with its session, as the document says.
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30,
                                            source_address=(source, 0))
    connection.request(method, target, body, headers or {})
    response = connection.getresponse()
    if response.getheader("Content-Type", "").startswith("text/event-stream"):
        connection.close()
        return response.status, response.getheader("Content-Type"), b""
    data = response.read()
    connection.close()
    return response.status, response.getheader("Content-Type", ""), data

def check(condition, what):
    if not condition:
        sys.exit(what)

code = subprocess.check_output(["oathtool", "--totp", "-b", secret], text=True).strip()
status, _, body = request("POST", "/v1/sessions",
                          json.dumps({"account": "sejong-cafe@merchants", "password": password,
                                      "totp": code}), {"Content-Type": "application/json"})
check(status == 201, f"login: {status} {body}")
token = json.loads(body)["token"]

status, kind, body = request("GET", "/openapi.json")
check(status == 200 and kind.startswith("application/json"), f"/openapi.json: {status} {kind}")
document = json.loads(body)
check(document["openapi"] == "3.1.0", "not OpenAPI 3.1")
status, kind, page = request("GET", "/docs")
check(status == 200 and kind.startswith("text/html"), f"/docs: {status} {kind}")

def resolve(item):
    if "$ref" not in item:
        return item
    target = document
    for part in item["$ref"][2:].split("/"):
        target = target[part]
    return target

def error_shape(status, kind, body, what):
    if status < 400:
        return
    check(kind.startswith("application/json"), f"{what}: {status} with {kind}")
    error = json.loads(body)
    check(isinstance(error.get("code"), str) and isinstance(error.get("message"), str),
          f"{what}: {status} {error}")

methods = {"get", "post", "put", "delete", "patch"}
import re
def served_elsewhere(target, method):
    """Whether another documented template with this method matches the target."""
    for path, item in document["paths"].items():
        pattern = "^" + re.sub(r"\\{[a-z_]+\\}", "[^/]+", re.escape(path)) + "$"
        if method in item and re.match(pattern, target):
            return True
    return False
def try_operations(source):
    """Every documented operation once, from `source`; returns how many were tried."""
    operations = 0
    for path, item in document["paths"].items():
        for method in methods:
            target = path
            operation = item.get(method)
            for parameter in (operation or {}).get("parameters", []):
                parameter = resolve(parameter)
                if parameter["in"] == "path":
                    target = target.replace("{" + parameter["name"] + "}", parameter["example"])
            target = target.replace("{id}", "00").replace("{which}", "1")
            headers = {"Content-Type": "application/json"}
            if operation is not None and "security" in operation:  # within the session's limit
                headers["Authorization"] = "Bearer " + token
            body = "{}" if method in ("post", "put", "patch") else None
            if path == "/v1/sessions/current" and method == "delete":
                continue  # last, below: it ends the session the others use
            status, kind, data = request(method.upper(), target, body, headers, source)
            what = f"{method.upper()} {target} from {source}"
            if operation is None:
                check(status in (404, 405) or served_elsewhere(target, method),
                      f"{what} is served ({status}) but not documented")
                continue
            operations += 1
            documented = set(operation["responses"])
            check(str(status) in documented,
                  f"{what}: {status} is not among {sorted(documented)}")
            check(not data.startswith(b'{"code":"NOT_FOUND","message":"no such endpoint'),
                  f"{what} is documented but not routed")
            error_shape(status, kind, data, what)
    return operations
for path in document["paths"]:
    check(f" {path}</code>".encode() in page, f"/docs does not show {path}")
every_operation = sum(len(set(item) & methods) for item in document["paths"].values()) - 1
for source in ["127.0.0.1", "127.0.0.2"]:  # the operator, and a merchant's session elsewhere
    time.sleep(2.5)  # a full bucket for the session each pass: 20 requests a second, bursts of 40
    tried = try_operations(source)
    check(tried == every_operation, f"only {tried} operations were tried from {source}")
# Reads the merchant's session may not make are refused as the document says.
for target in ["/v1/blocks/1", "/metrics", "/v1/accounts/treasury@moef"]:
    status, _, data = request("GET", target, None, {"Authorization": "Bearer " + token}, "127.0.0.2")
    check(status == 403 and json.loads(data)["code"] == "FORBIDDEN", f"GET {target}: {status}")
for target in ["/v1", "/v1/nothing", "/v1/accounts", "/v1/blocks", "/v2/status", "/v1/status/x",
               "/v1/payment-requests/x/refund", "/v1/approvals/x", "/v1/events/x", "/openapi"]:
    status, kind, data = request("GET", target)
    check(status == 404, f"GET {target}: {status}, not documented")
    error_shape(status, kind, data, target)
time.sleep(2.5)
status, _, _ = request("DELETE", "/v1/sessions/current", None, {"Authorization": "Bearer " + token})
check(status == 204, f"logout: {status}")

# Random and mutated requests: no 5xx, no crash, every refusal a 4xx with a code.
# A new seed each run, printed so that a failure can be replayed with NURI_FUZZ_SEED.
seed = int(os.environ.get("NURI_FUZZ_SEED") or time.time_ns() % 2**32)
print(f"fuzz seed {seed}")
rng = random.Random(seed)
paths = [p for p in document["paths"]]
samples = [b"{}", b"[]", b"null", b'{"amount":1e999}', b'{"amount":-1}', b'{"a":' * 40 + b"1" + b"}" * 40,
           json.dumps({"account": "x@y", "password": "p" * 5000, "totp": "1"}).encode(),
           json.dumps({"chain_id": "nuri-localnet", "signer": "kim@moef", "nonce": "99999999999999999999999",
                       "valid_until": "tomorrow", "body": {"type": "pay"}, "signatures": []}).encode(),
           bytes(rng.randrange(256) for _ in range(200)), "\ud55c\uae00".encode(), b"\xff\xfe\x00"]
def mutate(data):
    data = bytearray(data)
    for _ in range(rng.randrange(1, 4)):
        if data and rng.random() < 0.5:
            data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            data.insert(rng.randrange(len(data) + 1), rng.choice(b'{}[]":,\\0123456789e-'))
    return bytes(data)
def random_target():
    path = rng.choice(paths).replace("{id}", rng.choice(["00" * 32, "00" * 16, "x", "%00", "..", "a" * 300]))
    path = path.replace("{which}", rng.choice(["latest", "-1", "18446744073709551616", "1"]))
    if rng.random() < 0.3:
        path += rng.choice(["?wait_ms=-5", "?limit=0", "?from_height=x", "?account=%ff", "?a=b&&&", "/"])
    return path
statuses = {}
for attempt in range(4000):
    method = rng.choice(["GET", "POST", "POST", "DELETE", "PUT", "HEAD", "OPTIONS"])
    headers = {"Content-Type": rng.choice(["application/json", "application/octet-stream", "text/plain", "", "application/json; charset=utf-8"])}
    if rng.random() < 0.4:
        headers["Authorization"] = rng.choice(["Bearer " + token, "Bearer ", "Basic abc", "Bearer " + "x" * 500])
    if rng.random() < 0.3:
        headers["Idempotency-Key"] = rng.choice(["k" * 300, "key-1", "two words", "\t"])
    if rng.random() < 0.2:
        headers["Last-Event-ID"] = rng.choice(["1:1", "x", "99999999999999999999:0", ":"])
    body = mutate(rng.choice(samples)) if method in ("POST", "PUT") else None
    target = random_target()
    try:
        status, kind, data = request(method, target, body, headers)
    except (http.client.HTTPException, ConnectionError) as error:
        sys.exit(f"seed {seed}: {method} {target}: the connection failed: {error}")
    statuses[status] = statuses.get(status, 0) + 1
    check(status < 500,
          f"seed {seed}: {method} {target} {headers} {body!r:.200}: {status} {data[:300]!r}")
    if method != "HEAD":
        error_shape(status, kind, data, f"{method} {target}")
# Bytes that are not HTTP at all.
for attempt in range(50):
    with socket.create_connection((address.hostname, address.port), timeout=10) as raw:
        raw.sendall(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 2000))) + b"\r\n\r\n")
        reply = raw.recv(200)
        check(reply == b"" or reply.startswith(b"HTTP/1.1 4"), f"raw bytes: {reply!r}")
status, _, _ = request("GET", "/v1/status")
check(status == 200, "the node stopped serving")
print(f"contract: {every_operation} operations agree with the document; fuzz answers {sorted(statuses.items())}")
PY
"$nuri" localnet status --dir "$dir" --json | grep -q '"running":true' || fail "the node died"
echo "API contract and fuzz: ok"
