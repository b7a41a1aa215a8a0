#!/bin/sh
# test_router_reload.sh - SIGHUP keeps the aggregation groups of routes
# that did not change, with their timers: nothing is re-sent, and a new
# alert in a kept group goes out on the group's own group_interval grid
# (Alertmanager rebuilds every group on reload and flushes them at once).
# A broken configuration is refused and the running one stays.
set -u
. "$ROOT/tests/integration/lib/peers.sh"

fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

start_sink --name hook || fail sink
config() { # EXTRA_ROUTE
	cat <<EOF
route:
  receiver: hook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 4s
  repeat_interval: 1h
  routes:
    - matchers: ['team="$1"']
      receiver: hook
receivers:
  - name: hook
    webhook_configs: [{url: '$SINK_URL/hook'}]
storage: {path: '$TMPDIR/state/tocsin.db'}
EOF
}
config db >"$TMPDIR/tocsin.yml"
PORT=$(free_port)
TURL=http://127.0.0.1:$PORT
"$TOCSIN" run --config.file="$TMPDIR/tocsin.yml" \
	--web.listen-address="127.0.0.1:$PORT" >"$TMPDIR/tocsin.log" 2>&1 &
TPID=$!
peers_track $TPID
wait_http "$TURL/-/ready" 10 || { cat "$TMPDIR/tocsin.log"; fail "not ready"; }

post() { # INSTANCE
	curl -sS -f -o /dev/null -X POST -H 'Content-Type: application/json' \
		--data "[{\"labels\":{\"alertname\":\"Drift\",\"instance\":\"$1\"}}]" \
		"$TURL/api/v2/alerts" || fail "post"
}
sent_times() {
	json_lines_get "$SINK_LOG" 'str(d["time"])'
}
post a
wait_until 5 sh -c "[ \$(wc -l <'$SINK_LOG') -ge 1 ]" || fail "first notification"
T1=$(sent_times | head -1)
ok "first notification"

# Reload with another, unrelated route changed: the root route's group
# stays.  Nothing is sent again.
config ml >"$TMPDIR/tocsin.yml"
kill -HUP "$TPID"
sleep 1
grep -q 'msg="Completed loading of configuration file"' "$TMPDIR/tocsin.log" || fail "reload not done"
sleep 2
[ "$(wc -l <"$SINK_LOG")" = 1 ] || fail "re-sent after the reload"
ok "a reload re-sends nothing"

# A new alert in the kept group: sent on the group's grid (T1 + k*4s),
# not at once as a rebuilt group would.
post b
wait_until 10 sh -c "[ \$(wc -l <'$SINK_LOG') -ge 2 ]" || fail "second notification"
T2=$(sent_times | sed -n 2p)
/usr/bin/python3 - "$T1" "$T2" <<'EOF' || fail "not on the group's grid"
import sys
t1, t2 = float(sys.argv[1]), float(sys.argv[2])
k = round((t2 - t1) / 4.0)
if k < 1 or abs((t2 - t1) - 4.0 * k) > 0.6:
    sys.exit("second notification %.2fs after the first: not a multiple of 4s" % (t2 - t1))
EOF
ok "the kept group kept its timer"

# A broken configuration: refused, the old one stays, metrics say so.
echo "route: [" >"$TMPDIR/tocsin.yml"
code=$(curl -s -o "$TMPDIR/body" -w '%{http_code}' -X POST "$TURL/-/reload")
[ "$code" = 500 ] || fail "reload of a broken file answered $code"
grep -q "failed to reload config" "$TMPDIR/body" || fail "$(cat "$TMPDIR/body")"
curl -sS "$TURL/metrics" | grep -q '^tocsin_config_last_reload_successful 0' || fail "metric"
post c
wait_until 10 sh -c "[ \$(wc -l <'$SINK_LOG') -ge 3 ]" || fail "routing stopped after a bad reload"
ok "a broken configuration is refused and routing goes on"

# A reload while a notification is being retried: the retry goes on with
# the receiver and http_config it started under (the old configuration
# is kept until no send uses it; under ASan a freed one would show) and
# lands once the webhook recovers.
config db >"$TMPDIR/tocsin.yml"
kill -HUP "$TPID"
sleep 1
n0=$(wc -l <"$SINK_LOG")
sink_status "500,500,500,200" || fail "sink_status"
post d
wait_until 10 sh -c "[ \$(wc -l <'$SINK_LOG') -ge $((n0 + 1)) ]" || fail "no attempt for d"
config ml >"$TMPDIR/tocsin.yml"
kill -HUP "$TPID"
wait_until 15 sh -c "[ \$(wc -l <'$SINK_LOG') -ge $((n0 + 4)) ]" ||
	fail "the retried notification never landed: $(($(wc -l <"$SINK_LOG") - n0)) attempts"
[ "$(sink_request "$((n0 + 4))" | json_get - 'sorted(a["labels"]["instance"] for a in d["json"]["alerts"])[-1]')" = d ] ||
	fail "the landed notification lacks d"
kill -0 "$TPID" || fail "tocsin died"
ok "a reload during retries: the send finishes with its own configuration"
