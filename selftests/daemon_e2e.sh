#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `tlshelper daemon` + `attach` end to end, in the test VM (root, Debian 6.1
# kernel, cwd = repository root): unmodified servers attached by port, real
# clients (curl, openssl s_client, Python ssl) over TLS 1.3, failure paths
# (garbage, TLS 1.0-only hello, daemon killed mid-handshake, restart drain,
# no daemon) and permissions. TAP output.
#
# TLS 1.3 throughout; one fetch over TLS 1.2 (the engine's other version).
#
#   scripts/vm-run.sh -t 600 -- selftests/daemon_e2e.sh
# TLSHELPER=path picks another build of tlshelper (e.g. with ASan).
set -u
cd "$(dirname "$0")/.."
repo=$PWD

. selftests/lib/e2e.sh
e2e_tmp
chmod 755 "$T"	# the unprivileged checks run $T/tlshelper
echo "TAP version 13"
echo "1..31"

# The Python side: a counting server that answers with sendfile, and clients.
cat >"$T/tool.py" <<'PYEOF'
import os, select, socket, ssl, struct, sys, threading, time

def server(port, root, countfile):
    # Waits in select(), never blocked in accept(): attach works any time.
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1024)
    n = 0
    def handle(c):
        try:
            c.settimeout(120)
            req = b""
            while b"\r\n\r\n" not in req:
                d = c.recv(4096)
                if not d:
                    return
                req += d
            name = req.split()[1].decode().lstrip("/")
            with open(os.path.join(root, name), "rb") as f:
                size = os.fstat(f.fileno()).st_size
                c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
                c.sendfile(f)        # os.sendfile on the kTLS socket
        except Exception as e:
            print("server:", repr(e), file=sys.stderr, flush=True)
        finally:
            c.close()
    while True:
        select.select([s], [], [])
        c, _ = s.accept()
        n += 1
        with open(countfile + ".tmp", "w") as f:
            f.write(str(n))
        os.rename(countfile + ".tmp", countfile)
        threading.Thread(target=handle, args=(c,), daemon=True).start()

def clients(port, ca, name, expect_path, count):
    expect = open(expect_path, "rb").read()
    ctx = ssl.create_default_context(cafile=ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    barrier = threading.Barrier(count)
    res = [None] * count
    def run(i):
        try:
            barrier.wait(timeout=120)
            # From 8 loopback addresses: tlsh.ko holds at most 64
            # handshakes from one address (max_per_addr).
            src = ("127.0.0.%d" % (1 + i % 8), 0)
            with socket.create_connection(("127.0.0.1", port), timeout=240,
                                          source_address=src) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                    assert s.version() == "TLSv1.3", s.version()
                    s.sendall(b"GET /%s HTTP/1.0\r\n\r\n" % name.encode())
                    data = b""
                    while True:
                        try:
                            d = s.recv(65536)
                        except ssl.SSLEOFError:
                            break
                        if not d:
                            break
                        data += d
            res[i] = data.partition(b"\r\n\r\n")[2] == expect or "wrong body"
        except Exception as e:
            res[i] = repr(e)
    ts = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in ts: t.start()
    for t in ts: t.join()
    good = sum(1 for r in res if r is True)
    for r in set(r for r in res if r is not True):
        print("client error:", r)
    print("completed", good)

def outcome(s, timeout):
    s.settimeout(timeout)
    data = b""
    try:
        while True:
            d = s.recv(4096)
            if not d:
                return data, "eof"
            data += d
    except ConnectionResetError:
        return data, "reset"
    except socket.timeout:
        return data, "timeout"

def garbage(port):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    data, how = outcome(s, 60)
    print("closed", how, "http" if b"HTTP/" in data else "nohttp",
          "alert" if data[:1] == b"\x15" else "noalert")

def hello10(port):
    # A TLS 1.0 ClientHello: no supported_versions, legacy suites only.
    body = (b"\x03\x01" + os.urandom(32) + b"\x00" +
            struct.pack(">H", 4) + b"\x00\x2f\x00\x35" + b"\x01\x00")
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"\x16\x03\x01" + struct.pack(">H", len(hs)) + hs)
    data, how = outcome(s, 60)
    fatal = len(data) >= 7 and data[0] == 0x15 and data[5] == 2
    print("closed", how, "fatal-alert" if fatal else "no-fatal-alert",
          data[6] if fatal else -1)

