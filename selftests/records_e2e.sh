#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# TLS control records after hand-off, with real peers, in the test VM (root,
# Debian 6.1 kernel, cwd = repository root): tlsh.ko + `tlshelper daemon` +
# unmodified plain-TCP servers attached by port; curl, openssl s_client and
# gnutls-cli as clients. What the server application sees of the peer's
# close_notify (EOF), fatal alert (ECONNRESET) and KeyUpdate / renegotiation
# (ECONNRESET, the peer gets close_notify), what the peer sees of the
# application's close (close_notify), and the module's counters. Plain kTLS
# would fail those reads with EIO. The daemon's log line for each
# connection the module ended (KeyUpdate, renegotiation, fatal alert; none
# for a close_notify) and its counts in `tlshelper status`; a listener
# attached with --no-close-notify. TAP output.
#
#   scripts/vm-run.sh -t 600 -- selftests/records_e2e.sh
# TLSHELPER=path picks another build of tlshelper, TLSH_KO another tlsh.ko.
set -u
cd "$(dirname "$0")/.." || exit 1

PLAN=22
. selftests/lib/e2e.sh
e2e_tmp
echo "TAP version 13"
echo "1..$PLAN"
show() { sed "s/^/# $1/" "${@:2}"; }	# PREFIX FILE...

# A plain-TCP line server that records, per connection, what each recv()
# returned: "C data b'...'", "C eof", "C exc ConnectionResetError(...)".
# It answers only two lines: "CLOSE" gets "bye" and a close; "PROVOKE" gets
# a TLS handshake record of an unknown message type (sent the way any kTLS
# application can, with a TLS_SET_RECORD_TYPE cmsg) so that the client
# answers with a fatal alert.
cat >"$T/rec.py" <<'PYEOF'
import select, socket, sys, threading

SOL_TLS, TLS_SET_RECORD_TYPE = 282, 1
port, logpath = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()

def log(*a):
    with lock, open(logpath, "a") as f:
        print(*a, file=f, flush=True)

def handle(c, i):
    c.settimeout(60)
    try:
        while True:
            try:
                d = c.recv(4096)
            except Exception as e:
                log(i, "exc", repr(e))
                return
            if not d:
                log(i, "eof")
                return
            log(i, "data", repr(d))
            if d.startswith(b"CLOSE"):
                c.sendall(b"bye\n")
                log(i, "closing")
                return
            if d.startswith(b"PROVOKE"):
                c.sendmsg([b"\xfe\x00\x00\x00"],
                          [(SOL_TLS, TLS_SET_RECORD_TYPE, bytes([22]))])
                log(i, "provoked")
    finally:
        c.close()

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(64)
i = 0
while True:
    select.select([s], [], [])	# never blocked in accept(): attach any time
    c, _ = s.accept()
    i += 1
    threading.Thread(target=handle, args=(c, i), daemon=True).start()
PYEOF

counter() {	# NAME: the module's global counter
	"$TH" status 2>/dev/null | awk -v k="$1" '$1 == k && NF == 2 { print $2 }'
}
counter_above() { [ "$(counter "$1")" -gt "$2" ] 2>/dev/null; }	# NAME N
conn_log() {	# C: what the server recorded for connection C, one line
	awk -v c="$1" '$1 == c { $1 = ""; sub(/^ /, ""); printf "%s|", $0 }' "$T/rec.log"
}
conn_got() { grep -q "^$1 data" "$T/rec.log"; }	# C: C received data
conn_done() {	# C: the server's handler for C has finished
	grep -qE "^$1 (eof|exc|closing)" "$T/rec.log"
}
reset_after() {	# C PREFIX(GLOB): C recorded PREFIX, then ConnectionResetError
	match "$(conn_log "$1")" "$2exc ConnectionResetError*"
}
conns() { awk '{ print $1 }' "$T/rec.log" 2>/dev/null | sort -n | tail -1; }

# ---- setup ----

if [ ! -e /sys/module/tlsh ]; then
	cp "${TLSH_KO:-kmod/tlsh.ko}" "$T/tlsh.ko"
	insmod "$T/tlsh.ko" || { echo "Bail out! cannot load tlsh.ko"; exit 1; }
fi
gen_certs || { echo "Bail out! cannot make certificates"; exit 1; }
mkdir -p "$T/www"
head -c 200000 /dev/urandom >"$T/www/file.bin"
rm -rf "$TLSH_DAEMON_DIR"
dmesg_before=$(dmesg | wc -l)

