#!/bin/sh
# notify.sh - benchmark of notification throughput: `tocsin run` beside
# Alertmanager 0.25, both notifying the same loopback webhook sink.
#
#   notify.sh [-g GROUPS] [-i INTERVALS] [-r REPEAT] [-w WARMUP_S]
#             [-t WINDOW_S] [-b BATCH] [-d DIR] [-m MEMDIR]
#             SINK TOCSIN [ALERTMANAGER]
#
# GROUPS (1,000) alerts, each with its own value of the `group` label, are
# posted to POST /api/v2/alerts in batches of BATCH (100); the route
# groups by [group] (one aggregation group per alert), group_wait 0s,
# repeat_interval REPEAT (1ms: every group_interval tick notifies), one
# webhook receiver with send_resolved at SINK (bench/sink.c).  For each
# group_interval of INTERVALS (1s,100ms), after WARMUP_S (3) seconds,
# WINDOW_S (10) seconds are measured: notifications the sink received per
# second, the daemon's CPU seconds and VmRSS / VmHWM.  Each daemon runs
# alone with a fresh sink, on free 127.0.0.1 ports, and is stopped by PID
# on exit, also on failure or a signal.  Without ALERTMANAGER its column
# reads n/a.  Tocsin's store goes in a temporary directory under DIR
# (TMPDIR or /tmp) and, in a second Tocsin column, under MEMDIR (/dev/shm,
# a tmpfs, where fdatasync costs nothing; -m '' leaves it out).  Tocsin's
# templates come from TOCSIN_DATADIR, by default this source tree.  See
# bench/README.
: "${TOCSIN_DATADIR:=$(cd "$(dirname "$0")/.." && pwd)}"
export TOCSIN_DATADIR
exec "${PYTHON:-python3}" - "$@" <<'PY'
import getopt, http.client, json, os, shutil, signal, socket, subprocess
import sys, tempfile, time

USAGE = ("usage: notify.sh [-g GROUPS] [-i INTERVALS] [-r REPEAT] "
         "[-w WARMUP_S] [-t WINDOW_S] [-b BATCH] [-d DIR] [-m MEMDIR] "
         "SINK TOCSIN [ALERTMANAGER]")
G, INTERVALS, REPEAT, WARM, WIN, B = 1000, ["1s", "100ms"], "1ms", 3.0, \
    10.0, 100
DIR, MEMDIR = os.environ.get("TMPDIR", "/tmp"), "/dev/shm"
try:
    opts, args = getopt.getopt(sys.argv[1:], "g:i:r:w:t:b:d:m:")
    for o, v in opts:
        if o == "-g": G = int(v)
        elif o == "-i": INTERVALS = [x for x in v.split(",") if x]
        elif o == "-r": REPEAT = v
        elif o == "-w": WARM = float(v)
        elif o == "-t": WIN = float(v)
        elif o == "-b": B = int(v)
        elif o == "-d": DIR = v
        elif o == "-m": MEMDIR = v
    if len(args) not in (2, 3) or G < 1 or B < 1 or WIN <= 0 or \
            not INTERVALS:
        raise getopt.GetoptError("arguments")
except (getopt.GetoptError, ValueError):
    sys.exit(USAGE)
SINK = os.path.abspath(args[0])
TOCSIN = os.path.abspath(args[1])
AM = args[2] if len(args) > 2 and os.access(args[2], os.X_OK) else None
if MEMDIR and not (os.path.isdir(MEMDIR) and os.access(MEMDIR, os.W_OK)):
    MEMDIR = ""

PROCS = []          # Popen objects still to stop
TMP = tempfile.mkdtemp(prefix="tocsin-bench-notify-", dir=DIR)
MEMTMP = tempfile.mkdtemp(prefix="tocsin-bench-notify-", dir=MEMDIR) \
    if MEMDIR else None
HZ = os.sysconf("SC_CLK_TCK")

def stop(p):
    if p.poll() is None:
        p.terminate()
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if p in PROCS:
        PROCS.remove(p)

def on_signal(sig, frame):
    raise SystemExit(128 + sig)
for s_ in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(s_, on_signal)

def log(*a):
    print(*a, file=sys.stderr, flush=True)

def ms(d):
    """A duration of the config (1s, 100ms, 1m) in seconds."""
    for unit, f in (("ms", 1e-3), ("s", 1.0), ("m", 60.0), ("h", 3600.0)):
        if d.endswith(unit) and d[:-len(unit)].isdigit():
            return int(d[:-len(unit)]) * f
    sys.exit("notify.sh: bad duration %r (use ms, s, m or h)" % d)

# ------------------------------------------------------------- processes

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p

