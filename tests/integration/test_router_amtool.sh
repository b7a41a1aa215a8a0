#!/bin/sh
# test_router_amtool.sh - the real amtool 0.25 against Tocsin's API v2:
# alert add and query, silence add (equal, regex, negative matchers),
# query (simple, -q, -o json), expire, import; silences exported by the
# real Alertmanager import into Tocsin and Tocsin's into Alertmanager.
set -u
. "$ROOT/tests/integration/lib/peers.sh"

fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

start_sink --name hook || fail sink
cat >"$TMPDIR/tocsin.yml" <<EOF
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
receivers:
  - name: hook
    webhook_configs: [{url: '$SINK_URL/hook'}]
storage: {path: '$TMPDIR/state/tocsin.db'}
EOF
PORT=$(free_port)
TURL=http://127.0.0.1:$PORT
"$TOCSIN" run --config.file="$TMPDIR/tocsin.yml" \
	--web.listen-address="127.0.0.1:$PORT" >"$TMPDIR/tocsin.log" 2>&1 &
peers_track $!
wait_http "$TURL/-/ready" 10 || { cat "$TMPDIR/tocsin.log"; fail "not ready"; }

at() { amtool --alertmanager.url="$TURL" "$@" 2>"$TMPDIR/amtool.err"; }

at alert add alertname=ModelDrift model=fraud severity=warning \
	--annotation=summary="feature mean moved" || { cat "$TMPDIR/amtool.err"; fail "alert add"; }
at alert add alertname=ModelDrift model=churn severity=critical || fail "alert add 2"
at alert query | grep -q "ModelDrift.*feature mean moved" || fail "alert query: $(at alert query)"
[ "$(at alert query -o json | json_get - 'len(d)')" = 2 ] || fail "alert query -o json"
ok "amtool alert add and alert query"
wait_until 10 sh -c "[ \$(wc -l <'$SINK_LOG') -ge 1 ]" || fail "no notification"
ok "the added alerts were notified"

S1=$(at silence add alertname=ModelDrift model=fraud -c "retraining fraud" -a ops -d 2h) ||
	{ cat "$TMPDIR/amtool.err"; fail "silence add (equal)"; }
S2=$(at silence add 'model=~"ch.*"' -c "regex" -d 1h) || fail "silence add (regex)"
S3=$(at silence add alertname=ModelDrift 'severity!="critical"' -c "negative" -d 1h) ||
	fail "silence add (negative)"
for s in "$S1" "$S2" "$S3"; do
	case $s in ????????-????-????-????-????????????) ;; *) fail "silence id '$s'" ;; esac
done
ok "amtool silence add with equal, regex and negative matchers"

[ "$(at silence query -q | sort | tr '\n' ' ')" = "$(printf '%s\n' "$S1" "$S2" "$S3" | sort | tr '\n' ' ')" ] ||
	fail "silence query -q: $(at silence query -q)"
at silence query | grep -q "retraining fraud" || fail "silence query"
at silence query model=fraud -q | grep -qx "$S1" || fail "silence query with a matcher"
[ "$(at alert query -s -o json | json_get - 'len([a for a in d if a["status"]["state"] == "suppressed"])')" = 2 ] ||
	fail "both alerts should be silenced: $(at alert query -s -o json)"
ok "amtool silence query (simple, -q, matcher) and silenced alerts"

# tocsin's own silence and alert queries print what amtool prints, byte
# for byte, for the same daemon and the same arguments.
at alert add alertname=ModelLatency model=fraud severity=warning \
	--generator-url=http://prom/graph || fail "alert add 3"
for q in "silence query" "silence query -o extended" "silence query -q" \
	"silence query model=fraud" "alert query" "alert query -s" "alert query -i" \
	"alert query -a -s -i" "alert query -a -s -o extended" "alert query -s model=churn" \
	"alert query -s -r hook" "alert query -s -r nope"; do
	# shellcheck disable=SC2086
	at $q >"$TMPDIR/q.amtool" || fail "amtool $q"
	# shellcheck disable=SC2086
	"$TOCSIN" $q --url="$TURL" >"$TMPDIR/q.tocsin" || fail "tocsin $q"
	cmp -s "$TMPDIR/q.amtool" "$TMPDIR/q.tocsin" ||
		{ diff "$TMPDIR/q.amtool" "$TMPDIR/q.tocsin"; fail "tocsin $q differs from amtool"; }