start_daemon --workers 1 || { show "daemon: " "$T/daemon.log"; echo "Bail out! daemon did not start"; exit 1; }

note "[${SECONDS}s]"
# ---- 1: python -m http.server (HTTP/1.1 keep-alive), curl ----
HTTP_PORT=8443
(cd "$T/www" && exec "$PY" -m http.server "$HTTP_PORT" --bind 127.0.0.1 \
	--protocol HTTP/1.1) >"$T/http.log" 2>&1 &
pids+=($!)
wait_listen "$HTTP_PORT"
hid=$("$TH" attach --port "$HTTP_PORT" --cert "$CERT" --key "$KEY" --timeout 60000 2>&1)
note "http.server: listener $hid"
cn0=$(counter close-notify)
curl -sS -v --cacert "$CA" --max-time 120 "https://localhost:$HTTP_PORT/file.bin" \
	-o "$T/got.bin" 2>"$T/curl.err"
# shellcheck disable=SC2034 # used in eval
rc=$?
grep -E 'SSL connection using|^< HTTP/|close notify|Closing connection' "$T/curl.err" | show "curl: "
check "curl downloads a file from unmodified http.server (HTTP/1.1 keep-alive) byte-exact" \
	eval '[ $rc = 0 ] && cmp -s "$T/got.bin" "$T/www/file.bin"'
# The handler reads the next request after the response: curl's close_notify
# must read as EOF (plain kTLS: EIO, a traceback from socketserver).
wait_for 100 counter_above close-notify "$cn0"
sleep 0.5
show "http.server: " "$T/http.log"
check "http.server logged the GET with 200 and no error or traceback" \
	eval 'grep -q "\"GET /file.bin HTTP/1.1\" 200" "$T/http.log" &&
	      ! grep -qiE "error|errno|traceback|exception|reset" "$T/http.log"'
check "close-notify counter rose ($cn0 -> $(counter close-notify))" \
	counter_above close-notify "$cn0"

# ---- the recording line server ----
REC_PORT=9443
: >"$T/rec.log"
"$PY" "$T/rec.py" "$REC_PORT" "$T/rec.log" 2>"$T/rec.err" &
pids+=($!)
wait_listen "$REC_PORT"
rid=$("$TH" attach --port "$REC_PORT" --cert "$CERT" --key "$KEY" --timeout 60000 2>&1)
note "line server: listener $rid"

# The server's number for the next connection; then wait until it is done.
next_conn() { local l; l=$(conns); c=$((${l:-0} + 1)); }
wait_conn() { wait_for 300 conn_done "$c"; }

# CMD's stdin gets SCRIPT's output and stays open until CMD exits (60 s at
# most), so that the client does not stop at stdin EOF; with EOF=1 it is
# closed right after SCRIPT.
converse() {	# OUTFILE SCRIPT CMD...
	local out=$1 script=$2 p
	shift 2
	rm -f "$T/in"
	mkfifo "$T/in"
	timeout 60 "$@" <"$T/in" >"$out" 2>&1 &
	p=$!
	exec 3>"$T/in"
	eval "$script" >&3
	[ "${EOF:-0}" = 1 ] && exec 3>&-
	for _ in $(seq 600); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	exec 3>&-
	wait "$p"
}

# One connection to the line server, number $c: converse, then wait until
# the server is done with it, and say what it recorded.
line_conn() {	# WHAT OUTFILE SCRIPT CMD...
	local what=$1
	shift
	next_conn
	converse "$@"
	wait_conn
	note "$what: server recorded: $(conn_log "$c")"
}
S_CLIENT=(openssl s_client -connect "127.0.0.1:$REC_PORT" -CAfile "$CA"
	-servername localhost)
# s_client sends a line, then its command LETTER (k: KeyUpdate, R:
# renegotiation), which needs a read of stdin of its own; ph0 is the
# post-handshake counter before.
s_client_command() {	# WHAT OUTFILE LETTER S_CLIENT-OPTION...
	local what=$1 out=$2 letter=$3
	shift 3
	ph0=$(counter post-handshake)
	line_conn "$what" "$out" \
		"printf 'hello\n'; wait_for 600 conn_got \$c; printf '$letter\n'" \
		"${S_CLIENT[@]}" "$@"
}

