#!/bin/sh
# test_routes_amtool.sh - `tocsin routes show|test` against the real amtool
# 0.25 over every corpus configuration both accept: the same tree drawing,
# and for label sets generated from each configuration's own matchers
# (every value alone, pairs, and a deterministic pseudo-random mix) the
# same receivers, in the same order.
set -u
fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

checked=0 sets=0
for f in $(find "$SHARED/corpus/alertmanager" -name '*.yml' -o -name '*.yaml' | sort); do
	amtool config routes show --config.file="$f" >"$TMPDIR/am.txt" 2>/dev/null || continue
	"$TOCSIN" check config "$f" >/dev/null 2>&1 || continue
	"$TOCSIN" routes show --config.file="$f" >"$TMPDIR/t.txt" 2>"$TMPDIR/err" ||
		{ cat "$TMPDIR/err"; fail "routes show $f"; }
	diff -u "$TMPDIR/am.txt" "$TMPDIR/t.txt" >"$TMPDIR/diff" ||
		{ cat "$TMPDIR/diff"; fail "routes show differs for $f"; }
	# Label sets from the tree's matchers.
	/usr/bin/python3 - "$TMPDIR/am.txt" >"$TMPDIR/sets" <<'EOF'
import random, re, sys
pairs = set()
for line in open(sys.argv[1]):
    for name, op, value in re.findall(r'([A-Za-z_][A-Za-z0-9_]*)(=~|!~|!=|=)"((?:[^"\\]|\\.)*)"', line):
        value = value.replace('\\"', '"')
        if op in ("=", "!="):
            pairs.add((name, value))
        else:
            for word in re.findall(r"[A-Za-z0-9_.-]+", value):
                pairs.add((name, word))
        pairs.add((name, "other"))
pairs = sorted(pairs)
out = [[]] + [[p] for p in pairs]
rnd = random.Random(4)
names = sorted({n for n, _ in pairs})
for _ in range(25):
    chosen = {}
    for n in rnd.sample(names, min(len(names), rnd.randint(1, 4))):
        chosen[n] = rnd.choice([v for m, v in pairs if m == n])
    out.append(sorted(chosen.items()))
for s in out:
    print(" ".join("%s=%s" % (n, v) for n, v in s if " " not in v and v))
EOF
	while IFS= read -r set; do
		# shellcheck disable=SC2086
		a=$(amtool config routes test --config.file="$f" $set 2>/dev/null)
		# shellcheck disable=SC2086
		t=$("$TOCSIN" routes test --config.file="$f" $set 2>&1)
		[ "$a" = "$t" ] || fail "$f: labels '$set': amtool '$a', tocsin '$t'"
		sets=$((sets + 1))
	done <"$TMPDIR/sets"
	checked=$((checked + 1))
done
[ "$checked" -ge 5 ] || fail "only $checked corpus configurations checked"
ok "routes show and routes test as amtool: $checked configurations, $sets label sets"

# --verify.receivers: amtool's warning and exit status.
f=$SHARED/corpus/alertmanager/upstream/cli-testdata/conf.routing.yml
out=$("$TOCSIN" routes test --config.file="$f" --verify.receivers=test1 test=2)
rc=$?
[ "$rc" -eq 1 ] || fail "verify mismatch exit $rc"
[ "$out" = "test1,test2
WARNING: Expected receivers did not match resolved receivers." ] || fail "verify output: $out"
"$TOCSIN" routes test --config.file="$f" --verify.receivers=test1,test2 test=2 >/dev/null ||
	fail "verify match"
ok "--verify.receivers as amtool"
"$TOCSIN" routes test --config.file="$f" 'test=~2' >/dev/null 2>&1
[ $? -eq 64 ] || fail "a regex label is a usage error"
ok "labels must be key=value"

# The example of tocsin(1), on the shipped example configuration.
out=$("$TOCSIN" routes test --config.file="$ROOT/examples/ml-service.yml" \
	--verify.receivers=ml-pager model=fraud severity=critical) ||
	fail "tocsin(1) routes test example: $out"
[ "$out" = ml-pager ] || fail "tocsin(1) routes test example: $out"
ok "tocsin(1)'s routes test example"
