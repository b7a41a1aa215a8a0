# tests/integration/lib/peers.sh - real peers for integration tests.
#
# Source it from a test script (POSIX sh / dash; needs ROOT and TMPDIR,
# which run.sh provides):
#
#	. "$ROOT/tests/integration/lib/peers.sh"
#	start_exporter
#	exporter_set 'model_feature_mean{model="fraud"} 5'
#	start_prometheus "$EXPORTER_ADDR"	# sets PROM_URL, waits for up == 1
#	start_sink				# sets SINK_URL, SINK_LOG
#	AM_WEBHOOK_URL=$SINK_URL start_alertmanager	# sets AM_URL
#	...
#
# Sourcing installs traps (EXIT, INT, TERM, HUP) that call stop_all, which
# stops every process started here (and any given to peers_track) by PID,
# TERM then KILL after 10 s, and reaps it.  A test that sets its own EXIT
# trap must call stop_all from it.  The exit status is preserved (a signal
# gives 128+N).  The functions are safe under set -e and set -u.  As in
# any shell, a signal's trap runs only once the foreground command in
# progress (e.g. a sleep) has returned; SIGKILL of the test leaves the
# peers running (nothing can catch it).
#
# Call the start_* functions directly, never in $(...) or a pipeline: they
# set global variables and the PIDs must belong to the test's shell.
#
# Every server binds 127.0.0.1.  The Python peers bind port 0 and report
# the kernel's choice through a port file (no race).  Prometheus and
# Alertmanager get a port from free_port, which has a small race (the
# port is free when probed, another process may take it before the server
# binds); start_prometheus / start_alertmanager retry with a new port (3
# attempts) when the server dies with "address already in use".
#
# Files live in $TMPDIR: exporter-N/, sink-NAME/, prometheus/, alertmanager/
# (each with the process' log in log).
#
# Gotchas measured with Prometheus 2.42 / Alertmanager 0.25 (Debian):
#  - Prometheus is ready in ~0.15 s but scrapes its first target only
#    ~5-6 s after start (the scrape manager applies discovered targets on
#    a 5 s ticker), also after a restart; start_prometheus waits for it.
#    Alertmanager is ready in ~0.15 s.
#  - After a restart the last samples of the previous run stay visible
#    for the 5 min lookback (no stale markers are written at shutdown):
#    start_prometheus therefore waits for an up sample newer than its
#    start.  A series left out of exporter_set, or every series of a
#    target whose scrape fails (exporter_scrape_status 500), vanishes at
#    the next scrape (stale marker), not after 5 min.
#  - After exporter_set, a new value is visible in <= ~1 s (scrape every
#    1 s); exporter_wait_scrapes 2 guarantees a full scrape of the new set.
#  - Every scraped series carries job="exporter", instance="exporter"
#    (relabelled, so labels do not depend on the random port).  Backfilled
#    series must carry these labels too to be the same series as the live
#    ones (else they are distinct series).
#  - Backfill: blocks whose samples reach into the future make Prometheus
#    drop every scraped sample ("out of bounds", even up) until that time.

