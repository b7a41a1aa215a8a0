#!/bin/sh
# test_router_crash.sh - kill -9 the router under load.  After a restart
# every silence that was acknowledged with 200 is still there, and no
# group that was notified within its repeat_interval is notified again
# when Prometheus re-sends its alerts (Alertmanager keeps both only in
# snapshots written every 15 minutes).
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
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs: [{url: '$SINK_URL/hook'}]
storage: {path: '$TMPDIR/state/tocsin.db'}
EOF
PORT=$(free_port)
TURL=http://127.0.0.1:$PORT
start_tocsin() {
	"$TOCSIN" run --config.file="$TMPDIR/tocsin.yml" \
		--web.listen-address="127.0.0.1:$PORT" >>"$TMPDIR/tocsin.log" 2>&1 &
	TPID=$!
	peers_track $TPID
	wait_http "$TURL/-/ready" 10 || { cat "$TMPDIR/tocsin.log"; fail "not ready"; }
}

# 20 groups of 25 alerts, as Prometheus would send them (explicit endsAt).
/usr/bin/python3 - "$TMPDIR/alerts.json" <<'EOF'
import datetime, json, sys
now = datetime.datetime.now(datetime.timezone.utc)
ends = (now + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
starts = now.strftime("%Y-%m-%dT%H:%M:%S.000Z")
alerts = [{"labels": {"alertname": "Group%d" % g, "instance": "host-%d" % i},
           "startsAt": starts, "endsAt": ends} for g in range(20) for i in range(25)]
json.dump(alerts, open(sys.argv[1], "w"))
EOF
post() {
	curl -sS -f -o /dev/null -X POST -H 'Content-Type: application/json' \
		--data-binary @"$TMPDIR/alerts.json" "$TURL/api/v2/alerts"
}

start_tocsin
post || fail "post"
wait_until 15 sh -c "[ \$(wc -l <'$SINK_LOG') -ge 20 ]" || fail "not all 20 groups notified: $(wc -l <"$SINK_LOG")"
sleep 3 # a group_interval passes: nothing new to say
N1=$(wc -l <"$SINK_LOG")
ok "20 groups notified once ($N1 notifications)"

# Silences acknowledged while alerts keep coming, then kill -9.
( while :; do post 2>/dev/null; done ) &
LOADER=$!
peers_track $LOADER
ids=""
for i in $(seq 1 40); do
	id=$(curl -sS -f -X POST -H 'Content-Type: application/json' \
		--data "{\"matchers\":[{\"name\":\"instance\",\"value\":\"host-$i\",\"isRegex\":false}],\"startsAt\":\"2020-01-01T00:00:00Z\",\"endsAt\":\"2099-01-01T00:00:00Z\",\"createdBy\":\"test\",\"comment\":\"crash $i\"}" \
		"$TURL/api/v2/silences" | json_get - 'd["silenceID"]') || fail "silence $i"
	ids="$ids $id"
done
kill -9 "$TPID"
wait "$TPID" 2>/dev/null
kill "$LOADER"
wait "$LOADER" 2>/dev/null
ok "killed with -9 while posting, after 40 acknowledged silences"

start_tocsin
for id in $ids; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$TURL/api/v2/silence/$id")
	[ "$code" = 200 ] || fail "silence $id lost after the crash ($code)"
done
ok "every acknowledged silence survived"

# Prometheus re-sends; the groups flush at once (old alerts) and the
# notification log says they were notified: nothing is sent again.
N2=$(wc -l <"$SINK_LOG")
post || fail "post after restart"
sleep 5
N3=$(wc -l <"$SINK_LOG")
[ "$N3" = "$N2" ] || fail "$((N3 - N2)) notifications sent again after the restart"
ok "no group re-notified within repeat_interval after the restart"

# The database is sound.
/usr/bin/python3 - "$TMPDIR/state/tocsin.db" <<'EOF' || fail "integrity check"
import sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
r = db.execute("PRAGMA integrity_check").fetchone()[0]
sys.exit(0 if r == "ok" else "integrity_check: " + r)
EOF
ok "the state file passes integrity_check"