def start_sink(d):
    pf = d + "/sink.port"
    p = subprocess.Popen([SINK, pf], stdout=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    PROCS.append(p)
    end = time.time() + 5
    while not os.path.exists(pf):
        if p.poll() is not None or time.time() > end:
            raise SystemExit("sink did not start")
        time.sleep(0.02)
    return p, int(open(pf).read())

def config(kind, d, gi, sink_port):
    """Writes d/config.yml; Tocsin's store is d/tocsin.db."""
    c = """route:
  receiver: sink
  group_by: [group]
  group_wait: 0s
  group_interval: %s
  repeat_interval: %s
receivers:
  - name: sink
    webhook_configs:
      - url: http://127.0.0.1:%d/hook
        send_resolved: true
""" % (gi, REPEAT, sink_port)
    if kind == "tocsin":
        c += "storage: {path: '%s/tocsin.db'}\n" % d
    with open(d + "/config.yml", "w") as f:
        f.write(c)

def start(kind, d):
    for attempt in range(3):
        port = free_port()
        if kind == "tocsin":
            argv = [TOCSIN, "run", "--config.file=" + d + "/config.yml",
                    "--web.listen-address=127.0.0.1:%d" % port]
        else:
            argv = [AM, "--config.file=" + d + "/config.yml",
                    "--storage.path=" + d + "/data",
                    "--web.listen-address=127.0.0.1:%d" % port,
                    "--web.external-url=http://127.0.0.1:%d/" % port,
                    "--cluster.listen-address="]
        logf = open(d + "/log", "w")
        p = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
        logf.close()
        PROCS.append(p)
        end = time.time() + 10
        while time.time() < end and p.poll() is None:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/-/ready")
                if c.getresponse().status == 200:
                    c.close()
                    time.sleep(0.5)   # let start-up allocations settle
                    return p, port
            except OSError:
                pass
            time.sleep(0.05)
        stop(p)
        text = open(d + "/log").read()
        if "address already in use" not in text:
            break
    raise SystemExit("%s did not start:\n%s" % (kind, text[-2000:]))

def rss(pid):
    """VmRSS and VmHWM in bytes."""
    v = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                k, n = line.split()[:2]
                v[k[:-1]] = int(n) * 1024
    return v["VmRSS"], v["VmHWM"]

def cpu(pid):
    """utime + stime of the process, seconds."""
    with open("/proc/%d/stat" % pid) as f:
        st = f.read().rsplit(")", 1)[1].split()
    return (int(st[11]) + int(st[12])) / HZ

def count(port):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", "/count")
    r = c.getresponse()
    body = r.read()
    c.close()
    return json.loads(body)["requests"]

# ------------------------------------------------------------- data

def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
        ".%03dZ" % int((t % 1) * 1000)

def batches():
    now = time.time()
    starts, ends = iso(now), iso(now + 3600)
    out = []
    for b0 in range(0, G, B):
        al = []
        for i in range(b0, min(G, b0 + B)):
            al.append({
                "labels": {"alertname": "NotifyBench", "group": "g%d" % i,
                           "instance": "host-%d" % i, "severity": "warning",
                           "job": "model-serving", "team": "ml-platform"},
                "annotations": {
                    "summary": "Notification bench alert %d" % i,
                    "runbook_url": "https://runbooks.example.net/bench"},
                "startsAt": starts, "endsAt": ends,
                "generatorURL": "http://prometheus.example.net/graph"})
        out.append(json.dumps(al, separators=(",", ":")).encode())
    return out

# ------------------------------------------------------------- runs

def measure(kind, gi, bodies, top=None):
    """One daemon, fresh, with a fresh sink: the figures of one column."""
    res = {}
    d = tempfile.mkdtemp(prefix="%s-%s-" % (kind, gi), dir=top or TMP)
    sink, sport = start_sink(d)
    try:
        config(kind, d, gi, sport)
        p, port = start(kind, d)
        res["rss0"] = rss(p.pid)[0]
        log("%s, group_interval %s: posting %d alerts" % (kind, gi, G))
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for b in bodies:
            c.request("POST", "/api/v2/alerts", b,
                      {"Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            if r.status != 200:
                raise SystemExit("POST: %d %s" % (r.status, data[:300]))
        c.close()
        time.sleep(WARM)
        log("%s, group_interval %s: measuring %g s" % (kind, gi, WIN))
        n0, c0, s0 = count(sport), cpu(p.pid), cpu(sink.pid)
        t0 = time.monotonic()
        marks = [(t0, n0)]      # one count a second
        for k in range(1, int(WIN + 0.999) + 1):
            time.sleep(max(0.0, t0 + min(k, WIN) - time.monotonic()))
            marks.append((time.monotonic(), count(sport)))
        c1, s1 = cpu(p.pid), cpu(sink.pid)
        t1, n1 = marks[-1]
        per_s = [(b[1] - a[1]) / (b[0] - a[0])
                 for a, b in zip(marks, marks[1:]) if b[0] - a[0] > 0.5]
        res["rate"] = (n1 - n0) / (t1 - t0)
        if per_s:
            res["min_s"], res["max_s"] = min(per_s), max(per_s)
        res["cpu_s"] = c1 - c0
        res["cpu_pct"] = 100.0 * (c1 - c0) / (t1 - t0)
        res["cpu_us"] = 1e6 * (c1 - c0) / (n1 - n0) if n1 > n0 else None
        res["sink_pct"] = 100.0 * (s1 - s0) / (t1 - t0)
        res["rss"], res["hwm"] = rss(p.pid)
        res["total"] = n1
        stop(p)
        with open(d + "/log", errors="replace") as f:
            res["errors"] = sum("level=error" in l for l in f)
    finally:
        # the daemon first: with its sink gone it would retry, not stop
        for q in PROCS[::-1]:
            stop(q)
    return res

def main():
    for gi in INTERVALS + [REPEAT]:
        ms(gi)
    bodies = batches()
    out = []
    for gi in INTERVALS:
        cols = [measure("tocsin", gi, bodies)]
        if MEMTMP:
            cols.append(measure("tocsin", gi, bodies, MEMTMP))
        cols.append(measure("alertmanager", gi, bodies) if AM else None)
        out.append((gi, cols))
    table(out)

def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if unit == "MB":
        return "%.1f MB" % (v / 1e6)
    if unit == "/s":
        return "{:,.0f}/s".format(v)
    if unit == "s":
        return "%.2f s" % v
    if unit == "%":
        return "%.0f %%" % v
    if unit == "us":
        return "%.0f us" % v
    return "{:,}".format(v)

def table(out):
    """Prints one block of rows per group_interval, a column per daemon."""
    rows = [
        ("notifications/s (window mean)", "rate", "/s"),
        ("  slowest / fastest second", None, None),
        ("daemon CPU in window", "cpu_s", "s"),
        ("  daemon CPU, % of one core", "cpu_pct", "%"),
        ("  CPU per notification", "cpu_us", "us"),
        ("sink CPU, % of one core", "sink_pct", "%"),
        ("VmRSS idle, before the alerts", "rss0", "MB"),
        ("VmRSS at end of window", "rss", "MB"),
        ("VmHWM (peak RSS)", "hwm", "MB"),
        ("notifications in all (check)", "total", ""),
        ("error lines logged (check)", "errors", ""),
    ]
    hdr = ["metric", "tocsin"]
    if MEMTMP:
        hdr.append("tocsin, store on tmpfs")
    hdr += ["alertmanager 0.25", "target"]
    lines = []
    for gi, cols in out:
        offered = G / ms(gi)
        tgt = ""
        if offered >= 5000:
            tgt = ">= 5,000/s (%s)" % ("met" if cols[0]["rate"] >= 5000
                                      else "MISSED")
        lines.append(("%s groups, group_interval %s, repeat_interval %s: "
                      "offered %s" % (fmt(G), gi, REPEAT,
                                      fmt(offered, "/s")),))
        for name, key, unit in rows:
            vals = []
            for r in cols:
                if r is None:
                    vals.append("n/a")
                elif key is None:
                    vals.append("%s - %s" % (fmt(r.get("min_s"), "/s"),
                                             fmt(r.get("max_s"), "/s"))
                                if "min_s" in r else "n/a")
                else:
                    vals.append(fmt(r.get(key), unit))
            lines.append(tuple(["  " + name] + vals +
                               [tgt if key == "rate" else ""]))
    w = [max(len(l[i]) for l in lines + [hdr] if len(l) > 1)
         for i in range(len(hdr))]
    print(" | ".join(h.ljust(w[i]) for i, h in enumerate(hdr)).rstrip())
    print("-+-".join("-" * x for x in w))
    for l in lines:
        if len(l) == 1:
            print(l[0])
        else:
            print(" | ".join([l[0].ljust(w[0])] +
                             [v.rjust(w[i + 1])
                              for i, v in enumerate(l[1:-1])] +
                             [l[-1]]).rstrip())
    sys.stdout.flush()

try:
    main()
finally:
    for p in PROCS[::-1]:
        stop(p)
    shutil.rmtree(TMP, ignore_errors=True)
    if MEMTMP:
        shutil.rmtree(MEMTMP, ignore_errors=True)
PY
