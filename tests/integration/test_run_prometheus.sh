#!/bin/sh
# test_run_prometheus.sh - `tocsin run` against the real Prometheus 2.42 and
# Alertmanager 0.25: rules from rules/ (their `for` scaled from minutes to
# seconds so the test takes seconds) go pending, fire and resolve as the
# exporter's series change; Prometheus' own ruler evaluates the same file
# beside Tocsin and is the oracle for labels, annotations and values; the
# alerts reach the real Alertmanager and are read back with its API and
# amtool; /metrics passes promtool check metrics.
set -u
. "$ROOT/tests/integration/lib/peers.sh"

fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

# The shipped rule pack, scaled: `for: 10m` -> `for: 10s`, groups every 1s.
RULES=$TMPDIR/ml-latency.yml
sed -e 's/^\( *\)\(for\|keep_firing_for\): \([0-9]*\)m$/\1\2: \3s/' \
    -e 's/^\(  - name: .*\)$/\1\n    interval: 1s/' \
    "$ROOT/rules/ml-latency.yml" >"$RULES"
grep -q 'for: 10s' "$RULES" || fail "scaling the rule pack"
"$TOCSIN" check rules "$RULES" >/dev/null || fail "scaled rules do not load"

start_exporter || fail "exporter"
exporter_set 'model_queue_depth{model="fraud",replica="a"} 10
model_queue_depth{model="fraud",replica="b"} 20' || fail "exporter_set"
start_sink --name own-webhook || fail sink
OWN_LOG=$SINK_LOG OWN_URL=$SINK_URL
start_sink --name am-webhook || fail sink
AM_WEBHOOK_URL=$SINK_URL start_alertmanager || fail "alertmanager"
PROM_RULE_FILES=$RULES start_prometheus "$EXPORTER_ADDR" || fail "prometheus"

PORT=$(free_port)
TURL=http://127.0.0.1:$PORT
cat >"$TMPDIR/tocsin.yml" <<EOF
datasource:
  url: $PROM_URL
  timeout: 5s
rule_files: ['$RULES']
evaluation:
  interval: 1s
  resend_delay: 2s
  # queries of a group four at a time: the answers still go through the
  # state machine in rule order, so everything below holds as it does
  # one query at a time
  group_concurrency: 4
  external_labels: {cluster: it}
  external_url: http://tocsin.example:9093
alerting:
  alertmanagers: [{url: '$AM_URL'}]
storage:
  path: $TMPDIR/state/tocsin.db
route: {receiver: own, group_wait: 1s, group_interval: 2s}
receivers: [{name: own, webhook_configs: [{url: '$OWN_URL/hook'}]}]
EOF
"$TOCSIN" run --config.file="$TMPDIR/tocsin.yml" \
	--web.listen-address="127.0.0.1:$PORT" >"$TMPDIR/tocsin.log" 2>&1 &
TPID=$!
peers_track "$TPID"
wait_http "$TURL/-/ready" 10 || { cat "$TMPDIR/tocsin.log"; fail "tocsin not ready"; }
ok "tocsin run is ready"

# The alerts of ModelQueueBacklog, as JSON sorted for comparison.
alerts_of() { # URL
	curl -sS --max-time 5 "$1/api/v1/alerts" | json_get - \
		'sorted([a for a in d["data"]["alerts"] if a["labels"]["alertname"] == "ModelQueueBacklog"], key=lambda a: json.dumps(a["labels"], sort_keys=True))'
}
state_of() { # URL
	alerts_of "$1" | json_get - '",".join(a["state"] for a in d)'
}
_state_is() { [ "$(state_of "$1")" = "$2" ]; }

# Healthy and quiet first.
wait_until 10 sh -c "curl -sS '$TURL/api/v1/rules' | grep -q '\"health\":\"ok\"'" ||
	fail "rules never evaluated: $(curl -sS "$TURL/api/v1/rules")"
[ "$(state_of "$TURL")" = "" ] || fail "alerts before the queue grew"
ok "rules evaluated, nothing active"

# 70 + 60 = 130 requests queued: above 100.
T_UP=$(date +%s)
exporter_set 'model_queue_depth{model="fraud",replica="a"} 70
model_queue_depth{model="fraud",replica="b"} 60' || fail "exporter_set"
wait_until 10 _state_is "$TURL" pending || fail "never pending: $(alerts_of "$TURL")"
ok "pending after the queue grew"
wait_until 20 _state_is "$TURL" firing || fail "never firing: $(alerts_of "$TURL")"
T_FIRE=$(date +%s)
[ $((T_FIRE - T_UP)) -ge 10 ] || fail "fired after $((T_FIRE - T_UP))s, before for: 10s"
ok "firing after for ($((T_FIRE - T_UP))s)"

