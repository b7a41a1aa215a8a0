#!/bin/sh
# test_receivers_http.sh - the Slack, PagerDuty and webhook receivers
# against loopback HTTP sinks (lib/sink.py), beside the real Alertmanager
# 0.25:
#   diff      one receiver with two Slack configs (an incoming webhook with
#             every message field set; chat.postMessage with a bot token
#             from http_config.authorization), two PagerDuty configs (every
#             field set; only routing_key + url) and a webhook (basic
#             auth), in Alertmanager and in Tocsin; the same alerts
#             (fixed startsAt) are posted to both, then resolved (fixed
#             endsAt): every request body must be the same bytes, and the
#             same JSON, once the external URLs are normalised; the
#             Content-Type and Authorization headers the same; the minimal
#             configs have the keys of the captured samples (corpus/
#             samples/*-request.json); dedup_key is the SHA-256 of the
#             group key, the same on trigger and resolve.
#   429       Slack answered 429 Retry-After: 2, then 200: retried after
#             >= 2 s (Alertmanager would not retry a 429 at all)
#   500       PagerDuty answered 500, 500, 200: delivered after exactly
#             three requests, never again
#   400       webhook answered 400: one request, no retry, the failure
#             logged
#   drop      webhook connection closed without an answer, then 200:
#             retried and delivered
#   slow      webhook answering after 3 s (longer than group_interval):
#             one request, not duplicated by the next group tick
#   okfalse   chat.postMessage answered 200 {"ok":false,...}: a failure
#             (tocsin_notifications_failed_total{integration="slack"}
#             goes up by one), not retried, the error logged
#   outage    the webhook sink is stopped for 5 s while new alerts keep
#             coming, then restarted on the same port: each group flush
#             arrives exactly once, none lost
set -u
. "$ROOT/tests/integration/lib/peers.sh"

fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

PY=/usr/bin/python3
cd "$TMPDIR" || exit 1
export TOCSIN_DATADIR=$ROOT TZ=UTC

# ------------------------------------------------------------------ sinks

start_sink --name am || fail "sink am"
AM_SINK=$SINK_LOG AM_SINK_URL=$SINK_URL
start_sink --name t || fail "sink t"
T_SINK=$SINK_LOG T_SINK_URL=$SINK_URL
start_sink --name r429 --status 429,200 --retry-after 2 || fail "sink r429"
R429=$SINK_LOG R429_URL=$SINK_URL
start_sink --name r500 --status 500,500,200 || fail "sink r500"
R500=$SINK_LOG R500_URL=$SINK_URL
start_sink --name r400 --status 400 || fail "sink r400"
R400=$SINK_LOG R400_URL=$SINK_URL
start_sink --name drop --status drop,200 || fail "sink drop"
DROP=$SINK_LOG DROP_URL=$SINK_URL
start_sink --name slow --delay 3,0 || fail "sink slow"
SLOW=$SINK_LOG SLOW_URL=$SINK_URL
printf '{"ok":false,"error":"invalid_auth"}' >okfalse.json
start_sink --name okfalse --respond-file okfalse.json || fail "sink okfalse"
OKFALSE=$SINK_LOG OKFALSE_URL=$SINK_URL
start_sink --name outage1 || fail "sink outage1"
OUT1=$SINK_LOG OUT_PORT=$SINK_PORT OUT_PID=$SINK_PID
OUT_URL=$SINK_URL

# ----------------------------------------------------------------- config

