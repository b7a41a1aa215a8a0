#!/bin/sh
# Golden files: `tocsin check rules --lint=none` over every
# tests/golden/rules/*.yml, run from the repository root with the relative
# path, must print exactly the matching .out file (see tests/golden/README).
#
# TOCSIN is the binary's absolute path, ROOT the repository.  UPDATE_GOLDEN=1
# rewrites the .out files from the current output instead of comparing.
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${TOCSIN:=$ROOT/tocsin}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$ROOT" || exit 1

fails=0 n=0
for y in tests/golden/rules/*.yml; do
	name=$(basename "$y" .yml)
	want=${y%.yml}.out
	"$TOCSIN" check rules --lint=none "$y" >"$tmp/raw" 2>&1
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

# An expected output without its input is a test that no longer runs.
for o in tests/golden/rules/*.out; do
	[ -f "${o%.out}.yml" ] && continue
	echo "FAIL $(basename "$o"): no ${o%.out}.yml"
	fails=$((fails + 1))
done

echo "rules golden: $n files, $fails failures"
[ "$fails" -eq 0 ]
