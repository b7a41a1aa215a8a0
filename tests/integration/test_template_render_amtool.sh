#!/bin/sh
# Differential test of `tocsin template render` against `amtool template
# render` (Alertmanager 0.25): the cases of tests/tmpl-am/cases.txt with
# every data set, Tocsin's templates/default.tmpl against the Debian
# package's copy of Alertmanager's, and the malformed data files of
# tests/tmpl-am/bad/.  Outputs must agree byte for byte except for the
# differences tests/tmpl-am/differential.py lists and justifies.
set -u
for tool in amtool python3; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "FAIL $tool not installed (tests/deps.sh check installs it)"
		exit 1
	fi
done
if [ ! -f /usr/share/prometheus/alertmanager/default.tmpl ]; then
	echo "FAIL /usr/share/prometheus/alertmanager/default.tmpl missing" \
		"(Debian package prometheus-alertmanager)"
	exit 1
fi
# Tocsin must find its own templates, not an installed copy.
TOCSIN_DATADIR=$ROOT python3 "$ROOT/tests/tmpl-am/differential.py" "$TOCSIN" "$SHARED"