# diff_config SINK_URL: the receiver both run, every request to one sink
# (told apart by path).
diff_config() {
	cat <<EOF
  - name: diff
    slack_configs:
      - api_url: '$1/slack/hook'
        send_resolved: true
        channel: '#alerts-{{ .CommonLabels.team }}'
        username: 'tocsin-test'
        icon_emoji: ':rotating_light:'
        link_names: true
        color: '{{ if eq .Status "firing" }}danger{{ else }}good{{ end }}'
        title: '[{{ .Status | toUpper }}] {{ .GroupLabels.alertname }} <{{ .Alerts.Firing | len }}> & ✓'
        title_link: '{{ template "slack.default.titlelink" . }}'
        pretext: 'pre {{ .CommonAnnotations.summary }}'
        text: '{{ range .Alerts }}* {{ .Labels.instance }}: {{ .Annotations.description }} <{{ .GeneratorURL }}>
          {{ end }}'
        fallback: '{{ template "slack.default.fallback" . }}'
        callback_id: 'cb-{{ .GroupLabels.alertname }}'
        footer: 'tocsin "receivers" test'
        image_url: 'https://img.example.org/{{ .GroupLabels.alertname }}.png'
        thumb_url: 'https://img.example.org/thumb.png'
        short_fields: true
        fields:
          - title: 'Severity'
            value: '{{ .CommonLabels.severity }}'
          - title: 'Alerts'
            value: '{{ len .Alerts }}'
            short: false
          - title: 'Team'
            value: '{{ .CommonLabels.team }}'
            short: true
        actions:
          - type: button
            text: 'Runbook {{ .GroupLabels.alertname }}'
            url: 'https://runbooks.example.org/{{ .GroupLabels.alertname }}'
            style: primary
          - type: button
            text: 'Ack'
            name: ack
            value: '{{ .GroupLabels.alertname }}'
            style: danger
            confirm:
              title: 'Ack {{ .GroupLabels.alertname }}?'
              text: 'Sure?'
              ok_text: 'Yes'
              dismiss_text: 'No'
        mrkdwn_in: [text, pretext, fields]
      - api_url: '$1/api/chat.postMessage'
        send_resolved: true
        channel: 'C0123ABCD'
        http_config:
          authorization: {credentials: 'xoxb-0000-test-token'}
    pagerduty_configs:
      - routing_key: 'rk-0123456789abcdef0123456789abcdef'
        url: '$1/pagerduty/v2/enqueue'
        send_resolved: true
        client: 'Tocsin test {{ .GroupLabels.alertname }}'
        client_url: '{{ .ExternalURL }}/#/alerts?receiver={{ .Receiver | urlquery }}'
        description: '{{ .CommonAnnotations.summary }} ({{ .Alerts.Firing | len }} firing)'
        severity: '{{ .CommonLabels.severity }}'
        class: 'class-{{ .GroupLabels.alertname }}'
        component: '{{ .CommonLabels.team }}-component'
        group: 'group <{{ .CommonLabels.team }}>'
        source: 'src {{ .GroupLabels.alertname }}'
        details:
          team: '{{ .CommonLabels.team }}'
          instances: '{{ range .Alerts }}{{ .Labels.instance }} {{ end }}'
          num_firing: 'overridden {{ .Alerts.Firing | len }}'
        links:
          - href: 'https://dash.example.org/d/{{ .GroupLabels.alertname }}'
            text: 'dashboard'
          - href: ''
            text: 'dropped: no href'
        images:
          - src: 'https://img.example.org/{{ .GroupLabels.alertname }}.png'
            alt: 'graph'
            href: 'https://dash.example.org/g'
      - routing_key: 'dummy-routing-key-0123456789abcdef'
        url: '$1/pagerduty/minimal'
    webhook_configs:
      - url: '$1/webhook?x=1'
        send_resolved: true
        http_config:
          basic_auth: {username: 'hook', password: 'p@ss:word'}
EOF
}

