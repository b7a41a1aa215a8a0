#!/bin/sh
# Differential test: `tocsin check config` against the real amtool 0.25
# check-config, over every *.yml / *.yaml of the Alertmanager corpus, the
# golden bad configs and the edge cases below.  Each tool runs in the
# file's directory (amtool resolves relative template globs against it).
#
# Verdicts must agree.  When both accept, the "Found:" summaries must be
# equal; when both reject, Tocsin's errors must contain amtool's message
# (yaml.v2 type errors are phrased differently: an unknown field must show
# as unknown key "X", a repeated one as mapping key "X" already defined).
#
# Exceptions, each checked to be what it says:
#  - integrations Tocsin does not implement (opsgenie, victorops, ...):
#    Tocsin refuses them and its error names the integration or key;
#  - known_diff() below.
set -u
command -v amtool >/dev/null || { echo "FAIL amtool not installed"; exit 1; }
fails=0
fail() { echo "FAIL $*"; fails=$((fails + 1)); }

# Intended differences, by file name:
#  - utf8_*: matchers with UTF-8 label names (Alertmanager 0.27+ syntax)
#    load with a warning; amtool 0.25's classic parser refuses them.
#  - webhook_url_file: webhook url_file (Alertmanager 0.26+) is accepted.
#  - rate_limit: Tocsin's own key of every integration; amtool refuses it.
known_diff() {
	case "$(basename "$1")" in
	utf8_*|webhook_url_file.yml|rate_limit.yml) return 0 ;;
	esac
	return 1
}

# ------------------------------------------------------------ edge cases
# Small files written to $TMPDIR/cases: name, then the YAML up to "EOC".
mkdir -p "$TMPDIR/cases"
awk -v dir="$TMPDIR/cases" '
	/^=== / { f = dir "/" $2 ".yml"; printf "" > f; next }
	/^EOC$/ { close(f); f = ""; next }
	f != "" { print >> f }
' <<'CASES'
=== null_receiver_items
route: {receiver: a}
receivers: [{name: a}, ~]
EOC
=== null_inhibit_rule
route: {receiver: a}
receivers: [{name: a}]
inhibit_rules: [~, {equal: [~, a]}]
EOC
=== null_email_config
route: {receiver: a}
receivers: [{name: a, email_configs: [~]}]
EOC
=== null_slack_items
global: {slack_api_url: 'http://s/'}
route: {receiver: a}
receivers: [{name: a, slack_configs: [{fields: [~], actions: [~]}]}]
EOC
=== null_child_route
route: {receiver: a, routes: [~]}
receivers: [{name: a}]
EOC
=== empty_group_by_child
route: {receiver: a, group_by: [x], routes: [{group_by: []}]}
receivers: [{name: a}]
EOC
=== group_by_all
route: {receiver: a, group_by: ['...']}
receivers: [{name: a}]
EOC
=== group_by_name
route: {receiver: a, group_by: [__name__, ä]}
receivers: [{name: a}]
EOC
=== group_wait_negative
route: {receiver: a, group_wait: -1s}
receivers: [{name: a}]
EOC
=== group_wait_zero
route: {receiver: a, group_wait: 0s}
receivers: [{name: a}]
EOC
=== match_empty_name
route: {receiver: a, routes: [{match: {'': x}}]}
receivers: [{name: a}]
EOC
=== match_re_number
route: {receiver: a, routes: [{match_re: {a: 1}}]}
receivers: [{name: a}]
EOC
=== match_re_backref
route: {receiver: a, routes: [{match_re: {a: 'a\1'}}]}
receivers: [{name: a}]
EOC
=== match_re_lookahead
route: {receiver: a, routes: [{match_re: {a: '(?=x)'}}]}
receivers: [{name: a}]
EOC
=== match_re_repeat
route: {receiver: a, routes: [{match_re: {a: 'x{2,1}'}}]}
receivers: [{name: a}]
EOC
=== match_re_class
route: {receiver: a, routes: [{match_re: {a: '[[:foo:]]'}}]}
receivers: [{name: a}]
EOC
=== match_re_ok
route: {receiver: a, routes: [{match_re: {a: '(?i)x\pL(?P<n>y)'}}]}
receivers: [{name: a}]
EOC
=== matchers_list
route: {receiver: a, routes: [{matchers: ['a=b,c=~d', 'e!=f', '{g="h"}', 'i=']}]}
receivers: [{name: a}]
EOC
=== matchers_quote
route: {receiver: a, routes: [{matchers: ['a="b\"c']}]}
receivers: [{name: a}]
EOC
=== matchers_regex
route: {receiver: a, routes: [{matchers: ['a!~[z']}]}
receivers: [{name: a}]
EOC
=== matchers_trailing_comma
route: {receiver: a, routes: [{matchers: ['a=b,']}]}
receivers: [{name: a}]
EOC
=== matchers_empty_string
route: {receiver: a, matchers: ['']}
receivers: [{name: a}]
EOC
=== utf8_dash_name
route: {receiver: a, routes: [{matchers: ['a-b=c']}]}
receivers: [{name: a}]
EOC
=== utf8_quoted_name
route: {receiver: a, routes: [{matchers: ['"foo bar"="x"']}]}
receivers: [{name: a}]
EOC
=== child_empty_receiver
route: {receiver: a, routes: [{receiver: ''}]}
receivers: [{name: a}]
EOC
=== continue_string
route: {receiver: a, routes: [{continue: 'true'}]}
receivers: [{name: a}]
EOC
=== webhook_url_file
route: {receiver: a}
receivers: [{name: a, webhook_configs: [{url_file: /run/hook}]}]
EOC
=== webhook_secret_url
route: {receiver: a}
receivers: [{name: a, webhook_configs: [{url: '<secret>'}]}]
EOC
=== webhook_urls
route: {receiver: a}
receivers:
- name: a
  webhook_configs:
  - url: 'HTTP://x:99999/'
  - url: 'http://[::1]:80/x'
  - url: 'http://u:p@x/?a=%zz'
