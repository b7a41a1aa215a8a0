#!/bin/sh
# test_http_config.sh - http_config reaches the wire: a webhook and a
# Slack receiver without an http_config inherit global.http_config
# (proxy_url and an authorization header), a webhook with its own
# http_config uses that instead, with basic_auth and no proxy.  The
# "proxy" is a recording sink: a proxied request names the absolute URL.
# A 307 is followed (follow_redirects defaults to true, as in
# Alertmanager), and not with follow_redirects: false.
set -u
. "$ROOT/tests/integration/lib/peers.sh"

fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

start_sink --name proxy || fail sink
PROXY=$SINK_LOG PROXY_URL=$SINK_URL
start_sink --name direct || fail sink
DIRECT=$SINK_LOG DIRECT_URL=$SINK_URL
start_sink --name moved --status 307 --location "$DIRECT_URL/landed" || fail sink
MOVED=$SINK_LOG MOVED_URL=$SINK_URL
start_sink --name stay --status 307 --location "$DIRECT_URL/never" || fail sink
STAY=$SINK_LOG STAY_URL=$SINK_URL
cat >"$TMPDIR/tocsin.yml" <<EOF
global:
  http_config:
    proxy_url: '$PROXY_URL'
    authorization: {credentials: gl0bal}
route:
  receiver: inherit
  group_by: [alertname]
  group_wait: 1s
  routes:
    - matchers: ['alertname="Own"']
      receiver: own
    - matchers: ['alertname="Moved"']
      receiver: moved
      group_interval: 1h
    - matchers: ['alertname="Stay"']
      receiver: stay
      group_interval: 1h
receivers:
  - name: inherit
    webhook_configs: [{url: 'http://hooks.invalid/inherited'}]
    slack_configs: [{api_url: 'http://slack.invalid/services/x', channel: '#ml'}]
  - name: own
    webhook_configs:
      - url: '$DIRECT_URL/own'
        http_config: {basic_auth: {username: u, password: p}}
  - name: moved
    webhook_configs:
      - url: '$MOVED_URL/old'
        http_config: {}
  - name: stay
    webhook_configs:
      - url: '$STAY_URL/old'
        http_config: {follow_redirects: false}
storage: {path: '$TMPDIR/state/tocsin.db'}
EOF
start_tocsin || fail "not ready"
post_alerts '[{"labels":{"alertname":"Inherit"}},{"labels":{"alertname":"Own"}},{"labels":{"alertname":"Moved"}},{"labels":{"alertname":"Stay"}}]' || fail "post"
wait_sink_count 2 10 "$PROXY" || fail "the proxy got $(sink_count "$PROXY") of 2 requests"
wait_sink_count 2 10 "$DIRECT" || fail "the direct webhook got $(sink_count "$DIRECT") of 2"
wait_sink_count 1 10 "$STAY" || fail "the not-following webhook got nothing"
sleep 1
[ "$(json_lines_get "$PROXY" 'd["path"]' | sort | tr '\n' ' ')" = \
	"http://hooks.invalid/inherited http://slack.invalid/services/x " ] ||
	fail "proxied requests: $(json_lines_get "$PROXY" 'd["path"]')"
[ "$(json_lines_get "$PROXY" 'd["headers"].get("Authorization")' | sort -u)" = "Bearer gl0bal" ] ||
	fail "global authorization: $(json_lines_get "$PROXY" 'd["headers"].get("Authorization")')"
ok "global http_config inherited: proxy_url and authorization, webhook and Slack"
[ "$(sink_count "$DIRECT")" = 2 ] && [ "$(sink_count "$PROXY")" = 2 ] ||
	fail "requests: proxy $(sink_count "$PROXY"), direct $(sink_count "$DIRECT")"
[ "$(json_lines_get "$DIRECT" 'd["path"]' | sort | tr '\n' ' ')" = "/landed /own " ] ||
	fail "direct paths: $(json_lines_get "$DIRECT" 'd["path"]')"
[ "$(json_lines_get "$DIRECT" 'd["headers"].get("Authorization") if d["path"] == "/own" else "-"' | grep -v '^-$')" = "Basic dTpw" ] ||
	fail "own basic_auth: $(json_lines_get "$DIRECT" 'd["headers"].get("Authorization")')"
ok "an own http_config replaces the global one: basic_auth, no proxy"
[ "$(json_lines_get "$DIRECT" 'd["method"] if d["path"] == "/landed" else "-"' | grep -v '^-$')" = POST ] ||
	fail "the 307 was not followed with a POST"
[ "$(json_lines_get "$DIRECT" 'd["json"]["groupLabels"]["alertname"] if d["path"] == "/landed" else "-"' | grep -v '^-$')" = Moved ] ||
	fail "the redirected body"
grep -q '"/never"' "$DIRECT" && fail "follow_redirects: false followed the 307"
ok "a 307 followed with its body, and not with follow_redirects: false"