# case_routes, case_receivers: what only Tocsin runs.
case_routes() {
	cat <<EOF
    - {matchers: ['case="r429"'], receiver: r429}
    - {matchers: ['case="r500"'], receiver: r500}
    - {matchers: ['case="r400"'], receiver: r400, group_interval: 1m}
    - {matchers: ['case="drop"'], receiver: drop}
    - {matchers: ['case="slow"'], receiver: slow}
    - {matchers: ['case="okfalse"'], receiver: okfalse, group_interval: 1m}
    - {matchers: ['case="outage"'], receiver: outage, group_by: [alertname, wave]}
EOF
}
case_receivers() {
	cat <<EOF
  - name: r429
    slack_configs: [{api_url: '$R429_URL/slack', channel: '#r429', send_resolved: false}]
  - name: r500
    pagerduty_configs: [{routing_key: rk500, url: '$R500_URL/pd', send_resolved: false}]
  - name: r400
    webhook_configs: [{url: '$R400_URL/hook', send_resolved: false}]
  - name: drop
    webhook_configs: [{url: '$DROP_URL/hook', send_resolved: false}]
  - name: slow
    webhook_configs: [{url: '$SLOW_URL/hook', send_resolved: false}]
  - name: okfalse
    slack_configs:
      - api_url: '$OKFALSE_URL/api/chat.postMessage'
        channel: '#okfalse'
        http_config: {authorization: {credentials: 'xoxb-bad'}}
  - name: outage
    webhook_configs: [{url: '$OUT_URL/hook', send_resolved: false}]
EOF
}

config() { # SINK_URL [TOCSIN]
	cat <<EOF
route:
  receiver: blackhole
  group_by: [alertname]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
  routes:
    - {matchers: ['case="diff"'], receiver: diff}
EOF
	[ -n "${2:-}" ] && case_routes
	echo 'receivers:'
	echo '  - name: blackhole'
	diff_config "$1"
	[ -n "${2:-}" ] && case_receivers
	return 0
}

config "$AM_SINK_URL" >am.yml
start_alertmanager "$TMPDIR/am.yml" || fail "alertmanager"
config "$T_SINK_URL" tocsin >tocsin.yml
echo "storage: {path: '$TMPDIR/state/tocsin.db'}" >>tocsin.yml
PORT=$(free_port)
TURL=http://127.0.0.1:$PORT
"$TOCSIN" run --config.file=tocsin.yml --web.listen-address=127.0.0.1:$PORT \
	--web.external-url="$TURL/" >tocsin.log 2>&1 &
TOCSIN_PID=$!
peers_track $TOCSIN_PID
wait_http "$TURL/-/ready" 10 || { cat tocsin.log; fail "tocsin not ready"; }
ok "alertmanager and tocsin run the same slack, pagerduty and webhook receivers"

# ----------------------------------------------------------------- alerts

post() { # URL JSON
	printf '%s' "$2" | curl -sS -f -o /dev/null -H 'Content-Type: application/json' \
		--data-binary @- "$1/api/v2/alerts" || fail "post to $1"
}
STARTS=$(date -u -d '-10 min' +%Y-%m-%dT%H:%M:%S.123Z)
ENDS=$(date -u -d '-5 sec' +%Y-%m-%dT%H:%M:%S.456Z)
diff_alert() { # INSTANCE DESCRIPTION [ENDS]
	printf '{"labels":{"alertname":"ModelDown","case":"diff","team":"ml","severity":"critical","instance":"%s"},"annotations":{"summary":"Model \\"fraud\\" is down","description":"%s"},"startsAt":"%s",%s"generatorURL":"http://prom.example:9090/graph?g0.expr=up+%%3D%%3D+0&g0.tab=1"}' \
		"$1" "$2" "$STARTS" "${3:+\"endsAt\":\"$3\",}"
}
DIFF="[$(diff_alert 10.0.0.1:8080 'replica <a> & more: ünïcode'),$(diff_alert 10.0.0.2:8080 'replica b')]"
DIFF_RESOLVED="[$(diff_alert 10.0.0.1:8080 'replica <a> & more: ünïcode' "$ENDS"),$(diff_alert 10.0.0.2:8080 'replica b' "$ENDS")]"
case_alert() { # CASE [EXTRA_LABELS]
	printf '{"labels":{"alertname":"Case_%s","case":"%s"%s},"annotations":{"summary":"case %s"},"startsAt":"%s"}' \
		"$1" "$1" "${2:-}" "$1" "$STARTS"
}

