#!/bin/sh
# tests/run-unit.sh - run Criterion test binaries; fail on any failed test and
# on any sanitizer report in their output (Criterion prints LeakSanitizer
# reports without failing).  Prints one closing "N passed, N failed" line.
set -u
passed=0 failed=0 bad=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
for t in "$@"; do
	if "$t" --jobs 2 >"$log" 2>&1; then rc=0; else rc=$?; fi
	# "Synthesis: Tested: 12 | Passing: 12 | Failing: 0 | Crashing: 0"
	line=$(grep -a 'Synthesis:' "$log" | tail -n 1)
	p=$(echo "$line" | sed -n 's/.*Passing: \([0-9]*\).*/\1/p')
	f=$(echo "$line" | sed -n 's/.*Failing: \([0-9]*\).*/\1/p')
	c=$(echo "$line" | sed -n 's/.*Crashing: \([0-9]*\).*/\1/p')
	passed=$((passed + ${p:-0}))
	failed=$((failed + ${f:-0} + ${c:-0}))
	if [ "$rc" -ne 0 ] || [ -z "$line" ] ||
	   grep -aqE 'ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:' "$log"; then
		echo "FAIL: $t (exit $rc)"
		cat "$log"
		bad=1
		[ -z "$line" ] && failed=$((failed + 1))
	else
		echo "ok: $t: $line"
	fi
done
echo "unit: $passed passed, $failed failed"
exit $bad
