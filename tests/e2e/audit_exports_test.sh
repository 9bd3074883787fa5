#!/usr/bin/env bash
# The public's numbers and the payment exports over real HTTP (api/public_api.h,
# api/export_api.h): a node under `nuri load`, whose payments are partly refused by the rules,
# answers /v1/public/spending to anyone, without a session, from an address that is not its
# operator's. The totals equal the ledger's own program totals; no cell shows fewer than 5
# payments; no account, merchant name or business number appears, in JSON or in CSV. The
# export of the day (`nuri export payments`, CSV and JSON Lines) holds every payment and refund
# with its budget code, and its accepted amounts add up to the same program totals; a merchant's
# camt.053 statements walk to its balance.
set -u
nuri=$1
source "$(dirname "$0")/localnet_lib.sh"
localnet_test_setup public

"$nuri" localnet up --dir "$dir" --validators 1 --observers 0 --accounts 30 --base-port "$port" \
  > /dev/null || fail "localnet up"
"$nuri" load --network "$dir" --seconds 12 --rate 300 --json > "$dir/load.json" \
  2> "$dir/load.err" || fail "load: $(cat "$dir/load.json" "$dir/load.err")"

python3 - "$(api 1)" "$nuri" "$dir" <<'PY' || fail "public spending"
import csv, io, json, subprocess, sys, urllib.parse, http.client
base = urllib.parse.urlparse(sys.argv[1])
nuri, directory = sys.argv[2:]

def get(target, source="127.0.0.2", headers=None):
    # Loopback answers from all of 127/8; the node's operator is 127.0.0.1 alone.
    connection = http.client.HTTPConnection(base.hostname, base.port, timeout=30,
                                            source_address=(source, 0))
    connection.request("GET", target, None, headers or {})
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    return response.status, response.getheader("Content-Type", ""), body

def check(condition, what):
    if not condition:
        sys.exit(what)

# A merchant refunds part of a payment it took: the refund lowers its cell.
status, _, body = get("/v1/accounts/daily-mart@merchants/transactions", source="127.0.0.1")
paid = [t for t in json.loads(body)["transactions"] if t["status"] == "ok" and "program" in t]
check(status == 200 and paid, f"daily-mart@merchants was paid nothing: {status} {body}")
refund = subprocess.run([nuri, "tx", "--network", directory, "--as", "daily-mart@merchants",
                         "--body", json.dumps({"type": "refund", "payment": paid[0]["id"],
                                               "amount": 1000})], capture_output=True, text=True)
check(refund.returncode == 0, f"refund: {refund.stdout} {refund.stderr}")

identities = ["@", "Hanok Korean", "Sejong Station", "Daily Mart", "Office Plus", "Blue Taxi",
              "Hotel Sejong", "Moonlight", "ChargePoint", "Sparky", "101-81-", "605-81-"]
tables = {}
for by in ["ministry", "program", "category", "month"]:
    status, kind, body = get(f"/v1/public/spending?by={by}")
    check(status == 200 and kind.startswith("application/json"), f"{by}: {status} {body}")
    for identity in identities:
        check(identity not in body, f"{by}: '{identity}' appears in {body}")
    table = json.loads(body)
    check(table["by"] == by and table["from_height"] == 1, f"{by}: {table}")
    for cell in table["cells"]:
        if cell["suppressed"]:
            check(set(cell) == {by, "label", "suppressed"}, f"{by}: a suppressed cell shows {cell}")
        else:
            check(cell["payments"] >= 5, f"{by}: {cell}")
            check(cell["net_won"] == cell["paid_won"] - cell["refunded_won"], f"{by}: {cell}")
    status, kind, text = get(f"/v1/public/spending?by={by}", headers={"Accept": "text/csv"})
    check(status == 200 and kind.startswith("text/csv"), f"{by} as CSV: {status} {kind}")
    for identity in identities:
        check(identity not in text, f"{by} as CSV: '{identity}' appears")
    rows = list(csv.DictReader(io.StringIO(text)))
    check([row[by] for row in rows] == [cell[by] for cell in table["cells"]], f"{by}: {rows}")
    for row, cell in zip(rows, table["cells"]):
        check(row["payments"] == str(cell.get("payments", "")) and
              row["paid_won"] == str(cell.get("paid_won", "")), f"{by}: {row} vs {cell}")
    tables[by] = table

