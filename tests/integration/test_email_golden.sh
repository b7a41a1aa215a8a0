#!/bin/sh
# Tocsin's own HTML email (templates/email.tmpl, "email.default.html"):
#   1. rendered by `tocsin template render --template.type=html` with the
#      data of tests/golden/templates/email.default.html.json it must print
#      exactly tests/golden/templates/email.default.html.out;
#   2. amtool 0.25 must render the same template the same way (with
#      Alertmanager's default.tmpl for "__subject" and "__alertmanagerURL"),
#      for that data and for the webhook payloads of ../shared/corpus, so
#      the email is what Go's html/template makes of it.
#
# UPDATE_GOLDEN=1 rewrites the .out file instead of comparing.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
SHARED=${SHARED:-$(cd "$ROOT/../shared" && pwd)}
: "${TOCSIN:=$ROOT/tocsin}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export TOCSIN_DATADIR=$ROOT TZ=UTC
fails=0
fail() { printf 'FAIL %s\n' "$*"; fails=$((fails + 1)); }
TEXT='{{ template "email.default.html" . }}'
DATA=$ROOT/tests/golden/templates/email.default.html.json
WANT=$ROOT/tests/golden/templates/email.default.html.out

"$TOCSIN" template render --template.type=html --template.text="$TEXT" \
	--template.data="$DATA" >"$tmp/got" 2>&1 || fail "tocsin exit $?"
if [ "${UPDATE_GOLDEN:-0}" = 1 ]; then
	cp "$tmp/got" "$WANT"
	echo "updated email.default.html.out"
elif diff -u "$WANT" "$tmp/got"; then
	echo "ok golden email.default.html"
else
	fail "golden email.default.html"
fi

AMDEF=/usr/share/prometheus/alertmanager/default.tmpl
if ! command -v amtool >/dev/null 2>&1 || [ ! -f "$AMDEF" ]; then
	fail "amtool 0.25 and $AMDEF needed"
	exit 1
fi
mkdir "$tmp/am"
cp "$AMDEF" "$ROOT/templates/email.tmpl" "$tmp/am/"
for data in "$DATA" "$SHARED"/corpus/samples/webhook-payload*.json \
	"$ROOT"/tests/tmpl-am/data/*.json; do
	[ -f "$data" ] || continue
	name=$(basename "$data" .json)
	amtool template render --template.glob="$tmp/am/*.tmpl" \
		--template.type=html --template.text="$TEXT" \
		--template.data="$data" >"$tmp/want" 2>&1
	"$TOCSIN" template render --template.type=html --template.text="$TEXT" \
		--template.data="$data" >"$tmp/got" 2>&1
	if cmp -s "$tmp/want" "$tmp/got"; then
		echo "ok amtool renders email.default.html alike: $name"
	else
		fail "amtool renders email.default.html otherwise: $name"
		diff "$tmp/want" "$tmp/got" | head -n 20
	fi
done
[ "$fails" -eq 0 ]
