#!/bin/sh
# test_router_am.sh - Tocsin's router beside the real Alertmanager 0.25:
# the same configuration (webhook receivers pointing at recording sinks,
# short timers, continue, inhibition, max_alerts, send_resolved off) and
# the same alert stream posted to both; the notifications each sink
# receives must agree in group keys, statuses, alert sets and order.
# Then the real Prometheus, with Tocsin as its Alertmanager, delivers.
set -u
. "$ROOT/tests/integration/lib/peers.sh"

fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

config() { # ML_URL PAGER_URL
	cat <<EOF
global:
  resolve_timeout: 5m
route:
  receiver: ml
  group_by: [alertname]
  group_wait: 1s
  group_interval: 3s
  repeat_interval: 1h
  routes:
    - matchers: ['severity="critical"']
      receiver: pager
      group_by: [model]
      continue: true
    - matchers: ['team="ml"']
      receiver: ml
receivers:
  - name: ml
    webhook_configs: [{url: '$1', send_resolved: true}]
  - name: pager
    webhook_configs: [{url: '$2', send_resolved: false, max_alerts: 2}]
inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [model]
EOF
}

start_sink --name am-ml || fail sink
AM_ML=$SINK_LOG AM_ML_URL=$SINK_URL
start_sink --name am-pager || fail sink
AM_PAGER=$SINK_LOG AM_PAGER_URL=$SINK_URL
start_sink --name t-ml || fail sink
T_ML=$SINK_LOG T_ML_URL=$SINK_URL
start_sink --name t-pager || fail sink
T_PAGER=$SINK_LOG T_PAGER_URL=$SINK_URL

config "$AM_ML_URL/ml" "$AM_PAGER_URL/pager" >"$TMPDIR/am.yml"
start_alertmanager "$TMPDIR/am.yml" || fail alertmanager
config "$T_ML_URL/ml" "$T_PAGER_URL/pager" >"$TMPDIR/tocsin.yml"
echo "storage: {path: '$TMPDIR/state/tocsin.db'}" >>"$TMPDIR/tocsin.yml"
PORT=$(free_port)
TURL=http://127.0.0.1:$PORT
"$TOCSIN" run --config.file="$TMPDIR/tocsin.yml" \
	--web.listen-address="127.0.0.1:$PORT" >"$TMPDIR/tocsin.log" 2>&1 &
peers_track $!
wait_http "$TURL/-/ready" 10 || { cat "$TMPDIR/tocsin.log"; fail "tocsin not ready"; }
ok "alertmanager and tocsin run the same configuration"

# post_both JSON: the same alerts to both, back to back.
post_both() {
	printf '%s' "$1" | curl -sS -f -o /dev/null -X POST -H 'Content-Type: application/json' \
		--data-binary @- "$AM_URL/api/v2/alerts" || fail "post to alertmanager"
	printf '%s' "$1" | curl -sS -f -o /dev/null -X POST -H 'Content-Type: application/json' \
		--data-binary @- "$TURL/api/v2/alerts" || fail "post to tocsin"
}
alert() { # NAME LABELS(json) [ENDS]
	if [ -n "${3:-}" ]; then
		printf '{"labels":{"alertname":"%s",%s},"annotations":{"summary":"%s"},"endsAt":"%s"}' "$1" "$2" "$1" "$3"
	else
		printf '{"labels":{"alertname":"%s",%s},"annotations":{"summary":"%s"}}' "$1" "$2" "$1"
	fi
}
past=$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:%S.000Z)

post_both "[$(alert Drift '"team":"ml","model":"fraud","severity":"warning"'),$(alert Drift '"team":"ml","model":"churn","severity":"warning"'),$(alert Latency '"team":"ml","model":"fraud","severity":"warning"')]"
sleep 5
post_both "[$(alert Down '"team":"ml","model":"fraud","severity":"critical"'),$(alert Down '"team":"ml","model":"fraud","severity":"critical","replica":"b"'),$(alert Down '"team":"ml","model":"fraud","severity":"critical","replica":"c"')]"
sleep 5
post_both "[$(alert Drift '"team":"ml","model":"churn","severity":"warning"' "$past")]"
sleep 5
post_both "[$(alert Down '"team":"ml","model":"fraud","severity":"critical"' "$past"),$(alert Down '"team":"ml","model":"fraud","severity":"critical","replica":"b"' "$past"),$(alert Down '"team":"ml","model":"fraud","severity":"critical","replica":"c"' "$past")]"
sleep 7

# What a notification says, without what must differ (times, URLs), per
# group in the order sent.
summary() { # SINK_LOG
	/usr/bin/python3 - "$1" <<'EOF'
import json, sys
seen = []
# Groups flush independently: compare each group's own sequence.
lines = [json.loads(l) for l in open(sys.argv[1])]
lines.sort(key=lambda l: json.loads(l["body"])["groupKey"])
for line in lines:
    b = json.loads(line["body"])
    s = json.dumps({
        "receiver": b["receiver"], "status": b["status"],
        "groupKey": b["groupKey"], "groupLabels": b["groupLabels"],
        "commonLabels": b["commonLabels"],
        "truncated": b["truncatedAlerts"],
        "alerts": [(a["status"], a["fingerprint"], a["labels"]) for a in b["alerts"]],
    }, sort_keys=True)
    if not seen or seen[-1] != s:  # a repeat of the same is timing
        seen.append(s)
print("\n".join(seen))
EOF
}
for r in ml pager; do
	eval "a=\$AM_$(echo $r | tr a-z A-Z)"
	eval "t=\$T_$(echo $r | tr a-z A-Z)"
	summary "$a" >"$TMPDIR/am-$r.txt"
	summary "$t" >"$TMPDIR/t-$r.txt"
	[ -s "$TMPDIR/am-$r.txt" ] || fail "alertmanager sent nothing to $r"
	diff -u "$TMPDIR/am-$r.txt" "$TMPDIR/t-$r.txt" >"$TMPDIR/diff-$r" ||
		{ cat "$TMPDIR/diff-$r"; fail "notifications to $r differ"; }
	ok "receiver $r: $(wc -l <"$TMPDIR/am-$r.txt") notifications as alertmanager's"
