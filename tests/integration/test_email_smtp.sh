#!/bin/sh
# test_email_smtp.sh - the email receiver against real SMTP servers
# (aiosmtpd, Debian's /usr/bin/python3) on loopback, one per case:
#   plain     no TLS (require_tls: false), two recipients, text + html
#             parts, a templated non-ASCII header (RFC 2047)
#   tls       STARTTLS required by both sides (self-signed certificate
#             trusted through tls_config.ca_file) and AUTH PLAIN/LOGIN
#             with auth_password_file, refused before TLS
#   skip      STARTTLS with tls_config.insecure_skip_verify
#   untrusted STARTTLS, the certificate not trusted: nothing sent
#   retry     RCPT answered 450 once: retried, then delivered
#   reject    RCPT answered 550: given up at once, no retry
# `tocsin run` routes alerts posted to its /api/v2/alerts by their "mode"
# label; every message the servers accept is recorded (JSON lines) and
# checked: envelope, headers, both parts, the rendered subject.
set -u
. "$ROOT/tests/integration/lib/peers.sh"

fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

PY=/usr/bin/python3
"$PY" -c 'import aiosmtpd' 2>/dev/null || fail "python3-aiosmtpd is needed"
command -v openssl >/dev/null || fail "openssl is needed"
cd "$TMPDIR" || exit 1
export TOCSIN_DATADIR=$ROOT TZ=UTC

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
	-addext subjectAltName=IP:127.0.0.1 -keyout smtp.key -out smtp.crt \
	2>/dev/null || fail "certificate"
printf 'sekret\n' >password

# smtp.py DIR [--tls] [--auth USER:PASS] [--rcpt CODES]: an SMTP server
# on 127.0.0.1, port 0 (written to DIR/port); each accepted message is a
# JSON line in DIR/mail.jsonl, each RCPT a line in DIR/rcpt.  --rcpt:
# the answers to successive RCPTs, the last one repeated.
cat >smtp.py <<'EOF'
import asyncio, json, os, ssl, sys
from aiosmtpd.smtp import SMTP, AuthResult

d = sys.argv[1]
args = sys.argv[2:]
tls = "--tls" in args
auth = args[args.index("--auth") + 1].split(":", 1) if "--auth" in args else None
codes = args[args.index("--rcpt") + 1].split(",") if "--rcpt" in args else []

class Handler:
    async def handle_RCPT(self, server, session, envelope, address, options):
        with open(os.path.join(d, "rcpt"), "a") as f:
            f.write(address + "\n")
        code = (codes.pop(0) if len(codes) > 1 else codes[0]) if codes else "250"
        if code != "250":
            return code + " not now" if code[0] == "4" else code + " no such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        rec = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
               "tls": session.ssl is not None,
               "login": getattr(session, "tocsin_login", None),
               "data": envelope.original_content.decode("utf-8", "replace")}
        with open(os.path.join(d, "mail.jsonl"), "a") as f:
            f.write(json.dumps(rec) + "\n")
        return "250 OK"

def authenticator(server, session, envelope, mechanism, data):
    good = data.login.decode() == auth[0] and data.password.decode() == auth[1]
    if good:
        session.tocsin_login = data.login.decode() + " " + mechanism
    return AuthResult(success=good)

def factory():
    kw = {"hostname": "smtp.test"}
    if tls:
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain("smtp.crt", "smtp.key")
        kw.update(tls_context=ctx, require_starttls=True)
    if auth:
        kw.update(authenticator=authenticator, auth_require_tls=True)
    return SMTP(Handler(), **kw)

async def main():
    srv = await asyncio.get_running_loop().create_server(factory, "127.0.0.1", 0)
    with open(os.path.join(d, "port.tmp"), "w") as f:
        f.write(str(srv.sockets[0].getsockname()[1]))
    os.rename(os.path.join(d, "port.tmp"), os.path.join(d, "port"))
    await srv.serve_forever()

asyncio.run(main())
EOF

# start_smtp NAME [ARGS]: sets PORT_<NAME>.
start_smtp() {
	name=$1; shift
	mkdir -p "smtp-$name"
	"$PY" smtp.py "smtp-$name" "$@" >"smtp-$name/log" 2>&1 &
	peers_track $!
	wait_until 10 test -s "smtp-$name/port" ||
		{ cat "smtp-$name/log"; fail "smtp server $name did not start"; }
	eval "PORT_$name=\$(cat smtp-$name/port)"
}
start_smtp plain
start_smtp tls --tls --auth alice:sekret
start_smtp skip --tls
start_smtp untrusted --tls
start_smtp retry --rcpt 450,250
start_smtp reject --rcpt 550

cat >tocsin.yml <<EOF
global:
  smtp_from: 'Tocsin <tocsin@example.org>'
  smtp_hello: tocsin.test
route:
  receiver: plain
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - {matchers: ['mode="tls"'], receiver: tls}
    - {matchers: ['mode="skip"'], receiver: skip}
    - {matchers: ['mode="untrusted"'], receiver: untrusted}
    - {matchers: ['mode="retry"'], receiver: retry}
    - {matchers: ['mode="reject"'], receiver: reject}