EOC
=== webhook_bad_zone
route: {receiver: a}
receivers: [{name: a, webhook_configs: [{url: 'http://x%25/'}]}]
EOC
=== webhook_control
route: {receiver: a}
receivers: [{name: a, webhook_configs: [{url: "http://x/\u0001"}]}]
EOC
=== webhook_fragment
route: {receiver: a}
receivers: [{name: a, webhook_configs: [{url: 'http://x/#%zz'}]}]
EOC
=== webhook_host_escape
route: {receiver: a}
receivers: [{name: a, webhook_configs: [{url: 'http://%41/'}]}]
EOC
=== webhook_no_scheme
route: {receiver: a}
receivers: [{name: a, webhook_configs: [{url: '//x/'}]}]
EOC
=== webhook_max_alerts_float
route: {receiver: a}
receivers: [{name: a, webhook_configs: [{url: 'http://x/', max_alerts: 1.5}]}]
EOC
=== webhook_max_alerts_string
route: {receiver: a}
receivers: [{name: a, webhook_configs: [{url: 'http://x/', max_alerts: '5'}]}]
EOC
=== slack_secret_url
route: {receiver: a}
receivers: [{name: a, slack_configs: [{api_url: '<secret>'}]}]
EOC
=== slack_action_url
route: {receiver: a}
receivers: [{name: a, slack_configs: [{api_url: 'http://x/', actions: [{type: a, text: b, url: c}]}]}]
EOC
=== pagerduty_items
route: {receiver: a}
receivers: [{name: a, pagerduty_configs: [{service_key: a, images: [{}], links: [{}], details: {a: b}}]}]
EOC
=== pagerduty_null_global
global: {pagerduty_url: ~}
route: {receiver: a}
receivers: [{name: a, pagerduty_configs: [{service_key: a}]}]
EOC
=== email_password_both
global: {smtp_smarthost: 'h:25', smtp_from: x}
route: {receiver: a}
receivers: [{name: a, email_configs: [{to: x, auth_password: a, auth_password_file: b}]}]
EOC
=== email_headers_case
global: {smtp_smarthost: 'h:25', smtp_from: x}
route: {receiver: a}
receivers: [{name: a, email_configs: [{to: x, headers: {x-foo: a, X-FOO: b}}]}]
EOC
=== email_headers_space
global: {smtp_smarthost: 'h:25', smtp_from: x}
route: {receiver: a}
receivers: [{name: a, email_configs: [{to: x, headers: {'a b': a, 'A b': b}}]}]
EOC
=== smarthost_forms
global: {smtp_smarthost: '[::1]:25', smtp_from: x}
route: {receiver: a}
receivers: [{name: a, email_configs: [{to: x, smarthost: ':25'}]}]
EOC
=== smarthost_brackets
global: {smtp_smarthost: '[a]:b]:25', smtp_from: x}
route: {receiver: a}
receivers: [{name: a}]
EOC
=== http_everything
global:
  http_config:
    oauth2:
      client_id: a
      client_secret: b
      token_url: x
      scopes: [a]
      endpoint_params: {a: b}
      tls_config: {}
      proxy_url: 'http://x'
    tls_config: {min_version: TLS10, max_version: TLS12, cert_file: c, key_file: k}
    proxy_url: 'ftp://proxy'
    proxy_connect_header: {a: [b]}
    follow_redirects: no
    enable_http2: off
