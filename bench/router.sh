#!/bin/sh
# router.sh - benchmark of the router's HTTP API: `tocsin run` beside
# Alertmanager 0.25, both driven over HTTP in the same run.
#
#   router.sh [-n ALERTS] [-b BATCH] [-s SILENCES] [-t INHIBIT_TIMEOUT_S]
#             [-g GET_TIMEOUT_S] TOCSIN [ALERTMANAGER]
#
# 1. ALERTS (100,000) distinct alerts posted in batches of BATCH (1,000)
#    to POST /api/v2/alerts: wall time, alerts/s, VmRSS before and after.
# 2. The same with an inhibit rule (critical -> warning, equal [model])
#    and 1% critical alerts: how long until GET /api/v2/alerts?
#    inhibited=false no longer lists any target.
# 3. SILENCES (10,000) silences posted one by one to POST
#    /api/v2/silences (each matching one alert, plus 5 broad ones), then
#    the time of GET /api/v2/alerts over all the alerts.
# Each peer runs alone (never both at once).  Without ALERTMANAGER the
# peer's column reads n/a.  Every server binds 127.0.0.1 on a free port
# and is stopped by PID on exit, also on failure or a signal.  See
# bench/README.
exec "${PYTHON:-python3}" - "$@" <<'PY'
import getopt, http.client, json, os, shutil, signal, socket, subprocess
import sys, tempfile, time

USAGE = ("usage: router.sh [-n ALERTS] [-b BATCH] [-s SILENCES] "
         "[-t INHIBIT_TIMEOUT_S] [-g GET_TIMEOUT_S] TOCSIN [ALERTMANAGER]")
N, B, S, INH_TO, GET_TO = 100000, 1000, 10000, 60.0, 120.0
try:
    opts, args = getopt.getopt(sys.argv[1:], "n:b:s:t:g:")
    for o, v in opts:
        if o == "-n": N = int(v)
        elif o == "-b": B = int(v)
        elif o == "-s": S = int(v)
        elif o == "-t": INH_TO = float(v)
        elif o == "-g": GET_TO = float(v)
    if not 1 <= len(args) <= 2 or N < 1 or B < 1 or S < 0:
        raise getopt.GetoptError("arguments")
except (getopt.GetoptError, ValueError):
    sys.exit(USAGE)
TOCSIN = os.path.abspath(args[0])
AM = args[1] if len(args) > 1 and os.access(args[1], os.X_OK) else None

PROCS = []          # Popen objects still to stop
TMP = tempfile.mkdtemp(prefix="tocsin-bench-router-")

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

# ------------------------------------------------------------- peers

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p

def config(inhibit):
    c = """route:
  receiver: "null"
  group_by: [alertname, instance]
  group_wait: 10m
  group_interval: 10m
  repeat_interval: 4h
receivers:
  - name: "null"
"""
    if inhibit:
        c += """inhibit_rules:
  - source_matchers: ['severity="critical"']
    target_matchers: ['severity="warning"']
    equal: [model]
"""
    return c