receivers:
  - name: plain
    email_configs:
      - to: 'oncall@example.org, "Ops, Team" <ops@example.org>'
        smarthost: 127.0.0.1:$PORT_plain
        require_tls: false
        text: '{{ range .Alerts }}{{ .Annotations.summary }} = {{ .Labels.mode }}{{ end }}'
        headers:
          X-Summary: '{{ .CommonAnnotations.summary }}'
  - name: tls
    email_configs:
      - to: secure@example.org
        from: alerts@example.org
        smarthost: 127.0.0.1:$PORT_tls
        auth_username: alice
        auth_password_file: $TMPDIR/password
        tls_config: {ca_file: $TMPDIR/smtp.crt}
  - name: skip
    email_configs:
      - {to: skip@example.org, smarthost: '127.0.0.1:$PORT_skip', tls_config: {insecure_skip_verify: true}}
  - name: untrusted
    email_configs:
      - {to: untrusted@example.org, smarthost: '127.0.0.1:$PORT_untrusted'}
  - name: retry
    email_configs:
      - {to: retry@example.org, smarthost: '127.0.0.1:$PORT_retry', require_tls: false}
  - name: reject
    email_configs:
      - {to: nobody@example.org, smarthost: '127.0.0.1:$PORT_reject', require_tls: false}
storage: {path: '$TMPDIR/state/tocsin.db'}
EOF
PORT=$(free_port)
TURL=http://127.0.0.1:$PORT
"$TOCSIN" run --config.file=tocsin.yml --web.listen-address=127.0.0.1:$PORT \
	>tocsin.log 2>&1 &
TOCSIN_PID=$!
peers_track $TOCSIN_PID
wait_http "$TURL/-/ready" 10 || { cat tocsin.log; fail "tocsin not ready"; }

alert() { # NAME MODE SUMMARY [ENDS]
	printf '{"labels":{"alertname":"%s","mode":"%s","team":"mail"},"annotations":{"summary":"%s"},"generatorURL":"http://gen/%s?a=1&b=<2>"%s}' \
		"$1" "$2" "$3" "$2" "${4:+,\"endsAt\":\"$4\"}"
}
printf '[%s,%s,%s,%s,%s,%s]' "$(alert EmailPlain plain 'Überlast ✓ on mail')" \
	"$(alert EmailTls tls 'secure one')" "$(alert EmailRetry retry 'later')" \
	"$(alert EmailReject reject 'never')" "$(alert EmailSkip skip 'skip')" \
	"$(alert EmailUntrusted untrusted 'untrusted')" |
	curl -sS -f -o /dev/null -H 'Content-Type: application/json' \
		--data-binary @- "$TURL/api/v2/alerts" || fail "post alerts"
ok "tocsin runs six email receivers; alerts posted"

have_mail() { [ -s "smtp-$1/mail.jsonl" ]; }
for m in plain tls skip retry; do
	wait_until 15 have_mail $m || { cat tocsin.log; fail "no message to $m"; }
done

# check.py MAIL.JSONL CASE: the recorded message, read back with Python's
# email package and as raw lines.
cat >check.py <<'EOF'
import email, email.policy, json, re, sys
rec = json.loads(open(sys.argv[1]).readline())
case = sys.argv[2]
raw = rec["data"]
msg = email.message_from_string(raw, policy=email.policy.default)
errs = []
def want(what, got, exp):
    if got != exp:
        errs.append("%s: got %r, want %r" % (what, got, exp))
head = raw.split("\r\n\r\n", 1)[0].split("\r\n")
names = [h.split(":", 1)[0] for h in head]
if case == "plain":
    want("envelope from", rec["mail_from"], "tocsin@example.org")
    want("envelope to", rec["rcpt_tos"], ["oncall@example.org", "ops@example.org"])
    want("tls", rec["tls"], False)
    want("header order", names, ["Subject", "To", "From", "X-Summary", "Message-Id",
                                 "Date", "Content-Type", "MIME-Version"])
    want("Subject", msg["Subject"], "[FIRING:1] EmailPlain (plain mail)")
    want("To", msg["To"], 'oncall@example.org, "Ops, Team" <ops@example.org>')
    want("From", msg["From"], "Tocsin <tocsin@example.org>")
    want("X-Summary raw", [h for h in head if h.startswith("X-Summary")],
         ["X-Summary: =?utf-8?q?=C3=9Cberlast_=E2=9C=93_on_mail?="])
    want("X-Summary", str(msg["X-Summary"]), "Überlast ✓ on mail")
    parts = [p.get_content_type() for p in msg.iter_parts()]
    want("parts", parts, ["text/plain", "text/html"])
    text, html = list(msg.iter_parts())
    want("text", text.get_content(), "Überlast ✓ on mail = plain")
    want("text cte", text["Content-Transfer-Encoding"], "quoted-printable")
    body = html.get_content()
    for s in ("<title>[FIRING:1] EmailPlain (plain mail)</title>",
              "Überlast ✓ on mail", 'href="http://gen/plain?a=1&amp;b=%3c2%3e"'):
        if s not in body:
            errs.append("html part lacks %r" % s)
    if not re.fullmatch(r"<\d+\.\d+@[^>]+>", msg["Message-Id"]):
        errs.append("Message-Id %r" % msg["Message-Id"])
    if not re.fullmatch(r"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d \+0000", msg["Date"]):
        errs.append("Date %r" % msg["Date"])
    want("MIME-Version", msg["MIME-Version"], "1.0")
    ct = [h for h in head if h.startswith("Content-Type")][0]
    if not re.fullmatch(r"Content-Type: multipart/alternative;  boundary=[0-9a-f]{60}", ct):
        errs.append(ct)
    if not raw.endswith("--\r\n"):
        errs.append("no closing boundary")
    if any(len(l) > 76 for l in raw.split("\r\n\r\n", 1)[1].split("\r\n")):
        errs.append("a body line over 76 characters")
