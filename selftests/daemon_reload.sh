#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Live reload of `tlshelper daemon` (issue 18) and `status --json`, in the
# test VM (root, cwd = repository root), against unmodified servers
# (python3 -m http.server): the certificate files of a listener from the
# config file replaced and SIGHUP sent, then those of a listener from
# `tlshelper attach` replaced and `tlshelper reload` run: new clients get
# the new certificate (its subject, seen by openssl s_client), a client
# paused in the middle of its handshake across the reload completes with
# the old one, the daemon keeps its pid and the listeners their ids; a bad
# key file is refused (non-zero status, one log line) and the old
# certificate keeps serving; lines added to and removed from the config
# file are attached and detached; `status --json` parses and says what
# `status` says (a certificate path with a quote and a backslash in it
# comes back intact); SIGTERM still stops the daemon. TAP output.
#
#   TLSH_VM_TESTS="selftests/daemon_reload.sh" scripts/check.sh --vm-only
set -u
cd "$(dirname "$0")/.." || exit 1

. selftests/lib/e2e.sh
e2e_tmp
printf 'TAP version 13\n1..19\n'

if [ ! -e /sys/module/tlsh ]; then
	insmod "${TLSH_KO:-kmod/tlsh.ko}" || { echo "Bail out! cannot load tlsh.ko"; exit 1; }
fi
gen_certs one:cn=one.test two:cn=two.test three:cn=three.test \
	four:cn=four.test || { echo "Bail out! cannot make certificates"; exit 1; }
P=$T/pki
rm -rf "$TLSH_DAEMON_DIR"
mkdir -p "$T/www"
echo "reload-body-$$-ok" >"$T/www/small.txt"

CONF_PORT=8471 ATT_PORT=8472 NEW_PORT=8473 ODD_PORT=8474
for port in $CONF_PORT $ATT_PORT $NEW_PORT $ODD_PORT; do
	(cd "$T/www" && exec "$PY" -m http.server "$port" --bind 127.0.0.1) \
		>"$T/http.$port.log" 2>&1 &
	pids+=($!)
done
for port in $CONF_PORT $ATT_PORT $NEW_PORT $ODD_PORT; do
	wait_listen "$port" || { echo "Bail out! http.server on $port"; exit 1; }
done

# The CN of the certificate a new client gets on PORT ("" if none).
subject_cn() {	# PORT
	timeout 60 openssl s_client -connect "127.0.0.1:$1" -CAfile "$P/ca.pem" \
		-verify_return_error </dev/null 2>/dev/null |
		sed -n 's/^subject=.*CN *= *\([^,/]*\).*/\1/p' | head -n 1
}
cn_is() { [ "$(subject_cn "$1")" = "$2" ]; }	# PORT CN
daemon_pid_is() {	# PID: the daemon runs, and status names that pid
	kill -0 "$1" 2>/dev/null && "$TH" status | grep -q "daemon running: pid $1,"
}
listener_on() {	# PORT: the ids of the listeners on PORT
	"$TH" status | awk -v p=": port $1 " 'index($0, p) { sub(":", "", $2); print $2 }'
}
reloads() { grep -c "reloaded: " "$T/daemon.log"; }
refusals() { grep -c "reload refused, the old configuration stays: " "$T/daemon.log"; }
tail_log() { note "daemon log:"; tail -n "${1:-15}" "$T/daemon.log" | sed 's/^/# /'; }

# The files the config file names, replaced by copying others over them.
use_cert() {	# NAME TARGET-BASENAME
	cp "$P/$1.pem" "$T/$2.pem" && cp "$P/$1.key" "$T/$2.key"
}
use_cert one live
use_cert one att
printf '%s\n' "# reload test" \
	"listen port=$CONF_PORT cert=$T/live.pem key=$T/live.key timeout=60000" \
	>"$T/daemon.conf"

start_daemon --workers 2 --config "$T/daemon.conf" ||
	{ tail_log; echo "Bail out! the daemon did not start"; exit 1; }
conf_id=$(listener_on $CONF_PORT)
att_id=$("$TH" attach --port $ATT_PORT --cert "$T/att.pem" --key "$T/att.key" 2>"$T/attach.err")
note "listeners: config $conf_id, attached $att_id $(cat "$T/attach.err")"
check "the config file's listener and an attached one serve the first certificate" \
	eval 'match "$conf_id" "+([0-9])" && match "$att_id" "+([0-9])" &&
	      cn_is $CONF_PORT one.test && cn_is $ATT_PORT one.test'

# ---- SIGHUP, with a handshake in flight ----
# A client sends its ClientHello, gets the server's flight (the first
# certificate), then waits for $T/go before it finishes: across the reload.
"$PY" - "$CONF_PORT" "$P/ca.pem" "$T/go" >"$T/slow.out" 2>&1 <<'EOF' &
import os, socket, ssl, sys, time
port, ca, go = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
ctx.check_hostname = False
sock = socket.create_connection(("127.0.0.1", port), timeout=60)
inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(inb, outb, server_hostname="localhost")
def pump():
    while True:
        try:
            return tls.do_handshake()
        except ssl.SSLWantReadError:
            sock.sendall(outb.read())
            data = sock.recv(65536)
            if not data:
                raise SystemExit("server closed during the handshake")
            inb.write(data)
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
sock.sendall(outb.read())          # ClientHello
inb.write(sock.recv(65536))       # ServerHello ... (the old certificate)
print("paused", flush=True)
for _ in range(600):
    if os.path.exists(go):
        break
    time.sleep(0.1)
