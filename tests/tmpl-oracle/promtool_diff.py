#!/usr/bin/env python3
"""
promtool_diff.py - explains a failed `promtool test rules` run of a test
made by rule_driver.c: for every alert promtool reports, which label or
annotation Tocsin (promtool's "exp") renders differently from Prometheus
(promtool's "got").

  promtool_diff.py NAME KNOWN < promtool-output

NAME names the corpus file in messages.  KNOWN is a file of known
differences, one a line: "NAME ALERT KEY reason...", KEY being
annotation:NAME or label:NAME.  Prints "FAIL ..." for each other
difference and "known difference ..." for listed ones; exits 0 only when
every reported difference is listed.
"""
import re, sys

SIMPLE = {'a': 7, 'b': 8, 'f': 12, 'n': 10, 'r': 13, 't': 9, 'v': 11,
          '\\': 92, '"': 34, "'": 39}


def go_unquote(s, i):
    """Reads the Go-quoted string at s[i]; returns (text, next index)."""
    i += 1
    out = bytearray()
    while s[i] != '"':
        if s[i] != '\\':
            out += s[i].encode('utf-8', 'surrogateescape')
            i += 1
            continue
        e = s[i + 1]
        if e in SIMPLE:
            out.append(SIMPLE[e])
            i += 2
        elif e == 'x':
            out.append(int(s[i + 2:i + 4], 16))
            i += 4
        elif e in 'uU':
            k = 4 if e == 'u' else 8
            out += chr(int(s[i + 2:i + 2 + k], 16)).encode()
            i += 2 + k
        else:
            out.append(int(s[i + 1:i + 4], 8))
            i += 4
    return out.decode('utf-8', 'surrogateescape'), i + 1


def parse_set(s):
    """Parses Go's {a="x", b="y"} (labels.Labels.String) into a dict."""
    res, i = {}, 1
    while i < len(s) and s[i] != '}':
        m = re.match(r'([^=]+)=', s[i:])
        res[m.group(1)], i = go_unquote(s, i + len(m.group(0)))
        if s[i:i + 2] == ', ':
            i += 2
    return res


def parse(out):
    """Returns {alertname: {'exp': [alert], 'got': [alert]}} where an alert
    is {'labels': {...}, 'annotations': {...}}."""
    blocks, side, cur = {}, None, None
    for line in out.splitlines():
        t = line.strip()
        m = re.match(r'alertname: (.*), time: .*,$', t)
        if m:
            cur = blocks.setdefault(m.group(1), {'exp': [], 'got': []})
        elif t.startswith('exp:['):
            side = 'exp'
        elif t.startswith('got:['):
            side = 'got'
        elif cur is not None and t.startswith('Labels:{'):
            cur[side].append({'labels': parse_set(t[len('Labels:'):]),
                              'annotations': {}})
        elif cur is not None and t.startswith('Annotations:{'):
            cur[side][-1]['annotations'] = parse_set(t[len('Annotations:'):])
    return blocks


def key_of(alert):
    l = alert['labels']
    return 'tocsin_rule=%s tocsin_variant=%s' % (l.get('tocsin_rule'),
                                                 l.get('tocsin_variant'))


def differences(exp, got):
    """Yields (alert key, KEY, ours, theirs) for each difference."""
    e = {key_of(a): a for a in exp}
    g = {key_of(a): a for a in got}
    for k in sorted(set(e) | set(g)):
        if k not in e or k not in g:
            yield k, 'alert', 'present' if k in e else 'absent', \
                'present' if k in g else 'absent'
            continue
        for kind in ('labels', 'annotations'):
            a, b = e[k][kind], g[k][kind]
            for n in sorted(set(a) | set(b)):
                if a.get(n) != b.get(n):
                    yield k, '%s:%s' % (kind[:-1], n), a.get(n), b.get(n)


def main():
    name, known_path = sys.argv[1], sys.argv[2]
    out = sys.stdin.read()
    known = {}
    for line in open(known_path, encoding='utf-8'):
        f = line.split(None, 3)
        if len(f) == 4 and not line.startswith('#'):
            known[tuple(f[:3])] = f[3].strip()
    blocks = parse(out)
    unknown = total = 0
    for alert, b in sorted(blocks.items()):
        for k, what, ours, theirs in differences(b['exp'], b['got']):
            total += 1
            why = known.get((name, alert, what))
            if why:
                print('known difference %s: %s %s (%s)' % (name, alert, what, why))
                continue
            unknown += 1
            print('FAIL %s: rule %s, alert {%s}, %s differs' % (name, alert, k, what))
            print('    tocsin:   %r' % (ours,))
            print('    promtool: %r' % (theirs,))
    if total == 0:
        print('FAIL %s: promtool failed, but not on a label or annotation:' % name)
        print(out)
        return 1
    return 1 if unknown else 0


if __name__ == '__main__':
    sys.exit(main())