note "[${SECONDS}s]"
# ---- 2: the peer's close_notify reads as EOF ----
cn0=$(counter close-notify)
# stdin's EOF only once the line was received: s_client reads stdin during
# the handshake already, and would close before sending the line.
EOF=1 line_conn "openssl s_client, line then stdin EOF" "$T/s2.out" \
	"printf 'hello openssl\n'; wait_for 600 conn_got \$c" \
	"${S_CLIENT[@]}" -verify_return_error -quiet -no_ign_eof -msg
grep -E '^>>> .*Alert' "$T/s2.out" | show "s_client: "
check "s_client sent close_notify after its line" \
	grep -qE '^>>> .*Alert.*close_notify' "$T/s2.out"
check "...the server read the line, then recv() returned b'' (EOF), no exception" \
	[ "$(conn_log "$c")" = "data b'hello openssl\\n'|eof|" ]

EOF=1 line_conn "gnutls-cli, line then stdin EOF" "$T/g2.out" \
	"printf 'hello gnutls\n'; wait_for 600 conn_got \$c" \
	gnutls-cli --x509cafile "$CA" -p "$REC_PORT" localhost
check "gnutls-cli: the server read the line, then EOF, no exception" \
	[ "$(conn_log "$c")" = "data b'hello gnutls\\n'|eof|" ]
check "close-notify counter rose by 2 ($cn0 -> $(counter close-notify))" \
	[ "$(counter close-notify)" = $((cn0 + 2)) ]

note "[${SECONDS}s]"
# ---- 3: the application's close sends close_notify before FIN ----
line_conn "openssl s_client, server closes after its reply" "$T/s3.out" \
	"printf 'CLOSE\n'" "${S_CLIENT[@]}" -ign_eof -msg
grep -E '^<<< .*Alert|^bye|closed' "$T/s3.out" | show "s_client: "
check "s_client gets the reply, then the server's close_notify" \
	eval 'grep -qx bye "$T/s3.out" &&
	      grep -qE "^<<< .*Alert.*close_notify" "$T/s3.out"'

line_conn "gnutls-cli, server closes after its reply" "$T/g3.out" \
	"printf 'CLOSE\n'" gnutls-cli --x509cafile "$CA" -p "$REC_PORT" localhost
grep -E 'closed|terminated|bye' "$T/g3.out" | show "gnutls-cli: "
check "gnutls-cli gets the reply, then 'Peer has closed the GnuTLS connection'" \
	eval 'grep -qx bye "$T/g3.out" &&
	      grep -q "Peer has closed the GnuTLS connection" "$T/g3.out" &&
	      ! grep -q "terminated the connection abnormally" "$T/g3.out"'

note "[${SECONDS}s]"
# ---- 4: KeyUpdate: the application gets ECONNRESET, the peer close_notify ----
s_client_command "openssl s_client KeyUpdate" "$T/s4.out" k -tls1_3 -msg
grep -E 'KEYUPDATE|^>>> .*KeyUpdate|^<<< .*Alert' "$T/s4.out" | show "s_client: "
check "s_client sent a KeyUpdate" grep -qE '^>>> .*KeyUpdate' "$T/s4.out"
check "...the server read its line, then recv() raised ConnectionResetError" \
	reset_after "$c" "data b'hello\\\\n'|"
check "...s_client got close_notify, post-handshake counter rose ($ph0 -> $(counter post-handshake))" \
	eval 'grep -qE "^<<< .*Alert.*close_notify" "$T/s4.out" &&
	      [ "$(counter post-handshake)" = $((ph0 + 1)) ]'

note "[${SECONDS}s]"
# ---- 5: TLS 1.2 renegotiation: likewise, with no_renegotiation ----
s_client_command "openssl s_client -tls1_2 renegotiation" "$T/s5.out" R \
	-tls1_2 -msg
grep -E 'RENEGOTIATING|^<<< .*Alert' "$T/s5.out" | show "s_client: "
check "TLS 1.2 renegotiation: server gets ConnectionResetError, s_client no_renegotiation, post-handshake rose" \
	eval 'reset_after "$c" "data b'"'hello\\\\\\\\n'"'|" &&
	      grep -qE "^<<< .*Alert.*no_renegotiation" "$T/s5.out" &&
	      [ "$(counter post-handshake)" = $((ph0 + 1)) ]'