post "$AM_URL" "$DIFF"
post "$TURL" "$DIFF"
post "$TURL" "[$(case_alert r429),$(case_alert r500),$(case_alert r400),$(case_alert drop),$(case_alert slow),$(case_alert outage ',"wave":"0"')]"

# 5 firing requests each (2 slack, 2 pagerduty, 1 webhook), and the
# first outage wave delivered before the outage.
wait_sink_count 5 15 "$AM_SINK" || fail "alertmanager: firing notifications"
wait_sink_count 5 15 "$T_SINK" || { cat tocsin.log; fail "tocsin: firing notifications"; }
wait_sink_count 1 15 "$OUT1" || { cat tocsin.log; fail "outage: wave 0 not delivered"; }

# ----------------------------------------------------------------- outage
# Waves 1-3 start groups while the sink is down (each first tried within
# the outage, retried with backoff until max(group_interval, 10 s)); wave
# 0 gains an alert, so its group flushes anew.  When a sender runs out of
# time the next group tick sends the flush again: either way each group
# state must arrive exactly once.
stop_pid "$OUT_PID"
T_DOWN=$(date +%s%3N)
post "$TURL" "[$(case_alert outage ',"wave":"1"'),$(case_alert outage ',"wave":"0","extra":"x"')]"
sleep 1.5
post "$TURL" "[$(case_alert outage ',"wave":"2"')]"
sleep 1.5
post "$TURL" "[$(case_alert outage ',"wave":"3"')]"

# ----------------------------------------------------------- differential
post "$AM_URL" "$DIFF_RESOLVED"
post "$TURL" "$DIFF_RESOLVED"
# the rest of the 5 s outage
sleep "$(echo "$T_DOWN $(date +%s%3N)" | awk '{ w = (5000 - ($2 - $1)) / 1000; print (w > 0 ? w : 0) }')"
start_sink --name outage2 --port "$OUT_PORT" || fail "sink outage2 on port $OUT_PORT"
OUT2=$SINK_LOG
T_UP=$(date +%s%3N)
ok "webhook sink down for $(( (T_UP - T_DOWN) )) ms, back on port $OUT_PORT"

wait_sink_count 10 15 "$AM_SINK" || fail "alertmanager: resolved notifications"
wait_sink_count 10 15 "$T_SINK" || { cat tocsin.log; fail "tocsin: resolved notifications"; }
sleep 3 # nothing more may come

cat >compare.py <<'EOF'
import hashlib, json, re, sys
am_log, t_log, am_url, t_url, shared = sys.argv[1:6]
errs = []

def load(path, base):
    out = {}
    for line in open(path):
        r = json.loads(line)
        body = r["body"].replace(base, "EXTERNAL")
        path_ = r["path"]
        key = path_
        out.setdefault(key, []).append({"raw": body, "json": json.loads(body),
                                        "headers": r["headers"], "method": r["method"]})
    return out

am = load(am_log, am_url)
t = load(t_log, t_url)
paths = ["/slack/hook", "/api/chat.postMessage", "/pagerduty/v2/enqueue",
         "/pagerduty/minimal", "/webhook?x=1"]
if sorted(am) != sorted(paths):
    errs.append("alertmanager paths %s" % sorted(am))
if sorted(t) != sorted(paths):
    errs.append("tocsin paths %s, want %s" % (sorted(t), sorted(paths)))

