#!/bin/sh
# test_rate_limit.sh - an integration's rate_limit (Tocsin's own) spaces
# its notifications and loses none: six groups flushing together reach a
# webhook limited to 2/s half a second apart, all of them, in order; a
# Slack webhook gets Slack's default 1/s; a webhook without a limit gets
# them all at once.  /metrics counts the waits and, with the reason label
# Alertmanager 0.26+ uses, a failure.
set -u
. "$ROOT/tests/integration/lib/peers.sh"

fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

start_sink --name limited || fail sink
LIMITED=$SINK_LOG LIMITED_URL=$SINK_URL
start_sink --name slack || fail sink
SLACK=$SINK_LOG SLACK_URL=$SINK_URL
start_sink --name free || fail sink
FREE=$SINK_LOG FREE_URL=$SINK_URL
start_sink --name broken --status 400 || fail sink
BROKEN_URL=$SINK_URL
cat >"$TMPDIR/tocsin.yml" <<EOF
route:
  receiver: all
  group_by: [model]
  group_wait: 1s
  group_interval: 1h
  repeat_interval: 1h
  routes:
    - matchers: ['alertname="Broken"']
      receiver: broken
receivers:
  - name: all
    webhook_configs:
      - url: '$LIMITED_URL/limited'
        rate_limit: {per_second: 2, burst: 1}
      - url: '$FREE_URL/free'
    slack_configs:
      - api_url: '$SLACK_URL/slack'
        send_resolved: true
  - name: broken
    webhook_configs: [{url: '$BROKEN_URL/broken'}]
storage: {path: '$TMPDIR/state/tocsin.db'}
EOF
"$TOCSIN" check config "$TMPDIR/tocsin.yml" >/dev/null || fail "check config"
start_tocsin || fail "not ready"

body='['
for m in m1 m2 m3 m4 m5 m6; do
	body="$body{\"labels\":{\"alertname\":\"Drift\",\"model\":\"$m\"}},"
done
body="$body{\"labels\":{\"alertname\":\"Broken\",\"model\":\"x\"}}]"
post_alerts "$body" || fail "post"

wait_until 15 sh -c "[ \$(wc -l <'$LIMITED') -ge 6 ] && [ \$(wc -l <'$SLACK') -ge 6 ]" ||
	fail "not all delivered: limited $(wc -l <"$LIMITED"), slack $(wc -l <"$SLACK")"
sleep 1
[ "$(wc -l <"$LIMITED")" = 6 ] || fail "limited webhook got $(wc -l <"$LIMITED") requests, want 6"
[ "$(wc -l <"$FREE")" = 6 ] || fail "free webhook got $(wc -l <"$FREE") requests, want 6"
[ "$(wc -l <"$SLACK")" = 6 ] || fail "slack got $(wc -l <"$SLACK") requests, want 6"
[ "$(json_lines_get "$LIMITED" 'd["json"]["groupLabels"]["model"]' | sort -u | wc -l)" = 6 ] ||
	fail "a group is missing or doubled at the limited webhook"

# gaps SINK_LOG: the smallest and the largest gap between requests, and
# the whole spread, in ms.
gaps() {
	"$PEERS_PYTHON" - "$1" <<'PY'
import json, sys
t = sorted(json.loads(l)["time"] for l in open(sys.argv[1]) if l.strip())
g = [b - a for a, b in zip(t, t[1:])]
print(int(min(g) * 1000), int(max(g) * 1000), int((t[-1] - t[0]) * 1000))
PY
}
set -- $(gaps "$LIMITED")
[ "$1" -ge 450 ] || fail "2/s limit: two requests only $1 ms apart"
[ "$3" -ge 2400 ] && [ "$3" -le 4500 ] || fail "2/s limit: six requests spread over $3 ms"
ok "rate_limit 2/s: six groups delivered, $1-$2 ms apart"
set -- $(gaps "$SLACK")
[ "$1" -ge 950 ] || fail "Slack's default 1/s: two requests only $1 ms apart"
ok "Slack's default limit 1/s: six messages, $1-$2 ms apart"
set -- $(gaps "$FREE")
[ "$3" -le 1000 ] || fail "an unlimited webhook was held back: spread $3 ms"
ok "no limit: six requests within $3 ms"

M=$(curl -sS "$TURL/metrics")
echo "$M" | grep -q '^tocsin_notifications_rate_limited_total{integration="webhook"} 5$' ||
	fail "rate_limited_total for webhook: $(echo "$M" | grep rate_limited)"
echo "$M" | grep -q '^tocsin_notifications_rate_limited_total{integration="slack"} 5$' ||
	fail "rate_limited_total for slack: $(echo "$M" | grep rate_limited)"
echo "$M" | grep -q '^tocsin_notifications_failed_total{integration="webhook",reason="clientError"} 1$' ||
	fail "a 400 is a clientError failure: $(echo "$M" | grep failed_total)"
echo "$M" | grep -q '^tocsin_notifications_failed_total{integration="webhook",reason="serverError"} 0$' ||
	fail "every reason is listed"
# Alertmanager's histogram: 12 webhook notifications (6 limited, 6 free)
# and the failed one, all within a second of their send.
echo "$M" | grep -q '^tocsin_notification_latency_seconds_bucket{integration="webhook",le="1"} 13$' ||
	fail "latency histogram: $(echo "$M" | grep 'latency_seconds_bucket{integration="webhook"')"
echo "$M" | grep -q '^tocsin_notification_latency_seconds_count{integration="webhook"} 13$' ||
	fail "latency count: $(echo "$M" | grep 'latency_seconds_count')"
echo "$M" | promtool check metrics || fail "promtool check metrics"
ok "metrics: waits counted, the failure by reason, latency histogram"
