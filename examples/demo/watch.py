#!/usr/bin/python3
"""Narrator of the Tocsin demo: prints every alert's transitions.

    watch.py --tocsin URL --notifications FILE [--t0 EPOCH]

Every 0.5 s it reads Tocsin's /api/v1/alerts (the evaluator: pending,
firing), /api/v2/alerts (the router: active or silenced) and the
notification sink's log (--notifications, JSON lines written by
notify_sink.py), and prints one line per change:

    [  +27s] ModelFeatureDrift{feature="amount",model="fraud"}  pending
    [  +33s] ModelFeatureDrift{...}  firing (value 0.31)
    [  +34s] ModelFeatureDrift{...}  notified -> ml-team
    [  +48s] ModelFeatureDrift{...}  silenced (silence 3f2a...)
    [  +95s] ModelInferenceLatencyHigh{...}  resolved
"""
import argparse
import json
import sys
import time
import urllib.request

# Labels left out of the printed names: the same on every alert of the demo
# (external label, scrape target) or shown by the notifications.
IGNORED = ('cluster', 'job', 'instance', 'severity', 'component')


def get(url):
    with urllib.request.urlopen(url, timeout=2) as r:
        return json.load(r)


def key(labels):
    lab = {k: v for k, v in labels.items() if k not in IGNORED}
    name = lab.pop('alertname', '?')
    return name + '{' + ','.join('%s="%s"' % (k, lab[k]) for k in sorted(lab)) + '}'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--tocsin', required=True)
    ap.add_argument('--notifications', required=True)
    ap.add_argument('--t0', type=float, default=time.time())
    args = ap.parse_args()

    def say(k, what):
        print('[%+5.0fs] %-50s %s' % (time.time() - args.t0, k, what), flush=True)

    state = {}       # key -> pending|firing
    silenced = {}    # key -> silence ids (tuple)
    seen_lines = 0
    notified = {}    # key -> number of notifications
    while True:
        try:
            v1 = get(args.tocsin + '/api/v1/alerts')['data']['alerts']
            v2 = get(args.tocsin + '/api/v2/alerts')
        except Exception:       # Tocsin stopping or not up yet
            time.sleep(0.5)
            continue
        now = {}
        for a in v1:
            now[key(a['labels'])] = (a['state'], a.get('value'))
        for k, (st, val) in sorted(now.items()):
            if state.get(k) != st:
                extra = ''
                if st == 'firing' and val is not None:
                    try:
                        extra = ' (value %.3g)' % float(val)
                    except ValueError:
                        pass
                say(k, st + extra)
        for k in sorted(state):
            if k not in now:
                say(k, 'resolved' if state[k] == 'firing' else 'inactive (was pending)')
                silenced.pop(k, None)
        state = {k: st for k, (st, _) in now.items()}

        for a in v2:
            k = key(a['labels'])
            ids = tuple(a.get('status', {}).get('silencedBy') or ())
            if ids != silenced.get(k, ()):
                if ids:
                    say(k, 'silenced (silence %s): no more notifications'
                        % ', '.join(i[:8] for i in ids))
                elif k in silenced:
                    say(k, 'no longer silenced')
                silenced[k] = ids

        try:
            with open(args.notifications) as f:
                lines = f.readlines()
        except OSError:
            lines = []
        for line in lines[seen_lines:]:
            if not line.endswith('\n'):
                break
            seen_lines += 1
            n = json.loads(line)
            p = n['payload']
            for a in p.get('alerts', []):
                k = key(a.get('labels', {}))
                notified[k] = notified.get(k, 0) + 1
                how = 'notified' if notified[k] == 1 else 'notified again (#%d)' % notified[k]
                if a.get('status') == 'resolved':
                    how = 'notified resolved'
                say(k, '%s -> %s' % (how, p.get('receiver', '?')))
        time.sleep(0.5)


if __name__ == '__main__':
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        pass