def start(kind, inhibit):
    d = tempfile.mkdtemp(prefix=kind + "-", dir=TMP)
    conf = config(inhibit)
    if kind == "tocsin":
        conf += "storage: {path: '%s/tocsin.db'}\n" % d
    with open(d + "/config.yml", "w") as f:
        f.write(conf)
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
    return (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")

# ------------------------------------------------------------- data

def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + \
        ".%03dZ" % int((t % 1) * 1000)

def critical(i):
    # 1% critical, spread over every model: the first 20 alerts of every
    # 2,000 (i % 20 runs over the 20 models).
    return (i // 20) % 100 == 0

def batches(inhibit):
    now = time.time()
    starts, ends = iso(now), iso(now + 3600)
    out = []
    for b0 in range(0, N, B):
        al = []
        for i in range(b0, min(N, b0 + B)):
            m = "m%d" % (i % 20)
            sev = "critical" if inhibit and critical(i) else "warning"
            al.append({
                "labels": {"alertname": "Bench%d" % (i % 50),
                           "instance": "host-%d" % i, "model": m,
                           "severity": sev, "job": "model-serving",
                           "team": "ml-platform"},
                "annotations": {
                    "summary": "Feature drift of %s on host-%d" % (m, i),
                    "description": "Drift score 0.%04d for model %s "
                                   "(pod serving-%d) is above the "
                                   "threshold of 0.1 for 10m." %
                                   (i % 10000, m, i),
                    "runbook_url": "https://runbooks.example.net/"
                                   "ml-platform/feature-drift"},
                "startsAt": starts, "endsAt": ends,
                "generatorURL": "http://prometheus.example.net/graph?"
                                "g0.expr=model_feature_drift_score"})
        out.append(json.dumps(al, separators=(",", ":")).encode())
    return out

def silences():
    now = time.time()
    starts, ends = iso(now - 1), iso(now + 3600)
    def m(name, value, regex=False, equal=True):
        return {"name": name, "value": value, "isRegex": regex,
                "isEqual": equal}
    out = []
    for k in range(S):
        j = k * N // S if S else 0
        out.append([m("model", "m%d" % (j % 20)),
                    m("instance", "host-%d" % j)])
    out += [[m("alertname", "Bench7")],
            [m("model", "m1[0-2]", True), m("alertname", "Bench4.*", True)],
            [m("instance", "host-99.*", True)],
            [m("model", "m3"), m("severity", "warning")],
            [m("alertname", "Bench0", False, False), m("model", "m19"),
             m("instance", "host-1.*", True)]]
    return [json.dumps({"matchers": ms, "startsAt": starts, "endsAt": ends,
                        "createdBy": "bench", "comment": "bench %d" % k},
                       separators=(",", ":")).encode()
            for k, ms in enumerate(out)]

# ------------------------------------------------------------- HTTP

def conn(port, timeout=GET_TO):
    return http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)

def post(c, path, body):
    c.request("POST", path, body, {"Content-Type": "application/json"})
    r = c.getresponse()
    data = r.read()
    if r.status != 200:
        raise SystemExit("POST %s: %d %s" % (path, r.status, data[:300]))
    return data

def get(port, path):
    """(seconds to the last byte, body); one fresh connection."""
    c = conn(port)
    t0 = time.monotonic()
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    t = time.monotonic() - t0
    c.close()
    if r.status != 200:
        raise SystemExit("GET %s: %d %s" % (path, r.status, body[:300]))
    return t, body

# ------------------------------------------------------------- runs

def ingest(p, port, bodies, res, pre):
    r0, _ = rss(p.pid)
    c0, u0 = cpu(p.pid), time.process_time()
    c = conn(port)
    t0 = time.monotonic()
    for b in bodies:
        post(c, "/api/v2/alerts", b)
    t = time.monotonic() - t0
    c.close()
    res[pre + "ingest_s"] = t
    res[pre + "rate"] = N / t
    res[pre + "cpu_s"] = cpu(p.pid) - c0
    res[pre + "client_cpu_s"] = time.process_time() - u0
    time.sleep(2)   # let asynchronous processing finish before RSS
    r1, hwm = rss(p.pid)
    res[pre + "rss0"], res[pre + "rss1"], res[pre + "hwm"] = r0, r1, hwm
    res[pre + "per_alert"] = (r1 - r0) / N
    return t0 + t

def run_plain(kind, bodies, sils):
    res = {}
    p, port = start(kind, False)
    try:
        log("%s: ingesting %d alerts" % (kind, N))
        ingest(p, port, bodies, res, "")
        log("%s: GET /api/v2/alerts, no silences" % kind)
        t, body = get(port, "/api/v2/alerts")
        res["get0_s"], res["get0_n"] = t, len(json.loads(body))
        res["get0_mb"] = len(body) / 1e6
        if S:
            log("%s: creating %d silences" % (kind, len(sils)))
            c = conn(port)
            t0 = time.monotonic()
            for s_ in sils:
                post(c, "/api/v2/silences", s_)
            t = time.monotonic() - t0
            c.close()
            res["sil_rate"] = len(sils) / t
            log("%s: GET /api/v2/alerts, %d silences" % (kind, len(sils)))
            try:
                t, body = get(port, "/api/v2/alerts")
                res["get1_s"] = t
                d = json.loads(body)
                res["get1_sup"] = sum(a["status"]["state"] == "suppressed"
                                      for a in d)
                res["get2_s"], _ = get(port, "/api/v2/alerts")
            except (socket.timeout, TimeoutError):
                res["get1_s"] = "> %gs" % GET_TO
            res["rss_sil"] = rss(p.pid)[0]
    finally:
        stop(p)
    return res

def run_inhibit(kind, bodies):
    res = {}
    p, port = start(kind, True)
    q = "/api/v2/alerts?inhibited=false&filter=" + \
        "severity%3D%22warning%22"
    try:
        log("%s: ingesting %d alerts, inhibit rule" % (kind, N))
        c = conn(port)
        t0 = time.monotonic()
        for b in bodies:
            post(c, "/api/v2/alerts", b)
        tend = time.monotonic()
        c.close()
        res["i_ingest_s"], res["i_rate"] = tend - t0, N / (tend - t0)
        # Poll until no target (every warning alert here) is listed.
        first, left, done = None, None, None
        while True:
            sent = time.monotonic()
            t, body = get(port, q)
            left = len(json.loads(body))
            if first is None:
                first, res["i_get_s"] = left, t
            if left == 0:
                done = time.monotonic() - tend
                res["i_sent"] = sent - tend
                break
            if time.monotonic() - tend > INH_TO:
                break
            time.sleep(0.05)
        res["i_first"], res["i_left"] = first, left
        res["i_done"] = done if done is not None else "> %gs" % INH_TO
        t, body = get(port, "/api/v2/alerts?inhibited=true")
        res["i_inhibited"] = sum(a["status"]["state"] == "suppressed" and
                                 bool(a["status"]["inhibitedBy"])
                                 for a in json.loads(body))
    finally:
        stop(p)
    return res

def main():
    log("generating %d alerts in batches of %d, %d silences" % (N, B, S))
    plain, inh, sils = batches(False), batches(True), silences()
    tr, ar = {}, {}
    tr.update(run_plain("tocsin", plain, sils))
    if AM:
        ar.update(run_plain("alertmanager", plain, sils))
    tr.update(run_inhibit("tocsin", inh))
    if AM:
        ar.update(run_inhibit("alertmanager", inh))
    ncrit = sum(critical(i) for i in range(N))
    table(tr, ar, ncrit)

def fmt(v, unit=""):
    if v is None:
        return "n/a"
    if isinstance(v, str):
        return v
    if unit == "MB":
        return "%.1f MB" % (v / 1e6)
    if unit == "B":
        return "%.0f B" % v
    if unit == "s":
        return "%.3f s" % v if v < 10 else "%.1f s" % v
    if unit == "/s":
        return "%.0f/s" % v
    if isinstance(v, float):
        return "%.2f" % v
    return "{:,}".format(v)

def table(t, a, ncrit):
    def ratio(x, y):
        return x / y if isinstance(x, float) and isinstance(y, float) \
            and y else None
    r = ratio(t.get("rate"), a.get("rate"))
    rate_t = ">= 5x AM" + (" (%.1fx: %s)" % (r, "met" if r >= 5 else
                                             "MISSED") if r else "")
    m = ratio(t.get("per_alert"), a.get("per_alert"))
    mem_t = "<= AM/10" + (" (%.2f of AM: %s)" % (m, "met" if m <= 0.1 else
                                                "MISSED") if m else "")
    d = t.get("i_done")
    inh_t = "<= 1 s" + (" (%s)" % ("met" if isinstance(d, float) and d <= 1
                                   else "MISSED"))
    ri = ratio(t.get("i_rate"), a.get("i_rate"))
    rows = [
        ("1. ingest %s alerts, batches of %s" % (fmt(N), fmt(B)), "", ""),
        ("ingest wall time", "ingest_s", "s", ""),
        ("ingest rate", "rate", "/s", rate_t),
        ("server CPU during ingest", "cpu_s", "s", ""),
        ("client (python) CPU during ingest", "client_cpu_s", "s", ""),
        ("VmRSS before ingest", "rss0", "MB", ""),
        ("VmRSS after ingest (+2 s)", "rss1", "MB", ""),
        ("VmHWM (peak RSS)", "hwm", "MB", ""),
        ("RSS per alert (after-before)/N", "per_alert", "B", mem_t),
        ("2. inhibit rule, %s critical (1%%)" % fmt(ncrit), "", ""),
        ("ingest wall time", "i_ingest_s", "s", ""),
        ("ingest rate", "i_rate", "/s",
         ">= 5x AM" + (" (%.1fx)" % ri if ri else "")),
        ("targets uninhibited, 1st GET after ingest", "i_first", "", "0"),
        ("targets uninhibited, last GET", "i_left", "", "0"),
        ("inhibition seen, s after last POST", "i_done", "s", inh_t),
        ("  that GET sent at (s after last POST)", "i_sent", "s", ""),
        ("  first GET ?inhibited=false took", "i_get_s", "s", ""),
        ("alerts listed inhibited (check)", "i_inhibited", "",
         fmt(N - ncrit)),
        ("3. GET /api/v2/alerts, %s silences" % fmt(S + 5 if S else 0),
         "", ""),
        ("GET, no silences", "get0_s", "s", ""),
        ("  alerts listed / body", "get0_n", "", fmt(N)),
        ("  body size", "get0_mb", "", ""),
        ("silence creation rate", "sil_rate", "/s", ""),
        ("GET with silences, first", "get1_s", "s", ""),
        ("GET with silences, second", "get2_s", "s", ""),
        ("  alerts listed suppressed (check)", "get1_sup", "", ""),
        ("VmRSS after silences", "rss_sil", "MB", ""),
    ]
    lines = []
    for row in rows:
        if row[1] == "":
            lines.append((row[0], "", "", ""))
            continue
        name, key, unit, tgt = row
        tv = fmt(t.get(key), unit)
        av = fmt(a.get(key), unit) if AM else "n/a"
        if key == "get0_mb":
            tv = "%.1f MB" % t[key] if key in t else "n/a"
            av = "%.1f MB" % a[key] if key in a else "n/a"
        lines.append(("  " + name, tv, av, tgt))
    w = [max(len(l[i]) for l in lines + [("metric", "tocsin",
                                           "alertmanager 0.25", "target")])
         for i in range(4)]
    hdr = ("metric", "tocsin", "alertmanager 0.25", "target")
    print(" | ".join(h.ljust(w[i]) for i, h in enumerate(hdr)).rstrip())
    print("-+-".join("-" * x for x in w))
    for l in lines:
        if not l[1]:
            print(l[0])
        else:
            print(" | ".join([l[0].ljust(w[0]), l[1].rjust(w[1]),
                              l[2].rjust(w[2]), l[3]]).rstrip())
    sys.stdout.flush()

try:
    main()
finally:
    for p in list(PROCS):
        stop(p)
    shutil.rmtree(TMP, ignore_errors=True)
PY
