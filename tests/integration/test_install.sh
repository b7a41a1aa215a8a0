#!/bin/sh
# test_install.sh - `make install` on a fresh machine: every file lands
# where the Makefile's header says, the installed binary runs and finds its
# templates, the installed rule packs, their tests and the examples load,
# the systemd unit verifies and points at the installed binary, uninstall
# removes it all; and `tocsin run` tells systemd (NOTIFY_SOCKET) that it is
# ready, reloading and stopping, and exits 78 on a bad configuration (the
# unit's RestartPreventExitStatus).
#
# The binary under test is copied to $TMPDIR/build/tocsin and installed
# with BUILD pointing there and `make -o`, so make compiles nothing and
# never touches the tree TOCSIN was built in.
set -u
. "$ROOT/tests/integration/lib/peers.sh"

fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

mkdir -p "$TMPDIR/build"
cp "$TOCSIN" "$TMPDIR/build/tocsin" || fail "cannot copy $TOCSIN"

# minstall DESTDIR PREFIX [TARGET]: the Makefile's install (or TARGET) with
# nothing from the calling make or the environment leaking in.
minstall() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BINDIR -u MANDIR -u DOCDIR \
		-u SYSTEMDUNITDIR make -s -C "$ROOT" -o "$TMPDIR/build/tocsin" \
		BUILD="$TMPDIR/build" DESTDIR="$1" PREFIX="$2" "${3:-install}" \
		>"$TMPDIR/make.log" 2>&1 || { cat "$TMPDIR/make.log"; return 1; }
}

D=$TMPDIR/root
P=$D/usr/local
minstall "$D" /usr/local || fail "make install"
ok "make install DESTDIR=... PREFIX=/usr/local"

# ------------------------------------------------------------ the files

# Expected: derived from the repository, so a new template, rule pack,
# man page or example is expected too.
cd "$ROOT" || exit 1
{
	echo bin/tocsin
	for f in templates/*.tmpl; do echo "share/tocsin/$f"; done
	for f in rules/*.yml rules/README.md rules/tests/*.yml; do
		echo "share/tocsin/$f"
	done
	for f in man/*.[1-9]; do echo "share/man/man${f##*.}/${f#man/}"; done
	echo share/doc/tocsin/README.md
	for f in examples/*.yml examples/MIGRATING.md examples/templates/*; do
		echo "share/doc/tocsin/$f"
	done
	echo share/doc/tocsin/examples/tocsin.service
	echo lib/systemd/system/tocsin.service
} >"$TMPDIR/want"
missing=0
while read -r f; do
	[ -f "$P/$f" ] || { echo "missing $P/$f"; missing=$((missing + 1)); }
done <"$TMPDIR/want"
[ "$missing" -eq 0 ] || fail "$missing installed files missing"
ok "$(wc -l <"$TMPDIR/want") files installed"
(cd "$D" && find . -type f | sed 's#^\./usr/local/##' | sort) >"$TMPDIR/got"
sort "$TMPDIR/want" | diff - "$TMPDIR/got" >"$TMPDIR/extra" ||
	{ cat "$TMPDIR/extra"; fail "unexpected files installed"; }
[ -x "$P/bin/tocsin" ] || fail "bin/tocsin not executable"
[ "$(stat -c %a "$P/lib/systemd/system/tocsin.service")" = 644 ] ||
	fail "unit mode $(stat -c %a "$P/lib/systemd/system/tocsin.service")"
ok "nothing else installed; modes"

# ------------------------------------------------------- the binary runs

BIN=$P/bin/tocsin
[ "$("$BIN" --version)" = "$("$TOCSIN" --version)" ] || fail "--version"
"$BIN" --help >/dev/null || fail "--help"
"$BIN" run --help | grep -q -- --storage.path || fail "run --help"
ok "installed binary: --version, --help"

# Built-in templates are found beside the binary (../share/tocsin),
# whatever the working directory.
(cd / && env -u TOCSIN_DATADIR "$BIN" template render \
	--template.text='{{ template "__subject" . }}' \
	--template.data="$ROOT/examples/templates/data.json") \
	>"$TMPDIR/subject" 2>&1 || { cat "$TMPDIR/subject"; fail "template render"; }
grep -q FIRING "$TMPDIR/subject" || { cat "$TMPDIR/subject"; fail "subject"; }
ok "installed binary finds the installed templates"

"$BIN" check rules "$P"/share/tocsin/rules/*.yml >"$TMPDIR/rules.log" 2>&1 ||
	{ cat "$TMPDIR/rules.log"; fail "installed rule packs"; }
if [ -x "$PEERS_PROMTOOL" ]; then
	(cd "$P/share/tocsin/rules" && "$PEERS_PROMTOOL" test rules tests/*.yml) \
		>"$TMPDIR/promtool.log" 2>&1 ||
		{ cat "$TMPDIR/promtool.log"; fail "promtool test rules (installed)"; }
	ok "installed rule packs check; their tests pass (promtool)"
else
	ok "installed rule packs check (no promtool: tests not run)"
fi
for f in "$P"/share/doc/tocsin/examples/*.yml; do
	case "$f" in */broken-*) continue ;; esac
	"$BIN" check config "$f" >"$TMPDIR/ex.log" 2>&1 ||
		{ cat "$TMPDIR/ex.log"; fail "installed $f"; }
