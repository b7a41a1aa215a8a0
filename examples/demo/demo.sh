#!/bin/sh
# examples/demo/demo.sh - Tocsin end to end, in about two minutes (`make demo`).
#
# Starts on free 127.0.0.1 ports: a pretend model service
# (model_service.py: a feature's mean drifts, then inference slows down),
# the real Prometheus scraping it every second, a notification sink
# (notify_sink.py: prints what a chat channel would show) and `tocsin run`
# with examples/demo/tocsin.yml (rules: examples/demo/rules.yml).  It
# narrates the alerts' transitions (watch.py), silences the drift alert
# with amtool against Tocsin, queries alerts, tests a route, and after
# DEMO_SECONDS (default 120) or on Ctrl-C stops everything it started, by
# PID.
#
# Environment:
#   DEMO_SECONDS  how long the demo runs, from its start (default 120; >= 60)
#   DEMO_JSON=1   the sink also prints each webhook's raw JSON
#   DEMO_DIR      where logs and state go (kept); default a temporary
#                 directory, removed at the end
#   TOCSIN        the binary (default ./tocsin of the checkout)
# Needs prometheus, amtool (prometheus-alertmanager), python3, curl:
# `tests/deps.sh demo` installs them.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$ROOT/examples/demo
TOCSIN=${TOCSIN:-./tocsin}
case $TOCSIN in
/*) ;;
*/*) TOCSIN=$(cd "$(dirname "$TOCSIN")" && pwd)/$(basename "$TOCSIN") ;;
esac
cd "$ROOT" || exit 1
[ "$TOCSIN" != "$ROOT/tocsin" ] || TOCSIN=./tocsin
DEMO_SECONDS=${DEMO_SECONDS:-120}
AMTOOL=${AMTOOL:-amtool}

case $DEMO_SECONDS in
''|*[!0-9]*) echo "demo: DEMO_SECONDS must be a number of seconds" >&2; exit 64 ;;
esac
[ "$DEMO_SECONDS" -ge 60 ] || { echo "demo: DEMO_SECONDS must be >= 60" >&2; exit 64; }
[ -x /usr/bin/prometheus ] ||
	{ echo "demo: /usr/bin/prometheus not found (tests/deps.sh demo)" >&2; exit 69; }
for c in "$TOCSIN" "$AMTOOL" python3 curl; do
	command -v "$c" >/dev/null 2>&1 ||
		{ echo "demo: $c not found (tests/deps.sh demo)" >&2; exit 69; }
done

if [ -n "${DEMO_DIR:-}" ]; then
	mkdir -p "$DEMO_DIR" && DEMO_DIR=$(cd "$DEMO_DIR" && pwd) && KEEP=1
else
	DEMO_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tocsin-demo.XXXXXX") && KEEP=0
fi || exit 1
TMPDIR=$DEMO_DIR
export TMPDIR
. "$ROOT/tests/integration/lib/peers.sh"

T0=$(date +%s.%N)
T0S=${T0%.*}
NOTIFS=$DEMO_DIR/notifications.jsonl
PIDS=$DEMO_DIR/pids
: >"$NOTIFS"
: >"$PIDS"

elapsed() { echo $(($(date +%s) - T0S)); }
say() { printf '[%+5ds] demo: %s\n' "$(elapsed)" "$*"; }
run() { # show a command (arguments with spaces quoted), then run it
	_line=''
	for _a in "$@"; do
		case $_a in
		--*=*' '*) _line="$_line ${_a%%=*}=\"${_a#*=}\"" ;;
		*' '*) _line="$_line \"$_a\"" ;;
		*) _line="$_line $_a" ;;
		esac
	done
	printf '[%+5ds] demo: $%s\n' "$(elapsed)" "$_line"
	# amtool warns that Tocsin's version is not its own; nothing else differs.
	"$@" 2>&1 | grep -v '^Warning: amtool version .* are different' | sed 's/^/         | /'
}
die() { say "FAILED: $*"; exit 1; }

