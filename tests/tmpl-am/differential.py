#!/usr/bin/env python3
"""
differential.py - `tocsin template render` against `amtool template render`
(Alertmanager 0.25): every case of cases.txt, rendered with every data set,
must give the same output byte for byte and fail or succeed alike (with
the same error message), and every file of bad/ must be rejected as amtool
rejects it.

  cases.txt  templates separated by lines "----"; leading lines
             "#! key=value" set options:
               data=none|NAME,...  data sets (none: amtool's example data,
                                   whose timestamps differ between runs)
               tz=ZONE             TZ for both programs (Local)
               type=html           --template.type=html
               known=REASON        a justified difference: reported, not
                                   compared
  data/      template.Data JSON (with the webhook payloads of
             ../shared/corpus/samples)
  user/      template files given to both with --template.glob
  bad/       data files both must reject

amtool 0.25 does not load Alertmanager's built-in templates, so it gets
the Debian package's copies (default.tmpl, email.tmpl) as globs, while
Tocsin uses its own templates/: the default templates' cases check that
ours render what Alertmanager's render.  Errors raised inside them are
compared without their line:column, as the files differ.

usage: differential.py TOCSIN SHARED
Prints "ok ..." / "FAIL ..." / "known difference ..." lines; exits 1 on
any failure.
"""
import glob
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
AM_TEMPLATES = '/usr/share/prometheus/alertmanager/'

# Known, intended differences for bad data files: amtool's JSON syntax
# errors are encoding/json's, ours jansson's.
BAD_KNOWN = {
    'syntax.json': 'JSON syntax errors are worded by jansson, not encoding/json',
}


def parse_cases():
    text = open(os.path.join(HERE, 'cases.txt'), encoding='utf-8').read()
    cases = []
    for raw in text.split('\n----\n'):
        opts = {}
        lines = raw.split('\n')
        while lines and lines[0].startswith('#! '):
            k, _, v = lines[0][3:].partition('=')
            opts[k.strip()] = v.strip()
            lines.pop(0)
        body = '\n'.join(lines)
        if body.endswith('\n'):
            body = body[:-1]
        if body:
            cases.append((body, opts))
    return cases


def data_sets(shared):
    sets = {}
    for f in sorted(glob.glob(os.path.join(HERE, 'data', '*.json'))):
        sets[os.path.basename(f)[:-5]] = f
    for f in sorted(glob.glob(os.path.join(shared, 'corpus', 'samples',
                                           'webhook-payload*.json'))):
        sets[os.path.basename(f)[:-5]] = f
    return sets


def run(cmd, tz):
    env = dict(os.environ)
    if tz is not None:
        env['TZ'] = tz
    p = subprocess.run(cmd, capture_output=True, env=env)
    return p.returncode, p.stdout, p.stderr.decode('utf-8', 'replace')


def amtool_message(err):
    """The message of amtool's "amtool: error: MSG" line(s)."""
    prefix = 'amtool: error: '
    i = err.find(prefix)
    return err[i + len(prefix):].strip() if i >= 0 else err.strip()


def render_both(tocsin, text, data, opts, user_glob):
    am = ['amtool', 'template', 'render',
          '--template.glob=' + AM_TEMPLATES + 'default.tmpl',
          '--template.glob=' + AM_TEMPLATES + 'email.tmpl',
          '--template.text=' + text]
    to = [tocsin, 'template', 'render', '--template.text=' + text]
    if user_glob:
        am.append('--template.glob=' + user_glob)
        to.append('--template.glob=' + user_glob)
    if data:
        am.append('--template.data=' + data)
        to.append('--template.data=' + data)
    if opts.get('type'):
        am.append('--template.type=' + opts['type'])
        to.append('--template.type=' + opts['type'])
    tz = opts.get('tz')
    return run(am, tz), run(to, tz)


def positionless(msg):
    """Errors inside the built-in templates point into different files:
    Debian's copy of Alertmanager's and Tocsin's own."""
    return re.sub(r'default\.tmpl:\d+:\d+', 'default.tmpl:L:C', msg)


def compare(a, t):
    """None when tocsin's result agrees with amtool's, else why not."""
    (arc, aout, aerr), (trc, tout, terr) = a, t
    if 'Sanitizer' in terr or 'runtime error:' in terr:
        return 'sanitizer report:\n' + terr
    if (arc == 0) != (trc == 0):
        return 'amtool exit %d, tocsin exit %d\namtool: %s\ntocsin: %s' % (
            arc, trc, aerr.strip() or aout.decode('utf-8', 'replace'),
            terr.strip() or tout.decode('utf-8', 'replace'))
    if arc != 0:
        msg = positionless(amtool_message(aerr))
        if not positionless(terr.strip()).endswith(msg):
            return 'error messages differ\namtool: %s\ntocsin: %s' % (
                msg, terr.strip())
        return None
    if aout != tout:
        return 'outputs differ\namtool: %r\ntocsin: %r' % (aout, tout)
    return None


def all_defaults_text():
    """The text test_templates_golden.sh renders: every name Tocsin's
    default.tmpl defines, so its golden files are checked here too."""
    root = os.path.dirname(os.path.dirname(HERE))
    src = open(os.path.join(root, 'templates', 'default.tmpl'),
               encoding='utf-8').read()
    text = ''
    for n in re.findall(r'{{ define "([^"]*)"', src):
        if n.startswith('__tocsin_'):
            continue
        dot = '.Alerts' if n in ('__text_alert_list',
                                 'pagerduty.default.instances') else '.'
        text += '{{ "=== %s\\n" }}{{ template "%s" %s }}{{ "\\n" }}' % (
            n, n, dot)
    return text


def main():
    tocsin, shared = sys.argv[1], sys.argv[2]
    user_glob = os.path.join(HERE, 'user', '*.tmpl')
    sets = data_sets(shared)
    failures = agreed = known = 0
    for text, opts in parse_cases():
        names = opts.get('data', ','.join(sets)).split(',')
        for name in names:
            data = None if name == 'none' else sets[name]
            a, t = render_both(tocsin, text, data, opts, user_glob)
            why = compare(a, t)
            if opts.get('known'):
                known += 1
                if t[0] != 0 or 'Sanitizer' in t[2]:
                    failures += 1
                    print('FAIL %r with %s: tocsin failed: %s' %
                          (text, name, t[2].strip()))
                continue
            if why:
                failures += 1
                print('FAIL %r with %s: %s' % (text, name, why))
            else:
                agreed += 1
    text = all_defaults_text()
    for name, data in sets.items():
        why = compare(*render_both(tocsin, text, data, {}, None))
        if why:
            failures += 1
            print('FAIL every default template with %s: %s' % (name, why))
        else:
            agreed += 1
    for text, opts in parse_cases():
        if opts.get('known'):
            print('known difference %r: %s' % (text[:60], opts['known']))
    for f in sorted(glob.glob(os.path.join(HERE, 'bad', '*.json'))):
        base = os.path.basename(f)
        a, t = render_both(tocsin, 'x', f, {}, user_glob)
        if a[0] == 0 or t[0] == 0:
            failures += 1
            print('FAIL %s: amtool exit %d, tocsin exit %d' % (base, a[0], t[0]))
            continue
        if base in BAD_KNOWN:
            known += 1
            print('known difference %s: %s' % (base, BAD_KNOWN[base]))
            continue
        why = compare(a, t)
        if why:
            failures += 1
            print('FAIL %s: %s' % (base, why))
        else:
            agreed += 1
    print('%s %d renderings agree with amtool, %d known differences, '
          '%d failures' % ('ok' if not failures else 'FAIL', agreed, known,
                           failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