done
ok "tocsin silence query and alert query print what amtool prints"

# amtool reads the routing tree from /api/v2/status: it must parse (a
# webhook url is plain in Alertmanager 0.25, and Tocsin's own sections are
# left out) and draw what tocsin routes show draws from the file.
at config routes >"$TMPDIR/routes.amtool" || { cat "$TMPDIR/amtool.err"; fail "amtool config routes"; }
"$TOCSIN" routes show --config.file="$TMPDIR/tocsin.yml" >"$TMPDIR/routes.tocsin" || fail "tocsin routes show"
cmp -s "$TMPDIR/routes.amtool" "$TMPDIR/routes.tocsin" ||
	{ diff "$TMPDIR/routes.amtool" "$TMPDIR/routes.tocsin"; fail "amtool config routes differs"; }
[ "$(at config routes test alertname=X)" = hook ] || fail "amtool config routes test against tocsin"
ok "amtool config routes (show, test) against tocsin's status"

at silence expire "$S2" || fail "silence expire"
at silence query -q | grep -q "$S2" && fail "expired silence still listed"
at silence query --expired -q | grep -qx "$S2" || fail "silence query --expired"
ok "amtool silence expire"

at silence query -o json >"$TMPDIR/ours.json" || fail "silence query -o json"
# Into the real Alertmanager.
start_alertmanager || fail alertmanager
amtool --alertmanager.url="$AM_URL" silence import "$TMPDIR/ours.json" 2>"$TMPDIR/imp.err" ||
	{ cat "$TMPDIR/imp.err"; fail "alertmanager imports tocsin's silences"; }
[ "$(amtool --alertmanager.url="$AM_URL" silence query -q | wc -l)" = 2 ] ||
	fail "alertmanager has $(amtool --alertmanager.url="$AM_URL" silence query -q | wc -l) silences"
ok "tocsin's silence query -o json imports into alertmanager"
# And back: Alertmanager's export into Tocsin (new ids are made).
amtool --alertmanager.url="$AM_URL" silence add job=trainer -c "from am" -d 1h >/dev/null ||
	fail "silence add on alertmanager"
amtool --alertmanager.url="$AM_URL" silence query -o json >"$TMPDIR/theirs.json"
at silence import "$TMPDIR/theirs.json" || { cat "$TMPDIR/amtool.err"; fail "tocsin imports alertmanager's silences"; }
at silence query | grep -q "from am" || fail "imported silence missing"
"$TOCSIN" silence import --url="$TURL" "$TMPDIR/theirs.json" 2>"$TMPDIR/timp.err" ||
	{ cat "$TMPDIR/timp.err"; fail "tocsin silence import of alertmanager's json"; }
grep -q "Imported 3 of 3 silences" "$TMPDIR/timp.err" || fail "$(cat "$TMPDIR/timp.err")"
ok "alertmanager's silence query -o json imports into tocsin (amtool and tocsin silence import)"

# Errors as Alertmanager gives them.
code=$(curl -s -o "$TMPDIR/b" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data '{"matchers":[{"name":"job","value":".*","isRegex":true}],"startsAt":"2030-01-01T00:00:00Z","endsAt":"2030-01-02T00:00:00Z","createdBy":"x","comment":"x"}' \
	"$TURL/api/v2/silences")
[ "$code" = 400 ] || fail "a silence matching everything: $code"
grep -q "at least one matcher must not match the empty string" "$TMPDIR/b" || fail "message: $(cat "$TMPDIR/b")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$TURL/api/v2/silence/00000000-0000-4000-8000-000000000000")
[ "$code" = 404 ] || fail "unknown silence id: $code"
ok "bad silences refused with alertmanager's status and message"

# The history Alertmanager does not keep: who did what, from where.
n=$(/usr/bin/python3 - "$TMPDIR/state/tocsin.db" "$S2" <<'EOF'
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
rows = db.execute("SELECT count(*) FROM silence_history WHERE id = ?", (sys.argv[2],)).fetchone()
print(rows[0])
EOF
)
[ "${n:-0}" -ge 2 ] || fail "history of $S2 has $n rows, want create + expire"
ok "silence history kept in the state file"
