#!/bin/sh
# test_run_restart.sh - kill -9 `tocsin run` while alerts are firing, pending
# and kept firing, start it again: firing alerts come back firing with the
# same activeAt (and the same startsAt in the real Alertmanager, so nobody
# is paged twice), a pending alert's `for` clock does not count the
# downtime (Prometheus' arithmetic), and keep_firing_for goes on where it
# stopped (Prometheus forgets it: its issue #13957).
set -u
. "$ROOT/tests/integration/lib/peers.sh"

fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

cat >"$TMPDIR/rules.yml" <<'EOF'
groups:
  - name: restart
    interval: 1s
    rules:
      - alert: Firing
        expr: demo_value{kind="fire"} > 0
        for: 2s
      - alert: Pending
        expr: demo_value{kind="slow"} > 0
        for: 1h
      - alert: Kept
        expr: demo_value{kind="kept"} > 0
        keep_firing_for: 1h
EOF

start_exporter || fail exporter
exporter_set 'demo_value{kind="fire"} 1
demo_value{kind="slow"} 1
demo_value{kind="kept"} 1' || fail exporter_set
start_alertmanager || fail alertmanager
start_prometheus "$EXPORTER_ADDR" || fail prometheus

PORT=$(free_port)
TURL=http://127.0.0.1:$PORT
cat >"$TMPDIR/tocsin.yml" <<EOF
datasource: {url: '$PROM_URL'}
rule_files: ['$TMPDIR/rules.yml']
evaluation: {interval: 1s, resend_delay: 1s}
alerting:
  alertmanagers: [{url: '$AM_URL'}]
storage: {path: '$TMPDIR/state/tocsin.db'}
route: {receiver: none}
receivers: [{name: none}]
EOF
start_tocsin() {
	"$TOCSIN" run --config.file="$TMPDIR/tocsin.yml" \
		--web.listen-address="127.0.0.1:$PORT" >>"$TMPDIR/tocsin.log" 2>&1 &
	TPID=$!
	peers_track "$TPID"
	wait_http "$TURL/-/ready" 10 || { cat "$TMPDIR/tocsin.log"; fail "not ready"; }
}

# alert NAME FIELD: the field of the alert named NAME in /api/v1/alerts.
alert() {
	curl -sS --max-time 5 "$TURL/api/v1/alerts" | json_get - \
		"[a.get('$2', '') for a in d['data']['alerts'] if a['labels']['alertname'] == '$1'][0]" 2>/dev/null
}
_is() { [ "$(alert "$1" "$2")" = "$3" ]; }
am_starts() {
	am_alerts "filter=alertname%3D\"$1\"" | json_get - 'd[0]["startsAt"]' 2>/dev/null
}
_am_has() { [ -n "$(am_starts "$1")" ]; }

start_tocsin
wait_until 15 _is Firing state firing || fail "Firing never fired"
wait_until 5 _is Pending state pending || fail "Pending not pending"
wait_until 5 _is Kept state firing || fail "Kept never fired"
# Kept's condition goes away: it stays firing, keepFiringSince is set.
exporter_set 'demo_value{kind="fire"} 1
demo_value{kind="slow"} 1' || fail exporter_set
wait_until 10 sh -c "curl -sS '$TURL/api/v1/alerts' | grep -q keepFiringSince" ||
	fail "Kept has no keepFiringSince"
wait_until 10 _am_has Firing || fail "alertmanager never got Firing"
FIRING_AT=$(alert Firing activeAt)
PENDING_AT=$(alert Pending activeAt)
KEPT_SINCE=$(alert Kept keepFiringSince)
AM_STARTS=$(am_starts Firing)
ok "firing, pending and kept-firing alerts before the crash"

sleep 1 # at least one evaluation saved the state above
kill -9 "$TPID"
wait "$TPID" 2>/dev/null
T_KILL=$(date +%s)
sleep 4
start_tocsin
T_BACK=$(date +%s)
ok "restarted after kill -9 ($((T_BACK - T_KILL))s down)"

# Before the first evaluation, and after it: firing, same activeAt.
[ "$(alert Firing state)" = firing ] || fail "Firing is $(alert Firing state) after restart"
[ "$(alert Firing activeAt)" = "$FIRING_AT" ] ||
	fail "Firing activeAt $(alert Firing activeAt), was $FIRING_AT"
sleep 2
[ "$(alert Firing state)" = firing ] || fail "Firing went pending again"
ok "firing alert came back firing with its activeAt"

# Kept: still firing with the same keepFiringSince (condition still gone).
[ "$(alert Kept state)" = firing ] || fail "Kept is $(alert Kept state)"
[ "$(alert Kept keepFiringSince)" = "$KEPT_SINCE" ] ||
	fail "keepFiringSince $(alert Kept keepFiringSince), was $KEPT_SINCE"
ok "keep_firing_for progress survived"

# Pending: its activeAt moved forward by about the downtime.
python3 - "$PENDING_AT" "$(alert Pending activeAt)" "$((T_BACK - T_KILL))" <<'EOF' || fail "Pending activeAt"
import sys, datetime
def t(s):
    s = s.rstrip("Z")
    if "." in s:
        a, b = s.split(".")
        s = a + "." + (b + "000000")[:6]
    else:
        s += ".000000"
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%f").timestamp()
before, after, down = t(sys.argv[1]), t(sys.argv[2]), int(sys.argv[3])
shift = after - before
# saved up to ~2s before the kill; restored within the second of T_BACK
if not (down - 1 <= shift <= down + 4):
    sys.exit("pending activeAt shifted by %.1fs, downtime %ds" % (shift, down))
EOF
[ "$(alert Pending state)" = pending ] || fail "Pending is $(alert Pending state)"
ok "pending alert's for clock skips the downtime"

# Alertmanager sees the same alert, not a new one.
sleep 2
[ "$(am_starts Firing)" = "$AM_STARTS" ] ||
	fail "alertmanager startsAt $(am_starts Firing), was $AM_STARTS"
ok "alertmanager keeps the same startsAt across the restart"

# A second daemon on the same state file is refused.
"$TOCSIN" run --config.file="$TMPDIR/tocsin.yml" \
	--web.listen-address=127.0.0.1:0 >"$TMPDIR/second.log" 2>&1
rc=$?
[ "$rc" -eq 73 ] || { cat "$TMPDIR/second.log"; fail "second daemon exit $rc, want 73"; }
ok "a second daemon on the same state file is refused"
kill -TERM "$TPID"
wait "$TPID" || fail "exit status after SIGTERM"
ok "graceful stop"
