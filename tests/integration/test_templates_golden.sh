#!/bin/sh
# Golden files: every template tocsin's templates/default.tmpl defines
# (but its __tocsin_ helpers), rendered by `tocsin template render` with
# each data set of tests/tmpl-am/data/ and the webhook payloads of
# ../shared/corpus/samples, must print exactly
# tests/golden/templates/DATASET.out (see tests/golden/README).  The same
# renderings are checked against amtool by test_template_render_amtool.sh.
#
# UPDATE_GOLDEN=1 rewrites the .out files instead of comparing.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
SHARED=${SHARED:-$(cd "$ROOT/../shared" && pwd)}
: "${TOCSIN:=$ROOT/tocsin}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$ROOT" || exit 1
export TOCSIN_DATADIR=$ROOT TZ=UTC

# One text rendering them all: "=== NAME\n<output>\n" each.  The alert
# list templates take a list of alerts, the others the whole data.
text=
for n in $(sed -n 's/.*{{ define "\([^"]*\)".*/\1/p' templates/default.tmpl |
	grep -v '^__tocsin_'); do
	case $n in
	__text_alert_list | pagerduty.default.instances) dot=.Alerts ;;
	*) dot=. ;;
	esac
	text="$text{{ \"=== $n\\n\" }}{{ template \"$n\" $dot }}{{ \"\\n\" }}"
done

fails=0 n=0
for data in tests/tmpl-am/data/*.json "$SHARED"/corpus/samples/webhook-payload*.json; do
	name=$(basename "$data" .json)
	want=tests/golden/templates/$name.out
	"$TOCSIN" template render --template.text="$text" \
		--template.data="$data" >"$tmp/raw" 2>&1
	rc=$?
	{ echo "exit $rc"; cat "$tmp/raw"; } >"$tmp/got"
	n=$((n + 1))
	if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
		if [ -f "$want" ] && cmp -s "$want" "$tmp/got"; then
			echo "ok $name"
		else
			cp "$tmp/got" "$want"
			echo "updated $name"
		fi
	elif [ ! -f "$want" ]; then
		echo "FAIL $name: no $want (run with UPDATE_GOLDEN=1)"
		fails=$((fails + 1))
	elif diff -u "$want" "$tmp/got" >"$tmp/diff"; then
		echo "ok $name"
	else
		echo "FAIL $name"
		cat "$tmp/diff"
		fails=$((fails + 1))
	fi
done

echo "templates golden: $n data sets, $fails failures"
[ "$fails" -eq 0 ]