def first_diff(a, b, where=""):
    if type(a) != type(b):
        return "%s: %r != %r" % (where or "top", a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a:
                return "%s.%s: only in tocsin (%r)" % (where, k, b[k])
            if k not in b:
                return "%s.%s: missing in tocsin (alertmanager %r)" % (where, k, a[k])
            d = first_diff(a[k], b[k], "%s.%s" % (where, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return "%s: %d items != %d" % (where, len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, "%s[%d]" % (where, i))
            if d:
                return d
        return None
    return None if a == b else "%s: alertmanager %r, tocsin %r" % (where, a, b)

group_key = '{}/{case="diff"}:{alertname="ModelDown"}'
dedup = hashlib.sha256(group_key.encode()).hexdigest()
for p in paths:
    a, b = am.get(p, []), t.get(p, [])
    if len(a) != 2:
        errs.append("%s: alertmanager sent %d requests, want 2 (firing, resolved)" % (p, len(a)))
    if len(b) != 2:
        errs.append("%s: tocsin sent %d requests, want 2 (firing, resolved)" % (p, len(b)))
    for i, (x, y) in enumerate(zip(a, b)):
        what = "%s #%d" % (p, i + 1)
        d = first_diff(x["json"], y["json"])
        if d:
            errs.append("%s: %s" % (what, d))
        elif x["raw"] != y["raw"]:
            errs.append("%s: same JSON, different bytes:\n  am    %r\n  tocsin %r" % (what, x["raw"], y["raw"]))
        if x["method"] != "POST" or y["method"] != "POST":
            errs.append("%s: methods %s %s" % (what, x["method"], y["method"]))
        for h in ("Content-Type", "Authorization"):
            if x["headers"].get(h) != y["headers"].get(h):
                errs.append("%s: header %s: alertmanager %r, tocsin %r" % (what, h, x["headers"].get(h), y["headers"].get(h)))
        ua = y["headers"].get("User-Agent", "")
        if not re.fullmatch(r"[A-Za-z][\w.-]*/\S+( .*)?", ua):
            errs.append("%s: tocsin User-Agent %r" % (what, ua))
    # what each side must say, not only agree on
    for side, log in (("alertmanager", a), ("tocsin", b)):
        if len(log) != 2:
            continue
        j0, j1 = log[0]["json"], log[1]["json"]
        if p.startswith("/pagerduty"):
            if [j0.get("event_action"), j1.get("event_action")] != ["trigger", "resolve"]:
                errs.append("%s %s: event_action %r %r" % (side, p, j0.get("event_action"), j1.get("event_action")))
            if j0.get("dedup_key") != dedup or j1.get("dedup_key") != dedup:
                errs.append("%s %s: dedup_key %r %r, want sha256(%s) = %s" % (side, p, j0.get("dedup_key"), j1.get("dedup_key"), group_key, dedup))
        elif p.startswith("/webhook"):
            if [j0["status"], j1["status"]] != ["firing", "resolved"]:
                errs.append("%s webhook: statuses %r %r" % (side, j0["status"], j1["status"]))
            if j0.get("groupKey") != group_key:
                errs.append("%s webhook: groupKey %r" % (side, j0.get("groupKey")))
            ends = {al["endsAt"] for al in j1["alerts"]}
            if len(ends) != 1 or ends == {"0001-01-01T00:00:00Z"}:
                errs.append("%s webhook: resolved endsAt %r" % (side, ends))
            if j0.get("externalURL") != "EXTERNAL":
                errs.append("%s webhook: externalURL %r" % (side, j0.get("externalURL")))
        elif p.startswith("/slack"):
            att0, att1 = j0["attachments"][0], j1["attachments"][0]
            if [att0.get("color"), att1.get("color")] != ["danger", "good"]:
                errs.append("%s slack: colors %r %r" % (side, att0.get("color"), att1.get("color")))
    if b and p == "/api/chat.postMessage":
        if b[0]["headers"].get("Authorization") != "Bearer xoxb-0000-test-token":
            errs.append("tocsin chat.postMessage: Authorization %r" % b[0]["headers"].get("Authorization"))
    if b and p == "/webhook?x=1":
        if b[0]["headers"].get("Authorization") != "Basic aG9vazpwQHNzOndvcmQ=":
            errs.append("tocsin webhook: Authorization %r" % b[0]["headers"].get("Authorization"))

# the captured samples: same keys, at every level
def shape(v):
    if isinstance(v, dict):
        return {k: shape(x) for k, x in v.items()}
    if isinstance(v, list):
        return [shape(x) for x in v[:1]]
    return type(v).__name__

def keys_only(v, sub=False):
    # the set of key paths
    out = set()
    def walk(x, pre):
        if isinstance(x, dict):
            for k, y in x.items():
                out.add(pre + "." + k)
                walk(y, pre + "." + k)
        elif isinstance(x, list):
            for y in x:
                walk(y, pre + "[]")
    walk(v, "")
    return out

for sample, p, exact in (("slack-request.json", "/api/chat.postMessage", True),
                         ("pagerduty-request.json", "/pagerduty/minimal", True),
                         ("slack-request.json", "/slack/hook", False),
                         ("pagerduty-request.json", "/pagerduty/v2/enqueue", False)):
    ref = json.load(open(shared + "/corpus/samples/" + sample))
    rk = keys_only(ref["body"])
    for side, log in (("alertmanager", am.get(p, [])), ("tocsin", t.get(p, []))):
        for r in log[:1]:
            k = keys_only(r["json"])
            if exact and k != rk:
                errs.append("%s %s: keys differ from %s: extra %s, missing %s" % (side, p, sample, sorted(k - rk), sorted(rk - k)))
            if not exact and not rk <= k:
                errs.append("%s %s: lacks keys of %s: %s" % (side, p, sample, sorted(rk - k)))
            if r["headers"].get("Content-Type") != ref["headers"]["Content-Type"]:
                errs.append("%s %s: Content-Type %r, sample %r" % (side, p, r["headers"].get("Content-Type"), ref["headers"]["Content-Type"]))
            if exact and shape(r["json"]) != shape(ref["body"]):
                errs.append("%s %s: value types differ from %s" % (side, p, sample))
for e in errs:
    print(e)
sys.exit(1 if errs else 0)
EOF
"$PY" compare.py "$AM_SINK" "$T_SINK" "$AM_URL" "$TURL" "$SHARED" >compare.out 2>&1 ||
	{ cat compare.out; fail "requests differ from alertmanager's"; }
ok "slack (webhook, chat.postMessage), pagerduty (full, minimal), webhook: firing and resolved requests are alertmanager's, byte for byte"
ok "pagerduty dedup_key is sha256 of the group key, trigger then resolve; shapes match the captured samples"

# ---------------------------------------------------------------- retries

# gaps LOG: the seconds between successive requests, "1.02 2.5".
gaps() {
	"$PY" -c 'import json, sys
t = [json.loads(l)["time"] for l in open(sys.argv[1])]
print(" ".join("%.3f" % (b - a) for a, b in zip(t, t[1:])))' "$1"
}
# same_bodies LOG: every request carried the same body.
same_bodies() {
	[ "$("$PY" -c 'import json, sys
print(len({json.loads(l)["body"] for l in open(sys.argv[1])}))' "$1")" = 1 ]
}
# metric NAME INTEGRATION: the sum of NAME's samples with that
# integration label in tocsin's /metrics (whatever other labels, e.g. a
# failure reason, split it); nothing when there is none.
metric() {
	curl -sS --max-time 5 "$TURL/metrics" |
		awk -v n="$1" -v l="integration=\"$2\"" '
		index($1, n "{") == 1 && index($1, l) { s += $2; found = 1 }
		END { if (found) print s }'
}

wait_sink_count 2 15 "$R429" || { cat tocsin.log; fail "429: not retried"; }
g=$(gaps "$R429")
echo "$g" | awk '{ exit !($1 >= 1.95) }' ||
	fail "429 with Retry-After: 2: retried after $g s"
same_bodies "$R429" || fail "429: the retry sent another body"
ok "slack 429 Retry-After: 2: retried after $g s, delivered"

wait_sink_count 3 15 "$R500" || { cat tocsin.log; fail "500: not retried twice"; }
same_bodies "$R500" || fail "500: the retries sent another body"
ok "pagerduty 500, 500, 200: three requests ($(gaps "$R500") s apart)"

wait_sink_count 2 15 "$DROP" || { cat tocsin.log; fail "drop: not retried"; }
same_bodies "$DROP" || fail "drop: the retry sent another body"
ok "webhook connection dropped without an answer: retried, delivered"

wait_sink_count 1 15 "$R400" || { cat tocsin.log; fail "400: nothing sent"; }
wait_sink_count 1 15 "$SLOW" || { cat tocsin.log; fail "slow: nothing sent"; }

# chat.postMessage answering 200 {"ok":false}: posted now, the failure
# counter read before and after.
failed0=$(metric tocsin_notifications_failed_total slack)
[ -n "$failed0" ] || fail "no tocsin_notifications_failed_total{integration=\"slack\"} in /metrics"
post "$TURL" "[$(case_alert okfalse)]"
wait_sink_count 1 15 "$OKFALSE" || { cat tocsin.log; fail "okfalse: nothing sent"; }
slack_failed() { [ "$(metric tocsin_notifications_failed_total slack)" = "$((failed0 + 1))" ]; }
wait_until 5 slack_failed ||
	fail "slack ok:false: failed notifications $failed0 -> $(metric tocsin_notifications_failed_total slack), want +1"
ok "slack 200 {\"ok\":false,\"error\":\"invalid_auth\"}: counted as a failed notification"

# ----------------------------------------------------------- outage, end
wait_sink_count 4 20 "$OUT2" || { cat tocsin.log; fail "outage: $(sink_count "$OUT2") of 4 flushes delivered after the outage"; }
# let every group tick at least twice more: nothing may repeat
sleep 4.5
cat >outage.py <<'EOF'
import json, sys
def flushes(path):
    out = []
    for line in open(path):
        b = json.loads(json.loads(line)["body"])
        out.append((b["groupLabels"]["wave"],
                    sorted(a["labels"].get("extra", "-") for a in b["alerts"])))
    return sorted(out)
before, after = flushes(sys.argv[1]), flushes(sys.argv[2])
want_before = [("0", ["-"])]
want_after = [("0", ["-", "x"]), ("1", ["-"]), ("2", ["-"]), ("3", ["-"])]
ok = True
if before != want_before:
    print("before the outage: %s, want %s" % (before, want_before)); ok = False
if after != want_after:
    print("after the outage: %s, want %s" % (after, want_after)); ok = False
sys.exit(0 if ok else 1)
EOF
"$PY" outage.py "$OUT1" "$OUT2" || fail "outage: flushes lost or repeated"
ok "webhook sink down 5 s: the 4 group flushes of the outage arrive once each when it is back"

# --------------------------------------------------- no retry, no repeat
[ "$(sink_count "$R429")" = 2 ] || fail "429: $(sink_count "$R429") requests, want 2"
[ "$(sink_count "$R500")" = 3 ] || fail "500: $(sink_count "$R500") requests, want 3"
[ "$(sink_count "$DROP")" = 2 ] || fail "drop: $(sink_count "$DROP") requests, want 2"
ok "delivered notifications are not sent again (429: 2, 500: 3, drop: 2 requests)"
[ "$(sink_count "$R400")" = 1 ] || fail "400: $(sink_count "$R400") requests, want 1 (no retry)"
[ "$(sink_count "$OKFALSE")" = 1 ] || fail "okfalse: $(sink_count "$OKFALSE") requests, want 1 (no retry)"
grep 'receiver=r400' tocsin.log | grep -q 'status code 400' ||
	{ cat tocsin.log; fail "400: no failure logged"; }
grep 'receiver=okfalse' tocsin.log | grep -q 'invalid_auth' ||
	{ cat tocsin.log; fail "okfalse: Slack's error not logged"; }
ok "webhook 400 and slack ok:false: one request each, not retried, the failure logged"
[ "$(sink_count "$SLOW")" = 1 ] || fail "slow: $(sink_count "$SLOW") requests, want 1"
ok "webhook answering after 3 s (> group_interval): one request, no duplicate from the next tick"

stop_pid "$TOCSIN_PID"
if grep -aqE 'ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:' tocsin.log; then
	cat tocsin.log
	fail "sanitizer report from tocsin"
fi
ok "tocsin stopped cleanly"
