#!/bin/sh
# Differential test of HTML rendering (Go's html/template) against amtool
# 0.25: every case of tests/tmpl-oracle/html.txt (cases separated by lines
# "----") is rendered by
#   tocsin template render --template.type=html --template.text=CASE
#   amtool template render --template.type=html --template.text=CASE
# and the outputs must be byte for byte the same; a failing case must fail
# in both with the same message (after "tocsin: " / "amtool: error: ").
# Then Alertmanager's own email.tmpl, and webhook payloads as data.
set -u
fails=0
fail() { printf 'FAIL %s\n' "$*"; fails=$((fails + 1)); }

if ! command -v amtool >/dev/null 2>&1; then
	echo "FAIL amtool not installed"
	exit 1
fi
CASES=$ROOT/tests/tmpl-oracle/html.txt
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
EMPTY=$tmp/empty.tmpl
: >"$EMPTY"

# Splits the case file into $tmp/case.N (no trailing newline).
awk -v dir="$tmp" '
	function flush() {
		if (text != "") {
			n++
			printf "%s", text > (dir "/case." n)
			close(dir "/case." n)
		}
		text = ""; first = 1
	}
	BEGIN { first = 1 }
	$0 == "----" { flush(); next }
	{ text = first ? $0 : text "\n" $0; first = 0 }
	END { flush() }
' "$CASES"

# render TOOL TEXT [ARGS...]: output, or "error: MSG" on failure.
render() {
	tool=$1 text=$2
	shift 2
	if [ "$tool" = amtool ]; then
		amtool template render --template.glob="$EMPTY" \
			--template.type=html --template.text="$text" "$@" \
			>"$tmp/out" 2>"$tmp/err"
	else
		"$TOCSIN" template render --template.type=html \
			--template.text="$text" "$@" >"$tmp/out" 2>"$tmp/err"
	fi
	rc=$?
	if [ "$rc" -eq 0 ]; then
		cat "$tmp/out"
	else
		printf 'error: '
		sed -e 's/^amtool: error: //' -e 's/^tocsin: //' "$tmp/err" |
			sed -e '/^$/d'
	fi
}

# compare NAME TEXT [ARGS...]
compare() {
	name=$1
	shift
	render amtool "$@" >"$tmp/want"
	render tocsin "$@" >"$tmp/got"
	if cmp -s "$tmp/want" "$tmp/got"; then
		echo "ok $name"
	else
		fail "$name: $1"
		diff "$tmp/want" "$tmp/got" | head -n 20
	fi
}

i=1
while [ -f "$tmp/case.$i" ]; do
	compare "case $i" "$(cat "$tmp/case.$i")"
	i=$((i + 1))
done
[ "$i" -gt 40 ] || fail "only $((i - 1)) cases read from $CASES"

# Alertmanager's own default.tmpl and email.tmpl (amtool 0.25 loads no
# built-in templates), with amtool's data and with webhook payloads.
AMT=/usr/share/prometheus/alertmanager
if [ -f "$AMT/email.tmpl" ] && [ -f "$AMT/default.tmpl" ]; then
	mkdir "$tmp/am"
	cp "$AMT/default.tmpl" "$AMT/email.tmpl" "$tmp/am/"
	compare "alertmanager email.tmpl" \
		'{{ template "email.default.html" . }}' \
		--template.glob="$tmp/am/*.tmpl"
	for p in webhook-payload-firing-2alerts webhook-payload-resolved; do
		compare "alertmanager email.tmpl, $p" \
			'{{ template "email.default.html" . }}' \
			--template.glob="$tmp/am/*.tmpl" \
			--template.data="$SHARED/corpus/samples/$p.json"
	done
else
	fail "$AMT/email.tmpl not found (Debian's prometheus-alertmanager)"
fi

[ "$fails" -eq 0 ]
