#!/usr/bin/python3
"""Loopback HTTP sink: records every request, answers a scripted sequence.

    sink.py --port-file FILE --log FILE [--status 500,429,200]
            [--delay 0,5,0] [--retry-after 1] [--respond-file FILE]
            [--content-type TYPE] [--port N]

Binds 127.0.0.1 (port 0 = kernel's choice) and writes the port to
--port-file (atomically).  Every request (any method, any path) is
appended to --log as one JSON object per line, flushed, BEFORE the answer
is sent, so a client that got its answer always finds its record:
  {"seq": 1, "time": 1700000000.123, "method": "POST", "path": "/x?y=1",
   "headers": {"Content-Type": "application/json", ...},
   "body": "...", "json": {...}|null}
("json" is the body parsed as JSON when it is JSON, else null; header
names keep the client's spelling; a repeated header keeps the last.)

Request n (1-based) is answered by the n-th element of --status (the last
element repeats): an HTTP code, or
  drop   close the connection without answering (the client sees EOF)
  reset  close with an RST (SO_LINGER 0)
--delay is a list of seconds indexed the same way, waited before the
answer (after the record).  A 429 or 503 carries Retry-After: --retry-after
(default 1; "" for none); a 3xx carries Location: --location when given.
The body is the --respond-file content with
--content-type (default application/json when the file ends in .json,
else text/plain) for every answer; without it, "ok\n" for 2xx and
"error N\n" otherwise (204/304 have no body).

Control paths (not recorded, not counted): POST /__sink/status with body
"500,200" restarts the sequence with that list; POST /__sink/delay the
same for delays; GET /__sink/count prints the number of recorded requests.
"""
import argparse
import json
import os
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
cfg = {'status': ['200'], 'delay': [0.0], 'n': 0, 'base': 0, 'log': None,
       'retry_after': '1', 'body': None, 'ctype': None, 'location': None}


def parse_status(s):
    out = []
    for t in s.split(','):
        t = t.strip()
        if t in ('drop', 'reset'):
            out.append(t)
            continue
        c = int(t)
        if not 100 <= c <= 599:
            raise ValueError('bad status %r' % t)
        out.append(str(c))
    if not out:
        raise ValueError('empty status list')
    return out


def parse_delay(s):
    out = [float(t) for t in s.split(',') if t.strip()]
    if not out:
        raise ValueError('empty delay list')
    return out


def pick(lst, i):
    return lst[min(i, len(lst) - 1)]


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *a):
        pass

    def read_body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            data = b''
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else b''

    def send(self, code, body, ctype, extra=()):
        self.send_response(code)
        for k, v in extra:
            self.send_header(k, v)
        if code in (204, 304) or code < 200:
            self.end_headers()
            return
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def control(self, body):
        p = self.path.split('?')[0]
        try:
            if p == '/__sink/status' and self.command == 'POST':
                st = parse_status(body.decode())
                with lock:
                    cfg['status'], cfg['base'] = st, cfg['n']
            elif p == '/__sink/delay' and self.command == 'POST':
                d = parse_delay(body.decode())
                with lock:
                    cfg['delay'], cfg['base'] = d, cfg['n']
            elif p == '/__sink/count':
                with lock:
                    n = cfg['n']
                return self.send(200, b'%d\n' % n, 'text/plain')
            else:
                return self.send(404, b'unknown control path\n', 'text/plain')
        except ValueError as e:
            return self.send(400, (str(e) + '\n').encode(), 'text/plain')
        self.send(200, b'ok\n', 'text/plain')

    def handle_any(self):
        body = self.read_body()
        if self.path.startswith('/__sink/'):
            return self.control(body)
        text = body.decode('utf-8', 'replace')
        try:
            parsed = json.loads(text) if text else None
        except ValueError:
            parsed = None
        with lock:
            cfg['n'] += 1
            seq = cfg['n']
            i = seq - 1 - cfg['base']
            status, delay = pick(cfg['status'], i), pick(cfg['delay'], i)
            rec = {'seq': seq, 'time': round(time.time(), 3),
                   'method': self.command, 'path': self.path,
                   'headers': dict(self.headers.items()),
                   'body': text, 'json': parsed}
            cfg['log'].write(json.dumps(rec, sort_keys=True) + '\n')
            cfg['log'].flush()
        if delay > 0:
            time.sleep(delay)
        if status in ('drop', 'reset'):
            if status == 'reset':
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack('ii', 1, 0))
            self.close_connection = True
            return
        code = int(status)
        extra = []
        if code in (429, 503) and cfg['retry_after'] != '':
            extra.append(('Retry-After', cfg['retry_after']))
        if 300 <= code < 400 and cfg['location']:
            extra.append(('Location', cfg['location']))
        if cfg['body'] is not None:
            body, ctype = cfg['body'], cfg['ctype']
        elif 200 <= code < 300:
            body, ctype = b'ok\n', 'text/plain'
        else:
            body, ctype = b'error %d\n' % code, 'text/plain'
        self.send(code, body, ctype, extra)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--port-file', required=True)
    ap.add_argument('--port', type=int, default=0)
    ap.add_argument('--log', required=True)
    ap.add_argument('--status', default='200')
    ap.add_argument('--delay', default='0')
    ap.add_argument('--retry-after', default='1')
    ap.add_argument('--respond-file')
    ap.add_argument('--content-type')
    ap.add_argument('--location')
    a = ap.parse_args()
    cfg['status'] = parse_status(a.status)
    cfg['delay'] = parse_delay(a.delay)
    cfg['retry_after'] = a.retry_after
    cfg['location'] = a.location
    if a.respond_file:
        with open(a.respond_file, 'rb') as f:
            cfg['body'] = f.read()
        cfg['ctype'] = a.content_type or (
            'application/json' if a.respond_file.endswith('.json') else 'text/plain')
    cfg['log'] = open(a.log, 'a')
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(('127.0.0.1', a.port), Handler)
    tmp = a.port_file + '.tmp'
    with open(tmp, 'w') as f:
        f.write('%d\n' % srv.server_address[1])
    os.rename(tmp, a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == '__main__':
    main()