elif case == "tls":
    want("tls", rec["tls"], True)
    want("login", rec["login"], "alice PLAIN")
    want("envelope", [rec["mail_from"], rec["rcpt_tos"]], ["alerts@example.org", ["secure@example.org"]])
    want("Subject", msg["Subject"], "[FIRING:1] EmailTls (tls mail)")
    want("parts", [p.get_content_type() for p in msg.iter_parts()], ["text/html"])
elif case == "skip":
    want("tls", rec["tls"], True)
    want("envelope", [rec["mail_from"], rec["rcpt_tos"]], ["tocsin@example.org", ["skip@example.org"]])
elif case == "retry":
    want("envelope to", rec["rcpt_tos"], ["retry@example.org"])
for e in errs:
    print(e)
sys.exit(1 if errs else 0)
EOF
"$PY" check.py smtp-plain/mail.jsonl plain || fail "plain: message differs"
ok "plain SMTP: envelope, headers in order, RFC 2047, text and html parts"
"$PY" check.py smtp-tls/mail.jsonl tls || fail "tls: message differs"
ok "STARTTLS with ca_file, AUTH PLAIN from auth_password_file"
"$PY" check.py smtp-skip/mail.jsonl skip || fail "skip: message differs"
ok "STARTTLS with insecure_skip_verify"
"$PY" check.py smtp-retry/mail.jsonl retry || fail "retry: message differs"
[ "$(wc -l <smtp-retry/rcpt)" -ge 2 ] || fail "retry: RCPT not retried"
ok "RCPT 450: retried and delivered ($(wc -l <smtp-retry/rcpt) RCPT)"

# A failed notification is sent again at the next group_interval (the
# log has no entry), as Alertmanager does, but never retried within one.
sleep 3
[ ! -e smtp-reject/mail.jsonl ] || fail "reject: a message was accepted"
grep 'receiver=reject' tocsin.log | grep -q 'smtp reply\|RCPT failed: 550' ||
	{ cat tocsin.log; fail "reject: no failure logged"; }
! grep 'receiver=reject' tocsin.log | grep -v 'attempts=1 ' | grep -q . ||
	{ cat tocsin.log; fail "reject: RCPT 550 retried"; }
curl -sS "$TURL/metrics" >metrics.txt
grep -q '^tocsin_notifications_total{integration="email"} [1-9]' metrics.txt ||
	{ grep email metrics.txt; fail "email notifications not counted"; }
grep -q '^tocsin_notifications_failed_total{integration="email".*} [1-9]' metrics.txt ||
	{ grep email metrics.txt; fail "failed email notification not counted"; }
ok "RCPT 550: given up after one attempt, counted as failed"
# retried (a TLS failure is no SMTP reply) until the deadline, 10 s
untrusted_logged() { grep 'receiver=untrusted' tocsin.log | grep -q certificate; }
wait_until 15 untrusted_logged ||
	{ cat tocsin.log; fail "untrusted: no certificate error logged"; }
[ ! -e smtp-untrusted/mail.jsonl ] || fail "untrusted: a message was sent"
ok "STARTTLS to an untrusted certificate: nothing sent, the reason logged"

# Stopped, it must leave no sanitizer report (run.sh reads only this
# script's output, not tocsin.log).  The failing receivers are resolved
# first and given the 10 s deadline to give up: a notification still
# being retried when the shutdown timeout ends is abandoned unfreed (the
# router does not abort its senders), for any integration.
past=$(date -u -d '-1 min' +%Y-%m-%dT%H:%M:%S.000Z)
printf '[%s,%s]' "$(alert EmailReject reject never "$past")" \
	"$(alert EmailUntrusted untrusted untrusted "$past")" |
	curl -sS -f -o /dev/null -H 'Content-Type: application/json' \
		--data-binary @- "$TURL/api/v2/alerts" || fail "resolve alerts"
sleep 12
stop_pid "$TOCSIN_PID"
if grep -aqE 'ERROR: (LeakSanitizer|AddressSanitizer)|runtime error:' tocsin.log; then
	cat tocsin.log
	fail "sanitizer report from tocsin"
fi
ok "tocsin stopped cleanly"
