#!/bin/sh
# test_oauth2.sh - a webhook whose http_config has oauth2 (as Alertmanager
# 0.25 allows): tocsin run gets a client-credentials token from the token
# endpoint, sends it as a Bearer token, and asks once for several
# notifications while the token is valid.
set -u
. "$ROOT/tests/integration/lib/peers.sh"

fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

printf '{"access_token":"t0k3n","token_type":"bearer","expires_in":3600}\n' \
	>"$TMPDIR/token.json"
start_sink --name token --respond-file "$TMPDIR/token.json" || fail sink
TOKEN=$SINK_LOG TOKEN_URL=$SINK_URL
start_sink --name hook || fail sink
HOOK=$SINK_LOG HOOK_URL=$SINK_URL
printf 'from-a-file\n' >"$TMPDIR/secret"
cat >"$TMPDIR/tocsin.yml" <<EOF
route:
  receiver: hook
  group_by: [model]
  group_wait: 1s
receivers:
  - name: hook
    webhook_configs:
      - url: '$HOOK_URL/hook'
        http_config:
          oauth2:
            client_id: tocsin
            client_secret_file: '$TMPDIR/secret'
            token_url: '$TOKEN_URL/oauth/token'
            scopes: [notify]
            endpoint_params: {audience: alerts}
storage: {path: '$TMPDIR/state/tocsin.db'}
EOF
"$TOCSIN" check config "$TMPDIR/tocsin.yml" >"$TMPDIR/check.out" 2>&1 || { cat "$TMPDIR/check.out"; fail "check config"; }
grep -q warning "$TMPDIR/check.out" && fail "oauth2 warned about: $(cat "$TMPDIR/check.out")"
start_tocsin || fail "not ready"

post_alerts '[{"labels":{"alertname":"Drift","model":"a"}},{"labels":{"alertname":"Drift","model":"b"}},{"labels":{"alertname":"Drift","model":"c"}}]' || fail "post"
wait_sink_count 3 10 "$HOOK" || fail "webhook got $(sink_count "$HOOK") of 3"
[ "$(sink_count "$TOKEN")" = 1 ] || fail "$(sink_count "$TOKEN") token requests for three notifications"
[ "$(json_lines_get "$TOKEN" 'd["path"]')" = /oauth/token ] || fail "token path"
[ "$(json_lines_get "$TOKEN" 'd["body"]')" = "audience=alerts&grant_type=client_credentials&scope=notify" ] ||
	fail "token request form: $(json_lines_get "$TOKEN" 'd["body"]')"
# Basic base64("tocsin:from-a-file")
[ "$(json_lines_get "$TOKEN" 'd["headers"].get("Authorization")')" = "Basic dG9jc2luOmZyb20tYS1maWxl" ] ||
	fail "token request auth: $(json_lines_get "$TOKEN" 'd["headers"].get("Authorization")')"
[ "$(json_lines_get "$HOOK" 'd["headers"].get("Authorization")' | sort -u)" = "Bearer t0k3n" ] ||
	fail "webhook auth: $(json_lines_get "$HOOK" 'd["headers"].get("Authorization")')"
ok "one client-credentials token fetched, sent with all three notifications"