# The ledger's own totals, read by the node's operator.
status, _, body = get("/v1/programs", source="127.0.0.1")
check(status == 200, f"programs: {status}")
spent = refunded = 0
published = 0
for program in json.loads(body)["programs"]:
    status, _, body = get(f"/v1/programs/{program['id']}", source="127.0.0.1")
    totals = json.loads(body)["totals"]
    spent += totals["spent"]
    refunded += totals["refunded"]
    cell = next((c for c in tables["program"]["cells"] if c["program"] == program["id"]), None)
    if cell is None:
        check(totals["spent"] == 0, f"{program['id']} spent {totals['spent']} and has no cell")
    elif not cell["suppressed"]:
        published += 1
        check(cell["paid_won"] == totals["spent"] and cell["refunded_won"] == totals["refunded"],
              f"{program['id']}: {cell} against the ledger's {totals}")
check(published >= 1 and spent > 0, f"no program's spending is published: {tables['program']}")
check(refunded == 1000, f"the ledger counts {refunded} won refunded")
months = tables["month"]["cells"]
check(all(not c["suppressed"] for c in months), f"a month is suppressed: {months}")
check(sum(c["paid_won"] for c in months) == spent and
      sum(c["refunded_won"] for c in months) == refunded, f"months {months}: spent {spent}")
for by in ["ministry", "category"]:
    shown = sum(c.get("paid_won", 0) for c in tables[by]["cells"])
    check(shown <= spent, f"{by}: {shown} shown of {spent} spent")

status, _, body = get("/v1/public/spending?by=merchant")
check(status == 400 and json.loads(body)["code"] == "MALFORMED", f"by=merchant: {status} {body}")
status, _, body = get("/v1/public/spending?by=month&format=xml")
check(status == 400, f"format=xml: {status} {body}")
print(f"{published} programs published, {spent} won spent, {len(months)} month(s)")

# The exports, taken with the CLI as a ministry's accounting system would.
def export(*options):
    result = subprocess.run([nuri, "export", "payments", "--network", directory, *options],
                            capture_output=True, text=True)
    check(result.returncode == 0, f"export {options}: {result.returncode} {result.stderr}")
    return result.stdout
import datetime
today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=9))).date()
days = ["--from", str(today - datetime.timedelta(days=1)), "--to", str(today)]
rows = list(csv.DictReader(io.StringIO(export(*days))))
lines = [json.loads(line) for line in export(*days, "--format", "jsonl").splitlines()]
check(len(rows) == len(lines) and [r["tx_id"] for r in rows] == [l["tx_id"] for l in lines],
      f"CSV and JSON Lines differ: {len(rows)} rows, {len(lines)} lines")
accepted = [r for r in rows if r["kind"] == "payment" and r["status"] == "ok"]
check(sum(int(r["amount_won"]) for r in accepted) == spent,
      f"exported payments add up to {sum(int(r['amount_won']) for r in accepted)}, not {spent}")
check(any(r["status"] == "rejected" and r["code"] for r in rows), "no rejected payment exported")
refunds = [r for r in rows if r["kind"] == "refund"]
check(len(refunds) == 1 and refunds[0]["refunded_payment"] == paid[0]["id"] and
      refunds[0]["amount_won"] == "1000" and refunds[0]["merchant"] == "daily-mart@merchants",
      f"refunds: {refunds}")
check(all(r["budget_code"] for r in accepted), "an accepted payment has no budget code")
moef = list(csv.DictReader(io.StringIO(export(*days, "--program", "bpe-moef"))))
check(moef and all(r["program"] == "bpe-moef" and r["budget_code"] == "203-01" for r in moef),
      f"bpe-moef's export: {moef[:3]}")
check(len(moef) == sum(1 for r in rows if r["program"] == "bpe-moef"), "bpe-moef's rows differ")
by_org = list(csv.DictReader(io.StringIO(export(*days, "--org", "me"))))
check(by_org and all(r["ministry"] == "me" for r in by_org), f"org me: {by_org[:3]}")
status, _, body = get("/v1/exports/payments?from=2026-01-01&to=2026-12-31", source="127.0.0.1")
check(status == 400, f"a year's export: {status} {body}")
status, _, body = get(f"/v1/exports/payments?from={today}&to={today}")
check(status == 401, f"an export without a session, not from the operator: {status} {body}")
print(f"{len(rows)} rows exported, {len(accepted)} accepted payments, {len(refunds)} refund")