note "[${SECONDS}s]"
# ---- 6: the peer's fatal alert: ECONNRESET ----
al0=$(counter alert)
line_conn "openssl s_client answering a bogus handshake message" "$T/s6.out" \
	"printf 'PROVOKE\n'" "${S_CLIENT[@]}" -tls1_3 -msg
grep -E '^>>> .*Alert' "$T/s6.out" | show "s_client: "
check "s_client sent a fatal alert" grep -qE '^>>> .*Alert.*fatal' "$T/s6.out"
check "...the server's recv() raised ConnectionResetError, alert counter rose ($al0 -> $(counter alert))" \
	eval 'reset_after "$c" "data b'"'PROVOKE\\\\\\\\n'"'|provoked|" &&
	      [ "$(counter alert)" = $((al0 + 1)) ]'

note "[${SECONDS}s]"
# ---- 7: the daemon's line for each connection the module ended ----
ev_lines() { grep -E '^tlshelper daemon: listener [0-9]+ peer ' "$T/daemon.log"; }
ev_logged() {	# WHAT (ERE): a line for listener $rid, peer 127.0.0.1
	ev_lines | grep -qE "^tlshelper daemon: listener $rid peer 127\.0\.0\.1:[0-9]+: $1"
}
ev_count_is() { [ "$(ev_lines | wc -l)" -ge "$1" ]; }
wait_for 100 ev_count_is 3	# the daemon reads them asynchronously
ev_lines | show "daemon: "
check "daemon logged the KeyUpdate: 'listener $rid peer 127.0.0.1:PORT: key update: connection ended'" \
	ev_logged 'key update: connection ended'
check "...the renegotiation attempt" \
	ev_logged 'renegotiation attempt: refused with no_renegotiation, connection ended'
check "...the fatal alert, and nothing for the peers' close_notify (3 lines in all)" \
	eval 'ev_logged "fatal alert [a-z_]+ \([0-9]+\): connection reset" &&
	      [ "$(ev_lines | wc -l)" = 3 ]'
"$TH" status | grep -E "^(daemon|listener $rid:)" | show "status: "
check "tlshelper status counts them for the listener and the daemon" \
	eval '"$TH" status | grep -E "^listener $rid:" |
	      grep -q "event-alert 1 event-key-update 1 event-renegotiation 1" &&
	      "$TH" status | grep -q "^daemon running: .*, post-handshake events 3$"'

note "[${SECONDS}s]"
# ---- 8: attach --no-close-notify: the application's close is a bare FIN ----
NCN_PORT=9444
"$PY" "$T/rec.py" "$NCN_PORT" "$T/rec2.log" 2>>"$T/rec.err" &
pids+=($!)
wait_listen "$NCN_PORT"
nid=$("$TH" attach --port "$NCN_PORT" --cert "$CERT" --key "$KEY" --timeout 60000 \
	--no-close-notify 2>&1)
note "line server attached with --no-close-notify: listener $nid"
converse "$T/s8.out" "printf 'CLOSE\n'" openssl s_client -connect "127.0.0.1:$NCN_PORT" \
	-CAfile "$CA" -servername localhost -ign_eof -msg
grep -E '^<<< .*Alert|^bye|closed|eof' "$T/s8.out" | show "s_client: "
check "--no-close-notify: s_client gets the reply, then no close_notify (EOF alone)" \
	eval 'grep -qx bye "$T/s8.out" && ! grep -qE "^<<< .*Alert" "$T/s8.out"'
check "...status: close-notify off for that listener, on for the others" \
	eval '"$TH" status | grep -E "^listener $nid:" | grep -q " close-notify off " &&
	      "$TH" status | grep -E "^listener $rid:" | grep -q " close-notify on "'

note "[${SECONDS}s]"
# ---- the kernel stayed quiet ----
dmesg | tail -n +"$((dmesg_before + 1))" >"$T/dmesg"
check "no BUG, WARNING or Oops in the kernel log" \
	eval '! grep -qE "BUG|WARNING|Oops|refcount|use-after" "$T/dmesg"'

note "tlshelper status:"
"$TH" status | show "  "
[ -s "$T/rec.err" ] && show "rec.py: " "$T/rec.err"
grep -E 'Sanitizer|runtime error' "$T/daemon.log" | show "daemon: "
tap_end "$PLAN"