# Ctrl-C, TERM, the end: stop everything started here, newest first.
finish() {
	rc=$?
	set +e
	trap - EXIT INT TERM HUP
	say "stopping everything the demo started (by PID)"
	stop_all
	left=''
	while read -r name pid port; do
		if _peers_alive "$pid"; then left="$left $name($pid)"; fi
		if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/"; then
			left="$left port:$port"
		fi
	done <"$PIDS"
	if [ -n "$left" ]; then
		say "still running:$left"
		[ "$rc" -ne 0 ] || rc=1
	else
		say "all stopped; no process or port left behind"
	fi
	if [ "$KEEP" = 1 ]; then say "logs and state kept in $DEMO_DIR"
	else rm -rf "$DEMO_DIR"; fi
	exit "$rc"
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# The model service's schedule, in seconds after T0.  Drift needs 20 s of
# history (the rule compares with 20 s ago) and Prometheus' first scrape
# comes ~7 s after start.
DRIFT_AT=12
SLOW_AT=20
RECOVER_AT=$((DEMO_SECONDS - 35))
[ "$RECOVER_AT" -ge 40 ] || RECOVER_AT=40

echo "Tocsin demo: ${DEMO_SECONDS}s, then everything stops (Ctrl-C stops it earlier)."
echo "A fraud model's service; its feature \"amount\" starts drifting at +${DRIFT_AT}s,"
echo "its inferences slow down at +${SLOW_AT}s and recover at +${RECOVER_AT}s."
echo

# ------------------------------------------------------------- servers

start_py() { # NAME SCRIPT ARGS...: start a Python server, output to the terminal
	_n=$1 _s=$2; shift 2
	rm -f "$DEMO_DIR/$_n.port"
	python3 "$HERE/$_s" --port-file "$DEMO_DIR/$_n.port" --t0 "$T0" "$@" </dev/null &
	_peers_pid=$!
	peers_track "$_peers_pid"
	_peers_wait_file "$DEMO_DIR/$_n.port" "$_peers_pid" 10 /dev/null || die "$_n did not start"
	_port=$(cat "$DEMO_DIR/$_n.port")
	echo "$_n $_peers_pid $_port" >>"$PIDS"
}

start_py notify-sink notify_sink.py --log "$NOTIFS"
SINK_PID=$_peers_pid SINK_PORT=$_port
say "notification sink    pid $SINK_PID  http://127.0.0.1:$SINK_PORT"

start_py model-service model_service.py \
	--drift-at "$DRIFT_AT" --slow-at "$SLOW_AT" --recover-at "$RECOVER_AT"
MODEL_PID=$_peers_pid MODEL_PORT=$_port
say "model service        pid $MODEL_PID  http://127.0.0.1:$MODEL_PORT/metrics"

mkdir -p "$PROM_DIR"
sed "s/MODEL_SERVICE_ADDR/127.0.0.1:$MODEL_PORT/" "$HERE/prometheus.yml" >"$PROM_DIR/prometheus.yml"
_peers_start_server prometheus "$PROM_DIR" "" /-/ready _peers_run_prometheus \
	--storage.tsdb.retention.time=1h ||
	die "prometheus did not start (log: $PROM_DIR/log)"
# shellcheck disable=SC2154 # set by _peers_start_server (peers.sh)
PROM_PID=$_peers_pid PROM_PORT=$_peers_port PROM_URL=http://127.0.0.1:$_peers_port
echo "prometheus $PROM_PID $PROM_PORT" >>"$PIDS"
say "prometheus           pid $PROM_PID  $PROM_URL (scrapes the model service every 1s)"

# Tocsin runs a copy of examples/demo/tocsin.yml with this run's ports.
sed -e "s|http://127.0.0.1:9090|$PROM_URL|" \
    -e "s|http://127.0.0.1:5001/|http://127.0.0.1:$SINK_PORT/|" \
    -e "s|^  - rules.yml\$|  - '$HERE/rules.yml'|" \
    "$HERE/tocsin.yml" >"$DEMO_DIR/tocsin.yml"
TOCSIN_PID=''
for _try in 1 2 3; do
	TPORT=$(free_port)
	"$TOCSIN" run --config.file="$DEMO_DIR/tocsin.yml" \
		--storage.path="$DEMO_DIR/tocsin.db" \
		--web.listen-address="127.0.0.1:$TPORT" \
		--web.external-url="http://127.0.0.1:$TPORT" \
		>>"$DEMO_DIR/tocsin.log" 2>&1 </dev/null &
	TOCSIN_PID=$!
	peers_track "$TOCSIN_PID"
	wait_until 10 _peers_http200 "http://127.0.0.1:$TPORT/-/ready" && break
	stop_pid "$TOCSIN_PID"
	TOCSIN_PID=''
	grep -q 'address already in use\|cannot bind' "$DEMO_DIR/tocsin.log" 2>/dev/null || break
done
[ -n "$TOCSIN_PID" ] || { tail -n 20 "$DEMO_DIR/tocsin.log"; die "tocsin run did not start"; }
TURL=http://127.0.0.1:$TPORT
echo "tocsin $TOCSIN_PID $TPORT" >>"$PIDS"
say "tocsin run           pid $TOCSIN_PID  $TURL (log: $DEMO_DIR/tocsin.log)"
say "  rules: examples/demo/rules.yml every 1s; routes: critical -> ml-pager, rest -> ml-team"

python3 "$HERE/watch.py" --tocsin "$TURL" --notifications "$NOTIFS" --t0 "$T0" </dev/null &
WATCH_PID=$!
peers_track "$WATCH_PID"
echo "watcher $WATCH_PID 0" >>"$PIDS"

wait_prom_value 'up{job="model-server"}' 1 20 || die "prometheus never scraped the model service"
say "prometheus scrapes the model service; waiting for the alerts..."
echo
echo "  [time] ALERT{labels}  state    alert transitions, from Tocsin's /api/v1/alerts and"
echo "                                 /api/v2/alerts, and when the sink got a notification"
echo "  [time] >>> ...                 a notification as the receiving channel shows it"
echo

# ------------------------------------------------------------- narration

# notified NAME [SINCE]: number of notifications with a firing NAME alert
# received at or after epoch SINCE.
notified() {
	python3 - "$NOTIFS" "$1" "${2:-0}" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1]):
    if not line.endswith('\n'):
        continue
    d = json.loads(line)
    if d['time'] >= float(sys.argv[3]) and any(
            a['labels'].get('alertname') == sys.argv[2] and a['status'] == 'firing'
            for a in d['payload']['alerts']):
        n += 1