# KB Kookmin's day: what it minted, and the tokens outstanding, against the token's own supply.
def reconcile(date):
    result = subprocess.run([nuri, "export", "reconciliation", "--network", directory,
                             "--bank", "kb", "--date", str(date)], capture_output=True, text=True)
    check(result.returncode == 0, f"reconciliation {date}: {result.stderr}")
    answer = json.loads(result.stdout)
    days = {t["token"]: t for t in answer["tokens"]}
    check(list(days) == ["KRW-KB"], f"kb issues {list(days)}")
    return days["KRW-KB"] | {"complete": answer["complete"]}
status, _, body = get("/v1/tokens/KRW-KB", source="127.0.0.1")
supply = json.loads(body)["supply"]
this_day, day_before = reconcile(today), reconcile(today - datetime.timedelta(days=1))
check(this_day["mints"] > 0 and this_day["outstanding_end_won"] == supply and
      this_day["outstanding_start_won"] + this_day["minted_won"] - this_day["burned_won"] == supply,
      f"today: {this_day}, supply {supply}")
check(not this_day["complete"] and day_before["complete"], f"{this_day} {day_before}")
check(day_before["mints"] == 0 and day_before["outstanding_end_won"] ==
      this_day["outstanding_start_won"], f"the day before: {day_before}, today: {this_day}")
status, _, body = get(f"/v1/exports/reconciliation?bank=kb&date={today}")
check(status == 401, f"a reconciliation without a session: {status} {body}")
print(f"KRW-KB: {this_day}")

# Daily Mart's statements in camt.053, read by a real XML parser: each token's balance walks from
# the opening to the closing by its entries and closes on the ledger's balance, and what the
# statements show paid in and refunded is what the payments export shows.
import xml.etree.ElementTree as ElementTree
ns = {"c": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"}
status, _, body = get("/v1/accounts/daily-mart@merchants", source="127.0.0.1")
balances = json.loads(body)["balances"]
paid_in = refunded_out = 0
for token, balance in balances.items():
    result = subprocess.run([nuri, "export", "statement", "--network", directory, "--account",
                             "daily-mart@merchants", "--token", token, *days],
                            capture_output=True, text=True)
    check(result.returncode == 0, f"statement {token}: {result.stderr}")
    statement = ElementTree.fromstring(result.stdout).find("c:BkToCstmrStmt/c:Stmt", ns)
    amounts = {b.findtext("c:Tp/c:CdOrPrtry/c:Cd", namespaces=ns): int(b.findtext("c:Amt", namespaces=ns))
               for b in statement.findall("c:Bal", ns)}
    # The chain began within the period, and merchants begin with no plain tokens.
    check(set(amounts) == {"OPBD", "ITBD"} and amounts["OPBD"] == 0, f"{token}: balances {amounts}")
    walked = amounts["OPBD"]
    for entry in statement.findall("c:Ntry", ns):
        won = int(entry.findtext("c:Amt", namespaces=ns))
        credit = entry.findtext("c:CdtDbtInd", namespaces=ns) == "CRDT"
        walked += won if credit else -won
        code = entry.findtext("c:BkTxCd/c:Prtry/c:Cd", namespaces=ns)
        paid_in += won if code == "PAY" and credit else 0
        refunded_out += won if code == "REFUND" and not credit else 0
    check(walked == amounts["ITBD"] == balance,
          f"{token}: {amounts} and its entries walk to {walked}; the ledger holds {balance}")
mart = [r for r in accepted if r["merchant"] == "daily-mart@merchants"]
check(paid_in == sum(int(r["amount_won"]) for r in mart) > 0 and refunded_out == 1000,
      f"statements: {paid_in} paid in, {refunded_out} refunded; export: {len(mart)} payments")
status, _, body = get(f"/v1/exports/statement?account=daily-mart@merchants&token=KRW-KB"
                      f"&from={today}&to={today}")
check(status == 401, f"a statement without a session: {status} {body}")
print(f"daily-mart@merchants: {paid_in} won paid in over {len(balances)} token(s)")
PY
echo "the public's numbers and the exports match the ledger; the public's show no one"
