#!/usr/bin/env bash
# `nuri indexer` (docs/audit-sql.md) into a real PostgreSQL server that this test starts (Debian's
# postgresql, in a temporary data directory, on a Unix socket) and into SQLite, following the
# audit board's observer under `nuri load`. Each indexer is killed with SIGKILL mid-load and
# started again; afterwards both databases hold every block once, from 0 to the head, with the
# node's hashes, every payment as the node's own export has it, every alert the monitor raised,
# and an account frozen under load as frozen; PostgreSQL and SQLite hold the same rows. An index
# of one chain refuses another chain's genesis.
set -u
nuri=$1
source "$(dirname "$0")/localnet_lib.sh"
localnet_test_setup indexer
# The server's own directory, which its user must reach (the test's is private to root).
pg=$(mktemp -d /tmp/nuri-pg-XXXXXX)
pg_port=$((port + 300))
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$pg_bin/initdb" ] || fail "PostgreSQL's server is not installed (make setup installs it)"
# PostgreSQL refuses to run as root: as root, its server runs as Debian's postgres user.
as_pg=()
[ "$(id -u)" -eq 0 ] && as_pg=(runuser -u postgres --)
indexer_pids=()
stop_all() {
  for pid in "${indexer_pids[@]}"; do kill -9 "$pid" 2>/dev/null; done
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg/data" -m immediate stop > /dev/null 2>&1
  "$nuri" localnet down --dir "$dir" > /dev/null 2>&1
  rm -rf "$dir" "$pg"
}
trap stop_all EXIT

[ "$(id -u)" -eq 0 ] && chown postgres "$pg"
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg/data" -U nuri -A trust > "$dir/initdb.log" 2>&1 ||
  fail "initdb: $(tail -n 5 "$dir/initdb.log")"
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg/data" -l "$pg/server.log" -w \
  -o "-k $pg -p $pg_port -c listen_addresses=''" start > /dev/null || fail "PostgreSQL does not start"
"${as_pg[@]}" "$pg_bin/createdb" -h "$pg" -p "$pg_port" -U nuri audit || fail "createdb"
postgres_url="postgresql:///audit?host=$pg&port=$pg_port&user=nuri"
sqlite_url="sqlite:$dir/audit.sqlite"

"$nuri" localnet up --dir "$dir" --validators 1 --observers 1 --accounts 30 --base-port "$port" \
  > /dev/null || fail "localnet up"

start_indexer() {  # name, database url
  "$nuri" indexer --network "$dir" --node o1 --db "$2" > "$dir/indexer-$1.out" \
    2>> "$dir/indexer-$1.log" &
  indexer_pids+=($!)
  eval "${1}_pid=$!"
}
start_indexer postgres "$postgres_url"
start_indexer sqlite "$sqlite_url"

"$nuri" load --network "$dir" --seconds 12 --rate 200 --json > "$dir/load.json" \
  2> "$dir/load.err" &
load_pid=$!
sleep 4
kill -9 "$postgres_pid"
start_indexer postgres "$postgres_url"
tx auditor@bai '{"type":"freeze","account":"kim-0001@moef"}'
sleep 3
kill -9 "$sqlite_pid"
start_indexer sqlite "$sqlite_url"
finish_load

# Both indexers catch up with the head, then stop on SIGTERM with their summary.
python3 - "$(api 2)" "$postgres_url" "$dir/audit.sqlite" <<'PY' || fail "the indexers do not catch up"
import json, sqlite3, subprocess, sys, time, urllib.request
node, postgres_url, sqlite_path = sys.argv[1:]
def indexed():
    pg = subprocess.run(["psql", "-At", postgres_url, "-c", "SELECT height FROM nuri_index"],
                        capture_output=True, text=True).stdout.strip()
    lite = sqlite3.connect(sqlite_path).execute("SELECT height FROM nuri_index").fetchone()
    return int(pg or -1), lite[0] if lite else -1
for _ in range(300):
    with urllib.request.urlopen(node + "/v1/status", timeout=5) as r:
        head = json.load(r)["height"]
    if indexed() == (head, head):
        break
    time.sleep(0.1)