done
ok "installed examples load"

# ------------------------------------------------------------ the unit

U=$P/lib/systemd/system/tocsin.service
for want in '^Type=notify$' \
	'^ExecStart=/usr/local/bin/tocsin run --config.file=/etc/tocsin/tocsin.yml --storage.path=/var/lib/tocsin/tocsin.db$' \
	'^ExecReload=/bin/kill -HUP \$MAINPID$' '^Restart=on-failure$' \
	'^RestartPreventExitStatus=78$' '^StateDirectory=tocsin$' \
	'^DynamicUser=yes$' '^NoNewPrivileges=yes$' '^ProtectSystem=strict$' \
	'^CapabilityBoundingSet=$' \
	'^RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6$'; do
	grep -q "$want" "$U" || fail "unit lacks $want"
done
ok "unit: notify, reload by SIGHUP, no restart on exit 78, hardened"
# The flags of ExecStart are flags of `tocsin run`.
for flag in --config.file --storage.path; do
	"$BIN" run --help | grep -q -- "$flag=" || fail "run has no $flag"
done
if command -v systemd-analyze >/dev/null 2>&1; then
	# verify wants ExecStart's binary to exist: point it into DESTDIR.
	mkdir -p "$TMPDIR/unit"
	sed "s#^ExecStart=/usr/local/bin/#ExecStart=$P/bin/#" "$U" \
		>"$TMPDIR/unit/tocsin.service"
	if command -v man >/dev/null 2>&1; then
		MANPATH=$P/share/man systemd-analyze verify \
			"$TMPDIR/unit/tocsin.service" >"$TMPDIR/verify" 2>&1
	else
		systemd-analyze verify --man=no \
			"$TMPDIR/unit/tocsin.service" >"$TMPDIR/verify" 2>&1
	fi
	rc=$?
	# verify exits 0 on unknown keys; any output is a finding.
	if [ "$rc" -ne 0 ] || [ -s "$TMPDIR/verify" ]; then
		cat "$TMPDIR/verify"; fail "systemd-analyze verify (exit $rc)"
	fi
	ok "systemd-analyze verify: clean (Documentation= man pages found)"
else
	echo "note: no systemd-analyze; the unit is not verified"
fi

# Another PREFIX: the unit follows it, templates are still found.
minstall "$TMPDIR/opt" /opt/tocsin || fail "make install PREFIX=/opt/tocsin"
grep -q '^ExecStart=/opt/tocsin/bin/tocsin run ' \
	"$TMPDIR/opt/opt/tocsin/lib/systemd/system/tocsin.service" ||
	fail "PREFIX=/opt/tocsin: ExecStart not under the prefix"
env -u TOCSIN_DATADIR "$TMPDIR/opt/opt/tocsin/bin/tocsin" template render \
	--template.text='{{ template "__subject" . }}' \
	--template.data="$ROOT/examples/templates/data.json" >/dev/null 2>&1 ||
	fail "PREFIX=/opt/tocsin: templates not found"
ok "PREFIX=/opt/tocsin: unit and templates follow"

minstall "$D" /usr/local uninstall || fail "make uninstall"
left=$(find "$D" -type f | head -n 5)
[ -z "$left" ] || fail "uninstall left $left"
ok "make uninstall removes every file"
minstall "$D" /usr/local || fail "make install again"

# ------------------------------------------------- run: exit status 78

W=$TMPDIR/run
mkdir -p "$W"
printf 'route: {receiver: nobody}\nreceivers: [{name: ops}]\n' >"$W/bad.yml"
"$BIN" run --config.file="$W/bad.yml" --storage.path="$W/bad.db" \
	--web.listen-address=127.0.0.1:0 >"$W/bad.log" 2>&1
rc=$?
[ "$rc" -eq 78 ] || { cat "$W/bad.log"; fail "bad config: exit $rc, want 78"; }
ok "bad configuration exits 78 (RestartPreventExitStatus)"

# ------------------------------------------------------ run: sd_notify