PEERS_LIB=${PEERS_LIB:-$ROOT/tests/integration/lib}
if [ -z "${PEERS_PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then PEERS_PYTHON=/usr/bin/python3
	else PEERS_PYTHON=python3; fi
fi
PEERS_PROMETHEUS=${PEERS_PROMETHEUS:-/usr/bin/prometheus}
PEERS_ALERTMANAGER=${PEERS_ALERTMANAGER:-/usr/bin/prometheus-alertmanager}
PEERS_PROMTOOL=${PEERS_PROMTOOL:-/usr/bin/promtool}
_PEERS_PIDS=''
_peers_n=0

# ---------------------------------------------------------------- basics

# free_port: print a TCP port free on 127.0.0.1 right now (see the race
# note above; prefer port 0 + a port file when the server supports it).
free_port() {
	"$PEERS_PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# wait_until TIMEOUT_S CMD [ARG...]: run CMD (output discarded) every
# 0.1 s until it succeeds (status 0) or TIMEOUT_S seconds of wall clock
# passed (status 1; CMD is always tried once more at the deadline).
wait_until() {
	_wu_end=$(($(date +%s%3N) + $1 * 1000)); shift
	while [ "$(date +%s%3N)" -lt "$_wu_end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	"$@" >/dev/null 2>&1
}

_peers_http200() {
	[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$1")" = 200 ]
}

# wait_http URL TIMEOUT_S: poll URL with curl until it answers 200.
wait_http() {
	wait_until "$2" _peers_http200 "$1" ||
		{ echo "wait_http: $1 not 200 after $2 s" >&2; return 1; }
}

# start_tocsin [ARG...]: `tocsin run` with $TMPDIR/tocsin.yml (and ARGs)
# on a free 127.0.0.1 port, its output in $TMPDIR/tocsin.log, tracked;
# waits until /-/ready answers.  Sets TPORT, TURL and TPID; status 1 with
# the log printed when it does not get ready within 10 s.
start_tocsin() {
	TPORT=$(free_port)
	TURL=http://127.0.0.1:$TPORT
	"$TOCSIN" run --config.file="$TMPDIR/tocsin.yml" \
		--web.listen-address="127.0.0.1:$TPORT" "$@" \
		>"$TMPDIR/tocsin.log" 2>&1 &
	TPID=$!
	peers_track "$TPID"
	wait_http "$TURL/-/ready" 10 || { cat "$TMPDIR/tocsin.log"; return 1; }
}

# post_alerts JSON: POST /api/v2/alerts to the tocsin start_tocsin started.
post_alerts() {
	curl -sS -f -o /dev/null -X POST -H 'Content-Type: application/json' \
		--data "$1" "$TURL/api/v2/alerts"
}

# _peers_alive PID: true while PID runs (a zombie counts as dead).
_peers_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	case "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" in
	Z|X|'') return 1 ;;
	esac
	return 0
}

# peers_track PID: have stop_all stop PID too (e.g. a `tocsin run` started
# by the test with `"$TOCSIN" run ... & peers_track $!`).
peers_track() { _PEERS_PIDS="$1 $_PEERS_PIDS"; }

# stop_pid PID [TIMEOUT_S]: TERM, wait (default 10 s), KILL, reap, forget.
# Always status 0 (safe under set -e, also for a PID already gone).
stop_pid() {
	_sp_pid=$1 _sp_n=$((${2:-10} * 10))
	_sp_new=''
	for _sp_p in $_PEERS_PIDS; do
		[ "$_sp_p" = "$_sp_pid" ] || _sp_new="$_sp_new $_sp_p"
	done
	_PEERS_PIDS=$_sp_new
	if ! _peers_alive "$_sp_pid"; then
		wait "$_sp_pid" 2>/dev/null || :
		return 0
	fi
	kill -TERM "$_sp_pid" 2>/dev/null || :
	while [ "$_sp_n" -gt 0 ] && _peers_alive "$_sp_pid"; do
		sleep 0.1
		_sp_n=$((_sp_n - 1))
	done
	if _peers_alive "$_sp_pid"; then
		echo "stop_pid: $_sp_pid ignored TERM, killing" >&2
		kill -KILL "$_sp_pid" 2>/dev/null || :
	fi
	wait "$_sp_pid" 2>/dev/null || :
	return 0
}

# stop_all: stop every tracked process, newest first.
stop_all() {
	for _sa_p in $_PEERS_PIDS; do
		stop_pid "$_sa_p"
	done
	_PEERS_PIDS=''
	return 0
}

trap '_peers_rc=$?; set +e; trap - EXIT; stop_all; exit $_peers_rc' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# _peers_spawn LOG CMD [ARG...]: start CMD in the background, output to
# LOG, track it; sets _peers_pid.
_peers_spawn() {
	_ps_log=$1; shift
	"$@" >>"$_ps_log" 2>&1 </dev/null &
	_peers_pid=$!
	peers_track "$_peers_pid"
}

# _peers_wait_file FILE PID TIMEOUT_S LOG: wait until FILE is non-empty
# while PID lives.
_peers_wait_file() {
	_wf_n=$(($3 * 10))
	while [ ! -s "$1" ]; do
		if ! _peers_alive "$2" || [ "$_wf_n" -le 0 ]; then
			echo "peers: no $1 from pid $2; log:" >&2
			tail -n 20 "$4" >&2
			return 1
		fi
		sleep 0.1
		_wf_n=$((_wf_n - 1))
	done
}

# _peers_post URL: POST stdin to URL; on an answer other than 2xx print
# it on stderr and fail.
_peers_post() {
	_pp_out=$(curl -sS --max-time 10 -w '\n%{http_code}' --data-binary @- "$@") || return 1
	case "$(printf '%s\n' "$_pp_out" | tail -n 1)" in
	2??) return 0 ;;
	esac
	printf '%s: %s\n' "$1" "$_pp_out" >&2
	return 1
}

