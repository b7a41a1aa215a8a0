#!/usr/bin/env python3
"""
oracle.py - checks Tocsin's template engine against the real thing and
regenerates tests/unit/tmpl_oracle.h from what agrees.

  am.txt     pure template language, rendered by `amtool template render`
             (Alertmanager 0.25, Go 1.19) with amtool's sample data
  prom.txt   rule annotations, expanded by `promtool test rules`
             (Prometheus 2.42); "#value=X" first line sets $value
  check.txt  parse errors, reported by `promtool check rules`

Cases are separated by lines "----".  Usage, from the repository root:
  tests/tmpl-oracle/oracle.py           report differences
  tests/tmpl-oracle/oracle.py --write   also rewrite tests/unit/tmpl_oracle.h
Known differences (KNOWN below) are reported and left out of the header;
any other difference makes the script exit 1.
"""
import json, os, re, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TMP = tempfile.mkdtemp(prefix='tmpl-oracle-')
DRIVER = os.path.join(TMP, 'driver')


# Known, intended differences, by case text.
KNOWN = {
    # amtool's sample alerts carry time.Now() timestamps
    '{{ . }}': 'timestamps',
    '{{ $ }}|{{ $.Receiver }}': 'timestamps',
    # Go allows 100000 nested template calls; C recursion stops at 100
    '{{ define "r" }}{{ template "r" . }}{{ end }}{{ template "r" 1 }}': 'depth',
    # Go 1.23's {{else with}}, which Go 1.19 rejects, is accepted
    '{{ with 1 }}{{ else with 2 }}{{ end }}': 'else with',
    # Alertmanager's title is cases.Title, Prometheus' strings.Title
    '{{ title "aa bb CC it\'s foo.bar hello-world a_b" }}|{{ toUpper "h\u00e9llo" }}|{{ toLower "H\u00c9LLO" }}': 'title',
    # promtool runs templates without an external URL (nil pointer)
    '{{ pathPrefix }}|{{ externalURL }}': 'promtool',
}


def build_driver():
    srcs = [os.path.join(ROOT, 'src', f) for f in sorted(os.listdir(os.path.join(ROOT, 'src')))
            if f.startswith('tmpl') and f.endswith('.c')]
    srcs += [os.path.join(ROOT, 'src', f) for f in ('util.c', 'labels.c', 'duration.c')]
    subprocess.run(['cc', '-std=c11', '-D_GNU_SOURCE', '-O1', '-I' + os.path.join(ROOT, 'src'),
                    '-o', DRIVER, os.path.join(HERE, 'driver.c')] + srcs + ['-lm', '-lpcre2-8', '-ljansson'],
                   check=True)


def cases(name):
    txt = open(os.path.join(HERE, name), encoding='utf-8').read()
    out = []
    for c in txt.split('\n----\n'):
        if not c.strip():
            continue
        value = None
        if c.startswith('#value='):
            first, c = c.split('\n', 1)
            value = first[len('#value='):]
        out.append((c.rstrip('\n'), value))
    return out


def driver(*args):
    p = subprocess.run([DRIVER] + list(args), capture_output=True)
    return p.stdout.decode('utf-8', 'surrogateescape')


def go_unquote(s, i):
    """Reads a Go-quoted string at s[i]; returns (text, next index)."""
    i += 1
    out = bytearray()
    simple = {'a': 7, 'b': 8, 'f': 12, 'n': 10, 'r': 13, 't': 9, 'v': 11, '\\': 92, '"': 34}
    while s[i] != '"':
        if s[i] == '\\':
            e = s[i + 1]
            if e in simple:
                out.append(simple[e]); i += 2
            elif e == 'x':
                out.append(int(s[i + 2:i + 4], 16)); i += 4
            elif e == 'u':
                out += chr(int(s[i + 2:i + 6], 16)).encode(); i += 6
            else:
                out += chr(int(s[i + 2:i + 10], 16)).encode(); i += 10
        else:
            out += s[i].encode('utf-8', 'surrogateescape'); i += 1
    return out.decode('utf-8', 'surrogateescape'), i + 1


def oracle_am(t):
    empty = os.path.join(TMP, 'empty.tmpl')
    open(empty, 'w').close()
    p = subprocess.run(['amtool', 'template', 'render', '--template.glob=' + empty,
                        '--template.text=' + t], capture_output=True)
    return (p.stdout + p.stderr).decode('utf-8', 'surrogateescape')