# Prometheus' ruler, on the same data, agrees on everything but timing.
wait_until 20 _state_is "$PROM_URL" firing || fail "prometheus never fired"
strip='[{k: v for k, v in a.items() if k != "activeAt"} for a in d]'
T=$(alerts_of "$TURL" | json_get - "$strip")
P=$(alerts_of "$PROM_URL" | json_get - "$strip")
[ "$T" = "$P" ] || fail "tocsin and prometheus differ:
tocsin:     $T
prometheus: $P"
ok "labels, annotations, state and value as Prometheus' ruler"
echo "$T" | grep -q '"description":"130 requests have been waiting for model fraud' ||
	fail "description not rendered: $T"
ok "annotations rendered with humanize"

# The real Alertmanager got it, with external labels and generator URL.
am_has() {
	am_alerts 'filter=alertname%3D"ModelQueueBacklog"' | json_get - \
		'[(a["labels"].get("cluster"), a["status"]["state"]) for a in d]' |
		grep -q '"it","active"'
}
wait_until 10 am_has || fail "alertmanager never got it: $(am_alerts)"
A=$(am_alerts 'filter=alertname%3D"ModelQueueBacklog"' | json_get - 'd[0]')
echo "$A" | json_get - 'd["labels"]' |
	grep -qx '{"alertname":"ModelQueueBacklog","cluster":"it","component":"model-latency","model":"fraud","severity":"warning"}' ||
	fail "labels in alertmanager: $A"
echo "$A" | json_get - 'd["generatorURL"]' |
	grep -q '^http://tocsin.example:9093/graph?g0.expr=sum+by+%28model%29' ||
	fail "generatorURL: $A"
amtool --alertmanager.url="$AM_URL" alert query alertname=ModelQueueBacklog |
	grep -q 'ModelQueueBacklog' || fail "amtool alert query"
ok "alertmanager has it (API v2 and amtool), with external labels"
wait_until 10 sh -c "[ \$(wc -l <'$SINK_LOG') -ge 1 ]" || fail "no webhook from alertmanager"
ok "alertmanager notified its webhook"

# Tocsin's own router got it from the evaluator in-process.
own_has() {
	json_lines_get "$OWN_LOG" 'json.loads(d["body"])["commonLabels"].get("alertname", "") + "/" + json.loads(d["body"])["commonLabels"].get("cluster", "")' |
		grep -q '^ModelQueueBacklog/it$'
}
wait_until 10 own_has || fail "tocsin's own webhook never got ModelQueueBacklog"
ok "tocsin's own router notified its webhook, external labels added"

# The queue drains: resolved in Tocsin, then in Alertmanager.
exporter_set 'model_queue_depth{model="fraud",replica="a"} 1
model_queue_depth{model="fraud",replica="b"} 2' || fail "exporter_set"
wait_until 10 _state_is "$TURL" "" || fail "never resolved: $(alerts_of "$TURL")"
ok "resolved when the queue drained"
am_gone() {
	[ "$(am_alerts 'filter=alertname%3D"ModelQueueBacklog"' | json_get - 'len(d)')" = 0 ]
}
wait_until 10 am_gone || fail "alertmanager still has it: $(am_alerts)"
ok "alertmanager resolved it"
resolved_webhook() {
	json_lines_get "$SINK_LOG" 'json.loads(d["body"])["status"]' | grep -q resolved
}
wait_until 10 resolved_webhook || fail "no resolved webhook"
ok "resolved notification delivered"

# /metrics is valid exposition with the rule metrics.
curl -sS "$TURL/metrics" >"$TMPDIR/metrics.txt"
promtool check metrics <"$TMPDIR/metrics.txt" >"$TMPDIR/lint" 2>&1 ||
	{ cat "$TMPDIR/lint"; fail "promtool check metrics"; }
grep -q '^tocsin_rule_evaluations_total{rule_group=".*;tocsin-ml-latency"} [1-9]' \
	"$TMPDIR/metrics.txt" || fail "no rule evaluations in /metrics"
grep -q '^tocsin_notifications_sent_total{alertmanager=".*"} [1-9]' \
	"$TMPDIR/metrics.txt" || fail "no notifications sent in /metrics"
ok "/metrics passes promtool check metrics"

# Graceful stop.
kill -TERM "$TPID"
wait "$TPID"
rc=$?
[ "$rc" -eq 0 ] || { cat "$TMPDIR/tocsin.log"; fail "exit status $rc after SIGTERM"; }
grep -q 'msg="See you next time!"' "$TMPDIR/tocsin.log" || fail "no goodbye in the log"
ok "SIGTERM stops it with status 0"
