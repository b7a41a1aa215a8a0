#!/bin/sh
# test_slow_receiver.sh - one slow endpoint never delays another receiver:
# 150 groups go to a webhook that takes 6 s to answer each request,
# then three groups to another webhook, which must get them at once --
# not after the slow one's backlog (notifications share no global cap;
# each endpoint gets a few connections of its own).
set -u
. "$ROOT/tests/integration/lib/peers.sh"

fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

start_sink --name slow --delay 6 || fail sink
SLOW=$SINK_LOG SLOW_URL=$SINK_URL
start_sink --name fast || fail sink
FAST=$SINK_LOG FAST_URL=$SINK_URL
cat >"$TMPDIR/tocsin.yml" <<EOF
route:
  receiver: fast
  group_by: [model]
  group_wait: 1s
  group_interval: 1h
  repeat_interval: 1h
  routes:
    - matchers: ['alertname="Slow"']
      receiver: slow
receivers:
  - name: slow
    webhook_configs: [{url: '$SLOW_URL/slow'}]
  - name: fast
    webhook_configs: [{url: '$FAST_URL/fast'}]
storage: {path: '$TMPDIR/state/tocsin.db'}
EOF
start_tocsin --shutdown.timeout=1 || fail "not ready"

post() { post_alerts "$1" || fail "post"; }
body='[' i=0
while [ $i -lt 150 ]; do
	body="$body{\"labels\":{\"alertname\":\"Slow\",\"model\":\"s$i\"}},"
	i=$((i + 1))
done
post "${body%,}]"
# the slow groups flush first and hold their requests open
wait_until 10 sh -c "[ \$(wc -l <'$SLOW') -ge 10 ]" || fail "the slow webhook got nothing"
sleep 1 # every slow flush has started
T0=$(date +%s)
post '[{"labels":{"alertname":"Fast","model":"f1"}},{"labels":{"alertname":"Fast","model":"f2"}},{"labels":{"alertname":"Fast","model":"f3"}}]'
wait_until 10 sh -c "[ \$(wc -l <'$FAST') -ge 3 ]" || fail "the fast webhook got $(wc -l <"$FAST") of 3"
T1=$(date +%s)
[ $((T1 - T0)) -le 3 ] || fail "the fast webhook waited $((T1 - T0)) s behind the slow one"
ok "three notifications to a fast webhook in $((T1 - T0)) s while a slow one holds $(wc -l <"$SLOW") requests"