else:
    sys.exit(f"indexed {indexed()}, head {head}")
print(f"both indexes at the head, block {head}")
PY
kill -TERM "$postgres_pid" "$sqlite_pid"
wait "$postgres_pid" || fail "the PostgreSQL indexer did not stop cleanly: $(cat "$dir/indexer-postgres.log")"
wait "$sqlite_pid" || fail "the SQLite indexer did not stop cleanly: $(cat "$dir/indexer-sqlite.log")"
grep -q '"monitor":true' "$dir/indexer-postgres.out" || fail "no alerts followed: $(cat "$dir/indexer-postgres.out")"
grep -q "info indexer: indexing nuri-localnet" "$dir/indexer-postgres.log" ||
  fail "log: $(cat "$dir/indexer-postgres.log")"
! grep -q "Z error " "$dir/indexer-postgres.log" "$dir/indexer-sqlite.log" ||
  fail "errors: $(cat "$dir"/indexer-*.log)"

first_day=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT min(local_date) FROM blocks WHERE height > 0').fetchone()[0])" "$dir/audit.sqlite")
last_day=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT max(local_date) FROM blocks').fetchone()[0])" "$dir/audit.sqlite")
"$nuri" export payments --network "$dir" --node o1 --from "$first_day" --to "$last_day" \
  --format jsonl > "$dir/payments.jsonl" || fail "export payments"

python3 - "$(api 2)" "$postgres_url" "$dir/audit.sqlite" "$dir/payments.jsonl" <<'PY' || fail "the indexes differ from the chain"
import csv, io, json, sqlite3, subprocess, sys, urllib.request
node, postgres_url, sqlite_path, export_path = sys.argv[1:]
def get(path):
    with urllib.request.urlopen(node + path, timeout=30) as r:
        return json.load(r)
lite = sqlite3.connect(sqlite_path)
def from_sqlite(sql):
    return [tuple("" if v is None else str(v) for v in row) for row in lite.execute(sql)]
def from_postgres(sql):
    out = subprocess.run(["psql", "-AtX", "--csv", postgres_url, "-c", sql],
                         capture_output=True, text=True, check=True).stdout
    return [tuple(row) for row in csv.reader(io.StringIO(out))]
def both(sql):
    pg, sl = from_postgres(sql), from_sqlite(sql)
    if pg != sl:
        diff = [(a, b) for a, b in zip(pg, sl) if a != b][:3]
        sys.exit(f"PostgreSQL and SQLite differ on {sql}: {len(pg)} vs {len(sl)} rows, {diff}")
    return pg

head = get("/v1/status")["height"]
blocks = both("SELECT height, hash, transaction_count FROM blocks ORDER BY height")
if [int(b[0]) for b in blocks] != list(range(0, head + 1)):
    sys.exit(f"blocks are not 0..{head} each once: {len(blocks)} rows")
for height, block_hash, count in blocks[1:]:
    block = get(f"/v1/blocks/{height}")
    if block["hash"] != block_hash or len(block["transactions"]) != int(count):
        sys.exit(f"block {height}: {block_hash} with {count} transactions, the node has "
                 f"{block['hash']} with {len(block['transactions'])}")
total = sum(int(b[2]) for b in blocks)
for table in ("transactions", "receipts"):
    if int(both(f"SELECT count(*) FROM {table}")[0][0]) != total:
        sys.exit(f"{table}: not one row per transaction of the blocks ({total})")
both("SELECT id, height, position, type, signer FROM transactions ORDER BY height, position")
both("SELECT transaction_id, status, code, rule, program, program_version FROM receipts "
     "ORDER BY height, position")

# Every payment and refund, as the node's export has it.
exported = {}
for line in open(export_path):
    row = json.loads(line)
    exported[row["tx_id"]] = tuple(str(row.get(k, "")) for k in (
        "kind", "status", "code", "rule", "program", "budget_code", "ministry", "payer",
        "merchant", "category", "amount_won"))
