#!/bin/sh
# tests/run-replay.sh - feed every seed of each fuzz target through it
# (tests/fuzz/seeds/<target>/*), failing on a crash or sanitizer report.
set -u
bad=0 n=0
for t in "$@"; do
	name=$(basename "$t")
	dir=tests/fuzz/seeds/${name#fuzz_}
	if [ ! -d "$dir" ]; then
		echo "FAIL: no seed directory $dir for $name"
		bad=1
		continue
	fi
	if ! out=$("$t" "$dir"/* 2>&1) ||
	   echo "$out" | grep -qE 'ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:'; then
		echo "FAIL: $name"
		echo "$out"
		bad=1
	else
		n=$((n + $(ls "$dir" | wc -l)))
		echo "ok: $name: $(ls "$dir" | wc -l) seeds"
	fi
done
echo "replay: $n seeds replayed"
exit $bad