done

# The API answers the same: the same silence on both, then alerts with
# every filter, groups and receivers, without what must differ (times,
# silence ids, the receivers' URLs).
silence='{"matchers":[{"name":"model","value":"fraud","isRegex":false}],"startsAt":"2020-01-01T00:00:00Z","endsAt":"2099-01-01T00:00:00Z","createdBy":"t","comment":"c"}'
for u in "$AM_URL" "$TURL"; do
	curl -sS -f -o /dev/null -X POST -H 'Content-Type: application/json' \
		--data "$silence" "$u/api/v2/silences" || fail "silence on $u"
done
post_both "[$(alert Api '"team":"ml","model":"fraud","severity":"warning"'),$(alert Api '"team":"db","model":"churn","severity":"critical"'),$(alert Api '"model":"x","severity":"info"')]"
norm() { # URL PATH
	curl -sS "$1$2" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
def clean(a):
    a = dict(a)
    for k in ("startsAt", "endsAt", "updatedAt", "generatorURL"):
        a.pop(k, None)
    st = dict(a["status"])
    st["silencedBy"] = len(st["silencedBy"])
    a["status"] = st
    return a
if isinstance(d, list) and d and "alerts" in d[0]:
    d = [dict(g, alerts=[clean(a) for a in g["alerts"]]) for g in d]
    # Groups with equal labels and receiver (one per route) have no
    # order in Alertmanager (sort.Sort on labels, then receiver).
    d.sort(key=lambda g: json.dumps([g["labels"], g["receiver"], g["alerts"]], sort_keys=True))
elif isinstance(d, list) and d and "fingerprint" in d[0]:
    d = [clean(a) for a in d]
print(json.dumps(d, sort_keys=True, indent=1))'
}
for q in "/api/v2/alerts" "/api/v2/alerts?silenced=false" "/api/v2/alerts?active=false" \
	"/api/v2/alerts?inhibited=false&silenced=false" \
	"/api/v2/alerts?filter=model%3D%22fraud%22" "/api/v2/alerts?filter=alertname%3D~%22A.*%22&filter=team%21%3D%22ml%22" \
	"/api/v2/alerts?receiver=pag.*" "/api/v2/alerts/groups" "/api/v2/alerts/groups?silenced=false" \
	"/api/v2/receivers"; do
	norm "$AM_URL" "$q" >"$TMPDIR/am.json"
	norm "$TURL" "$q" >"$TMPDIR/t.json"
	diff -u "$TMPDIR/am.json" "$TMPDIR/t.json" >"$TMPDIR/diff" ||
		{ head -60 "$TMPDIR/diff"; fail "GET $q differs"; }
done
ok "GET /api/v2/alerts with filters, /alerts/groups and /receivers as alertmanager's"
for q in "/api/v2/alerts?filter=%7Bbad" "/api/v2/alerts?active=maybe"; do
	a=$(curl -s -o /dev/null -w '%{http_code}' "$AM_URL$q")
	t=$(curl -s -o /dev/null -w '%{http_code}' "$TURL$q")
	[ "$a" = "$t" ] || fail "GET $q: alertmanager $a, tocsin $t"
done
ok "bad filters get alertmanager's status codes"

# amtool reads Tocsin as it reads Alertmanager.
amtool --alertmanager.url="$TURL" alert query -o json >"$TMPDIR/q.json" 2>"$TMPDIR/amtool.err" ||
	{ cat "$TMPDIR/amtool.err"; fail "amtool alert query"; }
ok "amtool alert query works against tocsin"

# The real Prometheus with Tocsin as its Alertmanager.
cat >"$TMPDIR/rules.yml" <<'EOF'
groups:
  - name: always
    interval: 1s
    rules:
      - alert: PromWatchdog
        expr: vector(1)
        labels: {team: ml, severity: warning, model: watchdog}
EOF
# Prometheus drops what it has to send before it discovered its
# Alertmanagers (about 5 s) and resends after resend-delay: 1s here.
PROM_RULE_FILES=$TMPDIR/rules.yml PROM_ALERTMANAGER=127.0.0.1:$PORT \
	start_prometheus "" --rules.alert.resend-delay=1s || fail prometheus
got_prom() {
	curl -sS "$TURL/api/v2/alerts?filter=alertname%3D%22PromWatchdog%22" | grep -q PromWatchdog
}
wait_until 20 got_prom || fail "prometheus never delivered to tocsin"
ok "prometheus delivers its alerts to tocsin"

curl -sS "$TURL/metrics" >"$TMPDIR/metrics.txt"
promtool check metrics <"$TMPDIR/metrics.txt" >"$TMPDIR/lint" 2>&1 ||
	{ cat "$TMPDIR/lint"; fail "promtool check metrics"; }
grep -q '^tocsin_notifications_total{integration="webhook"} [1-9]' "$TMPDIR/metrics.txt" ||
	fail "no webhook notifications counted"
grep -q '^tocsin_alerts_received_total{status="firing"} [1-9]' "$TMPDIR/metrics.txt" ||
	fail "no alerts received counted"
ok "router metrics pass promtool check metrics"
