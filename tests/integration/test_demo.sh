#!/bin/sh
# test_demo.sh - `make demo` end to end, shortened (DEMO_SECONDS=60): the
# drift and latency alerts are notified to the sink, the drift alert is
# silenced with amtool and its notifications stop while the latency ones
# go on, the latency alert resolves and that is notified, a route is
# tested, and nothing the demo started is left running
# or listening -- also when it is interrupted with SIGINT (Ctrl-C).
set -u

fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

DEMO=$ROOT/examples/demo

# The shipped files check clean.
"$TOCSIN" check config "$DEMO/tocsin.yml" >/dev/null || fail "tocsin check config"
"$TOCSIN" check rules "$DEMO/rules.yml" >/dev/null || fail "tocsin check rules"
promtool check rules "$DEMO/rules.yml" >/dev/null || fail "promtool check rules"
promtool check config "$DEMO/prometheus.yml" >/dev/null || fail "promtool check config"
[ "$("$TOCSIN" routes test --config.file="$DEMO/tocsin.yml" severity=critical)" = ml-pager ] ||
	fail "critical alerts do not page"
ok "demo configuration and rules pass tocsin and promtool checks"

# gone PIDS_FILE: every process listed is gone and no port answers.
gone() {
	[ -s "$1" ] || { echo "no pids file $1"; return 1; }
	while read -r name pid port; do
		if [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; then
			echo "$name (pid $pid) still runs"; return 1
		fi
		if [ "$port" != 0 ] && curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
			echo "$name's port $port still answers"; return 1
		fi
	done <"$1"
}

# --------------------------------------------------------- the full run

D=$TMPDIR/demo
T_START=$(date +%s)
DEMO_SECONDS=60 DEMO_DIR=$D sh "$DEMO/demo.sh" >"$TMPDIR/out" 2>&1
rc=$?
T_END=$(date +%s)
cat "$TMPDIR/out"
[ "$rc" -eq 0 ] || fail "demo exited $rc"
[ $((T_END - T_START)) -le 75 ] || fail "demo took $((T_END - T_START))s for DEMO_SECONDS=60"
ok "demo ran to the end in $((T_END - T_START))s"

N=$D/notifications.jsonl
[ -s "$D/silenced-at" ] || fail "the demo never silenced the drift alert"
T_SIL=$(cat "$D/silenced-at")
# count NAME STATUS FROM TO: notifications holding such an alert, sent in [FROM, TO).
count() {
	python3 - "$N" "$@" <<'EOF'
import json, sys
f, name, status, t0, t1 = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5])
n = 0
for line in open(f):
    d = json.loads(line)
    if t0 <= d['time'] < t1 and any(a['labels']['alertname'] == name and a['status'] == status
                                    for a in d['payload']['alerts']):
        n += 1
print(n)
EOF
}
[ "$(count ModelFeatureDrift firing 0 "$T_SIL")" -ge 1 ] || fail "drift alert never notified"
[ "$(count ModelInferenceLatencyHigh firing 0 1e12)" -ge 1 ] || fail "latency alert never notified"
[ "$(count ModelLatencySLOFastBurn firing 0 1e12)" -ge 1 ] || fail "fast burn never paged"
grep -q '"receiver": "ml-pager"' "$N" || fail "critical alert not routed to ml-pager"
ok "drift and latency alerts notified (the critical one to ml-pager)"

grep -q '^\[ *+[0-9]*s\] ModelFeatureDrift{feature="amount",model="fraud"} *pending$' "$TMPDIR/out" ||
	fail "no pending transition narrated"
grep -q '^\[ *+[0-9]*s\] ModelFeatureDrift{feature="amount",model="fraud"} *firing (value' "$TMPDIR/out" ||
	fail "no firing transition narrated"
grep -q '^\[ *+[0-9]*s\] >>> notification for receiver "ml-team"' "$TMPDIR/out" ||
	fail "the sink printed no notification"
grep -q 'FIRING   ModelFeatureDrift - Feature amount of model fraud drifted' "$TMPDIR/out" ||
	fail "the sink did not print the drift alert's summary"
ok "transitions narrated, notifications printed"

grep -q 'demo: \$ amtool --alertmanager.url=http://127.0.0.1:[0-9]* silence add alertname=ModelFeatureDrift model=fraud' "$TMPDIR/out" ||
	fail "amtool silence add not shown"
grep -Eq '^ +\| [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' "$TMPDIR/out" ||
	fail "amtool silence add printed no silence ID"
grep -q 'ModelFeatureDrift{feature="amount",model="fraud"} *silenced (silence' "$TMPDIR/out" ||
	fail "Tocsin never reported the drift alert silenced"
grep -q '^ *| ModelFeatureDrift .* suppressed' "$TMPDIR/out" ||
	fail "amtool alert query --silenced does not show it"
[ "$(count ModelFeatureDrift firing "$T_SIL" 1e12)" -eq 0 ] ||
	fail "drift notified after the silence"
[ "$(count ModelInferenceLatencyHigh firing "$T_SIL" 1e12)" -ge 1 ] ||
	fail "no latency notification after the silence"
ok "drift silenced with amtool: its notifications stopped, latency ones went on"

[ "$(count ModelInferenceLatencyHigh resolved 0 1e12)" -ge 1 ] ||
	fail "the latency alert's resolution was never notified"
grep -q '^\[ *+[0-9]*s\] ModelInferenceLatencyHigh{model="fraud"} *notified resolved -> ml-team$' "$TMPDIR/out" ||
	fail "the resolved notification was not narrated"
ok "the latency alert resolved and its resolution was notified"

grep -q '^ *| ml-pager$' "$TMPDIR/out" || fail "tocsin routes test not shown"
grep -q 'demo: all stopped; no process or port left behind' "$TMPDIR/out" ||
	fail "the demo did not report a clean stop"
gone "$D/pids" || fail "left behind after the end"
[ "$(wc -l <"$D/pids")" -eq 5 ] || fail "expected 5 processes in $D/pids"
ok "everything stopped by PID, no port left"

# ----------------------------------------------------------- Ctrl-C

# A shell started in the background ignores SIGINT; give it back the
# default disposition, as an interactive terminal would.
D2=$TMPDIR/demo-int
DEMO_DIR=$D2 python3 -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execvp("sh", ["sh", sys.argv[1]])' "$DEMO/demo.sh" >"$TMPDIR/out2" 2>&1 &
DPID=$!
i=0
until grep -q '^tocsin ' "$D2/pids" 2>/dev/null; do
	i=$((i + 1)); [ "$i" -lt 300 ] || { kill -TERM "$DPID"; fail "demo never started tocsin"; }
	sleep 0.1
done 2>/dev/null
sleep 1
kill -INT "$DPID"
wait "$DPID"
rc=$?
cat "$TMPDIR/out2"
[ "$rc" -eq 130 ] || fail "exit status $rc after SIGINT, want 130"
gone "$D2/pids" || fail "left behind after SIGINT"
ok "SIGINT stops everything (exit 130)"
