#!/bin/sh
# Differential test of the matcher parsers against amtool 0.25, which parses
# route `matchers:` with the classic grammar (pkg/labels).  For each input a
# route gets `matchers: ['<input>']`; `amtool check-config` gives the verdict
# and the error, `amtool config routes show` the parsed, sorted matchers.
# Tocsin has no matcher command, so a small driver is built against the
# libtocsin.a beside $TOCSIN.  Tocsin's default (fallback) mode must agree
# with amtool except on inputs only the UTF-8 grammar accepts (marked U).
set -u
fails=0
fail() { printf 'FAIL %s\n' "$*"; fails=$((fails + 1)); }

if ! command -v amtool >/dev/null 2>&1; then
	echo "FAIL amtool not installed"
	exit 1
fi
LIB=$(dirname "$TOCSIN")/libtocsin.a
# ./tocsin is a copy of build/tocsin; its library stays in build/.
[ -f "$LIB" ] || LIB=$ROOT/build/libtocsin.a
DRV=$TMPDIR/matcher_drv
cat >"$DRV.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include "matcher.h"
/* Reads one matcher string per line; prints "OK {sorted}" or "ERR msg". */
int main(int argc, char **argv)
{
	enum matcher_grammar g = argc > 1 && strcmp(argv[1], "classic") == 0 ?
				 MATCHER_CLASSIC : MATCHER_FALLBACK;
	char line[4096];

	while (fgets(line, sizeof(line), stdin)) {
		struct matchers ms = {0};
		struct buf err = {0}, out = {0};

		line[strcspn(line, "\n")] = '\0';
		if (matchers_parse_mode(line, g, &ms, &err, NULL) == 0) {
			matchers_sort(&ms);
			matchers_format(&ms, &out);
			printf("OK %s\n", buf_str(&out));
		} else {
			printf("ERR %s\n", buf_str(&err));
		}
		matchers_free(&ms);
		buf_free(&err);
		buf_free(&out);
	}
	return 0;
}
EOF
SAN=
if nm "$LIB" 2>/dev/null | grep -q __asan_report; then
	SAN="-fsanitize=address,undefined"
fi
# shellcheck disable=SC2046
if ! cc -std=c11 -D_GNU_SOURCE $SAN -I"$ROOT/src" -o "$DRV" "$DRV.c" "$LIB" \
	$(pkg-config --libs libpcre2-8 libcurl yaml-0.1 sqlite3 jansson libmicrohttpd) -lm; then
	echo "FAIL cannot build the matcher driver against $LIB"
	exit 1
fi

# One input per line: a flag (- or U) and the matcher string.  U: amtool
# 0.25 rejects it, Tocsin's fallback accepts it with the UTF-8 grammar.
cat >"$TMPDIR/inputs" <<'EOF'
- severity="critical"
- alertname=~"Foo|Bar", team!="x"
- {a="b",c="d"}
- foo=bar
- {foo = "bar", dings != "bums", }
- foo=bar,dings!=bums
- {quote="She said: \"Hi, ladies! That's gender-neutral…\""}
- statuscode=~"5.."
- tricky=~~~
- trickier==\\=\=\"
- contains_quote != "\"" , contains_comma !~ "foo,bar" , 
- {foo=bar}}
- {foo=bar}},}
- {foo=,bar=}}
- {foo=bar\t}
- {foo=bar\n}
- {foo=bar\}
- {foo=bar\"}
- job=
- {foo=}b
- {}
- ,
- {,}
- a=b,,c=d
- job="value
- job=value"
- contains_unescaped_quote = foo"bar
U {invalid-name = "valid label"}
- {{foo=
- "foo=\"bar\""
U 1a=x
- a:b_1=x
- foo="\xf0\x9f\x99\x82"
- foo=" spaced "  ,  bar=  x y  
- foo=~"(a"
- foo=~"invalid[regexp"
- foo=~"a)"
- foo=~"[z-a]"
- foo=~"(?!x)"
- foo=~"(?<=x)"
- foo=~"(?<name>x)"
- foo=~"(?P<name>x)|(?i)y"
- foo=~"a{1001}"
- foo=~"(a{100}){100}"
- foo=~"(a{10}){100}"
- foo=~"a**"
- foo=~"a*+"
- foo=~"*"
- foo=~"\\1"
- foo=~"\\K"
- foo=~"\\x4"
- foo=~"\\x{110000}"
- foo=~"[\\b]"
- foo=~"[[:foo:]]"
- foo=~"[[:alpha:]][^[:space:]]\\pL\\d\\s\\Qa.b\\E"
- foo=~"a{,3}|x{01}|{"
- foo=~"^*$*\\b+"
- foo=~"(?-)"
- foo=~"(?)"
- foo=~"[a[-P]"
U "label name with spaces"="v"
U foo🙂=bar
U {foo🙂=bar,bar=baz🙂}
U Σ=ok
EOF

n=0
while IFS= read -r line; do
	flag=${line%% *}
	in=${line#* }
	esc=$(printf '%s' "$in" | sed "s/'/''/g")
	cfg=$TMPDIR/am.yml
	printf "route:\n  receiver: r\n  routes:\n    - receiver: r\n      matchers: ['%s']\nreceivers:\n  - name: r\n" "$esc" >"$cfg"
	out=$(amtool check-config "$cfg" 2>&1)
	case $out in
	*FAILED:*)
		want="ERR $(printf '%s\n' "$out" | sed -n 's/.*FAILED: //p' | head -n 1)" ;;
	*SUCCESS*)
		# a route without matchers shows as "default-route"
		want="OK $(amtool config routes show --config.file="$cfg" 2>/dev/null |
			sed -n -e 's/^    └── default-route  receiver: r$/{}/p' \
			    -e 's/^    └── \(.*\)  receiver: r$/\1/p' | head -n 1)" ;;
	*)
		fail "amtool could not read the config for: $in"; continue ;;
	esac
	classic=$(printf '%s\n' "$in" | "$DRV" classic)
	fallback=$(printf '%s\n' "$in" | "$DRV" fallback)
	n=$((n + 1))
	if [ "$classic" != "$want" ]; then
		fail "classic: $in"
		printf '  amtool: %s\n  tocsin: %s\n' "$want" "$classic"
	elif [ "$flag" = U ]; then
		case $fallback in
		OK*) printf 'ok fallback accepts UTF-8 input: %s\n' "$in" ;;
		*) fail "fallback rejects UTF-8 input: $in: $fallback" ;;
		esac
	elif [ "$fallback" != "$want" ]; then
		fail "fallback: $in"
		printf '  amtool: %s\n  tocsin: %s\n' "$want" "$fallback"
	else
		printf 'ok %s\n' "$in"
	fi
done <"$TMPDIR/inputs"
echo "$n inputs compared, $fails failures"
[ "$fails" -eq 0 ]
