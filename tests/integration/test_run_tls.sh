#!/bin/sh
# test_run_tls.sh - the datasource over TLS: a loopback HTTPS "Prometheus"
# that requires a client certificate signed by a test CA.  With ca_file,
# cert_file and key_file the rule evaluates; without the client
# certificate, or against an unknown CA, the rule's health turns err with
# the TLS failure, and insecure_skip_verify skips the server check only.
set -u
. "$ROOT/tests/integration/lib/peers.sh"

fail() { echo "FAIL $*"; exit 1; }
ok() { echo "ok $*"; }

command -v openssl >/dev/null || fail "openssl is needed"
cd "$TMPDIR" || exit 1
# A CA, a server certificate for 127.0.0.1, a client certificate.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca \
	-keyout ca.key -out ca.crt 2>/dev/null || fail "ca"
for who in server client; do
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$who" \
		-keyout $who.key -out $who.csr 2>/dev/null || fail "$who csr"
	printf 'subjectAltName=IP:127.0.0.1\n' >$who.ext
	openssl x509 -req -in $who.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
		-days 2 -extfile $who.ext -out $who.crt 2>/dev/null || fail "$who crt"
done
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca \
	-keyout other.key -out other.crt 2>/dev/null || fail "other ca"

cat >server.py <<'EOF'
import http.server, json, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({"status": "success", "data": {"resultType": "vector",
            "result": [{"metric": {"__name__": "up", "job": "tls"}, "value": [1, "0"]}]}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = http.server.HTTPServer(("127.0.0.1", 0), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain("server.crt", "server.key")
ctx.load_verify_locations("ca.crt")
ctx.verify_mode = ssl.CERT_REQUIRED
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
open("port.tmp", "w").write(str(srv.server_address[1]))
__import__("os").rename("port.tmp", "port")
srv.serve_forever()
EOF
/usr/bin/python3 server.py >server.log 2>&1 &
peers_track $!
wait_until 10 test -s port || fail "tls server did not start"
SPORT=$(cat port)

cat >rules.yml <<'EOF'
groups:
  - name: tls
    interval: 1s
    rules:
      - alert: TargetDown
        expr: up == 0
EOF

# run_with TLS_CONFIG: run tocsin until the rule was evaluated; print
# the rule's health and lastError.
run_with() {
	cat >tocsin.yml <<EOF
datasource:
  url: https://127.0.0.1:$SPORT
  timeout: 3s
  tls_config: $1
rule_files: [rules.yml]
storage: {path: '$TMPDIR/state-$2/tocsin.db'}
route: {receiver: none}
receivers: [{name: none}]
EOF
	port=$(free_port)
	"$TOCSIN" run --config.file=tocsin.yml --web.listen-address=127.0.0.1:$port \
		>>tocsin.log 2>&1 &
	pid=$!
	peers_track $pid
	wait_http "http://127.0.0.1:$port/-/ready" 10 || fail "tocsin not ready"
	evaluated() {
		curl -sS "http://127.0.0.1:$port/api/v1/rules" | grep -q '"health":"\(ok\|err\)"'
	}
	wait_until 10 evaluated || fail "never evaluated"
	curl -sS "http://127.0.0.1:$port/api/v1/rules" | json_get - \
		'd["data"]["groups"][0]["rules"][0]["health"] + " " + d["data"]["groups"][0]["rules"][0].get("lastError", "")'
	kill -TERM $pid
	wait $pid
}

out=$(run_with "{ca_file: ca.crt, cert_file: client.crt, key_file: client.key}" a)
case $out in "ok "*) ;; *) fail "with the client certificate: $out" ;; esac
ok "CA and client certificate: the rule evaluates"

out=$(run_with "{ca_file: ca.crt}" b)
case $out in "err Post \"https://127.0.0.1:$SPORT/api/v1/query\": "*) ;;
*) fail "without a client certificate: $out" ;; esac
ok "no client certificate: health err ($out)"

out=$(run_with "{ca_file: other.crt, cert_file: client.crt, key_file: client.key}" c)
case $out in "err "*) ;; *) fail "unknown CA: $out" ;; esac
ok "a server certificate from an unknown CA is refused"

out=$(run_with "{insecure_skip_verify: true, cert_file: client.crt, key_file: client.key}" d)
case $out in "ok "*) ;; *) fail "insecure_skip_verify: $out" ;; esac
ok "insecure_skip_verify skips the server check"