pump()
sock.sendall(outb.read())          # Finished
cn = dict(x[0] for x in tls.getpeercert()["subject"])["commonName"]
tls.write(b"GET /small.txt HTTP/1.0\r\n\r\n")
sock.sendall(outb.read())
body = b""
while True:
    try:
        chunk = tls.read(65536)
        if not chunk:
            break
        body += chunk
    except ssl.SSLWantReadError:
        data = sock.recv(65536)
        if not data:
            break
        inb.write(data)
    except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
        break
print("cn=" + cn)
print(body.decode(errors="replace"))
EOF
slow=$!
pids+=("$slow")
wait_for 300 grep -q paused "$T/slow.out"
use_cert two live
kill -HUP "$dpid"
wait_for 300 eval '[ "$(reloads)" = 1 ]'
check "SIGHUP: the daemon keeps its pid and reloads (one log line)" \
	eval 'daemon_pid_is "$dpid" && [ "$(reloads)" = 1 ]'
check "after SIGHUP new clients get the replaced certificate, on the same listener id" \
	eval 'cn_is $CONF_PORT two.test && [ "$(listener_on $CONF_PORT)" = "$conf_id" ]'
touch "$T/go"
wait "$slow"
rc=$?
sed 's/^/# slow client: /' "$T/slow.out" | head -n 4
check "a handshake in flight across the reload completes with the old certificate and gets the file" \
	eval '[ $rc = 0 ] && grep -qx "cn=one.test" "$T/slow.out" &&
	      grep -q "reload-body-$$-ok" "$T/slow.out"'

# ---- tlshelper reload, for a listener attach gave ----
use_cert three att
out=$("$TH" reload 2>&1)
rc=$?
note "reload: $out"
check "tlshelper reload exits 0 and says what it did" \
	eval '[ $rc = 0 ] && match "$out" "reloaded: 2 listeners with new credentials, 0 attached, 0 detached"'
check "...the attached listener serves its replaced certificate; the daemon and ids stay" \
	eval 'cn_is $ATT_PORT three.test && cn_is $CONF_PORT two.test &&
	      daemon_pid_is "$dpid" && [ "$(listener_on $ATT_PORT)" = "$att_id" ]'

# ---- a bad key file: refused, the old certificate keeps serving ----
cp "$P/four.pem" "$T/live.pem"
echo "not a key" >"$T/live.key"
out=$("$TH" reload 2>&1)
rc=$?
note "reload with a bad key: rc $rc: $out"
check "a bad key file: tlshelper reload exits 1 and names the file" \
	eval '[ $rc = 1 ] && match "$out" "*reload refused*$T/live.key*"'
kill -HUP "$dpid"
wait_for 300 eval '[ "$(refusals)" = 2 ]'
check "...SIGHUP too is refused, one log line each, and the daemon runs on" \
	eval '[ "$(refusals)" = 2 ] && daemon_pid_is "$dpid"'
check "...the old certificates keep serving" \
	eval 'cn_is $CONF_PORT two.test && cn_is $ATT_PORT three.test'

# ---- lines added to and removed from the config file ----
use_cert four live
printf '%s\n' "listen port=$NEW_PORT cert=$T/live.pem key=$T/live.key" \
	>"$T/daemon.conf"
out=$("$TH" reload 2>&1)
rc=$?
note "reload with a new config: $out"
check "a line removed is detached, a line added attached (tlshelper reload says so)" \
	eval '[ $rc = 0 ] && match "$out" "*1 attached, 1 detached" &&
	      [ -z "$(listener_on $CONF_PORT)" ] && [ -n "$(listener_on $NEW_PORT)" ] &&
	      grep -q "listener $conf_id detached: its line (port=$CONF_PORT) is gone" "$T/daemon.log"'
listener_on $NEW_PORT >"$T/new_id"
check "...the new line serves its certificate, the removed one plain TCP again, attach's stays" \
	eval 'cn_is $NEW_PORT four.test && [ -z "$(subject_cn $CONF_PORT)" ] &&
	      curl -s --max-time 20 http://127.0.0.1:$CONF_PORT/small.txt | grep -q "reload-body-$$-ok" &&
	      cn_is $ATT_PORT three.test'

# ---- status --json ----
# A path with a quote and a backslash: the JSON must carry it intact.
ODD="$T/o\"dd\\name.pem"
cp "$P/one.pem" "$ODD"
odd_id=$("$TH" attach --port $ODD_PORT --cert "$ODD" --key "$P/one.key" 2>&1)
note "attached $odd_id with cert $ODD"
"$TH" status --json >"$T/status.json" 2>"$T/status.err"
rc=$?
note "status --json: $(head -c 3000 "$T/status.json")"
check "status --json exits 0 and is JSON (python3 -m json.tool)" \
	eval '[ $rc = 0 ] && "$PY" -m json.tool "$T/status.json" >/dev/null'
