#!/usr/bin/env bash
# Custodial wallets over real HTTP (src/wallet, api/wallet_api.h): an organization's admin
# enrols an official on a localnet node; the official's keys on the ledger become the wallet's;
# the official logs in with the password and a code from oathtool (an authenticator other than
# Nuri's own), and the code cannot be used twice; wrong attempts lock the wallet, and the lock
# outlasts a restart of the node; a session ends at logout. The node serves the same API over
# HTTPS with a certificate of its organization's CA.
set -u
nuri=$1
source "$(dirname "$0")/localnet_lib.sh"
localnet_test_setup wallet
account=kim-0001@moef
password="a long enough password"

"$nuri" localnet up --dir "$dir" --validators 1 --observers 0 --accounts 10 --base-port "$port" \
  > /dev/null || fail "localnet up"
printf 'short\n' > "$dir/short.pw"
"$nuri" wallet enroll --network "$dir" --account "$account" --password-file "$dir/short.pw" \
  > /dev/null 2>&1
[ $? -eq 2 ] || fail "a short password was taken"
printf '%s\n' "$password" > "$dir/kim.pw"
"$nuri" wallet enroll --network "$dir" --account "$account" --password-file "$dir/kim.pw" --json \
  > "$dir/enrol.json" || fail "enroll"
secret=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totp_secret"])' \
  "$dir/enrol.json")
[ "$(stat -c %a "$dir/nodes/v1/wallets/$account.json")" = 600 ] || fail "the wallet file is readable"
grep -q "$secret" "$dir/nodes/v1/wallets/$account.json" && fail "the TOTP secret is stored in clear"

# The ledger now holds the wallet's key alone: the localnet's demo key no longer signs.
python3 - "$(api 1)" "$account" "$dir/nodes/v1/wallets/$account.json" <<'PY' || fail "keys"
import json, sys, urllib.request
base, account, wallet = sys.argv[1:]
with urllib.request.urlopen(f"{base}/v1/accounts/{account}", timeout=5) as r:
    keys = json.load(r)["keys"]
if keys != [json.load(open(wallet))["public_key"]]:
    sys.exit(f"the account's keys are {keys}")
PY
"$nuri" tx --network "$dir" --as "$account" --body '{"type":"burn","token":"KRW-KB","amount":1}' \
  > "$dir/demo.out" 2>&1
grep -q BAD_SIGNATURE "$dir/demo.out" || fail "the demo key still signs: $(cat "$dir/demo.out")"

