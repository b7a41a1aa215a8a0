#!/bin/sh
# test_cli_silence.sh - `tocsin silence` and `tocsin alert` against a live
# daemon and against its state file (--db): add (with the count of alerts
# it would silence, the refusal of one that silences everything, --dry-run),
# query (-q, -o json, matchers, --expired), expire, import with some bad
# entries, history, bad matchers, unknown ids, times in the past, an
# unreachable daemon; a silence written with --db reaches the running
# daemon within a second.
set -u
. "$ROOT/tests/integration/lib/peers.sh"

fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

DB=$TMPDIR/state/tocsin.db
cat >"$TMPDIR/tocsin.yml" <<EOF
route: {receiver: none}
receivers: [{name: none}]
storage: {path: '$DB'}
EOF
PORT=$(free_port)
export TOCSIN_URL=http://127.0.0.1:$PORT
start_tocsin() {
	"$TOCSIN" run --config.file="$TMPDIR/tocsin.yml" \
		--web.listen-address="127.0.0.1:$PORT" >>"$TMPDIR/tocsin.log" 2>&1 &
	TPID=$!
	peers_track $TPID
	wait_http "$TOCSIN_URL/-/ready" 10 || { cat "$TMPDIR/tocsin.log"; fail "not ready"; }
}
t() { "$TOCSIN" "$@" 2>"$TMPDIR/err"; }
start_tocsin

t alert add alertname=ModelDrift model=fraud --annotation=summary="mean moved" ||
	fail "alert add: $(cat "$TMPDIR/err")"
t alert add alertname=ModelLatency model=fraud || fail "alert add 2"
t alert query | grep -q "ModelDrift.*mean moved" || fail "alert query: $(t alert query)"
[ "$(t alert query alertname=ModelLatency -o json | json_get - 'len(d)')" = 1 ] ||
	fail "alert query with a matcher"
ok "alert add and alert query"

id=$(t silence add alertname=ModelDrift model=fraud --duration=2h \
	--comment="retraining the fraud model" --author=ops) || fail "silence add: $(cat "$TMPDIR/err")"
grep -q "matches 1 of the 2 current alerts" "$TMPDIR/err" || fail "no affected count: $(cat "$TMPDIR/err")"
case $id in ????????-????-????-????-????????????) ;; *) fail "id '$id'" ;; esac
ok "silence add prints the id and how many alerts it silences"

t silence add 'model="fraud"' --comment=all
rc=$?
[ "$rc" -eq 65 ] || fail "a silence of every alert: exit $rc"
grep -q "would silence every alert" "$TMPDIR/err" || fail "message: $(cat "$TMPDIR/err")"
t silence add 'model="fraud"' --comment=all --dry-run || fail "dry run"
[ "$(t silence query -q | wc -l)" = 1 ] || fail "--dry-run created a silence"
all=$(t silence add 'model="fraud"' --comment=all --force) || fail "--force"
ok "a silence of every alert needs --force; --dry-run creates nothing"

t silence add 'model=~"fraud' --comment=x
[ $? -eq 64 ] || fail "bad matcher exit"
grep -q "bad matcher" "$TMPDIR/err" || fail "bad matcher message: $(cat "$TMPDIR/err")"
t silence add job=x --start=2019-01-01T00:00:00Z --end=2020-01-01T00:00:00Z --comment=old
[ $? -eq 65 ] || fail "a silence ending in the past: exit"
grep -q "end time can't be in the past" "$TMPDIR/err" || fail "past message: $(cat "$TMPDIR/err")"
t silence add 'job=~".*"' --comment=x
[ $? -eq 65 ] || fail "a silence matching the empty string"
ok "bad matchers and times in the past refused with clear errors"

t silence query | grep -q "retraining the fraud model" || fail "silence query"
t silence query alertname=ModelDrift -q | grep -qx "$id" || fail "query by matcher"
[ "$(t silence query -o json | json_get - 'len(d)')" = 2 ] || fail "query -o json"
t silence expire "$all" || fail "expire"
t silence query --expired -q | grep -qx "$all" || fail "--expired"
t silence expire 00000000-0000-4000-8000-000000000000
[ $? -eq 66 ] || fail "unknown id exit"
ok "query (simple, matcher, -q, -o json, --expired) and expire"

# Update: a new comment keeps the id (updated in place); ending it
# earlier too.
same=$(t silence update "$id" --comment="retraining, take two") || fail "update: $(cat "$TMPDIR/err")"
[ "$same" = "$id" ] || fail "update made a new id $same"
t silence query -q alertname=ModelDrift | grep -qx "$id" || fail "updated silence missing"
t silence query | grep -q "retraining, take two" || fail "comment not updated"
t silence update 00000000-0000-4000-8000-000000000000 --comment=x
[ $? -eq 66 ] || fail "update of an unknown id"
ok "silence update in place; unknown ids refused"

# Import: two good, one bad (ends in the past).
cat >"$TMPDIR/import.json" <<'EOF'
[{"id":"x","matchers":[{"name":"job","value":"a","isRegex":false,"isEqual":true}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"imp","comment":"one"},
 {"matchers":[{"name":"job","value":"b","isRegex":false}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2021-01-01T00:00:00Z","createdBy":"imp","comment":"bad"},
 {"matchers":[{"name":"job","value":"c","isRegex":true}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"imp","comment":"two"}]
EOF
t silence import "$TMPDIR/import.json"
[ $? -eq 65 ] || fail "import with a bad entry must fail"
grep -q "Imported 2 of 3 silences" "$TMPDIR/err" || fail "import summary: $(cat "$TMPDIR/err")"
t silence query | grep -q "one" && t silence query | grep -q "two" || fail "imported silences"
ok "import: good entries created, the bad one reported, non-zero exit"

# --db while the daemon runs: the daemon sees it within a second.
dbid=$("$TOCSIN" silence add --db="$DB" alertname=ModelLatency --comment="from the file" -d 1h 2>/dev/null) ||
	fail "silence add --db"
sleep 1
curl -sS "$TOCSIN_URL/api/v2/silence/$dbid" | grep -q "from the file" || fail "the daemon did not see the --db silence"
[ "$(curl -sS "$TOCSIN_URL/api/v2/alerts?silenced=false" | json_get - 'len(d)')" = 0 ] ||
	fail "the --db silence does not silence"
ok "a silence written with --db is seen by the running daemon"

"$TOCSIN" silence history --db="$DB" "$all" >"$TMPDIR/hist" || fail "history"
grep -q "create" "$TMPDIR/hist" && grep -q "expire" "$TMPDIR/hist" || fail "history: $(cat "$TMPDIR/hist")"
ok "silence history shows who created and expired"

# The daemon down: the file still works; the API says where to go.
kill -TERM "$TPID"
wait "$TPID"
"$TOCSIN" silence query --db="$DB" -q | grep -qx "$id" || fail "query --db with the daemon down"
t silence query
[ $? -eq 69 ] || fail "unreachable daemon exit"
grep -q -- "--db FILE" "$TMPDIR/err" || fail "no hint about --db: $(cat "$TMPDIR/err")"
ok "daemon down: --db works, and the API error points to it"
