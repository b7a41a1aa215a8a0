#!/bin/sh
# Differential test of the template engine against amtool 0.25 and
# promtool 2.42 (tests/tmpl-oracle/oracle.py): every case must agree except
# the differences the script lists and justifies.  make check installs the
# oracles, so a missing one is a failure, not a skip.
set -u
for tool in amtool promtool python3 cc; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "FAIL $tool not installed (tests/deps.sh check installs it)"
		exit 1
	fi
done
if out=$("$ROOT/tests/tmpl-oracle/oracle.py" 2>&1); then
	echo "ok $(echo "$out" | tail -n 1)"
else
	echo "$out" | grep -v '^known difference'
	echo "FAIL template oracle"
	exit 1
fi