# listen SOCKET LOG: a unix datagram socket (a leading @: abstract); each
# datagram becomes one line of LOG: CLOCK_MONOTONIC in us at receipt, then
# the message with its newlines as spaces.
listen() {
	"$PEERS_PYTHON" -u -c '
import socket, sys, time
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + path[1:] if path.startswith("@") else path)
open(sys.argv[2] + ".ready", "w").close()
with open(sys.argv[2], "a") as log:
    while True:
        m = s.recv(4096).decode()
        log.write("%d %s\n" % (time.monotonic_ns() // 1000, m.replace("\n", " ")))
        log.flush()
' "$1" "$2" >"$2.err" 2>&1 &
	peers_track $!
	wait_until 5 test -e "$2.ready" || { cat "$2.err"; fail "listener"; }
}
# after N PATTERN LOG: some line after the first N of LOG matches PATTERN.
after() { tail -n +"$(($1 + 1))" "$3" | grep -q -- "$2"; }
lines() { wc -l <"$1" | tr -d ' '; }

PORT=$(free_port)
cat >"$W/tocsin.yml" <<EOF
route: {receiver: ops}
receivers: [{name: ops}]
EOF
cp "$W/tocsin.yml" "$W/good.yml"
N=$W/notify.log
listen "$W/notify.sock" "$N"
NOTIFY_SOCKET=$W/notify.sock "$BIN" run --config.file="$W/tocsin.yml" \
	--storage.path="$W/state/tocsin.db" \
	--web.listen-address="127.0.0.1:$PORT" >"$W/tocsin.log" 2>&1 &
TPID=$!
peers_track "$TPID"
wait_until 10 after 0 '^[0-9]* READY=1' "$N" ||
	{ cat "$W/tocsin.log" "$N"; fail "no READY=1 at start"; }
_peers_http200 "http://127.0.0.1:$PORT/-/ready" ||
	fail "READY=1 sent before /-/ready answers"
ok "READY=1 once it serves ($(head -n 1 "$N" | cut -d' ' -f2-))"

# reload_check WHAT: SIGHUP; RELOADING=1 with a MONOTONIC_USEC of now,
# then READY=1 in a later datagram.
reload_check() {
	n=$(lines "$N")
	kill -HUP "$TPID"
	wait_until 10 after "$((n + 1))" '^[0-9]* READY=1' "$N" ||
		{ cat "$W/tocsin.log" "$N"; fail "$1: no READY=1 after RELOADING=1"; }
	line=$(sed -n "$((n + 1))p" "$N")
	"$PEERS_PYTHON" - "$line" <<'EOF' || fail "$1: first datagram: $line"
import re, sys
m = re.fullmatch(r"(\d+) RELOADING=1 MONOTONIC_USEC=(\d+)", sys.argv[1])
if not m or not 0 <= int(m[1]) - int(m[2]) < 5_000_000:
    sys.exit("want RELOADING=1 and MONOTONIC_USEC of the moment")
EOF
	ok "$1: RELOADING=1 MONOTONIC_USEC=now, then READY=1"
}
reload_check "SIGHUP reload"
printf 'route: {receiver: nobody}\nreceivers: [{name: ops}]\n' >"$W/tocsin.yml"
reload_check "SIGHUP with a broken file"
curl -sS "http://127.0.0.1:$PORT/metrics" |
	grep -q '^tocsin_config_last_reload_successful 0' ||
	fail "broken reload not reported"
_peers_http200 "http://127.0.0.1:$PORT/-/ready" || fail "not ready after a failed reload"
cp "$W/good.yml" "$W/tocsin.yml"

n=$(lines "$N")
kill -TERM "$TPID"
wait "$TPID"
rc=$?
[ "$rc" -eq 0 ] || fail "exit $rc after SIGTERM"
after "$n" '^[0-9]* STOPPING=1$' "$N" || { cat "$N"; fail "no STOPPING=1"; }
ok "STOPPING=1 at SIGTERM, exit 0"

# An abstract socket, as systemd may pass one.
A=$W/abstract.log
listen "@tocsin-test-$$-$PORT" "$A"
NOTIFY_SOCKET="@tocsin-test-$$-$PORT" "$BIN" run --config.file="$W/tocsin.yml" \
	--storage.path="$W/state/tocsin.db" \
	--web.listen-address="127.0.0.1:$PORT" >>"$W/tocsin.log" 2>&1 &
TPID=$!
peers_track "$TPID"
wait_until 10 after 0 '^[0-9]* READY=1' "$A" ||
	{ cat "$W/tocsin.log" "$A"; fail "abstract socket: no READY=1"; }
kill -TERM "$TPID"
wait "$TPID" || fail "exit status after SIGTERM"
after 0 'STOPPING=1' "$A" || fail "abstract socket: no STOPPING=1"
ok "abstract NOTIFY_SOCKET: READY=1, STOPPING=1"
