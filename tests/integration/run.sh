#!/bin/sh
# tests/integration/run.sh - run every tests/integration/test_*.sh.
#
# Each script gets TOCSIN (absolute path of the binary under test), SHARED
# (absolute path of ../shared), ROOT (the repository) and a private TMPDIR,
# and exits 0 on success.  Scripts print "ok ..." / "FAIL ..." lines.
# Under SANITIZED=1 output is also scanned for sanitizer reports.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED=${SHARED:-$(cd "$ROOT/../shared" 2>/dev/null && pwd)}
: "${TOCSIN:=$ROOT/tocsin}"
export ROOT SHARED TOCSIN
if [ -z "$SHARED" ] || [ ! -d "$SHARED/corpus" ]; then
	echo "integration: ../shared/corpus not found beside the checkout" >&2
	exit 1
fi
passed=0 failed=0
only=${1:-}
for t in "$ROOT"/tests/integration/test_*.sh; do
	name=$(basename "$t" .sh)
	[ -n "$only" ] && [ "$name" != "$only" ] && continue
	tmp=$(mktemp -d)
	log="$tmp/log"
	if TMPDIR="$tmp" sh "$t" >"$log" 2>&1; then rc=0; else rc=$?; fi
	if [ "${SANITIZED:-0}" = 1 ] &&
	   grep -aqE 'ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:' "$log"; then
		rc=99
	fi
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "ok: $name ($(grep -c '^ok' "$log") checks)"
	else
		failed=$((failed + 1))
		echo "FAIL: $name (exit $rc)"
		grep -av '^ok' "$log" | head -n 60
	fi
	rm -rf "$tmp"
done
echo "integration: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
