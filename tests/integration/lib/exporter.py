#!/usr/bin/python3
"""Loopback Prometheus exporter whose series are set by the test.

    exporter.py --port-file FILE [--init FILE] [--port N]

Binds 127.0.0.1 (port 0 = kernel's choice unless --port) and writes the
port to --port-file (atomically: written beside it, then renamed).

Endpoints
  GET  /metrics        text exposition (0.0.4) of the current set
  POST /set            body replaces the whole set (400 + message on a bad
                       line, the old set is then kept); ?reset=1 also
                       restarts every counter from its start value
  GET  /state          the set as last posted (text)
  GET  /scrapes        number of GET /metrics served so far (text)
  POST /scrape-status  body "500" (or any code): /metrics answers that
                       code from now on (so `up` becomes 0); "200" restores
  GET  /-/ready        200

Body lines of /set (one series per line, order is kept on /metrics):
  name{l="v",...} VALUE          a gauge: VALUE is served verbatim
                                 (NaN, +Inf, -Inf allowed)
  rate: name{l="v"} R [START]    a counter: START (default 0) + R * seconds
                                 since the series first appeared
  # anything                     copied verbatim (# TYPE / # HELP lines)
  blank lines                    ignored
A counter already present before a /set (same name and label text) keeps
growing from its current value at its new rate: changing a rate never
resets it (unless ?reset=1).  Leaving a series out of a /set removes it:
Prometheus then marks it stale at its next scrape.  No timestamps are
exposed: Prometheus stamps samples with its scrape time.
"""
import argparse
import os
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LINE = re.compile(
    r'^(?P<rate>rate:\s*)?'
    r'(?P<series>[a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\})?)'
    r'\s+(?P<value>\S+)(?:\s+(?P<start>\S+))?\s*$')

lock = threading.Lock()
state = {
    'text': '',
    'items': [],          # ('raw', line) | ('gauge', series, value) | ('counter', series)
    'counters': {},       # series -> [base value, rate, t0]
    'scrapes': 0,
    'status': 200,
}


def parse(text):
    items, counters = [], {}
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s:
            continue
        if s.startswith('#'):
            items.append(('raw', s))
            continue
        m = LINE.match(s)
        if not m:
            raise ValueError('line %d: cannot parse: %r' % (n, line))
        series, value = m.group('series'), m.group('value')
        try:
            v = float(value)
        except ValueError:
            raise ValueError('line %d: bad value %r' % (n, value))
        if m.group('rate'):
            start = m.group('start') or '0'
            try:
                start = float(start)
            except ValueError:
                raise ValueError('line %d: bad start %r' % (n, start))
            if series in counters:
                raise ValueError('line %d: duplicate series %s' % (n, series))
            counters[series] = (v, start)
            items.append(('counter', series))
        else:
            if m.group('start'):
                raise ValueError('line %d: trailing field (timestamps are '
                                 'not supported): %r' % (n, line))
            items.append(('gauge', series, value))
    return items, counters


def apply(text, reset):
    items, newc = parse(text)
    now = time.monotonic()
    with lock:
        old = state['counters']
        counters = {}
        for series, (rate, start) in newc.items():
            if series in old and not reset:
                base, orate, t0 = old[series]
                counters[series] = [base + orate * (now - t0), rate, now]
            else:
                counters[series] = [start, rate, now]
        state.update(text=text, items=items, counters=counters)


def fmt(v):
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def render():
    now = time.monotonic()
    out = []
    with lock:
        state['scrapes'] += 1
        for it in state['items']:
            if it[0] == 'raw':
                out.append(it[1])
            elif it[0] == 'gauge':
                out.append('%s %s' % (it[1], it[2]))
            else:
                base, rate, t0 = state['counters'][it[1]]
                out.append('%s %s' % (it[1], fmt(base + rate * (now - t0))))
        status = state['status']
    return status, ('\n'.join(out) + '\n' if out else '')


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *a):
        pass

    def reply(self, code, body, ctype='text/plain; charset=utf-8'):
        b = body.encode()
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(b)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(b)

    def body(self):
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n).decode('utf-8') if n else ''

    def do_GET(self):
        path = urlparse(self.path).path
        if path == '/metrics':
            status, text = render()
            if status != 200:
                return self.reply(status, 'scrape status %d\n' % status)
            return self.reply(200, text, 'text/plain; version=0.0.4; charset=utf-8')
        if path == '/state':
            with lock:
                return self.reply(200, state['text'])
        if path == '/scrapes':
            with lock:
                return self.reply(200, '%d\n' % state['scrapes'])
        if path == '/-/ready':
            return self.reply(200, 'ready\n')
        self.reply(404, 'not found\n')

    do_HEAD = do_GET

    def do_POST(self):
        u = urlparse(self.path)
        body = self.body()
        if u.path == '/set':
            reset = parse_qs(u.query).get('reset', ['0'])[0] not in ('', '0')
            try:
                apply(body, reset)
            except ValueError as e:
                return self.reply(400, str(e) + '\n')
            return self.reply(200, 'ok\n')
        if u.path == '/scrape-status':
            try:
                code = int(body.strip())
                assert 100 <= code <= 599
            except (ValueError, AssertionError):
                return self.reply(400, 'bad status %r\n' % body)
            with lock:
                state['status'] = code
            return self.reply(200, 'ok\n')
        self.reply(404, 'not found\n')


def write_port(path, port):
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write('%d\n' % port)
    os.rename(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port-file', required=True)
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--init', help='file with the initial set (/set syntax)')
    a = ap.parse_args()
    if a.init:
        with open(a.init) as f:
            try:
                apply(f.read(), True)
            except ValueError as e:
                sys.exit('exporter: %s: %s' % (a.init, e))
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(('127.0.0.1', a.port), Handler)
    write_port(a.port_file, srv.server_address[1])
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