route: {receiver: a}
receivers: [{name: a}]
EOC
=== http_bad_proxy
global: {http_config: {proxy_url: '%zz'}}
route: {receiver: a}
receivers: [{name: a}]
EOC
=== http_tls_lower
global: {http_config: {tls_config: {min_version: tls12}}}
route: {receiver: a}
receivers: [{name: a}]
EOC
=== http_auth_type_space
global: {http_config: {authorization: {type: ' Basic '}}}
route: {receiver: a}
receivers: [{name: a}]
EOC
=== time_ok
route: {receiver: a, routes: [{mute_time_intervals: [t], active_time_intervals: [u]}]}
receivers: [{name: a}]
time_intervals:
- name: t
  time_intervals:
  - times: [{start_time: '00:00', end_time: '24:00'}]
    weekdays: [Monday, 'tuesday:FRIDAY']
    days_of_month: ['-3:-1', '5:-1', '+1']
    months: ['may:august', december, '1:3', '13', '0:13', MAY]
    years: ['-5', '2020:2022']
    location: Europe/Berlin
- name: u
  time_intervals: [~, {location: Local}, {location: UTC}, {location: EST}, {location: ''}]
mute_time_intervals:
- name: m
EOC
=== time_bad_location_dir
route: {receiver: a}
receivers: [{name: a}]
time_intervals: [{name: t, time_intervals: [{location: Europe}]}]
EOC
=== time_bad_location_file
route: {receiver: a}
receivers: [{name: a}]
time_intervals: [{name: t, time_intervals: [{location: zone.tab}]}]
EOC
=== time_bad_location_abs
route: {receiver: a}
receivers: [{name: a}]
time_intervals: [{name: t, time_intervals: [{location: /etc/x}]}]
EOC
=== time_bad_24
route: {receiver: a}
receivers: [{name: a}]
time_intervals: [{name: t, time_intervals: [{times: [{start_time: '00:00', end_time: '24:01'}]}]}]
EOC
=== time_bad_weekday_number
route: {receiver: a}
receivers: [{name: a}]
time_intervals: [{name: t, time_intervals: [{weekdays: [1]}]}]
EOC
=== time_bad_dom_space
route: {receiver: a}
receivers: [{name: a}]
time_intervals: [{name: t, time_intervals: [{days_of_month: [' 1']}]}]
EOC
=== time_bad_dom_range
route: {receiver: a}
receivers: [{name: a}]
time_intervals: [{name: t, time_intervals: [{days_of_month: ['1:']}]}]
EOC
=== time_bad_year_range
route: {receiver: a}
receivers: [{name: a}]
time_intervals: [{name: t, time_intervals: [{years: ['99999999999999999999']}]}]
EOC
=== time_bad_month_order
route: {receiver: a}
receivers: [{name: a}]
time_intervals: [{name: t, time_intervals: [{months: ['12:1']}]}]
EOC
=== time_null_items
route: {receiver: a}
receivers: [{name: a}]
time_intervals: [{name: t, time_intervals: [~]}, ~]
EOC
=== time_duplicate_across
route: {receiver: a}
receivers: [{name: a}]
mute_time_intervals: [{name: t}]
time_intervals: [{name: t}]
EOC
=== templates_odd
route: {receiver: a}
receivers: [{name: a}]
templates: [a, ~, '/nonexistent/*.tmpl']
EOC
=== templates_bad_escape
route: {receiver: a}
receivers: [{name: a}]
templates: ['a\']
EOC
=== templates_bad_class
route: {receiver: a}
receivers: [{name: a}]
templates: ['[a-]']
EOC
=== global_empty
global:
route: {receiver: a}
receivers: [{name: a}]
EOC
=== global_secret_url
global: {slack_api_url: '<secret>', resolve_timeout: 0s}
route: {receiver: a}
receivers: [{name: a}]
EOC
=== duplicate_top_key
route: {receiver: a}
receivers: [{name: a}]
receivers: [{name: b}]
EOC
=== merge_key
route: {receiver: a, <<: {group_wait: 1s}}
receivers: [{name: a}]
EOC
=== multi_document
route: {receiver: a}
receivers: [{name: a}]
---
x: 1
EOC
=== numeric_names
route: {receiver: '5'}
receivers: [{name: 5}]
EOC
=== sequence_root
[]
EOC
=== comment_only
# nothing
EOC
CASES

# --------------------------------------------------------------- helpers

# First line of amtool's verdict message (after "FAILED: "), with
# yaml.v2's "unmarshal errors:" replaced by its first detail line.
amtool_msg() {
	m=$(sed -n "s/^Checking '[^']*'  FAILED: //p; s/^  FAILED: //p" "$1" | head -n 1)
	case "$m" in
	"yaml: unmarshal errors:") sed -n '2s/^ *//p' "$1" ;;
	*) printf '%s\n' "$m" ;;
	esac
}