def partial(port, flag):
    # Half a ClientHello record; then wait for the daemon to be killed.
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
    open(flag, "w").close()
    data, how = outcome(s, 100)
    print("closed", how, len(data))

def coalesced(port, ca, name, expect_path):
    # Finished and the first request leave in one send(): whatever the
    # daemon reads past its last handshake record, the server never gets.
    expect = open(expect_path, "rb").read()
    ctx = ssl.create_default_context(cafile=ca)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out, server_hostname="localhost")
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            if out.pending:
                s.sendall(out.read())
            d = s.recv(65536)
            if not d:
                print("eof during handshake")
                return
            inc.write(d)
    tls.write(b"GET /%s HTTP/1.0\r\n\r\n" % name.encode())
    flight = out.read()
    s.sendall(flight)
    data = b""
    while True:
        try:
            d = tls.read(65536)
            if not d:       # the server's close_notify
                break
            data += d
            continue
        except ssl.SSLWantReadError:
            pass
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            break
        d = s.recv(65536)
        if not d:
            break
        inc.write(d)
    body = data.partition(b"\r\n\r\n")[2]
    print("flight", len(flight), "body", "same" if body == expect else "differs")

cmd = sys.argv[1]
a = sys.argv[2:]
if cmd == "server": server(int(a[0]), a[1], a[2])
elif cmd == "clients": clients(int(a[0]), a[1], a[2], a[3], int(a[4]))
elif cmd == "garbage": garbage(int(a[0]))
elif cmd == "hello10": hello10(int(a[0]))
elif cmd == "partial": partial(int(a[0]), a[1])
elif cmd == "coalesced": coalesced(int(a[0]), a[1], a[2], a[3])
PYEOF

stop_daemon() {	# SIGNAL
	kill "-$1" "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	dpid=
}

