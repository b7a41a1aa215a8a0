#!/bin/sh
# The examples and the README's console excerpt are part of the docs: they
# must load, and the README must show what Tocsin really prints.
set -u
fails=0
cd "$ROOT" || exit 1
for f in examples/*.yml; do
	case "$f" in
	examples/broken-*) continue ;;
	esac
	if "$TOCSIN" check config "$f" >"$TMPDIR/out" 2>&1; then
		echo "ok $f"
	else
		echo "FAIL $f"; cat "$TMPDIR/out"; fails=$((fails + 1))
	fi
done
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
