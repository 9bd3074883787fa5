#!/usr/bin/env bash
# A node that seals its wallets in an HSM (SoftHSM2, through PKCS#11; cli/wallet_sealer_config.h):
# the operator makes the sealing key on the token once; wallets enrolled while the node runs are
# sealed on the token, and after a restart the node opens them again: officials log in with
# their codes and pay, their keys never written in the clear. A wrong PIN stops the node at
# start with a clear message that does not hold the PIN.
set -u
nuri=$1
source "$(dirname "$0")/localnet_lib.sh"
localnet_test_setup hsm
module=/usr/lib/softhsm/libsofthsm2.so
official=kim-0001@moef
merchant=sejong-cafe@merchants
password="a long enough password"
[ -e "$module" ] || fail "SoftHSM2 is needed: run tools/setup.sh"

mkdir -p "$dir/hsm/tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' \
  "$dir/hsm/tokens" > "$dir/hsm/softhsm2.conf"
export SOFTHSM2_CONF=$dir/hsm/softhsm2.conf
softhsm2-util --init-token --free --label nuri-v1 --so-pin so-secret-1 --pin user-secret-2 \
  > /dev/null || fail "init the token"
(umask 077 && printf 'user-secret-2\n' > "$dir/hsm/pin" && printf 'not-the-pin\n' > "$dir/hsm/wrong")
hsm_key() { "$nuri" wallet hsm-key --module "$module" --token nuri-v1 --key wallet-seal "$@"; }
hsm_key --pin-file "$dir/hsm/pin" > /dev/null || fail "hsm-key"
hsm_key --pin-file "$dir/hsm/pin" > "$dir/again.out" 2>&1 && fail "a second key of the same label"
grep -qi "exists" "$dir/again.out" || fail "a second key: $(cat "$dir/again.out")"
chmod 644 "$dir/hsm/pin"
hsm_key --pin-file "$dir/hsm/pin" > "$dir/open.out" 2>&1 && fail "a PIN file others may read"
grep -q "chmod 600" "$dir/open.out" || fail "a PIN file others may read: $(cat "$dir/open.out")"
chmod 600 "$dir/hsm/pin"

"$nuri" localnet up --dir "$dir" --validators 1 --observers 0 --accounts 3 --base-port "$port" \
  > /dev/null || fail "localnet up"
"$nuri" localnet down --dir "$dir" > /dev/null
# The node's wallets move from its key file to the HSM.
use_pin() {
  python3 - "$dir/nodes/v1/config.json" "$module" "$1" <<'PY'
import json, sys
path, module, pin_file = sys.argv[1:]
config = json.load(open(path))
config.pop("wallet_key", None)
config["wallet_pkcs11"] = {"module": module, "token": "nuri-v1", "key": "wallet-seal",
                           "pin_file": pin_file}
json.dump(config, open(path, "w"), indent=2)
PY
}
use_pin "$dir/hsm/wrong"
"$nuri" localnet up --dir "$dir" > /dev/null 2>&1 && fail "the node started with a wrong PIN"
grep -q "CKR_PIN_INCORRECT" "$dir/nodes/v1/node.log" ||
  fail "no word of the wrong PIN: $(tail -3 "$dir/nodes/v1/node.log")"
grep -q "not-the-pin" "$dir/nodes/v1/node.log" && fail "the PIN is in the node's log"
use_pin "$dir/hsm/pin"
"$nuri" localnet up --dir "$dir" > /dev/null || fail "localnet up with the HSM"

tx issuer@kb '{"type":"mint","token":"KRW-KB","to":"treasury@moef","amount":1000000}'
tx treasury@moef '{"type":"fund_program","program":"bpe-moef","amount":1000000}'
tx budget@moef '{"type":"grant","program":"bpe-moef","to":"'$official'","amount":500000}'
printf '%s\n' "$password" > "$dir/pw"
for account in $official $merchant; do
  "$nuri" wallet enroll --network "$dir" --account "$account" --password-file "$dir/pw" --json \
    > "$dir/$account.enrol" || fail "enroll $account"
  # Wallet files hold the hex of sealed bytes (src/wallet/credential.cc): each sealed field must
  # be in the HSM's format (docs/formats/wallet.md, "Sealed in an HSM"), and the TOTP secret,
  # as the enrolment gave it in base32, must be in no file of the wallets, in hex or raw.
  python3 - "$dir/$account.enrol" "$dir/nodes/v1/wallets" <<'PY' || fail "$account's wallet"
import base64, json, os, sys
enrolment, wallets = sys.argv[1:]
encoded = json.load(open(enrolment))["totp_secret"].upper().rstrip("=")
secret = base64.b32decode(encoded + "=" * (-len(encoded) % 8))
plaintext_sizes = {"totp_secret": len(secret), "signing_key": 32}  # the Ed25519 seed
files = [os.path.join(root, name) for root, _, names in os.walk(wallets) for name in names]
wallet_files = [path for path in files if path.endswith(".json")]
if not wallet_files:
    sys.exit(f"no wallet files in {wallets}")
for path in wallet_files:
    wallet = json.load(open(path))
    for field, size in plaintext_sizes.items():
        sealed = bytes.fromhex(wallet[field])
        if len(sealed) != 1 + 12 + size + 16 or sealed[0] != 0x01:
            sys.exit(f"{path}: {field} is not sealed in the HSM's format: {len(sealed)} bytes, "
                     f"format {sealed[:1].hex()}, for {size} bytes of plaintext")
for path in files:
    try:
        content = open(path, "rb").read()
    except FileNotFoundError:  # the running node's RocksDB of logins rotates its files
        continue
    for form in (secret.hex().encode(), secret.hex().upper().encode(), secret, encoded.encode()):
        if form in content:
            sys.exit(f"{path} holds the TOTP secret in the clear")
PY
done
"$nuri" localnet down --dir "$dir" > /dev/null
"$nuri" localnet up --dir "$dir" > /dev/null || fail "restart with the HSM"

python3 - "$(api 1)" "$dir" "$official" "$merchant" "$password" <<'PY' || fail "wallets"
import json, subprocess, sys, urllib.error, urllib.request
base, directory, official, merchant, password = sys.argv[1:]

def call(method, path, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = "Bearer " + token
    request = urllib.request.Request(base + path, json.dumps(body).encode() if body else None,
                                     headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)

def login(account):
    secret = json.load(open(f"{directory}/{account}.enrol"))["totp_secret"]
    code = subprocess.check_output(["oathtool", "--totp", "-b", secret], text=True).strip()
    status, body = call("POST", "/v1/sessions",
                        {"account": account, "password": password, "totp": code})
    if status != 201:
        sys.exit(f"login {account} after a restart: {status} {body}")
    return body["token"]

seller, payer = login(merchant), login(official)
status, request = call("POST", "/v1/payment-requests", {"amount": 20000}, seller)
if status != 201:
    sys.exit(f"payment request: {status} {request}")
status, receipt = call("POST", f"/v1/payment-requests/{request['id']}/pay",
                       {"program": "bpe-moef", "attendees": 1, "purpose": "working lunch",
                        "justification": "signed with a key sealed in the HSM"}, payer)
if status != 200 or receipt["status"] != "ok":
    sys.exit(f"pay: {status} {receipt}")
PY
echo "wallets sealed in an HSM: ok"