indexed = {r[0]: r[1:] for r in both(
    "SELECT transaction_id, kind, status, code, rule, program, budget_code, ministry, payer, "
    "merchant, category, amount_won FROM payments ORDER BY height, position")}
if indexed != exported:
    missing = set(exported) - set(indexed)
    extra = set(indexed) - set(exported)
    differ = [(k, indexed[k], exported[k]) for k in set(indexed) & set(exported)
              if indexed[k] != exported[k]][:3]
    sys.exit(f"payments: {len(missing)} missing, {len(extra)} extra, differing {differ}")
# The ledger's own totals of each program: spent and refunded, as the index sums them.
for program, kind, won in both(
        "SELECT program, kind, sum(amount_won) FROM payments WHERE status = 'ok' "
        "GROUP BY program, kind ORDER BY program, kind"):
    totals = get(f"/v1/programs/{program}")["totals"]
    ledger_won = totals["spent" if kind == "payment" else "refunded"]
    if int(won) != ledger_won:
        sys.exit(f"{program}: the index sums {won} won of {kind}s, the ledger {ledger_won}")
refused = sum(1 for v in indexed.values() if v[1] == "rejected")
if len(indexed) < 500 or refused == 0:
    sys.exit(f"too few payments to judge: {len(indexed)}, {refused} refused")

# Every alert the monitor raised, each with its transactions.
alerts, before = {}, ""
while True:
    page = get("/v1/alerts?limit=500" + before)
    for alert in page["alerts"]:
        alerts[alert["id"]] = (str(alert["height"]), alert["check"], alert["account"],
                               ",".join(alert["transactions"]))
    if page["next_before"] is None:
        break
    before = f"&before={page['next_before']}"
# string_agg is PostgreSQL's, group_concat SQLite's: each database is asked in its own words.
pg_alerts = {r[0]: r[1:] for r in from_postgres(
    "SELECT a.id, a.height, a.check_name, a.account, (SELECT string_agg(t.transaction_id, ',' "
    "ORDER BY t.position) FROM alert_transactions t WHERE t.alert_id = a.id) FROM alerts a")}
sl_alerts = {r[0]: r[1:] for r in from_sqlite(
    "SELECT a.id, a.height, a.check_name, a.account, (SELECT group_concat(transaction_id, ',') "
    "FROM (SELECT transaction_id FROM alert_transactions t WHERE t.alert_id = a.id "
    "ORDER BY t.position)) FROM alerts a")}
if not alerts or pg_alerts != alerts or sl_alerts != alerts:
    sys.exit(f"alerts: the node has {len(alerts)}, PostgreSQL {len(pg_alerts)}, "
             f"SQLite {len(sl_alerts)}")

# PostgreSQL's booleans print as t and f, SQLite keeps 1 and 0.
frozen_sql = "SELECT id FROM accounts WHERE frozen ORDER BY id"
if from_postgres(frozen_sql) != [("kim-0001@moef",)] or from_sqlite(frozen_sql) != [("kim-0001@moef",)]:
    sys.exit(f"frozen: {from_postgres(frozen_sql)} and {from_sqlite(frozen_sql)}")
print(f"{head} blocks, {total} transactions, {len(indexed)} payments ({refused} refused) and "
      f"{len(alerts)} alerts, in PostgreSQL and SQLite alike")
PY

# An index of this chain refuses another chain's genesis, and says which it holds.
sed 's/"chain_id": *"[^"]*"/"chain_id": "nuri-elsewhere"/' "$dir/genesis.json" > "$dir/other-genesis.json"
"$nuri" indexer --url "$(api 2)" --genesis "$dir/other-genesis.json" --db "$sqlite_url" --once \
  > /dev/null 2> "$dir/other.err" && fail "an index of another chain was written on"
grep -q "indexes chain 'nuri-localnet'" "$dir/other.err" || fail "refusal: $(cat "$dir/other.err")"
echo "the indexers followed the chain through SIGKILL into PostgreSQL and SQLite, block for block"