def oracle_prom(ts, value):
    d = os.path.join(TMP, 'prom')
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'r.yml'), 'w') as f:
        f.write('groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations:\n')
        for i, t in enumerate(ts):
            f.write('      a%04d: %s\n' % (i, json.dumps(t)))
    with open(os.path.join(d, 't.yml'), 'w') as f:
        f.write('rule_files: [r.yml]\ntests:\n- interval: 1m\n'
                '  external_labels: {region: eu}\n  external_url: http://ext:9090/prefix\n'
                "  input_series:\n  - series: 'up{job=\"j\",instance=\"i:9100\"}'\n"
                "    values: '%s'\n  alert_rule_test:\n  - eval_time: 0m\n    alertname: A\n"
                '    exp_alerts:\n    - exp_labels: {job: j, instance: "i:9100"}\n' % value)
    p = subprocess.run(['promtool', 'test', 'rules', 't.yml'], cwd=d, capture_output=True)
    out = (p.stdout + p.stderr).decode('utf-8', 'surrogateescape')
    m = out.rfind('Annotations:{')
    if m < 0:
        sys.exit('promtool failed:\n' + out)
    s, i, res = out[m + len('Annotations:{'):], 0, {}
    while True:
        mm = re.match(r'(a\d{4})=', s[i:])
        if not mm:
            return res
        res[mm.group(1)], i = go_unquote(s, i + len(mm.group(0)))
        if s[i:i + 2] == ', ':
            i += 2


def oracle_check(t):
    d = os.path.join(TMP, 'check')
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, 'r.yml'), 'w') as f:
        f.write('groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations:\n'
                '      a0000: %s\n' % json.dumps(t))
    p = subprocess.run(['promtool', 'check', 'rules', 'r.yml'], cwd=d, capture_output=True)
    m = re.search(r'annotation "a0000": (.*)', (p.stdout + p.stderr).decode(), re.S)
    return m.group(1).rstrip('\n') if m else 'ok'


def c_string(s):
    out = '"'
    for b in s.encode('utf-8', 'surrogateescape'):
        c = chr(b)
        if c in '"\\':
            out += '\\' + c
        elif c == '\n':
            out += '\\n'
        elif c == '\t':
            out += '\\t'
        elif c == '?':
            out += '\\?'	# no trigraphs
        elif 32 <= b < 127:
            out += c
        else:
            out += '\\%03o' % b
    return out + '"'


def main():
    build_driver()
    bad, rows = 0, {'am': [], 'prom': [], 'check': []}

    def report(kind, t, exp, got):
        nonlocal bad
        if exp == got:
            return True
        if t in KNOWN:
            print('known difference (%s): %s' % (KNOWN[t], t.split('\n')[0][:60]))
            return False
        bad += 1
        print('=== %s differs\n%s\n--- oracle:\n%s\n--- tocsin:\n%s' % (kind, t, exp, got))
        return False

    for t, _ in cases('am.txt'):
        exp = oracle_am(t)
        if report('am', t, exp, driver('am', t)):
            if exp.startswith('amtool: error: '):
                rows['am'].append((t, None, exp[len('amtool: error: '):].rstrip('\n')))
            else:
                rows['am'].append((t, exp, None))
    byvalue = {}
    for t, v in cases('prom.txt'):
        byvalue.setdefault(v or '1234567', []).append(t)
    for v, ts in byvalue.items():
        got = oracle_prom(ts, v)
        for i, t in enumerate(ts):
            exp = got.get('a%04d' % i, '')
            if report('prom (value %s)' % v, t, exp, driver('prom', t, v)):
                rows['prom'].append((t, v, exp))
    for t, _ in cases('check.txt'):
        exp = oracle_check(t)
        if report('check', t, exp, driver('check', t)):
            rows['check'].append((t, exp))
    print('%d agree, %d differ unexpectedly' % (sum(len(r) for r in rows.values()), bad))
    if '--write' not in sys.argv:
        sys.exit(1 if bad else 0)
    with open(os.path.join(ROOT, 'tests', 'unit', 'tmpl_oracle.h'), 'w') as f:
        f.write('/* Generated by tests/tmpl-oracle/oracle.py: cases where Tocsin agrees\n'
                ' * with amtool 0.25 and promtool 2.42.  Do not edit; edit the case files\n'
                ' * and rerun the script. */\n\n')
        f.write('/* {template, output or NULL, error or NULL} against amtool\'s data */\n')
        f.write('static const struct am_case am_cases[] = {\n')
        for t, o, e in rows['am']:
            f.write('\t{%s,\n\t %s,\n\t %s},\n' % (c_string(t), c_string(o) if o is not None else 'NULL',
                                                 c_string(e) if e is not None else 'NULL'))
        f.write('};\n\n/* {annotation template, $value, expansion} */\n')
        f.write('static const struct prom_case prom_cases[] = {\n')
        for t, v, e in rows['prom']:
            f.write('\t{%s,\n\t %s,\n\t %s},\n' % (c_string(t), c_string(v), c_string(e)))
        f.write('};\n\n/* {annotation template, promtool check rules error} */\n')
        f.write('static const struct check_case check_cases[] = {\n')
        for t, e in rows['check']:
            f.write('\t{%s,\n\t %s},\n' % (c_string(t), c_string(e)))
        f.write('};\n')


main()
