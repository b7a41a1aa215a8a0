#!/bin/sh
# Golden files: `tocsin check config NAME.yml`, run in tests/golden/config,
# must print exactly NAME.out on stdout, exit 1 with
# "tocsin: error: failed to validate 1 file(s)" on stderr when NAME.out
# says FAILED, and exit 0 otherwise.
#
# Each NAME.yml starts with a comment giving what amtool 0.25 check-config
# says about the same file (or why it has no counterpart); check a message
# against amtool before regenerating its .out:
#   cd tests/golden/config && amtool check-config x.yml
#   $TOCSIN check config x.yml >x.out
set -u
G=$ROOT/tests/golden/config
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

cd "$G" || exit 1
for f in *.yml; do
	want=${f%.yml}.out
	if [ ! -f "$want" ]; then
		fail "$f: no $want"
		continue
	fi
	"$TOCSIN" check config "$f" >"$TMPDIR/out" 2>"$TMPDIR/err"
	rc=$?
	exp=0
	grep -q "^Checking '$f'  FAILED:" "$want" && exp=1
	grep -q "^  FAILED: " "$want" && exp=1	# templates that do not parse
	if ! cmp -s "$want" "$TMPDIR/out"; then
		fail "$f: output differs from $want"
		diff -u "$want" "$TMPDIR/out" | head -n 20
	elif [ "$rc" -ne "$exp" ]; then
		fail "$f: exit $rc, want $exp"
	elif [ "$exp" -eq 1 ] &&
	     [ "$(cat "$TMPDIR/err")" != "tocsin: error: failed to validate 1 file(s)" ]; then
		fail "$f: stderr: $(cat "$TMPDIR/err")"
	else
		echo "ok $f"
	fi
done

# Several files: each block in order, one count at the end.
"$TOCSIN" check config warnings.yml no_route.yml root_continue.yml \
	>"$TMPDIR/out" 2>"$TMPDIR/err"
rc=$?
cat warnings.out no_route.out root_continue.out >"$TMPDIR/want"
if [ "$rc" -eq 1 ] && cmp -s "$TMPDIR/want" "$TMPDIR/out" &&
   [ "$(cat "$TMPDIR/err")" = "tocsin: error: failed to validate 2 file(s)" ]; then
	echo "ok three files: two failures counted"
else
	fail "three files: exit $rc, stderr $(cat "$TMPDIR/err")"
fi

# Standard input, as amtool check-config reads it without arguments.
"$TOCSIN" check config <root_receiver.yml >"$TMPDIR/out" 2>/dev/null
rc=$?
sed 's/root_receiver\.yml/\/dev\/stdin/' root_receiver.out >"$TMPDIR/want"
if [ "$rc" -eq 1 ] && cmp -s "$TMPDIR/want" "$TMPDIR/out"; then
	echo "ok stdin"
else
	fail "stdin: exit $rc"
	diff -u "$TMPDIR/want" "$TMPDIR/out" | head -n 10
fi

# --help goes to stdout with exit 0; an unknown flag is a usage error.
if "$TOCSIN" check config --help | grep -q '^usage: tocsin check config'; then
	echo "ok --help"
else
	fail "--help"
fi
"$TOCSIN" check config --bogus x.yml >/dev/null 2>&1
rc=$?
[ "$rc" -eq 64 ] && echo "ok unknown flag: exit 64" || fail "unknown flag: exit $rc"

echo "config golden files: $fails failures"
[ "$fails" -eq 0 ]
