#!/bin/sh
# The shipped rule packs (rules/*.yml): promtool 2.42 and `tocsin check
# rules` both accept every pack with the same rule count, the promtool unit
# tests in rules/tests/ pass, and every alert has a runbook section in
# rules/README.md and firing and non-firing checks in its pack's test.
set -u
R=$ROOT/rules
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

if ! command -v promtool >/dev/null 2>&1; then
	echo "FAIL promtool not installed (tests/deps.sh check installs it)"
	exit 1
fi

count() { sed -n 's/^  SUCCESS: \([0-9]*\) rules found$/\1/p' "$1"; }

packs=$(ls "$R"/*.yml 2>/dev/null)
[ -n "$packs" ] || { echo "FAIL no rule packs in $R"; exit 1; }

for f in $packs; do
	name=rules/$(basename "$f")
	promtool check rules --lint=all --lint-fatal "$f" >"$TMPDIR/p" 2>&1; prc=$?
	"$TOCSIN" check rules --lint-fatal "$f" >"$TMPDIR/t" 2>&1; trc=$?
	if [ "$prc" -ne 0 ]; then
		fail "$name: promtool check rules exit $prc"
		sed 's/^/    /' "$TMPDIR/p" | head -n 10
	fi
	if [ "$trc" -ne 0 ]; then
		fail "$name: tocsin check rules exit $trc"
		sed 's/^/    /' "$TMPDIR/t" | head -n 10
	fi
	if [ "$prc" -ne 0 ] || [ "$trc" -ne 0 ]; then continue; fi
	pc=$(count "$TMPDIR/p") tc=$(count "$TMPDIR/t")
	rules=$(grep -cE '^ *- (alert|record): ' "$f")
	if [ "$pc" != "$tc" ]; then
		fail "$name: promtool $pc rules, tocsin $tc"
	elif [ "$pc" != "$rules" ]; then
		fail "$name: $pc rules found, $rules alert:/record: lines in the file"
	else
		echo "ok $name: promtool and tocsin accept, $tc rules"
	fi

	test=$R/tests/$(basename "$f" .yml)_test.yml
	if [ ! -f "$test" ]; then
		fail "$name: no unit test rules/tests/$(basename "$test")"
		continue
	fi
	# shellcheck disable=SC2013 # alert names are single words
	for a in $(sed -n 's/^ *- alert: *\([A-Za-z0-9_]*\).*/\1/p' "$f"); do
		anchor=$(echo "$a" | tr '[:upper:]' '[:lower:]')
		grep -q "README.md#$anchor'" "$f" ||
			fail "$name: $a: runbook_url is not README.md#$anchor"
		grep -qx "### $a" "$R/README.md" ||
			fail "$name: $a: no '### $a' runbook section in rules/README.md"
		# alert_rule_test items for $a: at least one with exp_alerts
		# (firing) and one without (not firing).
		if awk -v a="$a" '
			function flush() { if (name == a) { if (fir) f++; else q++ }
				name = ""; fir = 0 }
			/^ *- (eval_time|alertname):/ || /^  - name:/ { flush() }
			/^ *-? *alertname:/ { name = $NF }
			/^ *exp_alerts:/ && $0 !~ /\[\]/ { fir = 1 }
			END { flush(); exit !(f >= 1 && q >= 1) }' "$test"; then
			echo "ok $name: $a: runbook section, firing and non-firing tests"
		else
			fail "$name: $a: rules/tests/$(basename "$test") lacks a firing or a non-firing check"
		fi
	done
done

for t in "$R"/tests/*_test.yml; do
	name=rules/tests/$(basename "$t")
	if promtool test rules "$t" >"$TMPDIR/u" 2>&1; then
		echo "ok $name: promtool test rules"
	else
		fail "$name: promtool test rules"
		sed 's/^/    /' "$TMPDIR/u" | head -n 40
	fi
done

echo "rule packs: $fails failures"
[ "$fails" -eq 0 ]
