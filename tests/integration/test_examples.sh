#!/bin/sh
# The examples and the README's console excerpt are part of the docs: they
# must load, and the README must show what Tocsin really prints.  Every file
# of examples/ is covered here, except examples/demo/*.py and demo.sh
# (test_demo.sh runs them); the installed copies and the systemd unit's
# verification are in test_install.sh.
set -u
fails=0
PROMTOOL=${PEERS_PROMTOOL:-/usr/bin/promtool}
AMTOOL=${AMTOOL:-/usr/bin/amtool}
cd "$ROOT" || exit 1

# pass NAME CMD [ARG...]: CMD must exit 0.
pass() {
	_name=$1; shift
	if "$@" >"$TMPDIR/out" 2>&1; then
		echo "ok $_name"
	else
		echo "FAIL $_name"; cat "$TMPDIR/out"; fails=$((fails + 1))
	fi
}

for f in examples/*.yml examples/demo/tocsin.yml; do
	case "$f" in
	examples/broken-*) continue ;;
	esac
	pass "$f" "$TOCSIN" check config "$f"
done
pass examples/demo/rules.yml "$TOCSIN" check rules examples/demo/rules.yml
if "$TOCSIN" check rules examples/broken-rules.yml >/dev/null 2>&1; then
	echo "FAIL examples/broken-rules.yml passes the check"; fails=$((fails + 1))
else
	echo "ok examples/broken-rules.yml is refused"
fi
# What examples/demo/tocsin.yml's header says it does.
if [ "$("$TOCSIN" routes test --config.file=examples/demo/tocsin.yml \
	severity=critical 2>&1)" = ml-pager ]; then
	echo "ok demo routes critical alerts to ml-pager"
else
	echo "FAIL demo: severity=critical not routed to ml-pager"; fails=$((fails + 1))
fi
if [ -x "$PROMTOOL" ]; then
	# Tocsin does not parse PromQL yet: promtool does.
	pass "examples/demo/rules.yml (promtool)" \
		"$PROMTOOL" check rules examples/demo/rules.yml
	pass "examples/demo/prometheus.yml (promtool)" \
		"$PROMTOOL" check config examples/demo/prometheus.yml
fi

# examples/templates: every template custom.tmpl defines renders with
# data.json (given the data, else each of its alerts), and as amtool
# renders it when amtool is there.
render() {
	TOCSIN_DATADIR=$ROOT "$TOCSIN" template render \
		--template.glob=examples/templates/custom.tmpl \
		--template.data=examples/templates/data.json \
		--template.text="$1" >"$TMPDIR/tmpl" 2>&1 && [ -s "$TMPDIR/tmpl" ]
}
for name in $(sed -n 's/.*{{-\{0,1\} *define "\([^"]*\)".*/\1/p' \
	examples/templates/custom.tmpl); do
	text="{{ template \"$name\" . }}"
	render "$text" || text="{{ range .Alerts }}$text{{ end }}"
	if ! render "$text"; then
		echo "FAIL examples/templates: $name"; cat "$TMPDIR/tmpl"
		fails=$((fails + 1))
		continue
	fi
	if [ -x "$AMTOOL" ]; then
		"$AMTOOL" template render \
			--template.glob=examples/templates/custom.tmpl \
			--template.data=examples/templates/data.json \
			--template.text="$text" >"$TMPDIR/am" 2>&1
		if ! cmp -s "$TMPDIR/am" "$TMPDIR/tmpl"; then
			echo "FAIL examples/templates: $name differs from amtool"
			diff "$TMPDIR/am" "$TMPDIR/tmpl"; fails=$((fails + 1))
			continue
		fi
	fi
	echo "ok examples/templates: $name"
done

# examples/systemd/tocsin.service: ExecStart's flags are `tocsin run`'s.
# With a configuration file that does not exist it must exit 78 (bad
# configuration), not 64 (bad flags).
exec_start=$(sed -n 's/^ExecStart=[^ ]* run //p' examples/systemd/tocsin.service)
if [ -z "$exec_start" ]; then
	echo "FAIL tocsin.service: no ExecStart=... run"; fails=$((fails + 1))
else
	# shellcheck disable=SC2046 # the unit's words, as systemd splits them
	set -- $(printf '%s\n' "$exec_start" |
		sed "s#=/etc/tocsin/#=$TMPDIR/none/#; s#=/var/lib/tocsin/#=$TMPDIR/state/#")
	"$TOCSIN" run "$@" --web.listen-address=127.0.0.1:0 >"$TMPDIR/out" 2>&1
	rc=$?
	if [ "$rc" -eq 78 ]; then
		echo "ok tocsin.service: ExecStart's flags are accepted"
	else
		echo "FAIL tocsin.service: ExecStart exits $rc, want 78"
		cat "$TMPDIR/out"; fails=$((fails + 1))
	fi
fi

# examples/MIGRATING.md: its first YAML block (Tocsin's sections) loads
# on top of an alertmanager.yml; its second (Prometheus' alerting section)
# is a valid prometheus.yml.
yaml_block() {
	awk -v want="$1" '
	/^ *```yaml$/ { n++; on = (n == want); match($0, /^ */); ind = RLENGTH; next }
	on && /^ *```$/ { exit }
	on { print substr($0, ind + 1) }' examples/MIGRATING.md
}
mkdir -p "$TMPDIR/mig"
{ yaml_block 1; printf 'route: {receiver: ops}\nreceivers: [{name: ops}]\n'; } \
	>"$TMPDIR/mig/tocsin.yml"
grep -q '^datasource:' "$TMPDIR/mig/tocsin.yml" ||
	{ echo "FAIL MIGRATING.md: no tocsin.yml block"; fails=$((fails + 1)); }
pass "MIGRATING.md: tocsin.yml sections" "$TOCSIN" check config "$TMPDIR/mig/tocsin.yml"
yaml_block 2 >"$TMPDIR/mig/prometheus.yml"
grep -q '^alerting:' "$TMPDIR/mig/prometheus.yml" ||
	{ echo "FAIL MIGRATING.md: no prometheus.yml block"; fails=$((fails + 1)); }
if [ -x "$PROMTOOL" ]; then
	pass "MIGRATING.md: prometheus.yml alerting section (promtool)" \
		"$PROMTOOL" check config "$TMPDIR/mig/prometheus.yml"
fi

# README: the block after "$ tocsin check rules rules.yml" is the output of
# checking examples/broken-rules.yml (with the file name shortened).
"$TOCSIN" check rules examples/broken-rules.yml >"$TMPDIR/got" 2>&1
sed -i 's#examples/broken-rules.yml#rules.yml#g; /^$/d' "$TMPDIR/got"
awk '/^\$ tocsin check rules rules.yml$/ {on = 1; next} on && /^```/ {exit} on' \
	README.md >"$TMPDIR/want"
if diff -u "$TMPDIR/want" "$TMPDIR/got"; then
	echo "ok README excerpt matches tocsin's output"
else
	echo "FAIL README excerpt differs from tocsin's output"; fails=$((fails + 1))
fi
[ "$fails" -eq 0 ]