# status line of listener ID: the value of counter NAME
listener_counter() {	# ID NAME
	"$TH" status 2>/dev/null |
		awk -v id="listener $1:" -v k="$2" '
			index($0, id) == 1 { for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'
}
global_counter() {	# NAME
	"$TH" status 2>/dev/null | awk -v k="$1" '$1 == k && NF == 2 { print $2 }'
}
counter_is() { [ "$(listener_counter "$1" "$2")" = "$3" ]; }
global_is() { [ "$(global_counter "$1")" = "$2" ]; }
count_of() { cat "$1" 2>/dev/null || echo 0; }

# ---- setup ----

if [ ! -e /sys/module/tlsh ]; then
	insmod "${TLSH_KO:-kmod/tlsh.ko}" || { echo "Bail out! cannot load tlsh.ko"; exit 1; }
fi
gen_certs a.test:cn=a.test,rsa b.test:cn=b.test client.test:cn=client.test,client ||
	{ echo "Bail out! cannot make certificates"; exit 1; }
mkdir -p "$T/www"
head -c $((3 * 1024 * 1024 + 12345)) /dev/urandom >"$T/www/big.bin"
head -c 1500 /dev/urandom >"$T/www/small.bin"
rm -rf "$TLSH_DAEMON_DIR"

# ---- 1: no daemon: attach fails fast and clearly ----
out=$("$TH" attach --port 1 --cert "$CERT" --key "$KEY" 2>&1)
note "$out"
check "attach without a listening socket fails with a clear message" \
	match "$out" "*no process listens on TCP port 1*"

# ---- the daemon, and python -m http.server attached by port ----
check "daemon starts (2 workers)" start_daemon --workers 2

HTTP_PORT=8443
(cd "$T/www" && exec "$PY" -m http.server "$HTTP_PORT" --bind 127.0.0.1) \
	>"$T/http.log" 2>&1 &
pids+=($!)
wait_listen "$HTTP_PORT"
hid=$("$TH" attach --port "$HTTP_PORT" --cert "$CERT" --key "$KEY" 2>"$T/attach.err")
note "attach printed listener id '$hid' $(cat "$T/attach.err")"
check "attach --port finds python's http.server and prints the listener id" \
	match "$hid" "[1-9]*([0-9])"

before=$(grep -c ': ok TLS1.3' "$T/daemon.log")
curl -sS -v --tlsv1.3 --cacert "$CA" --max-time 120 \
	"https://localhost:$HTTP_PORT/big.bin" -o "$T/got.bin" 2>"$T/curl.err"
rc=$?
grep -E 'SSL connection using|HTTP/1' "$T/curl.err" | sed 's/^/# curl: /'
check "curl fetches 3 MiB over TLS 1.3 from unmodified http.server, byte-exact" \
	eval '[ $rc = 0 ] && cmp -s "$T/got.bin" "$T/www/big.bin" && grep -q "SSL connection using TLSv1.3" "$T/curl.err"'
check "the handshake was the daemon's (one log line per handshake)" \
	[ "$(grep -c ': ok TLS1.3' "$T/daemon.log")" = $((before + 1)) ]
check "http.server saw the plain GET" grep -q '"GET /big.bin HTTP/1.1" 200' "$T/http.log"

printf 'GET /small.bin HTTP/1.0\r\n\r\n' |
	timeout 60 openssl s_client -connect "127.0.0.1:$HTTP_PORT" -tls1_3 \
		-CAfile "$CA" -verify_return_error -servername localhost -quiet \
		-ign_eof >"$T/sclient.out" 2>"$T/sclient.err"
tail -c 1500 "$T/sclient.out" >"$T/sclient.body"
check "openssl s_client -tls1_3 -verify_return_error gets the file" \
	cmp -s "$T/sclient.body" "$T/www/small.bin"

# ---- sendfile server, accept-counting, attached by port ----
SF_PORT=9443
"$PY" "$T/tool.py" server "$SF_PORT" "$T/www" "$T/accepts" 2>"$T/server.err" &
pids+=($!)
wait_listen "$SF_PORT"
sid=$("$TH" attach --port "$SF_PORT" --cert "$CERT" --key "$KEY" --timeout 60000)
note "sendfile server: listener $sid"
tx_before=$(awk '$1 == "TlsTxSw" { print $2 }' /proc/net/tls_stat)
curl -sS --cacert "$CA" --max-time 120 "https://localhost:$SF_PORT/big.bin" \
	-o "$T/got2.bin" 2>&1 | sed 's/^/# /'
check "curl fetches 3 MiB from a server using sendfile, byte-exact" \
	cmp -s "$T/got2.bin" "$T/www/big.bin"
tx_after=$(awk '$1 == "TlsTxSw" { print $2 }' /proc/net/tls_stat)
check "the server's socket had kTLS TX (TlsTxSw $tx_before -> $tx_after)" \
	[ "$tx_after" -gt "$tx_before" ]

# ---- TLS 1.2 (the engine's other version), kTLS sendfile with 1.2 records ----
curl -sS -v --tlsv1.2 --tls-max 1.2 --cacert "$CA" --max-time 120 \
	"https://localhost:$SF_PORT/big.bin" -o "$T/got12.bin" 2>"$T/curl12.err"
grep -E 'SSL connection using' "$T/curl12.err" | sed 's/^/# curl: /'
check "curl --tls-max 1.2 fetches 3 MiB from the sendfile server, byte-exact" \
	eval 'cmp -s "$T/got12.bin" "$T/www/big.bin" &&
	      grep -q "SSL connection using TLSv1.2" "$T/curl12.err" &&
	      grep -q ": ok TLS1.2 " "$T/daemon.log"'

# ---- 200 concurrent clients ----
a0=$(count_of "$T/accepts")
res=$(timeout 300 "$PY" "$T/tool.py" clients "$SF_PORT" "$CA" small.bin "$T/www/small.bin" 200)
echo "$res" | sed 's/^/# /'
check "200 concurrent TLS 1.3 clients all complete" \
	[ "$(echo "$res" | awk '$1 == "completed" { print $2 }')" = 200 ]
check "the server accepted exactly 200 connections" \
	[ $(($(count_of "$T/accepts") - a0)) = 200 ]

# ---- never read past the handshake ----
res=$(timeout 300 "$PY" "$T/tool.py" coalesced "$SF_PORT" "$CA" small.bin "$T/www/small.bin" 2>&1)
note "client Finished + request in one segment: $res"
check "a request sent in the same segment as the client's Finished reaches the server" \
	match "$res" "flight * body same"

# ---- failures: never seen by the server, counted ----
f0=$(listener_counter "$sid" failed)
l0=$(grep -c ': failed: ' "$T/daemon.log")
a0=$(count_of "$T/accepts")
res=$(timeout 300 "$PY" "$T/tool.py" garbage "$SF_PORT")
note "garbage client: $res"
check "a client sending plaintext garbage gets an alert and a close, no HTTP" \
	match "$res" "closed * nohttp alert"
res=$(timeout 300 "$PY" "$T/tool.py" hello10 "$SF_PORT")
note "TLS 1.0-only client: $res (the alert: 70 protocol_version is RFC 8446's)"
check "a TLS 1.0-only ClientHello gets a fatal alert and a close" \
	match "$res" "closed * fatal-alert +([0-9])"
wait_for 50 counter_is "$sid" failed $((f0 + 2))
grep ': failed: ' "$T/daemon.log" | tail -2 | sed 's/^/# /'
check "status counts both failures on the listener ($f0 -> $(listener_counter "$sid" failed)), the daemon logs them" \
	eval 'counter_is "$sid" failed $((f0 + 2)) &&
	      [ "$(grep -c ": failed: " "$T/daemon.log")" = $((l0 + 2)) ]'
check "the server never saw them" [ "$(count_of "$T/accepts")" = "$a0" ]

# ---- daemon killed mid-handshake ----
rm -f "$T/partial.flag"
"$PY" "$T/tool.py" partial "$SF_PORT" "$T/partial.flag" >"$T/partial.out" 2>&1 &
ppid_=$!
wait_for 300 test -e "$T/partial.flag"
wait_for 300 counter_is "$sid" in-flight 1
note "mid-handshake: listener $sid in-flight $(listener_counter "$sid" in-flight)"
stop_daemon 9
# The listener's timeout is 60 s: closing sooner is the daemon's death.
if timeout 20 tail --pid="$ppid_" -f /dev/null; then
	note "partial client: $(cat "$T/partial.out")"
	check "daemon killed mid-handshake: the client's connection is closed at once" \
		grep -qE '^closed (eof|reset)' "$T/partial.out"
else
	not_ok "daemon killed mid-handshake: the client's connection is closed at once"
fi
check "...and the server never saw it" [ "$(count_of "$T/accepts")" = "$a0" ]

# ---- no daemon: fail fast ----
start=$(date +%s%N)
curl -sS --cacert "$CA" --max-time 30 "https://localhost:$SF_PORT/small.bin" \
	-o /dev/null 2>"$T/nodaemon.err"
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
note "no daemon: curl exit $rc after $ms ms: $(cat "$T/nodaemon.err")"
check "no daemon: a client fails fast (well before the 60 s timeout), unseen" \
	eval '[ $rc != 0 ] && [ $ms -lt 10000 ] && [ "$(count_of "$T/accepts")" = "$a0" ]'

# ---- restart: the pending connections are drained ----
start_daemon
kill -STOP "$dpid"	# stopped, still subscribed: connections wait
cpids=()
for i in 1 2 3; do
	curl -sS --cacert "$CA" --max-time 120 "https://localhost:$SF_PORT/small.bin" \
		-o "$T/drain$i.bin" 2>"$T/drain$i.err" &
	cpids+=($!)
done
wait_for 300 counter_is "$sid" pending 3
note "daemon stopped: listener $sid pending $(listener_counter "$sid" pending)"
kill -9 "$dpid"
wait "$dpid" 2>/dev/null
dpid=
start_daemon
okc=0
for i in 1 2 3; do
	wait "${cpids[$((i - 1))]}" && cmp -s "$T/drain$i.bin" "$T/www/small.bin" &&
		okc=$((okc + 1))
done
grep 'restored' "$T/daemon.log" | sed 's/^/# /'
check "a restarted daemon restores its listeners and drains the 3 pending connections" \
	[ "$okc" = 3 ]
check "...which the server accepted" [ $(($(count_of "$T/accepts") - a0)) = 3 ]

# ---- permissions ----
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$TH" attach --port "$HTTP_PORT" --cert "$CERT" --key "$KEY" 2>&1)
rc=$?
note "unprivileged attach: exit $rc: $out"
# A server of the same unprivileged user: pidfd_getfd works, the daemon refuses.
NB_PORT=7443
setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$PY" -c "import socket,time;s=socket.socket();s.bind(('127.0.0.1',$NB_PORT));s.listen();time.sleep(300)" &
pids+=($!)
wait_listen "$NB_PORT"
cp "$CERT" "$KEY" "$T/www/" && chmod 644 "$T/www/"*.pem && chmod 755 "$T" "$T/www"
out2=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$TH" attach --port "$NB_PORT" --cert "$T/www/localhost.pem" --key "$T/www/localhost.key" 2>&1)
rc2=$?
note "unprivileged attach of its own server: exit $rc2: $out2"
out3=$(TLSH_DAEMON_DIR=$T/nobody setpriv --reuid=65534 --regid=65534 \
	--clear-groups "$TH" daemon 2>&1)
rc3=$?
note "unprivileged daemon: exit $rc3: $out3"
check "unprivileged attach (another's server, its own) and daemon are refused" \
	eval '[ $rc != 0 ] && [ $rc2 != 0 ] && [ $rc3 != 0 ] &&
	      match "$out" "*permission denied*" &&
	      match "$out2" "*permission denied*" &&
	      match "$out3" "*@(permission denied|CAP_NET_ADMIN)*" &&
	      [ "$("$TH" status | awk "\$1 == \"listeners\" { print \$2 }")" = 2 ]'

# ---- detach ----
out=$("$TH" detach --port "$HTTP_PORT")
note "detach --port $HTTP_PORT: $out"
plain=$(curl -sS --max-time 60 "http://127.0.0.1:$HTTP_PORT/small.bin" | cmp - "$T/www/small.bin" && echo same)
check "detach: the server answers plain HTTP again, status lists 1 listener" \
	eval '[ "$out" = "$hid" ] && [ "$plain" = same ] &&
	      [ "$("$TH" status | awk "\$1 == \"listeners\" { print \$2 }")" = 1 ]'

# ---- several certificates and client certificates on one listener ----
M_PORT=10443
"$PY" "$T/tool.py" server "$M_PORT" "$T/www" "$T/accepts2" 2>>"$T/server.err" &
pids+=($!)
wait_listen "$M_PORT"
P=$T/pki
mid=$("$TH" attach --port "$M_PORT" --cert "$P/a.test.pem" --key "$P/a.test.key" \
	--cert "$P/b.test.pem" --key "$P/b.test.key" --ca "$CA" --verify-client \
	--timeout 60000)
note "listener $mid: a.test (RSA) and b.test (ECDSA), client certificates required"
subjects=
for name in a.test b.test; do
	curl -sS -v --cacert "$CA" --cert "$P/client.test.pem" --key "$P/client.test.key" \
		--resolve "$name:$M_PORT:127.0.0.1" --max-time 120 \
		"https://$name:$M_PORT/small.bin" -o "$T/m-$name.bin" 2>"$T/m-$name.err" &&
		cmp -s "$T/m-$name.bin" "$T/www/small.bin" &&
		subjects+="$(grep -o 'subject: CN=[a-z.]*' "$T/m-$name.err")/"
done
note "certificates presented: $subjects"
check "two certificates on one listener, chosen by SNI (RSA a.test, ECDSA b.test)" \
	[ "$subjects" = "subject: CN=a.test/subject: CN=b.test/" ]
a0=$(count_of "$T/accepts2")
curl -sS --cacert "$CA" --resolve "a.test:$M_PORT:127.0.0.1" --max-time 60 \
	"https://a.test:$M_PORT/small.bin" -o /dev/null 2>"$T/m-nocert.err"
rc=$?
note "without a client certificate: curl exit $rc: $(head -c 200 "$T/m-nocert.err")"
check "--verify-client: a client without a certificate is refused, unseen; with one it passed" \
	eval '[ $rc != 0 ] && [ "$a0" = 2 ] && [ "$(count_of "$T/accepts2")" = 2 ]'
# The same listener over TLS 1.2 (CertificateRequest / CertificateVerify).
a1=$(count_of "$T/accepts2")
curl -sS --tlsv1.2 --tls-max 1.2 --cacert "$CA" --cert "$P/client.test.pem" \
	--key "$P/client.test.key" --resolve "a.test:$M_PORT:127.0.0.1" --max-time 120 \
	"https://a.test:$M_PORT/small.bin" -o "$T/m12.bin" 2>"$T/m12.err"
rc12=$?
curl -sS --tlsv1.2 --tls-max 1.2 --cacert "$CA" --resolve "a.test:$M_PORT:127.0.0.1" \
	--max-time 60 "https://a.test:$M_PORT/small.bin" -o /dev/null 2>"$T/m12-nocert.err"
rc12none=$?
note "TLS 1.2: with a client certificate curl exit $rc12, without $rc12none: $(head -c 200 "$T/m12-nocert.err")"
check "--verify-client over TLS 1.2: a client certificate passes (byte-exact), none is refused unseen" \
	eval '[ $rc12 = 0 ] && cmp -s "$T/m12.bin" "$T/www/small.bin" && [ $rc12none != 0 ] &&
	      [ "$(count_of "$T/accepts2")" = $((a1 + 1)) ]'
"$TH" detach --port "$M_PORT" >/dev/null

# ---- resumption through the daemon (issue 17): tickets on a listener ----
# --tickets 1 without key files: the daemon's random in-memory key. Each
# version: openssl s_client -sess_out, then -sess_in resumes ("Reused"),
# the daemon logs "resumed", and status counts it on the listener.
rid=$("$TH" attach --port "$M_PORT" --cert "$CERT" --key "$KEY" --tickets 1 \
	--timeout 60000)
reused=
for v in 1.3 1.2; do
	vo=()
	[ $v = 1.2 ] && vo=(-tls1_2)
	for k in 1 2; do
		printf 'GET /small.bin HTTP/1.0\r\n\r\n' |
			timeout 60 openssl s_client -connect "127.0.0.1:$M_PORT" \
			-servername localhost -CAfile "$CA" -ign_eof "${vo[@]}" \
			"$([ $k = 1 ] && echo -sess_out || echo -sess_in)" "$T/sess$v" \
			>"$T/rs$v.$k" 2>&1
	done
	grep -q "New, TLSv$v" "$T/rs$v.1" && grep -q "Reused, TLSv$v" "$T/rs$v.2" &&
		grep -q '^HTTP/1.0 200' "$T/rs$v.2" && reused+="$v "
done
note "resumed through the daemon: ${reused:-none}"
grep ': ok TLS1.* resumed ' "$T/daemon.log" | tail -2 | sed 's/^/# /'
check "openssl s_client -sess_out/-sess_in through the daemon: Reused over TLS 1.3 and 1.2, logged" \
	eval '[ "$reused" = "1.3 1.2 " ] &&
	      [ "$(grep -c ": ok TLS1.[23] .* resumed " "$T/daemon.log")" = 2 ]'
jres=$("$TH" status --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
l = [x for x in d["listeners"] if x["id"] == int(sys.argv[1])][0]
print(l["handshakes_ok"], l["handshakes_resumed"], d["daemon"]["handshakes_resumed"])' "$rid")
note "status --json: listener ok, resumed; daemon resumed: $jres"
check "status: the listener counts 2 resumed handshakes of 4 (text and --json), the daemon too" \
	eval '[ "$(listener_counter "$rid" handshakes-resumed)" = 2 ] && [ "$jres" = "4 2 2" ] &&
	      "$TH" status | grep -q "^daemon running: .*(resumed 2)"'
"$TH" detach --port "$M_PORT" >/dev/null

# ---- a daemon started with --config attaches its listen entries ----
"$TH" detach --port "$SF_PORT" >/dev/null
stop_daemon TERM
printf '%s\n' '# test config' \
	"listen port=$SF_PORT cert=$CERT key=$KEY timeout=60000 alpn=http/1.1" \
	>"$T/tlsh.conf"
start_daemon --config "$T/tlsh.conf"
grep 'attached' "$T/daemon.log" | tail -1 | sed 's/^/# /'
curl -sS --cacert "$CA" --max-time 120 "https://localhost:$SF_PORT/small.bin" \
	-o "$T/conf.bin" 2>&1 | sed 's/^/# /'
check "daemon --config attaches 'listen port=' at startup; curl gets the file" \
	eval 'cmp -s "$T/conf.bin" "$T/www/small.bin" &&
	      tail -1 "$T/daemon.log" | grep -q "ok TLS1.3.*alpn=http/1.1"'

# ---- handshake timeout: a client that stalls is closed, unseen, counted ----
"$TH" detach --port "$SF_PORT" >/dev/null
tid=$("$TH" attach --port "$SF_PORT" --cert "$CERT" --key "$KEY" --timeout 2000)
a0=$(count_of "$T/accepts")
rm -f "$T/partial.flag"
"$PY" "$T/tool.py" partial "$SF_PORT" "$T/partial.flag" >"$T/stall.out" 2>&1 &
spid=$!
if timeout 30 tail --pid="$spid" -f /dev/null; then
	wait_for 50 counter_is "$tid" timed-out 1
	note "stalled client: $(cat "$T/stall.out"), listener $tid timed-out $(listener_counter "$tid" timed-out)"
	check "a stalled handshake is closed at --timeout, counted timed-out, unseen" \
		eval 'grep -qE "^closed (eof|reset)" "$T/stall.out" &&
		      counter_is "$tid" timed-out 1 &&
		      [ "$(count_of "$T/accepts")" = "$a0" ]'
else
	not_ok "a stalled handshake is closed at --timeout, counted timed-out, unseen"
fi

note "tlshelper status:"
"$TH" status | sed 's/^/#   /'
note "daemon log (last lines):"
tail -n 8 "$T/daemon.log" | sed 's/^/#   /'
[ -s "$T/server.err" ] && sed 's/^/# server: /' "$T/server.err"
grep -E 'Sanitizer|runtime error' "$T/daemon.log" | sed 's/^/# daemon: /'
tap_end 31