print(n)
EOF
}
_notified_ge() { [ "$(notified "$@")" -ge 1 ]; }
remaining() { echo $((DEMO_SECONDS - $(elapsed))); }
wait_notified() { # NAME SINCE: wait (within the demo's time) for a notification
	_r=$(($(remaining) - 5))
	[ "$_r" -gt 0 ] && wait_until "$_r" _notified_ge "$1" "$2"
}

wait_notified ModelFeatureDrift 0 || die "ModelFeatureDrift was never notified"
sleep 2
echo
say "The drift is known: the model is being retrained on the new amounts."
say "Tocsin serves the Alertmanager API v2, so amtool works against it:"
run "$AMTOOL" --alertmanager.url="$TURL" alert query
say "Silence the drift alert while the model is retrained, with amtool:"
T_SIL=$(date +%s.%N)
echo "$T_SIL" >"$DEMO_DIR/silenced-at"
run "$AMTOOL" --alertmanager.url="$TURL" silence add alertname=ModelFeatureDrift model=fraud \
	--duration=1h --author=demo --comment="retraining the fraud model on the new amounts"
run "$AMTOOL" --alertmanager.url="$TURL" silence query
say "Tocsin's own CLI does the same ('tocsin silence add' too), and keeps who did what:"
run "$TOCSIN" silence query --url="$TURL"
run "$TOCSIN" silence history --db="$DEMO_DIR/tocsin.db"
say "Where would a page for this model go?  (tocsin routes test, offline)"
run "$TOCSIN" routes test --config.file=examples/demo/tocsin.yml model=fraud severity=critical
run "$TOCSIN" routes test --config.file=examples/demo/tocsin.yml model=fraud severity=warning
echo

say "Waiting for the next latency notification (repeat_interval 15s)..."
if wait_notified ModelInferenceLatencyHigh "$T_SIL"; then
	sleep 1
	d=$(notified ModelFeatureDrift "$T_SIL") l=$(notified ModelInferenceLatencyHigh "$T_SIL")
	say "Since the silence: $d drift notifications, $l latency notifications."
	if [ "$d" -eq 0 ]; then
		say "The drift alert still fires in Tocsin, silenced: its notifications stopped."
	fi
	run "$AMTOOL" --alertmanager.url="$TURL" alert query --silenced
else
	say "no latency notification since the silence (demo too short?)"
fi
echo

while [ "$(remaining)" -gt 0 ]; do sleep 1; done
echo
say "${DEMO_SECONDS}s are up."
python3 - "$NOTIFS" "$T_SIL" <<'EOF'
import json, sys, collections
before, after = collections.Counter(), collections.Counter()
for line in open(sys.argv[1]):
    d = json.loads(line)
    c = after if d['time'] >= float(sys.argv[2]) else before
    for a in d['payload']['alerts']:
        c['%s (%s, %s)' % (a['labels']['alertname'], a['status'], d['payload']['receiver'])] += 1
print('         notifications received  before silence  after silence')
for k in sorted(set(before) | set(after)):
    print('         %-48s %3d %14d' % (k, before[k], after[k]))
EOF
exit 0