"$PY" - "$T/status.json" "$dpid" "$NEW_PORT" "$T/live.pem" "$ODD_PORT" "$ODD" \
	>"$T/json.out" 2>&1 <<'EOF'
import json, sys
path, dpid, new_port, new_cert, odd_port, odd_cert = sys.argv[1:]
s = json.load(open(path))
assert s["schema"] == 1, s["schema"]
m = s["module"]
assert m["loaded"] is True and m["version"], m
assert isinstance(m["counters"]["delivered"], int), m["counters"]
d = s["daemon"]
assert d["running"] is True and d["pid"] == int(dpid), d
assert d["workers"] == 2 and d["handshakes_ok"] >= 6, d
assert isinstance(d["handshaking"], int) and isinstance(d["handshakes_failed"], int)
by_port = {l["port"]: l for l in s["listeners"]}
assert len(s["listeners"]) == 3, s["listeners"]
n = by_port[int(new_port)]
assert n["certs"] == [new_cert] and n["keys"] == [new_cert[:-3] + "key"], n
assert n["handshakes_ok"] >= 1 and isinstance(n["id"], int), n
assert n["counters"]["delivered"] >= 1, n["counters"]
assert by_port[int(odd_port)]["certs"] == [odd_cert], by_port[int(odd_port)]
assert isinstance(s["ktls"], dict) and "TlsCurrTxSw" in s["ktls"], s["ktls"]
print("json ok")
EOF
rc=$?
sed 's/^/# /' "$T/json.out" | tail -n 5
check "status --json: schema 1, module, daemon pid and counters, listeners with ports, paths (a quote and a backslash intact) and counters, kTLS counters" \
	eval '[ $rc = 0 ] && grep -qx "json ok" "$T/json.out"'
check "status (human) is unchanged: one line per listener, as before" \
	eval '"$TH" status | grep -q "^listener $odd_id: port $ODD_PORT cert $T/o\"dd\\\\name.pem "'

# ---- SIGTERM still stops ----
kill -TERM "$dpid"
wait "$dpid"
rc=$?
dpid=
check "SIGTERM stops the daemon (status 0)" eval '[ $rc = 0 ]'
check "no log line says the daemon stopped on SIGHUP" \
	eval '! grep -q "signal 1: stopping" "$T/daemon.log"'

# ---- a restart applies the config file as it is now ----
# The listener stays attached in the module while no daemon runs; the
# restarted daemon restores it from its state file (the paths of four.test)
# and must then take its line's settings, which now name other files. A
# "pid= fd=" line (the plain http.server on CONF_PORT) is attached by the
# first restart and must still be its line's after the second.
new_id=$(cat "$T/new_id")
conf_fd=$(ss -ltnpH "sport = :$CONF_PORT" | sed -n 's/.*pid=[0-9]*,fd=\([0-9]*\).*/\1/p' | head -n 1)
printf '%s\n' "listen port=$NEW_PORT cert=$P/two.pem key=$P/two.key" \
	"listen pid=${pids[0]} fd=$conf_fd cert=$P/one.pem key=$P/one.key" \
	>"$T/daemon.conf"
note "pid= fd= line: pid=${pids[0]} fd=$conf_fd"
start_daemon --workers 2 --config "$T/daemon.conf" ||
	{ tail_log; echo "Bail out! the daemon did not start again"; exit 1; }
check "a restarted daemon restores the listener and serves its config line's new files (no reload)" \
	eval '[ "$(listener_on $NEW_PORT)" = "$new_id" ] && cn_is $NEW_PORT two.test'
check "...and status names the line's certificate" \
	eval '"$TH" status | grep -q "^listener $new_id: port $NEW_PORT cert $P/two.pem "'
pid_id=$(listener_on $CONF_PORT)
kill -TERM "$dpid"
wait "$dpid"
: >"$T/daemon.log"
start_daemon --workers 2 --config "$T/daemon.conf" ||
	{ tail_log; echo "Bail out! the daemon did not start a third time"; exit 1; }
out=$("$TH" reload 2>&1)
rc=$?
note "reload after the second restart: rc $rc: $out"
check "a pid= fd= line finds its restored listener after a restart: no error, reload exits 0" \
	eval 'match "$pid_id" "+([0-9])" && [ "$(listener_on $CONF_PORT)" = "$pid_id" ] &&
	      ! grep -q "$T/daemon.conf:" "$T/daemon.log" && [ $rc = 0 ] &&
	      match "$out" "*4 listeners with new credentials, 0 attached, 0 detached*" &&
	      cn_is $CONF_PORT one.test'
kill -TERM "$dpid"
wait "$dpid"
dpid=

[ "$failures" = 0 ] || tail_log 30
exit $((failures > 0))