login() {  # password, code: prints "HTTP-status body"
  python3 - "$(api 1)" "$account" "$1" "$2" <<'PY'
import json, sys, urllib.error, urllib.request
base, account, password, code = sys.argv[1:]
body = json.dumps({"account": account, "password": password, "totp": code}).encode()
request = urllib.request.Request(f"{base}/v1/sessions", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
try:
    with urllib.request.urlopen(request, timeout=10) as r:
        print(r.status, r.read().decode())
except urllib.error.HTTPError as error:
    print(error.code, error.read().decode(), error.headers.get("Retry-After", ""))
PY
}
session() {  # method, token: prints the HTTP status
  curl -s -o /dev/null -w '%{http_code}' -X "$1" -H "Authorization: Bearer $2" \
    "$(api 1)/v1/sessions/current"
}

code=$(oathtool --totp -b "$secret")
answer=$(login "$password" "$code")
[ "${answer%% *}" = 201 ] || fail "login: $answer"
token=$(echo "${answer#* }" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
[ "$(session GET "$token")" = 200 ] || fail "the session is not there"
# The same API over HTTPS, with the certificate the node's organization's CA issued for it.
python3 - "$dir" "$token" <<'PY' || fail "HTTPS"
import http.client, json, socket, ssl, sys
directory, token = sys.argv[1:]
config = json.load(open(f"{directory}/nodes/v1/config.json"))
port = config["https_port"]
context = ssl.create_default_context(cafile=f"{directory}/tls/bok-ca.pem")
connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
connection.request("GET", "/v1/sessions/current", headers={"Authorization": "Bearer " + token})
response = connection.getresponse()
body = json.load(response)
if response.status != 200 or body["account"] != "kim-0001@moef":
    sys.exit(f"HTTPS session: {response.status} {body}")
if connection.sock.version() not in ("TLSv1.2", "TLSv1.3"):
    sys.exit(f"TLS version {connection.sock.version()}")
# A client that does not trust the network's CAs is refused the handshake.
try:
    http.client.HTTPSConnection("127.0.0.1", port, context=ssl.create_default_context(),
                                timeout=10).request("GET", "/v1/status")
    sys.exit("a client without the CA trusted the certificate")
except ssl.SSLCertVerificationError:
    pass
# Plain HTTP to the HTTPS port gets no answer.
with socket.create_connection(("127.0.0.1", port), timeout=10) as plain:
    plain.sendall(b"GET /v1/status HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        reply = plain.recv(100)
    except ConnectionResetError:
        reply = b""
    if reply.startswith(b"HTTP/1.1 200"):
        sys.exit("plain HTTP was served on the HTTPS port")
PY
replayed=$(login "$password" "$code")
[ "${replayed%% *}" = 401 ] || fail "a used code was taken again: $replayed"
echo "$replayed" | grep -q WRONG_CREDENTIALS || fail "a replay's refusal: $replayed"
[ "$(session DELETE "$token")" = 204 ] || fail "logout"
[ "$(session GET "$token")" = 401 ] || fail "the session outlived its logout"
[ "$(session GET not-a-token)" = 401 ] || fail "a made-up token"
malformed=$(curl -s -X POST -H 'Content-Type: application/json' "$(api 1)/v1/sessions" \
  -d '{"account":"'$account'","password":7}')
echo "$malformed" | grep -q '"field":"password"' || fail "a malformed login: $malformed"
form=$(curl -s -o /dev/null -w '%{http_code}' -X POST "$(api 1)/v1/sessions" \
  -d "account=$account&password=x&totp=123456")
[ "$form" = 415 ] || fail "a form was taken as a login: $form"

# The replayed code was the first failure; four wrong passwords make five and lock the wallet.
# The right password with a fresh code is then refused, and still after a restart.
for _ in 1 2 3 4; do
  answer=$(login "not the password" "$(oathtool --totp -b "$secret")")
  [ "${answer%% *}" = 401 ] || fail "a wrong password: $answer"
done
locked=$(login "$password" "$(oathtool --totp -b "$secret" --now "$(date -u -d '+30 sec' '+%F %T') UTC")")
[ "${locked%% *}" = 423 ] || fail "not locked: $locked"
retry=${locked##* }
[ "$retry" -gt 0 ] && [ "$retry" -le 60 ] || fail "Retry-After: $locked"
"$nuri" localnet stop-node v1 --dir "$dir" > /dev/null || fail "stop v1"
"$nuri" localnet start-node v1 --dir "$dir" > /dev/null || fail "start v1"
wait_for_progress 1 -1 20 || fail "v1 did not come back"
locked=$(login "$password" "$(oathtool --totp -b "$secret" --now "$(date -u -d '+30 sec' '+%F %T') UTC")")
[ "${locked%% *}" = 423 ] || fail "the lock did not outlast a restart: $locked"

# Rate limits (api/api_guard.h): the localnet exempts 127.0.0.1, where its tools run, from the
# limit per address; any other address gets 429 once its burst is spent, and logins are limited
# for every address, so that passwords cannot be tried at speed.
python3 - "$(api 1)" <<'PY' || fail "rate limits"
import http.client, json, sys, urllib.parse
url = urllib.parse.urlparse(sys.argv[1])

def client(address):
    return http.client.HTTPConnection(url.hostname, url.port, timeout=10,
                                      source_address=(address, 0))

def refused(response, body, what):
    retry = response.getheader("Retry-After")
    if response.status != 429 or json.loads(body)["code"] != "RATE_LIMITED" or int(retry) < 1:
        sys.exit(f"{what}: {response.status} {body} Retry-After {retry}")

other = client("127.0.0.2")
for sent in range(1, 1001):
    other.request("GET", "/v1/status")
    response = other.getresponse()
    body = response.read()
    if response.status != 200:
        break
if sent <= 200:  # the burst of 200 is served whatever the pace
    sys.exit(f"limited after {sent} requests")
refused(response, body, f"request {sent} from 127.0.0.2")

guesser = client("127.0.0.3")
login = json.dumps({"account": "nobody@moef", "password": "guess", "totp": "123456"})
for attempt in range(1, 12):
    guesser.request("POST", "/v1/sessions", login, {"Content-Type": "application/json"})
    response = guesser.getresponse()
    body = response.read()
    # Wrong, then locked after five failures, as a real account would be.
    if attempt <= 10 and response.status not in (401, 423):
        sys.exit(f"login {attempt}: {response.status} {body}")
refused(response, body, "the eleventh login in a minute")
PY
echo "wallet sessions: enrolment, login, replay, logout, lockout across a restart, rate limits"
