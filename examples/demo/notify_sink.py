#!/usr/bin/python3
"""Loopback webhook receiver for the Tocsin demo: prints each notification
as a person would read it in a chat channel.

    notify_sink.py --port-file FILE [--log FILE] [--t0 EPOCH] [--port N]

Binds 127.0.0.1 (port 0: the kernel's choice), writes the port to
--port-file atomically, and answers every POST with 200.  Each webhook
(Alertmanager's payload, as Tocsin's webhook receiver posts it) is printed
as a Slack-like text block: status, alert names, labels, summary,
description.  With DEMO_JSON=1 in the environment the raw JSON follows.
--log appends one JSON object per notification
({"time", "path", "payload"}), written before the answer is sent.
"""
import argparse
import json
import os
import sys
import threading
import time
import textwrap
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
IND = ' ' * 9


def title(p):
    """Alertmanager's default Slack title (slack.default.title)."""
    st = p.get('status', '?').upper()
    if p.get('status') == 'firing':
        st += ':%d' % sum(1 for a in p.get('alerts', []) if a.get('status') == 'firing')
    gl = p.get('groupLabels') or {}
    cl = p.get('commonLabels') or {}
    t = '[%s] %s' % (st, ' '.join(gl[k] for k in sorted(gl)))
    rest = [cl[k] for k in sorted(cl) if k not in gl]
    if rest:
        t += ' (%s)' % ' '.join(rest)
    return t


def wrap(text, first, indent):
    return textwrap.fill(' '.join(text.split()), width=100,
                         initial_indent=first, subsequent_indent=indent,
                         break_on_hyphens=False)


def render(p, path, t0):
    now = time.time()
    out = ['[%+5.0fs] >>> notification for receiver "%s" (webhook POST %s)'
           % (now - t0, p.get('receiver', '?'), path)]
    out.append(IND + title(p))
    for a in p.get('alerts', []):
        lab = a.get('labels') or {}
        ann = a.get('annotations') or {}
        mark = 'RESOLVED' if a.get('status') == 'resolved' else 'FIRING  '
        out.append(IND + '%s %s - %s' % (mark, lab.get('alertname', '?'),
                                          ann.get('summary', '')))
        if ann.get('description'):
            out.append(wrap(ann['description'], IND + '  ', IND + '  '))
        out.append(wrap(' '.join('%s=%s' % (k, lab[k]) for k in sorted(lab)
                                 if k != 'alertname'),
                        IND + '  labels: ', IND + '          '))
        if ann.get('runbook_url'):
            out.append(IND + '  runbook: ' + ann['runbook_url'])
    if os.environ.get('DEMO_JSON') == '1':
        out.append(IND + 'raw webhook JSON:')
        out += [IND + '  ' + line for line in json.dumps(p, indent=2).splitlines()]
    return '\n'.join(out) + '\n'


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--port-file', required=True)
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--log')
    ap.add_argument('--t0', type=float, default=None)
    args = ap.parse_args()
    t0 = args.t0 if args.t0 is not None else time.time()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def log_message(self, *a):
            pass

        def answer(self, code, body=b'ok\n'):
            self.send_response(code)
            self.send_header('Content-Type', 'text/plain')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            self.answer(200 if self.path == '/-/ready' else 404)

        def do_POST(self):
            n = int(self.headers.get('Content-Length') or 0)
            raw = self.rfile.read(n) if n else b''
            try:
                p = json.loads(raw)
            except ValueError:
                self.answer(400, b'not JSON\n')
                return
            with lock:
                if args.log:
                    with open(args.log, 'a') as f:
                        f.write(json.dumps({'time': time.time(), 'path': self.path,
                                            'payload': p}) + '\n')
                sys.stdout.write(render(p, self.path, t0))
                sys.stdout.flush()
            self.answer(200)

    srv = ThreadingHTTPServer(('127.0.0.1', args.port), Handler)
    srv.daemon_threads = True
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
