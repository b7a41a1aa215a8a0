#!/bin/sh
# tests/integration/test_man_templates.sh - run every example of
# man/tocsin-templates.7 and compare its output with the page.
#
# Convention: an example is a ".Bd -literal" block whose first line starts
# with "$ tocsin template render".  The command continues while a line ends
# in a backslash (written \e); the remaining lines of the block are the
# expected output.  In the block, \e stands for a backslash and \& for
# nothing.  The command runs through sh -c from ROOT with the leading
# "tocsin" replaced by "$TOCSIN"; its output, with a final newline added if
# it lacks one (the page shows output as a terminal does), must equal the
# expected lines byte for byte, and it must exit 0.
set -u
: "${ROOT:?}" "${TOCSIN:?}"
PAGE=${PAGE:-$ROOT/man/tocsin-templates.7}
work=$(mktemp -d "${TMPDIR:-/tmp}/mantmpl.XXXXXX")
trap 'rm -rf "$work"' EXIT

awk -v dir="$work" '
function unesc(s) { gsub(/\\&/, "", s); gsub(/\\e/, "\\", s); return s }
/^\.Bd -literal/ { inblk = 1; first = 1; next }
/^\.Ed/ { inblk = 0; incmd = 0; next }
inblk && first {
	first = 0
	if ($0 !~ /^\$ tocsin template render/) { inblk = 0; next }
	n++
	cmd = dir "/" n ".cmd"; want = dir "/" n ".want"
	printf "" > want
	line = substr($0, 3)
	incmd = 1
}
inblk && incmd {
	if (line == "") line = $0
	cont = (line ~ /\\e$/)
	print unesc(line) > cmd
	line = ""
	if (!cont) { incmd = 0; close(cmd) }
	next
}
inblk { print unesc($0) > want }
END { print n + 0 > (dir "/count") }
' "$PAGE"

count=$(cat "$work/count")
fail=0
if [ "$count" -lt 6 ]; then
	echo "FAIL man_templates: only $count examples found in $PAGE"
	exit 1
fi
i=1
while [ "$i" -le "$count" ]; do
	# Replace the leading "tocsin" with the binary under test.
	cmdtext=$(cat "$work/$i.cmd")
	cmdtext="\"\$TOCSIN\"${cmdtext#tocsin}"
	if (cd "$ROOT" && TOCSIN="$TOCSIN" sh -c "$cmdtext") \
	    >"$work/$i.got" 2>"$work/$i.err"; then
		rc=0
	else
		rc=$?
	fi
	# Add the final newline the page shows, if the output lacks one.
	if [ -s "$work/$i.got" ] &&
	   [ "$(tail -c 1 "$work/$i.got" | od -An -c | tr -d ' ')" != '\n' ]; then
		printf '\n' >>"$work/$i.got"
	fi
	first=$(head -n 1 "$work/$i.cmd")
	if [ "$rc" -ne 0 ]; then
		echo "FAIL man_templates example $i (exit $rc): $first"
		cat "$work/$i.err"
		fail=1
	elif cmp -s "$work/$i.want" "$work/$i.got"; then
		echo "ok man_templates example $i"
	else
		echo "FAIL man_templates example $i: $first"
		diff -u "$work/$i.want" "$work/$i.got" | head -n 30
		fail=1
	fi
	i=$((i + 1))
done
exit "$fail"