# What Tocsin must say for amtool's message $1 (empty: nothing checked).
expected_msg() {
	case "$1" in
	*"field "*" not found in type"*)
		printf 'unknown key "%s"\n' "$(echo "$1" | sed 's/.*field \([^ ]*\) not found.*/\1/')" ;;
	*"field "*" already set in type"*)
		printf 'mapping key "%s" already defined\n' "$(echo "$1" | sed 's/.*field \([^ ]*\) already set.*/\1/')" ;;
	*"cannot unmarshal"*) ;;	# type errors: worded our way
	"error parsing regexp: "*) echo "error parsing regexp: " ;;	# engine wording
	"yaml: line "*) echo "yaml: " ;;
	"") ;;
	*) printf '%s\n' "$1" ;;
	esac
}

summary() { sed -n '/^Found:/,/^$/p' "$1" | grep -v '^$'; }

# Runs both tools on $1 and compares; $2 is the name to print.
check_file() {
	f=$1
	name=$2
	dir=$(dirname "$f")
	base=$(basename "$f")
	(cd "$dir" && amtool check-config "$base") >"$TMPDIR/a" 2>&1
	arc=$?
	(cd "$dir" && "$TOCSIN" check config "$base") >"$TMPDIR/t" 2>&1
	trc=$?
	[ "$arc" -gt 1 ] && arc=1	# a Go panic is a rejection too
	if grep -q 'is not supported by Tocsin' "$TMPDIR/t"; then
		check_unsupported "$f" "$name"
		return
	fi
	if known_diff "$f"; then
		echo "ok $name: known difference (amtool exit $arc, tocsin exit $trc)"
		return
	fi
	if [ "$arc" -ne "$trc" ]; then
		fail "$name: amtool exit $arc, tocsin exit $trc"
		sed 's/^/    /' "$TMPDIR/a" | head -n 4
		sed 's/^/    /' "$TMPDIR/t" | head -n 6
		return
	fi
	if [ "$arc" -eq 0 ]; then
		if [ "$(summary "$TMPDIR/a")" = "$(summary "$TMPDIR/t")" ]; then
			echo "ok $name: both accept, same summary"
		else
			fail "$name: summaries differ"
			summary "$TMPDIR/a"; summary "$TMPDIR/t"
		fi
		return
	fi
	want=$(expected_msg "$(amtool_msg "$TMPDIR/a")")
	if [ -z "$want" ]; then
		echo "ok $name: both reject"
	elif grep -qF -- "$want" "$TMPDIR/t"; then
		echo "ok $name: both reject: $want"
	else
		fail "$name: tocsin's errors lack amtool's \"$want\""
		sed 's/^/    /' "$TMPDIR/t" | head -n 6
	fi
}

# Tocsin refused an integration: every name it refused must be in the file.
check_unsupported() {
	keys=$(sed -n 's/.*: \([a-z_0-9]*\) is not supported by Tocsin.*/\1/p' "$TMPDIR/t" | sort -u)
	for k in $keys; do
		if ! grep -q "^ *-\{0,1\} *$k:" "$1"; then
			fail "$2: names $k, which the file does not use"
			return
		fi
	done
	echo "ok $2: unsupported integration named ($(echo $keys))"
}

# ------------------------------------------------------------------ run

for f in $(find "$SHARED/corpus/alertmanager" -name '*.yml' -o -name '*.yaml' | sort); do
	check_file "$f" "${f#"$SHARED"/corpus/}"
done
for f in "$ROOT"/tests/golden/config/*.yml; do
	check_file "$f" "golden/$(basename "$f")"
done
for f in "$TMPDIR"/cases/*.yml; do
	check_file "$f" "case/$(basename "$f")"
done

# The known differences stay what they claim: UTF-8 names load with a
# warning; url_file loads.
for n in utf8_dash_name utf8_quoted_name; do
	if "$TOCSIN" check config "$TMPDIR/cases/$n.yml" 2>/dev/null |
	   grep -q 'warning: label name .* Alertmanager 0.25 rejects this file'; then
		echo "ok $n: accepted with a warning"
	else
		fail "$n: expected acceptance with a warning"
	fi
done
"$TOCSIN" check config "$TMPDIR/cases/webhook_url_file.yml" >/dev/null 2>&1 &&
	echo "ok webhook_url_file: accepted" || fail "webhook_url_file: refused"

echo "config vs amtool: $fails failures"
[ "$fails" -eq 0 ]
