#!/usr/bin/python3
"""A pretend model service for the Tocsin demo (Python standard library only).

    model_service.py --port-file FILE [--t0 EPOCH] [--drift-at S]
                     [--slow-at S] [--recover-at S]

It serves a fraud model that is never called: a background thread
simulates ~40 inference requests per second and the service exports the
metrics the rule packs in rules/ expect (rules/README.md, "Metric
conventions"):

  model_feature_mean{model="fraud",feature="amount"|"age"}
  model_feature_null_ratio{model="fraud",feature=...}
  model_inference_duration_seconds_bucket/_sum/_count{model,version,le}
  model_predictions_total{model,version,outcome}
  model_prediction_errors_total{model,version}

On a schedule (seconds after --t0, the demo's start):
  --drift-at S    the mean of feature "amount" starts to climb by 2% per
                  second (an upstream change nobody announced)
  --slow-at S     half of the inferences start taking 0.6-1.5 s (a slow
                  feature store): p99 latency far above 500 ms
  --recover-at S  latency is back to normal (the drift goes on)

Binds 127.0.0.1 (port 0: the kernel's choice) and writes the port to
--port-file atomically.  GET /metrics, GET /-/ready.  Each phase change
is printed on stdout, prefixed with the time since --t0.
"""
import argparse
import math
import os
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL, VERSION = 'fraud', 'v3'
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
RATE = 40.0            # simulated requests per second
DRIFT_PER_S = 0.02     # relative growth of the drifting mean per second

lock = threading.Lock()
st = {
    'buckets': [0] * len(BUCKETS), 'count': 0, 'sum': 0.0,
    'positive': 0, 'negative': 0,
}


def stamp(t0):
    return '[%+5.0fs]' % (time.time() - t0)


def say(args, msg):
    print('%s model-service: %s' % (stamp(args.t0), msg), flush=True)


def phase_slow(args, now):
    return args.slow_at <= now - args.t0 < args.recover_at


def feature_means(args, now):
    t = now - args.t0
    amount = 42.0
    if t >= args.drift_at:
        amount *= math.exp(DRIFT_PER_S * (t - args.drift_at))
    age = 37.5 + 0.2 * math.sin(t / 7.0)
    return amount, age


def simulate(args, rng):
    """Serve RATE requests per second, record latency and outcome."""
    carry, last = 0.0, time.time()
    while True:
        time.sleep(0.05)
        now = time.time()
        carry += RATE * (now - last)
        last = now
        n = int(carry)
        carry -= n
        slow = phase_slow(args, now)
        with lock:
            for _ in range(n):
                if slow and rng.random() < 0.5:
                    d = rng.uniform(0.6, 1.5)
                else:
                    d = min(0.4, rng.lognormvariate(math.log(0.08), 0.5))
                st['count'] += 1
                st['sum'] += d
                for i, le in enumerate(BUCKETS):
                    if d <= le:
                        st['buckets'][i] += 1
                if rng.random() < 0.03:
                    st['positive'] += 1
                else:
                    st['negative'] += 1


def announce(args):
    """Print each phase change when it happens."""
    events = sorted([
        (args.drift_at, 'the mean of feature "amount" starts to climb '
                        '(+%d%%/s): upstream changed something' % (DRIFT_PER_S * 100)),
        (args.slow_at, 'half of the inferences now take 0.6-1.5 s '
                       '(slow feature store)'),
        (args.recover_at, 'latency back to normal (~80 ms); '
                          '"amount" keeps drifting'),
    ])
    for at, msg in events:
        delay = args.t0 + at - time.time()
        if delay > 0:
            time.sleep(delay)
        say(args, msg)


def render(args):
    now = time.time()
    amount, age = feature_means(args, now)
    lab = 'model="%s",version="%s"' % (MODEL, VERSION)
    out = [
        '# HELP model_feature_mean Mean of an input feature over the recent window.',
        '# TYPE model_feature_mean gauge',
        'model_feature_mean{model="%s",feature="amount"} %.4f' % (MODEL, amount),
        'model_feature_mean{model="%s",feature="age"} %.4f' % (MODEL, age),
        '# HELP model_feature_null_ratio Share of recent requests lacking the feature.',
        '# TYPE model_feature_null_ratio gauge',
        'model_feature_null_ratio{model="%s",feature="amount"} 0.01' % MODEL,
        'model_feature_null_ratio{model="%s",feature="age"} 0.02' % MODEL,
    ]
    with lock:
        out += [
            '# HELP model_inference_duration_seconds Time from request to prediction.',
            '# TYPE model_inference_duration_seconds histogram',
        ]
        for le, c in zip(BUCKETS, st['buckets']):
            out.append('model_inference_duration_seconds_bucket{%s,le="%g"} %d'
                       % (lab, le, c))
        out += [
            'model_inference_duration_seconds_bucket{%s,le="+Inf"} %d' % (lab, st['count']),
            'model_inference_duration_seconds_sum{%s} %.6f' % (lab, st['sum']),
            'model_inference_duration_seconds_count{%s} %d' % (lab, st['count']),
            '# HELP model_predictions_total Predictions served.',
            '# TYPE model_predictions_total counter',
            'model_predictions_total{%s,outcome="positive"} %d' % (lab, st['positive']),
            'model_predictions_total{%s,outcome="negative"} %d' % (lab, st['negative']),
            '# HELP model_prediction_errors_total Inference requests that failed.',
            '# TYPE model_prediction_errors_total counter',
            'model_prediction_errors_total{%s} 0' % lab,
        ]
    return '\n'.join(out) + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--port-file', required=True)
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--t0', type=float, default=None)
    ap.add_argument('--drift-at', type=float, default=15)
    ap.add_argument('--slow-at', type=float, default=25)
    ap.add_argument('--recover-at', type=float, default=80)
    ap.add_argument('--seed', type=int, default=1)
    args = ap.parse_args()
    if args.t0 is None:
        args.t0 = time.time()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, *a):
            pass

        def do_GET(self):
            path = self.path.split('?')[0]
            if path == '/metrics':
                code, body = 200, render(args)
                ctype = 'text/plain; version=0.0.4; charset=utf-8'
            elif path == '/-/ready':
                code, body, ctype = 200, 'ready\n', 'text/plain'
            else:
                code, body, ctype = 404, 'not found\n', 'text/plain'
            b = body.encode()
            self.send_response(code)
            self.send_header('Content-Type', ctype)
            self.send_header('Content-Length', str(len(b)))
            self.end_headers()
            self.wfile.write(b)

    srv = ThreadingHTTPServer(('127.0.0.1', args.port), Handler)
    srv.daemon_threads = True
    for fn, a in ((simulate, (args, random.Random(args.seed))), (announce, (args,))):
        threading.Thread(target=fn, args=a, daemon=True).start()
    tmp = args.port_file + '.tmp'
    with open(tmp, 'w') as f:
        f.write('%d\n' % srv.server_address[1])
    os.replace(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
