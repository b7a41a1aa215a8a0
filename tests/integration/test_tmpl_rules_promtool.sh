#!/bin/sh
# Differential test of annotation and label templating against promtool
# 2.42 over every alerting rule of the awesome-prometheus-alerts corpus.
# tests/tmpl-oracle/rule_driver.c (built against the libtocsin.a beside
# $TOCSIN) rewrites each corpus file so every alerting rule fires on
# synthetic series - several values, with and without the labels its
# templates read - and writes a promtool unit test expecting the labels and
# annotations Tocsin renders.  `promtool test rules` passing proves that
# Prometheus renders the same; when it fails, promtool_diff.py names each
# rule, alert and annotation with both renderings.
set -u
C=$SHARED/corpus/rules/awesome-prometheus-alerts
O=$ROOT/tests/tmpl-oracle
fails=0
fail() { printf 'FAIL %s\n' "$*"; fails=$((fails + 1)); }

for tool in promtool python3 cc; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "FAIL $tool not installed (tests/deps.sh check installs it)"
		exit 1
	fi
done

# Known, intended differences: "FILE ALERT KEY reason", FILE as the ok
# lines name it, KEY annotation:NAME or label:NAME.  There are none: the
# corpus uses $labels, $value, printf and the humanize functions only, and
# all of them agree.  No corpus annotation calls `query`; the driver answers
# it as promtool does for a bare selector of a metric the test lacks (as in
# tests/tmpl-oracle/rules.yml) and fails anything else, which would show.
cat >"$TMPDIR/known" <<'EOF'
EOF

LIB=$(dirname "$TOCSIN")/libtocsin.a
# ./tocsin is a copy of build/tocsin; its library stays in build/.
[ -f "$LIB" ] || LIB=$ROOT/build/libtocsin.a
DRV=$TMPDIR/rule_driver
SAN=
if nm "$LIB" 2>/dev/null | grep -q __asan_report; then
	SAN="-fsanitize=address,undefined -fno-sanitize-recover=all"
fi
# shellcheck disable=SC2046,SC2086
if ! cc -std=c11 -D_GNU_SOURCE $SAN -I"$ROOT/src" -o "$DRV" \
	"$O/rule_driver.c" "$LIB" \
	$(pkg-config --libs libpcre2-8 libcurl yaml-0.1 sqlite3 jansson libmicrohttpd) -lm; then
	echo "FAIL cannot build the rule driver against $LIB"
	exit 1
fi

files=0 rules=0 known=0
# The corpus, then tests/tmpl-oracle/rules.yml for what the corpus lacks.
for f in $(find "$C" -name '*.yml' | sort) "$O/rules.yml"; do
	name=${f#"$C"/}
	name=${name#"$ROOT"/}
	w=$TMPDIR/w
	rm -rf "$w" && mkdir "$w"
	if ! n=$("$DRV" "$f" "$w" 2>"$w/err"); then
		fail "$name: the rule driver failed"
		sed 's/^/    /' "$w/err" | head -n 20
		continue
	fi
	cat "$w/err"		# sanitizer reports, if any, for run.sh
	files=$((files + 1))
	if [ "$n" -eq 0 ]; then
		echo "ok $name: no alerting rules"
		continue
	fi
	if (cd "$w" && promtool test rules test.yml >out 2>&1); then
		echo "ok $name: $n rules agree"
		rules=$((rules + n))
	elif python3 "$O/promtool_diff.py" "$name" "$TMPDIR/known" \
		<"$w/out" >"$w/diff"; then
		cat "$w/diff"
		k=$(awk '/^known difference/ { print $4 }' "$w/diff" | sort -u | wc -l)
		echo "ok $name: $((n - k)) rules agree, $k with known differences"
		rules=$((rules + n - k)) known=$((known + k))
	else
		cat "$w/diff"
		fail "$name: tocsin and promtool render differently"
	fi
done
echo "$files files: $rules alerting rules agree with promtool," \
	"$known with known differences, $fails failures"
[ "$fails" -eq 0 ] && [ "$files" -gt 0 ]