# --------------------------------------------------------------- exporter

# start_exporter [INIT_FILE]: start lib/exporter.py (series from INIT_FILE,
# else none).  Sets EXPORTER_PID, EXPORTER_PORT, EXPORTER_ADDR (host:port,
# the scrape target), EXPORTER_URL (http://host:port), EXPORTER_DIR.
start_exporter() {
	_peers_n=$((_peers_n + 1))
	EXPORTER_DIR=$TMPDIR/exporter-$_peers_n
	mkdir -p "$EXPORTER_DIR"
	rm -f "$EXPORTER_DIR/port"
	if [ $# -gt 0 ]; then set -- --init "$1"; fi
	_peers_spawn "$EXPORTER_DIR/log" "$PEERS_PYTHON" "$PEERS_LIB/exporter.py" \
		--port-file "$EXPORTER_DIR/port" "$@"
	EXPORTER_PID=$_peers_pid
	_peers_wait_file "$EXPORTER_DIR/port" "$EXPORTER_PID" 10 "$EXPORTER_DIR/log" || return 1
	EXPORTER_PORT=$(cat "$EXPORTER_DIR/port")
	EXPORTER_ADDR=127.0.0.1:$EXPORTER_PORT
	EXPORTER_URL=http://$EXPORTER_ADDR
}

# exporter_set [TEXT]: replace the exporter's whole set with TEXT (or
# stdin when no argument); lines as in exporter.py ("name{l=\"v\"} 5",
# "rate: name_total{l=\"v\"} 2.5", "# TYPE ...").  EXPORTER_URL selects
# the exporter.  Fails (message on stderr) on a bad line.
exporter_set() {
	if [ $# -gt 0 ]; then
		printf '%s\n' "$1" | _peers_post "$EXPORTER_URL/set"
	else
		_peers_post "$EXPORTER_URL/set"
	fi
}

# exporter_scrapes: print how many times /metrics was served.
exporter_scrapes() { curl -sS -f --max-time 5 "$EXPORTER_URL/scrapes"; }

_peers_scrapes_ge() { [ "$(exporter_scrapes)" -ge "$1" ]; }

# exporter_wait_scrapes N [TIMEOUT_S]: wait until N more scrapes happened
# (N=2 after exporter_set guarantees one complete scrape of the new set).
exporter_wait_scrapes() {
	_ew_t=$(($(exporter_scrapes) + $1))
	wait_until "${2:-10}" _peers_scrapes_ge "$_ew_t" ||
		{ echo "exporter_wait_scrapes: no $1 scrapes in ${2:-10} s" >&2; return 1; }
}

# exporter_scrape_status CODE: /metrics answers CODE from now on (500:
# the target goes down, up == 0 and all its series go stale); 200 restores.
exporter_scrape_status() {
	printf '%s' "$1" | _peers_post "$EXPORTER_URL/scrape-status"
}

# ------------------------------------------------------------------- sink

# start_sink [--name NAME] [SINK_ARGS...]: start lib/sink.py with the
# given arguments (--status 500,429,200 --delay 0,3 --retry-after 2
# --respond-file F --content-type T).  Sets SINK_PID, SINK_PORT, SINK_URL
# (http://127.0.0.1:PORT, no trailing slash), SINK_LOG (JSON lines),
# SINK_DIR ($TMPDIR/sink-NAME, NAME defaults to a counter).
start_sink() {
	_peers_n=$((_peers_n + 1))
	_ss_name=$_peers_n
	if [ "${1:-}" = --name ]; then _ss_name=$2; shift 2; fi
	SINK_DIR=$TMPDIR/sink-$_ss_name
	mkdir -p "$SINK_DIR"
	rm -f "$SINK_DIR/port"
	SINK_LOG=$SINK_DIR/requests.jsonl
	: >"$SINK_LOG"
	_peers_spawn "$SINK_DIR/log" "$PEERS_PYTHON" "$PEERS_LIB/sink.py" \
		--port-file "$SINK_DIR/port" --log "$SINK_LOG" "$@"
	SINK_PID=$_peers_pid
	_peers_wait_file "$SINK_DIR/port" "$SINK_PID" 10 "$SINK_DIR/log" || return 1
	SINK_PORT=$(cat "$SINK_DIR/port")
	SINK_URL=http://127.0.0.1:$SINK_PORT
}

# sink_count [LOG]: print the number of requests recorded (default SINK_LOG).
sink_count() { wc -l <"${1:-$SINK_LOG}" | tr -d ' '; }

_peers_count_ge() { [ "$(sink_count "$1")" -ge "$2" ]; }

# wait_sink_count N [TIMEOUT_S] [LOG]: wait until LOG holds >= N requests.
wait_sink_count() {
	wait_until "${2:-10}" _peers_count_ge "${3:-$SINK_LOG}" "$1" ||
		{ echo "wait_sink_count: $(sink_count "${3:-$SINK_LOG}") < $1 requests" >&2; return 1; }
}

# sink_status LIST [URL]: restart the sink's answer sequence with LIST
# (e.g. "503,200"); URL defaults to SINK_URL.
sink_status() {
	printf '%s' "$1" | _peers_post "${2:-$SINK_URL}/__sink/status"
}

# sink_request N [LOG]: print the N-th recorded request (1-based) as JSON.
sink_request() { sed -n "${1}p" "${2:-$SINK_LOG}"; }

# ------------------------------------------------------------- prometheus

PROM_DIR=${PROM_DIR:-$TMPDIR/prometheus}
PROM_DATA=${PROM_DATA:-$PROM_DIR/data}

# backfill_openmetrics FILE: write the OpenMetrics FILE (must end with
# "# EOF"; timestamps in seconds) as TSDB blocks into PROM_DATA, before
# start_prometheus.  Constraints (Prometheus 2.42): samples must be older
# than the retention (15 d by default: older blocks are deleted at start)
# and should end before the first scrape: Prometheus starts its head at the
# end of the newest block and rejects older samples of the same series in
# the head ("out of bounds"); overlapping blocks are merged at query time.
backfill_openmetrics() {
	mkdir -p "$PROM_DATA"
	"$PEERS_PROMTOOL" tsdb create-blocks-from openmetrics "$1" "$PROM_DATA" \
		>"$PROM_DIR/backfill.log" 2>&1 ||
		{ echo "backfill_openmetrics: promtool failed:" >&2; cat "$PROM_DIR/backfill.log" >&2; return 1; }
}

# _peers_start_server NAME DIR PORT READY_PATH FUNC [ARG...]: start a Go
# server on PORT (empty: a free port, retried up to 3 times on "address
# already in use"): FUNC ARG... is called with _peers_port set and must
# start it with _peers_spawn "$DIR/log" ...; then wait up to 30 s for the
# log line 'msg="Listening on" address=127.0.0.1:PORT' (Prometheus 2.42
# and Alertmanager 0.25 both print it) and READY_PATH answering 200.  Sets _peers_pid and _peers_port.
_peers_start_server() {
	_sv_name=$1 _sv_dir=$2 _sv_port=$3 _sv_ready=$4; shift 4
	_sv_try=0
	while :; do
		_sv_try=$((_sv_try + 1))
		_peers_port=${_sv_port:-$(free_port)}
		_sv_lines=$(cat "$_sv_dir/log" 2>/dev/null | wc -l)
		"$@"
		# Ready = our process logged it listens on the port (so a
		# stranger who took the port meanwhile is not mistaken for
		# it) and READY_PATH answers 200.
		_sv_end=$(($(date +%s) + 30))
		while _peers_alive "$_peers_pid" && [ "$(date +%s)" -lt "$_sv_end" ]; do
			if tail -n "+$((_sv_lines + 1))" "$_sv_dir/log" |
			   grep -q "msg=\"Listening on\" address=127.0.0.1:$_peers_port\$" &&
			   _peers_http200 "http://127.0.0.1:$_peers_port$_sv_ready"; then
				return 0
			fi
			sleep 0.1
		done
		stop_pid "$_peers_pid"
		if [ -z "$_sv_port" ] && [ "$_sv_try" -lt 3 ] &&
		   tail -n "+$((_sv_lines + 1))" "$_sv_dir/log" |
		   grep -q 'address already in use'; then
			continue
		fi
		echo "peers: $_sv_name did not become ready; log:" >&2
		tail -n 30 "$_sv_dir/log" >&2
		return 1
	done
}

_peers_run_prometheus() {
	_peers_spawn "$PROM_DIR/log" "$PEERS_PROMETHEUS" \
		--config.file="$PROM_DIR/prometheus.yml" \
		--storage.tsdb.path="$PROM_DATA" \
		--web.listen-address="127.0.0.1:$_peers_port" \
		--web.external-url="http://127.0.0.1:$_peers_port/" "$@"
}

# start_prometheus TARGET [PROMETHEUS_FLAGS...]: write $PROM_DIR/prometheus.yml
# (scrape_interval 1s, scrape_timeout 1s, evaluation_interval 1s, job
# "exporter" scraping TARGET (host:port) with its instance label set to
# "exporter" (PROM_INSTANCE, "" keeps host:port) so series are the same
# every run), start Prometheus on 127.0.0.1 (PROM_PORT to force a port,
# e.g. for a restart), wait for /-/ready and for up{job="exporter"} == 1.
# TARGET "" : no scrape job.  Optional: PROM_RULE_FILES (space-separated
# paths: Prometheus evaluates them too, for differential tests) and
# PROM_ALERTMANAGER (host:port, where Prometheus sends alerts).
# Sets PROM_PID, PROM_PORT, PROM_URL.  Data persists in PROM_DATA.
start_prometheus() {
	_spr_target=$1; shift
	_spr_t0=$(date +%s.%N | cut -c1-14)
	mkdir -p "$PROM_DATA"
	{
		echo 'global:'
		echo '  scrape_interval: 1s'
		echo '  scrape_timeout: 1s'
		echo '  evaluation_interval: 1s'
		if [ -n "${PROM_RULE_FILES:-}" ]; then
			echo 'rule_files:'
			for _spr_f in $PROM_RULE_FILES; do echo "  - '$_spr_f'"; done
		fi
		if [ -n "${PROM_ALERTMANAGER:-}" ]; then
			echo 'alerting:'
			echo "  alertmanagers: [{static_configs: [{targets: ['$PROM_ALERTMANAGER']}]}]"
		fi
		if [ -n "$_spr_target" ]; then
			echo 'scrape_configs:'
			echo '  - job_name: exporter'
			echo "    static_configs: [{targets: ['$_spr_target']}]"
			if [ -n "${PROM_INSTANCE-exporter}" ]; then
				echo "    relabel_configs: [{target_label: instance, replacement: '${PROM_INSTANCE-exporter}'}]"
			fi
		fi
	} >"$PROM_DIR/prometheus.yml"
	_peers_start_server prometheus "$PROM_DIR" "${PROM_PORT:-}" /-/ready \
		_peers_run_prometheus "$@" || return 1
	PROM_PID=$_peers_pid PROM_PORT=$_peers_port
	PROM_URL=http://127.0.0.1:$PROM_PORT
	if [ -n "$_spr_target" ]; then
		# A fresh sample: after a restart the old up == 1 is still
		# visible (no stale markers are written at shutdown).
		wait_prom_value "up{job=\"exporter\"} == 1 and timestamp(up{job=\"exporter\"}) >= $_spr_t0" 1 30 ||
			{ echo "start_prometheus: target $_spr_target never up" >&2; return 1; }
	fi
}

# stop_prometheus: stop it (PROM_PORT stays set: start_prometheus again
# reuses port and data, e.g. for restart tests).
stop_prometheus() { stop_pid "$PROM_PID"; }

# prom_query EXPR [TIME]: print the JSON answer of /api/v1/query.
prom_query() {
	if [ $# -gt 1 ]; then
		curl -sS --max-time 10 -G --data-urlencode "query=$1" \
			--data-urlencode "time=$2" "$PROM_URL/api/v1/query"
	else
		curl -sS --max-time 10 -G --data-urlencode "query=$1" "$PROM_URL/api/v1/query"
	fi
}

# prom_value EXPR [TIME]: print the value of the first sample of EXPR (a
# scalar's value for a scalar); status 1 and nothing printed when the
# result is empty.
prom_value() {
	prom_query "$@" | "$PEERS_PYTHON" -c 'import json, sys
d = json.load(sys.stdin)
if d.get("status") != "success":
    sys.exit("prom_value: %s" % d.get("error"))
r = d["data"]["result"]
if d["data"]["resultType"] in ("scalar", "string"):
    print(r[1])
elif r:
    print(r[0]["value"][1])
else:
    sys.exit(1)'
}

_peers_prom_is() { [ "$(prom_value "$1" 2>/dev/null)" = "$2" ]; }

# wait_prom_value EXPR VALUE [TIMEOUT_S]: wait until prom_value EXPR prints
# VALUE (as Prometheus formats it: "5", "0.5", "NaN", "+Inf").
wait_prom_value() {
	wait_until "${3:-10}" _peers_prom_is "$1" "$2" ||
		{ echo "wait_prom_value: $1 is '$(prom_value "$1" 2>&1)', want '$2'" >&2; return 1; }
}

# ----------------------------------------------------------- alertmanager

AM_DIR=${AM_DIR:-$TMPDIR/alertmanager}

# start_alertmanager [CONFIG]: start Alertmanager 0.25 on 127.0.0.1 with
# CONFIG, or a default one: one route (group_by [alertname], group_wait 0s,
# group_interval 1s, repeat_interval 1h) to receiver "default", a webhook
# to AM_WEBHOOK_URL (send_resolved: true) when set, else a null receiver.
# Clustering is off (--cluster.listen-address=), storage in AM_DIR/data.
# AM_PORT forces the port.  Sets AM_PID, AM_PORT, AM_URL.
start_alertmanager() {
	mkdir -p "$AM_DIR/data"
	_sa_conf=${1:-$AM_DIR/alertmanager.yml}
	if [ $# -eq 0 ]; then
		{
			echo 'route:'
			echo '  receiver: default'
			echo '  group_by: [alertname]'
			echo '  group_wait: 0s'
			echo '  group_interval: 1s'
			echo '  repeat_interval: 1h'
			echo 'receivers:'
			echo '  - name: default'
			if [ -n "${AM_WEBHOOK_URL:-}" ]; then
				echo "    webhook_configs: [{url: '$AM_WEBHOOK_URL', send_resolved: true}]"
			fi
		} >"$_sa_conf"
	fi
	_peers_start_server alertmanager "$AM_DIR" "${AM_PORT:-}" /-/ready \
		_peers_run_alertmanager "$_sa_conf" || return 1
	AM_PID=$_peers_pid AM_PORT=$_peers_port
	AM_URL=http://127.0.0.1:$AM_PORT
}

_peers_run_alertmanager() {
	_peers_spawn "$AM_DIR/log" "$PEERS_ALERTMANAGER" --config.file="$1" \
		--storage.path="$AM_DIR/data" \
		--web.listen-address="127.0.0.1:$_peers_port" \
		--web.external-url="http://127.0.0.1:$_peers_port/" \
		--cluster.listen-address=
}

# stop_alertmanager: stop it (AM_PORT stays set for a restart).
stop_alertmanager() { stop_pid "$AM_PID"; }

# am_alerts [QUERY]: print the JSON of /api/v2/alerts[?QUERY].
am_alerts() { curl -sS --max-time 10 "$AM_URL/api/v2/alerts${1:+?$1}"; }

# am_post_alerts JSON: POST a JSON list of alerts to /api/v2/alerts.
am_post_alerts() {
	printf '%s' "$1" | _peers_post "$AM_URL/api/v2/alerts" -H 'Content-Type: application/json'
}

# ------------------------------------------------------------------- json

# json_get SRC EXPR: load JSON from file SRC ("-" = stdin) as d and print
# the Python expression EXPR (e.g. 'd["data"]["result"][0]["value"][1]',
# 'len(d)', '[a["labels"]["alertname"] for a in d]'): a string raw,
# anything else as compact sorted JSON.  Status 1 on an error.
json_get() {
	"$PEERS_PYTHON" -c 'import json, sys
src, expr = sys.argv[1], sys.argv[2]
d = json.load(sys.stdin if src == "-" else open(src))
try:
    r = eval(expr, {"json": json}, {"d": d})
except Exception as e:
    sys.exit("json_get: %s: %r" % (expr, e))
print(r if isinstance(r, str) else json.dumps(r, sort_keys=True, separators=(",", ":")))' "$1" "$2"
}

# json_lines_get FILE EXPR: json_get on each line of a JSON-lines FILE
# (e.g. SINK_LOG), one result per line.
json_lines_get() {
	"$PEERS_PYTHON" -c 'import json, sys
src, expr = sys.argv[1], sys.argv[2]
for line in open(src):
    if not line.strip():
        continue
    d = json.loads(line)
    r = eval(expr, {"json": json}, {"d": d})
    print(r if isinstance(r, str) else json.dumps(r, sort_keys=True, separators=(",", ":")))' "$1" "$2"
}
