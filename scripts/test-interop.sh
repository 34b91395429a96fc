#!/usr/bin/env bash
# Host interop tests for `tlshelper serve` and `tlshelper connect` (TAP).
#
# Against openssl s_client / s_server and gnutls-cli / gnutls-serv: every
# TLS 1.3 suite x {x25519, secp256r1}, and every TLS 1.2 suite (ECDHE-ECDSA,
# ECDHE-RSA, RSA key transport with --allow-rsa-kx), data both ways compared
# byte for byte; version selection (--tls-min/--tls-max), RSA key transport
# and missing EMS refused by default; then the failure cases (wrong CA,
# expired certificate, name mismatch, no common suite, stalled peer,
# garbage, missing kTLS, client certificates), each checking the exit
# status, the alert the peer saw, that nothing hangs and that the socket is
# closed even while another process holds it. Most cases are rows of a
# table: serve_case (tlshelper serve <- a TLS client), connect_case
# (tlshelper connect -> openssl s_server), and the data cases of the suite
# tables.
#
# On a host without the TLS ULP this exercises the userspace record layer;
# with it (inside the VM) the same tests run through kTLS.
#
#   scripts/test-interop.sh            (from anywhere; uses build/tlshelper)
# All certificates are made at test time in a temporary directory
# (selftests/lib/pki.sh); ports are chosen by the kernel (port 0) or, for
# gnutls-serv, random with retry.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
H=${TLSHELPER:-$ROOT/build/tlshelper}
PY=/usr/bin/python3
T=$(mktemp -d /tmp/tlsh-interop.XXXXXX)
pids=()
reply=- waited=0
. selftests/lib/tap.sh
. selftests/lib/serve.sh

cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

echo "TAP version 13"

# held INPUT COMMAND...: COMMAND with INPUT on stdin, which then stays open
# (gnutls-cli gives up soon after EOF on stdin). A FIFO, not <(...): the
# test VM has no /dev/fd.
held() {
	local in=$1 f=$T/fifo.$RANDOM w rc
	shift
	mkfifo "$f"
	{ cat "$in"; exec sleep 60; } >"$f" 2>/dev/null &
	w=$!
	"$@" <"$f"
	rc=$?
	kill $w 2>/dev/null
	wait $w 2>/dev/null
	rm -f "$f"
	return $rc
}

[ -x "$H" ] || { echo "1..0 # SKIP $H not built"; exit 0; }
ktls=no
RL=userspace
# Loading tls.ko on demand is the helper's business; ask the kernel directly.
$PY -c 'import socket; s = socket.socket(); s.setsockopt(6, 31, b"tls")' \
	2>&1 | grep -q 'Transport endpoint is not connected' && ktls=yes RL=kernel
echo "# kTLS in this kernel: $ktls (record layer: $RL)"
if [ "${TLSH_EXPECT_KTLS:-0}" = 1 ]; then
	check "the kernel has the TLS ULP" [ $ktls = yes ]
fi

# ---- PKI and payloads ----
pki() {
	selftests/lib/pki.sh "$T" srv other-ca:ca old:expired cli:client rsa:rsa \
		cli-rsa:client,rsa &&
	head -c 65536 /dev/urandom >"$T/in.bin" &&
	head -c 49152 /dev/urandom >"$T/resp.bin" &&
	$PY -c 'import base64,os
for i in range(400): print(base64.b64encode(os.urandom(60)).decode())' >"$T/in.txt" &&
	rev <"$T/in.txt" >"$T/in.rev"
}
if ! pki >"$T/pki.log" 2>&1; then
	not_ok "test PKI made with certtool"
	show "$T/pki.log"
	tap_end
	exit 1
fi
SERVE_CERT=(--cert "$T/srv.pem" --key "$T/srv.key")

# ---- the peers ----
# s_server_start ID ARGS...: $PORT, $SRV_PID; output in $T/srv.ID
s_server_start() {
	local id=$1
	shift
	openssl s_server -accept 127.0.0.1:0 -naccept 1 "$@" >"$T/srv.$id" 2>&1 &
	SRV_PID=$!
	pids+=("$SRV_PID")
	PORT=
	for _ in $(seq 100); do
		PORT=$(sed -n 's/^ACCEPT 127.0.0.1:\([0-9]*\)$/\1/p' "$T/srv.$id")
		[ -n "$PORT" ] && break
		sleep 0.05
	done
}

# gnutls_serv_start ID ARGS...: a random free port, with retries. The
# clients connect to 127.0.0.1: gnutls-serv goes on with IPv6 alone when
# another process holds the port on IPv4 ("...bind() failed"), so only its
# IPv4 "...done" counts.
gnutls_serv_start() {
	local id=$1
	shift
	for _ in 1 2 3 4 5 6 7 8; do
		PORT=$((20000 + RANDOM % 40000))
		gnutls-serv -p "$PORT" "$@" >"$T/srv.$id" 2>&1 &
		SRV_PID=$!
		pids+=("$SRV_PID")
		for _ in $(seq 100); do
			grep -q 'IPv4 .*\.\.\.done' "$T/srv.$id" 2>/dev/null && return 0
			grep -q 'failed' "$T/srv.$id" 2>/dev/null && break
			kill -0 $SRV_PID 2>/dev/null || break
			sleep 0.05
		done
		kill $SRV_PID 2>/dev/null
	done
	return 1
}

# tls_client CLIENT ID INPUT OPTIONS...: openssl s_client or gnutls-cli
# sends INPUT to 127.0.0.1:$PORT (name localhost, trusting ca.pem); what it
# received in $T/out.ID, its messages in $T/cerr.ID.
tls_client() {
	local cli=$1 id=$2 in=$3
	shift 3
	if [ "$cli" = openssl ]; then
		timeout 20 openssl s_client -connect 127.0.0.1:"$PORT" \
			-CAfile "$T/ca.pem" "$@" <"$in" >"$T/out.$id" 2>"$T/cerr.$id"
	elif [ "$in" = /dev/null ]; then
		timeout 20 gnutls-cli --x509cafile "$T/ca.pem" -p "$PORT" \
			localhost "$@" <"$in" >"$T/out.$id" 2>"$T/cerr.$id"
	else
		held "$in" timeout 20 gnutls-cli --logfile="$T/cerr.$id" \
			--x509cafile "$T/ca.pem" -p "$PORT" localhost "$@" \
			>"$T/out.$id" 2>>"$T/cerr.$id"
	fi
}

# split_args NAME ARGS... -- REST...: ARGS into the array NAME; $rest_at
# is the number of words to shift to reach REST.
split_args() {
	local -n into=$1
	shift
	into=()
	rest_at=2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		into+=("$1")
		shift
		rest_at=$((rest_at + 1))
	done
}

# ---- data both ways, every suite ----
# The program behind serve: reads all of in.bin, answers with resp.bin.
PROG=(sh -c 'head -c 65536 >"$0"; cat "$1"')

# serve_data_case ID CLIENT LOG DESC -- SERVE-ARGS... -- CLIENT-ARGS...:
# CLIENT (openssl or gnutls) sends in.bin (64 KiB) to serve --exec PROG
# and gets resp.bin (48 KiB); both exit 0 and the helper logs LOG.
serve_data_case() {
	local id=$1 cli=$2 want=$3 desc=$4 sargs crc st
	shift 5
	split_args sargs "$@"
	shift "$((rest_at - 1))"
	serve_start "$id" -- "${sargs[@]}" --exec "${PROG[@]}" "$T/got.$id" "$T/resp.bin"
	if [ "$cli" = openssl ]; then
		tls_client openssl "$id" "$T/in.bin" -servername localhost \
			-verify_return_error -quiet "$@"
	else
		tls_client gnutls "$id" "$T/in.bin" "$@"
	fi
	crc=$?
	st=$(serve_status "$id")
	if [ $crc = 0 ] && [ "$st" = 0 ] &&
	   cmp -s "$T/in.bin" "$T/got.$id" &&
	   cmp -s "$T/resp.bin" "$T/out.$id" &&
	   grep -q "$want" "$T/log.$id"; then
		ok "$desc: 64 KiB up, 48 KiB down"
	else
		not_ok "$desc (client $crc, serve $st)"
		show "$T/log.$id" "$T/cerr.$id"
	fi
}

# connect_to PEER ID CONNECT-ARGS...: connect to the s_server -rev or
# gnutls-serv --echo on $PORT, sending in.txt; $rc is its exit status and
# $expect the file its output ($T/out.ID) must equal; log in $T/log.ID.
connect_to() {
	local peer=$1 id=$2
	shift 2
	if [ "$peer" = openssl ]; then
		timeout 20 "$H" connect "localhost:$PORT" --ca "$T/ca.pem" "$@" \
			<"$T/in.txt" >"$T/out.$id" 2>"$T/log.$id"
		rc=$? expect=$T/in.rev
	else
		timeout 20 "$H" connect "localhost:$PORT" --ca "$T/ca.pem" "$@" \
			--exec sh -c 'cat "$0" & head -c $(stat -c %s "$0") >"$1"; wait' \
			"$T/in.txt" "$T/out.$id" 2>"$T/log.$id"
		rc=$? expect=$T/in.txt
	fi
}

# connect_data_case ID PEER LOG DESC -- PEER-ARGS... -- CONNECT-ARGS...:
# connect to openssl s_server -rev (in.txt on stdin, reversed lines back)
# or to gnutls-serv --echo (through --exec: the program writes in.txt,
# then reads the echo); exit 0, the data back, and the helper logs LOG.
connect_data_case() {
	local id=$1 peer=$2 want=$3 desc=$4 pargs expect rc
	shift 5
	split_args pargs "$@"
	shift "$((rest_at - 1))"
	if [ "$peer" = openssl ]; then
		s_server_start "$id" "${pargs[@]}" -rev
		desc+=": 24 KiB text both ways"
	else
		if ! gnutls_serv_start "$id" --echo "${pargs[@]}"; then
			not_ok "gnutls-serv starts"
			return
		fi
		desc+=": 32 KiB both ways"
	fi
	connect_to "$peer" "$id" "$@"
	if [ $rc = 0 ] && cmp -s "$expect" "$T/out.$id" &&
	   grep -q "$want" "$T/log.$id"; then
		ok "$desc"
	else
		not_ok "${desc%%:*} (exit $rc)"
		show "$T/log.$id" "$T/srv.$id"
	fi
	kill $SRV_PID 2>/dev/null
}

# TLS 1.3: every suite x group (openssl's, gnutls's and tlshelper's name).
MATRIX13=$(for s in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 \
		TLS_CHACHA20_POLY1305_SHA256; do
	echo "$s:X25519:GROUP-X25519:x25519 $s:P-256:GROUP-SECP256R1:secp256r1"
done)
gnutls13() {	# SUITE GNUTLS-GROUP
	echo "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+$(gnutls_cipher "$1"):-GROUP-ALL:+$2"
}

for line in $MATRIX13; do
	IFS=: read -r s og gg tg <<<"$line"
	log="suite=$s group=$tg .*result=ok record-layer=$RL"
	serve_data_case "serve-openssl-$s-$og" openssl "$log" \
		"serve --exec <- openssl client, $s, $tg" \
		-- "${SERVE_CERT[@]}" -- -ciphersuites "$s" -groups "$og"
	serve_data_case "serve-gnutls-$s-$og" gnutls "$log" \
		"serve --exec <- gnutls client, $s, $tg" \
		-- "${SERVE_CERT[@]}" -- --priority "$(gnutls13 "$s" "$gg")"
done

for line in $MATRIX13; do
	IFS=: read -r s og gg tg <<<"$line"
	connect_data_case "connect-openssl-$s-$og" openssl \
		"suite=$s group=$tg .*result=ok record-layer=$RL" \
		"connect -> openssl s_server -rev, $s, $tg" \
		-- -cert "$T/srv.pem" -key "$T/srv.key" \
		-ciphersuites "$s" -groups "$og" --
	connect_data_case "connect-gnutls-$s-$og" gnutls \
		"suite=$s group=$tg .*result=ok record-layer=$RL" \
		"connect --exec -> gnutls-serv --echo, $s, $tg" \
		-- --x509certfile "$T/srv.pem" --x509keyfile "$T/srv.key" \
		--priority "$(gnutls13 "$s" "$gg")" --
done

# TLS 1.2 suite: tlshelper's (IANA) name, openssl's, gnutls key exchange,
# gnutls cipher, certificate, extra tlshelper options
SUITES12="
TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA:AES-128-GCM:srv:
TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA:AES-256-GCM:srv:
TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA:CHACHA20-POLY1305:srv:
TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA:AES-128-GCM:rsa:
TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA:AES-256-GCM:rsa:
TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA:CHACHA20-POLY1305:rsa:
TLS_RSA_WITH_AES_128_GCM_SHA256:AES128-GCM-SHA256:RSA:AES-128-GCM:rsa:--allow-rsa-kx
TLS_RSA_WITH_AES_256_GCM_SHA384:AES256-GCM-SHA384:RSA:AES-256-GCM:rsa:--allow-rsa-kx"
gnutls12() {	# KX CIPHER
	echo "NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+$2:-KX-ALL:+$1"
}

for line in $SUITES12; do
	IFS=: read -r s os gk gc cert flag <<<"$line"
	log="version=TLSv1.2 suite=$s .*result=ok record-layer=$RL"
	cred=(--cert "$T/$cert.pem" --key "$T/$cert.key" $flag)
	serve_data_case "serve12-openssl-$os" openssl "$log" \
		"serve --exec <- openssl client TLS 1.2, $s" \
		-- "${cred[@]}" -- -tls1_2 -cipher "$os"
	serve_data_case "serve12-gnutls-$os" gnutls "$log" \
		"serve --exec <- gnutls client TLS 1.2, $s" \
		-- "${cred[@]}" -- --priority "$(gnutls12 "$gk" "$gc")"
done

# ---- handshake outcomes: tlshelper serve <- a TLS client ----
# serve_case ID STATUS CLIENT PEER-SAW LOG DESC -- SERVE-ARGS... -- CLIENT-ARGS...
# CLIENT (openssl/gnutls; "!" first: it must fail) connects to serve with
# nothing to send; serve exits STATUS, the client's output matches PEER-SAW
# (grep -i: peers word their messages differently) and the helper's log
# LOG (exactly); "-" checks nothing.
serve_case() {
	local id=$1 want=$2 cli=$3 saw=$4 log=$5 desc=$6 sargs crc st must_fail=
	shift 7
	split_args sargs "$@"
	shift "$((rest_at - 1))"
	[ "${cli#!}" = "$cli" ] || must_fail=1 cli=${cli#!}
	serve_start "$id" -- "${sargs[@]}"
	tls_client "$cli" "$id" /dev/null "$@"
	crc=$?
	st=$(serve_status "$id")
	if [ "$st" = "$want" ] && { [ -z "$must_fail" ] || [ $crc != 0 ]; } &&
	   { [ "$saw" = - ] || cat "$T/out.$id" "$T/cerr.$id" | grep -qi "$saw"; } &&
	   { [ "$log" = - ] || grep -q "$log" "$T/log.$id"; }; then
		ok "$desc"
	else
		not_ok "$desc (serve $st, client $crc)"
		show "$T/log.$id" "$T/out.$id" "$T/cerr.$id"
	fi
}

#          ID           STATUS CLIENT    PEER SAW               HELPER LOG
serve_case serve12-nokx-openssl 5 !openssl 'handshake.failure\|Handshake failed' \
	'result=fail status=5 reason="no common cipher suite' \
	"serve without --allow-rsa-kx, openssl offers only RSA key transport: exit 5, handshake_failure" \
	-- --cert "$T/rsa.pem" --key "$T/rsa.key" --exec cat -- -tls1_2 -cipher AES128-GCM-SHA256
serve_case serve12-nokx-gnutls 5 !gnutls 'handshake.failure\|Handshake failed' \
	'result=fail status=5 reason="no common cipher suite' \
	"serve without --allow-rsa-kx, gnutls offers only RSA key transport: exit 5, handshake_failure" \
	-- --cert "$T/rsa.pem" --key "$T/rsa.key" --exec cat -- --priority "$(gnutls12 RSA AES-128-GCM)"

# One serve answers a TLS 1.3 client with 1.3 and a 1.2-only one with 1.2.
for v in 1.3 1.2; do
	id=serve-ver-$v
	serve_start "$id" -- "${SERVE_CERT[@]}" \
		--exec "${PROG[@]}" "$T/got.$id" "$T/resp.bin"
	vflag=; [ $v = 1.2 ] && vflag=-tls1_2
	tls_client openssl "$id" "$T/in.bin" -servername localhost \
		-verify_return_error -nocommands -ign_eof $vflag
	crc=$?
	st=$(serve_status "$id")
	if [ $crc = 0 ] && [ "$st" = 0 ] && cmp -s "$T/in.bin" "$T/got.$id" &&
	   grep -q "^New, TLSv$v, Cipher is" "$T/out.$id" &&
	   grep -q "version=TLSv$v .*result=ok" "$T/log.$id"; then
		ok "serve (default --tls-min 1.2 --tls-max 1.3) <- ${vflag:-default} openssl client: TLSv$v"
	else
		not_ok "serve <- ${vflag:-default} openssl client gets TLSv$v (client $crc, serve $st)"
		show "$T/log.$id" "$T/cerr.$id"
	fi
done

serve_case min13 5 !openssl 'alert protocol version' - \
	"serve --tls-min 1.3, TLS 1.2-only client: exit 5, protocol_version alert" \
	-- "${SERVE_CERT[@]}" --tls-min 1.3 --exec cat -- -tls1_2

# EMS: gnutls-cli without it is refused by default, accepted with --allow-no-ems.
for flag in "" --allow-no-ems; do
	id=serve12-ems${flag:+-allow}
	serve_start "$id" -- "${SERVE_CERT[@]}" $flag --exec sh -c 'echo ems-ok'
	out=$(held /dev/null timeout 20 gnutls-cli --x509cafile "$T/ca.pem" \
		-p "$PORT" localhost \
		--priority "NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_SESSION_HASH" \
		2>"$T/out.$id")
	st=$(serve_status "$id")
	if [ -z "$flag" ] && [ "$st" = 5 ] &&
	   grep -q 'result=fail status=5' "$T/log.$id"; then
		ok "serve, TLS 1.2 client without extended master secret: refused (exit 5)"
	elif [ -n "$flag" ] && [ "$st" = 0 ] && grep -qx ems-ok <<<"$out" &&
	     grep -q 'TLS1.2' <<<"$out" &&
	     ! grep -qi 'extended master secret' <<<"$out"; then
		ok "serve --allow-no-ems, TLS 1.2 client without extended master secret: served"
	else
		not_ok "serve ${flag:-(default)}, TLS 1.2 client without EMS (serve $st, got '$out')"
		show "$T/log.$id" "$T/out.$id"
	fi
done

for line in $SUITES12; do
	IFS=: read -r s os gk gc cert flag <<<"$line"
	log="version=TLSv1.2 suite=$s .*result=ok record-layer=$RL"
	connect_data_case "connect12-openssl-$os" openssl "$log" \
		"connect -> openssl s_server -tls1_2 -rev, $s" \
		-- -cert "$T/$cert.pem" -key "$T/$cert.key" -tls1_2 -cipher "$os" \
		-- $flag
	connect_data_case "connect12-gnutls-$os" gnutls "$log" \
		"connect --exec -> gnutls-serv TLS 1.2 --echo, $s" \
		-- --x509certfile "$T/$cert.pem" --x509keyfile "$T/$cert.key" \
		--priority "$(gnutls12 "$gk" "$gc")" -- $flag
done

# ---- handshake outcomes: tlshelper connect -> openssl s_server ----
# connect_case ID EXIT HOST PEER-SAW LOG DESC -- S_SERVER-ARGS... -- CONNECT-ARGS...
# connect to HOST:port exits EXIT, s_server's output matches PEER-SAW
# (grep -i) and the helper's log LOG; "-" checks nothing.
connect_case() {
	local id=$1 want=$2 host=$3 saw=$4 log=$5 desc=$6 pargs rc
	shift 7
	split_args pargs "$@"
	shift "$((rest_at - 1))"
	s_server_start "$id" "${pargs[@]}"
	timeout 20 "$H" connect "$host:$PORT" "$@" </dev/null >/dev/null 2>"$T/log.$id"
	rc=$?
	sleep 0.2	# s_server's last words
	if [ $rc = "$want" ] &&
	   { [ "$saw" = - ] || grep -qi "$saw" "$T/srv.$id"; } &&
	   { [ "$log" = - ] || grep -q "$log" "$T/log.$id"; }; then
		ok "$desc"
	else
		not_ok "$desc (exit $rc)"
		show "$T/log.$id" "$T/srv.$id"
	fi
	kill $SRV_PID 2>/dev/null
}

SRV=(-cert "$T/srv.pem" -key "$T/srv.key" -rev)
#            ID           EXIT HOST     S_SERVER SAW        HELPER LOG
connect_case connect12-nokx 5 localhost 'no shared cipher' - \
	"connect without --allow-rsa-kx -> RSA-key-transport-only s_server: exit 5, no shared cipher" \
	-- -cert "$T/rsa.pem" -key "$T/rsa.key" -rev -tls1_2 -cipher AES128-GCM-SHA256 \
	-- --ca "$T/ca.pem"
connect_case connect-min13 5 localhost 'protocol version\|unsupported protocol\|version too low' \
	'result=fail status=5' "connect --tls-min 1.3 -> TLS 1.2-only s_server: exit 5" \
	-- "${SRV[@]}" -tls1_2 -- --ca "$T/ca.pem" --tls-min 1.3
connect_case bad-ca 6 localhost 'unknown ca' 'result=fail status=6' \
	"connect, server cert from another CA: exit 6, s_server saw unknown_ca" \
	-- "${SRV[@]}" -- --ca "$T/other-ca.pem"
connect_case expired 6 localhost 'certificate expired' 'expired' \
	"connect, expired server cert: exit 6, certificate_expired sent" \
	-- -cert "$T/old.pem" -key "$T/old.key" -rev -- --ca "$T/ca.pem"
connect_case name 6 127.0.0.1 - 'sni=wrong.example .*result=fail status=6' \
	"connect, name mismatch (--sni wrong.example): exit 6" \
	-- "${SRV[@]}" -- --sni wrong.example --ca "$T/ca.pem"

# A server that accepts and never answers.
$PY -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
c, _ = s.accept(); time.sleep(30)' "$T/port.stall-srv" &
pids+=($!)
STALL_PID=$!
for _ in $(seq 100); do [ -s "$T/port.stall-srv" ] && break; sleep 0.05; done
start=$SECONDS
timeout 20 "$H" connect "localhost:$(cat "$T/port.stall-srv")" --ca "$T/ca.pem" \
	--timeout 1 </dev/null >/dev/null 2>"$T/log.stall-srv"
rc=$?
if [ $rc = 7 ] && [ $((SECONDS - start)) -le 5 ] &&
   grep -q 'result=fail status=7 reason="handshake timed out"' "$T/log.stall-srv"; then
	ok "connect, server stalls: --timeout 1 gives exit 7"
else
	not_ok "connect, server stalls (exit $rc after $((SECONDS - start)) s)"
	show "$T/log.stall-srv"
fi
kill $STALL_PID 2>/dev/null

# A port nobody listens on (bound, never listening).
closed=$($PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
timeout 20 "$H" connect "127.0.0.1:$closed" --ca "$T/ca.pem" </dev/null \
	>/dev/null 2>"$T/log.refused"
check "connect to a closed port: exit 8" [ $? = 8 ]

# ---- more serve outcomes ----
serve_case nosuite 5 !openssl 'alert handshake failure' 'result=fail status=5' \
	"serve, client offers only TLS_AES_128_CCM_8_SHA256: exit 5, handshake_failure alert" \
	-- "${SERVE_CERT[@]}" --exec cat -- -ciphersuites TLS_AES_128_CCM_8_SHA256
serve_case tls11 5 !openssl 'alert protocol version' - \
	"serve, TLS 1.1-only client: exit 5, protocol_version alert" \
	-- "${SERVE_CERT[@]}" --exec cat -- -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'

# raw_peer ID MODE: a client that sends MODE's bytes, then reads what comes
# back until EOF (at most 10 s); prints the reply's first 7 bytes as hex and
# the seconds it waited, e.g. "150303000202xx 1.0".
raw_peer() {
	$PY - "$PORT" "$2" <<'EOF'
import socket, sys, time
port, mode = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port))
if mode == "garbage":
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
elif mode == "partial":
    # The first 10 bytes of a ClientHello record, then nothing.
    s.sendall(bytes.fromhex("16030100c8010000c403"))
s.settimeout(10)
t, got = time.time(), b""
try:
    while True:
        b = s.recv(4096)
        if not b:
            break
        got += b
except OSError as e:
    got += b"!" + type(e).__name__.encode()
print(got[:7].hex() or "-", "%.1f" % (time.time() - t))
EOF
}

serve_start garbage --hold -- "${SERVE_CERT[@]}" --exec cat
read -r reply waited <<<"$(raw_peer garbage garbage)"
st=$(serve_status garbage)
# A plaintext fatal alert (21, 3.3, length 2, level 2), then EOF although
# the accept loop still holds the socket.
if [ "$st" = 5 ] && [[ $reply == 150303000202* ]] &&
   grep -q 'result=fail status=5' "$T/log.garbage"; then
	ok "serve, peer sends garbage: exit 5, fatal alert ($reply), then EOF"
else
	not_ok "serve, peer sends garbage (serve $st, reply $reply after $waited s)"
	show "$T/log.garbage"
fi

for mode in silent partial; do
	serve_start "stall-$mode" --hold -- "${SERVE_CERT[@]}" --timeout 1 --exec cat
	read -r reply waited <<<"$(raw_peer "stall-$mode" $mode)"
	st=$(serve_status "stall-$mode")
	if [ "$st" = 7 ] && [ "$reply" = - ] && [ "${waited%.*}" -le 4 ] &&
	   grep -q 'status=7 reason="handshake timed out"' "$T/log.stall-$mode"; then
		ok "serve, peer stalls ($mode): --timeout 1 gives exit 7, EOF in ${waited} s"
	else
		not_ok "serve, peer stalls ($mode) (serve $st, reply $reply after $waited s)"
		show "$T/log.stall-$mode"
	fi
done

# Client certificates.
serve_case ccert-none 6 openssl - 'certificate_required' \
	"serve --verify-client, no client cert: exit 6, certificate_required" \
	-- "${SERVE_CERT[@]}" --ca "$T/ca.pem" --verify-client --exec cat -- -quiet

serve_start ccert -- "${SERVE_CERT[@]}" --ca "$T/ca.pem" --verify-client \
	--exec sh -c 'echo client-cert-ok'
out=$(timeout 20 openssl s_client -connect 127.0.0.1:"$PORT" -CAfile "$T/ca.pem" \
	-cert "$T/cli.pem" -key "$T/cli.key" -quiet </dev/null 2>/dev/null)
st=$(serve_status ccert)
check "serve --verify-client, valid client cert: exit 0, data flows" \
	[ "$st" = 0 -a "$out" = client-cert-ok ]

serve_case ccert-rogue 6 openssl 'unknown ca' - \
	"serve --verify-client, client cert from another CA: exit 6, unknown_ca" \
	-- "${SERVE_CERT[@]}" --ca "$T/other-ca.pem" --verify-client --exec cat \
	-- -cert "$T/cli.pem" -key "$T/cli.key" -quiet

# TLS 1.2 client certificates (RFC 5246 7.4.4-7.4.8), ECDSA and RSA keys,
# both roles; the SHA-384 suite signs a SHA-384 transcript, the gnutls RSA
# client only rsa_pkcs1_sha256. A missing one is handshake_failure (7.4.6:
# TLS 1.2 has no certificate_required).
CCERT=(--ca "$T/ca.pem" --verify-client)
CLI_EC=(--cert "$T/cli.pem" --key "$T/cli.key")
CLI_RSA=(--cert "$T/cli-rsa.pem" --key "$T/cli-rsa.key")
G12="NORMAL:-VERS-ALL:+VERS-TLS1.2"
log12="version=TLSv1.2 .*result=ok record-layer=$RL"
serve_data_case ccert12-openssl-ec openssl "$log12" \
	"serve --verify-client <- openssl -tls1_2 -cert (ECDSA key)" \
	-- "${SERVE_CERT[@]}" "${CCERT[@]}" -- -tls1_2 "${CLI_EC[@]/#--/-}"
serve_data_case ccert12-openssl-rsa openssl \
	"suite=TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 .*result=ok" \
	"serve --verify-client <- openssl -tls1_2 -cert (RSA key, SHA-384 suite)" \
	-- "${SERVE_CERT[@]}" "${CCERT[@]}" \
	-- -tls1_2 -cipher ECDHE-ECDSA-AES256-GCM-SHA384 "${CLI_RSA[@]/#--/-}"
serve_data_case ccert12-gnutls-ec gnutls "$log12" \
	"serve --verify-client <- gnutls-cli --x509certfile, TLS 1.2 (ECDSA key)" \
	-- "${SERVE_CERT[@]}" "${CCERT[@]}" -- --priority "$G12" \
	--x509certfile "$T/cli.pem" --x509keyfile "$T/cli.key"
serve_data_case ccert12-gnutls-rsa gnutls "$log12" \
	"serve --verify-client <- gnutls-cli --x509certfile, TLS 1.2 (RSA key, PKCS#1 v1.5)" \
	-- "${SERVE_CERT[@]}" "${CCERT[@]}" \
	-- --priority "$G12:-SIGN-ALL:+SIGN-RSA-SHA256:+SIGN-ECDSA-SHA256" \
	--x509certfile "$T/cli-rsa.pem" --x509keyfile "$T/cli-rsa.key"
serve_case ccert12-ca-names 0 openssl 'Acceptable client certificate CA names' \
	'version=TLSv1.2 .*result=ok' \
	"serve --verify-client, TLS 1.2: the CertificateRequest names the --ca file's CAs" \
	-- "${SERVE_CERT[@]}" "${CCERT[@]}" --exec sh -c 'echo hi' \
	-- -tls1_2 "${CLI_EC[@]/#--/-}"
serve_case ccert12-none 5 !openssl 'alert handshake failure' \
	'result=fail status=5 reason="client sent no certificate' \
	"serve --verify-client, TLS 1.2 openssl client without a cert: exit 5, handshake_failure" \
	-- "${SERVE_CERT[@]}" "${CCERT[@]}" --exec cat -- -tls1_2 -quiet
serve_case ccert12-rogue 6 !openssl 'alert unknown ca' 'result=fail status=6' \
	"serve --verify-client, TLS 1.2 client cert from another CA: exit 6, unknown_ca" \
	-- "${SERVE_CERT[@]}" --ca "$T/other-ca.pem" --verify-client --exec cat \
	-- -tls1_2 "${CLI_EC[@]/#--/-}" -quiet
for key in EC RSA; do
	declare -n cli=CLI_$key
	connect_data_case "connect12-ccert-openssl-$key" openssl "$log12" \
		"connect --tls-max 1.2 --cert -> openssl s_server -tls1_2 -Verify 1 ($key key)" \
		-- -cert "$T/srv.pem" -key "$T/srv.key" -tls1_2 -Verify 1 \
		-CAfile "$T/ca.pem" -- --tls-max 1.2 "${cli[@]}"
	connect_data_case "connect12-ccert-gnutls-$key" gnutls "$log12" \
		"connect --cert -> gnutls-serv --require-client-cert, TLS 1.2 ($key key)" \
		-- --x509certfile "$T/srv.pem" --x509keyfile "$T/srv.key" \
		--x509cafile "$T/ca.pem" --require-client-cert --verify-client-cert \
		--priority "$G12" -- "${cli[@]}"
	unset -n cli
done
connect_case connect12-ccert-none 5 localhost 'peer did not return a certificate' \
	'reason="peer sent alert handshake_failure"' \
	"connect --tls-max 1.2 without --cert -> openssl s_server -tls1_2 -Verify 1: exit 5" \
	-- "${SRV[@]}" -tls1_2 -Verify 1 -CAfile "$T/ca.pem" \
	-- --ca "$T/ca.pem" --tls-max 1.2

# Several --cert/--key pairs: the client's signature algorithms pick one.
for sig in ECDSA+SHA256:ECDSA RSA-PSS+SHA256:RSA-PSS; do
	serve_case "multi-${sig##*:}" 0 openssl "Peer signature type: ${sig##*:}" - \
		"serve with an ECDSA and an RSA credential, client allows ${sig%%:*}: served with ${sig##*:}" \
		-- "${SERVE_CERT[@]}" --cert "$T/rsa.pem" --key "$T/rsa.key" \
		--exec sh -c 'echo hi' \
		-- -servername localhost -verify_return_error -sigalgs "${sig%%:*}"
done

# ALPN and SNI are negotiated and logged.
serve_case alpn 0 openssl 'ALPN protocol: h2' 'sni=localhost .*alpn=h2 ms=[0-9]* result=ok' \
	"serve --alpn: h2 negotiated, SNI and ALPN logged" \
	-- "${SERVE_CERT[@]}" --alpn http/1.1,h2 --exec sh -c 'echo hi' \
	-- -servername localhost -alpn h2

# The exec'd program sees only stdin, stdout and stderr (stat only: no
# pipeline or directory stream of the test's own in the way).
serve_start fds -- "${SERVE_CERT[@]}" --exec sh -c \
	'for i in $(seq 3 64); do [ -e /proc/$$/fd/$i ] && printf "%s " $i; done; echo end'
out=$(timeout 20 openssl s_client -connect 127.0.0.1:"$PORT" -CAfile "$T/ca.pem" \
	-quiet </dev/null 2>/dev/null)
st=$(serve_status fds)
check "serve --exec: the program inherits no fd beyond 0 1 2 (extra: '${out%end}')" \
	[ "$st" = 0 -a "$out" = "end" ]

# -q: nothing on stderr for a good handshake; one line for a failure.
serve_start quiet -- "${SERVE_CERT[@]}" -q --exec sh -c 'echo hi'
timeout 20 openssl s_client -connect 127.0.0.1:"$PORT" -CAfile "$T/ca.pem" \
	-quiet </dev/null >/dev/null 2>&1
st=$(serve_status quiet)
check "serve -q: silent on success" [ "$st" = 0 -a ! -s "$T/log.quiet" ]

# Without kTLS: serve with no --exec (or --require-ktls) refuses, clearly.
if [ $ktls = no ]; then
	serve_start noexec --hold -- "${SERVE_CERT[@]}"
	read -r reply waited <<<"$(raw_peer noexec silent)"
	st=$(serve_status noexec)
	if [ "$st" = 9 ] && [ "$reply" = - ] &&
	   grep -q 'no TLS ULP.*use --exec' "$T/log.noexec"; then
		ok "serve without --exec and no kTLS: exit 9, socket closed"
	else
		not_ok "serve without --exec and no kTLS (serve $st, reply $reply)"
		show "$T/log.noexec"
	fi
	serve_start reqktls -- "${SERVE_CERT[@]}" --require-ktls --exec cat
	read -r reply waited <<<"$(raw_peer reqktls silent)"
	st=$(serve_status reqktls)
	check "serve --require-ktls and no kTLS: exit 9" [ "$st" = 9 ]
	timeout 20 "$H" connect "localhost:$PORT" --require-ktls --ca "$T/ca.pem" \
		</dev/null >/dev/null 2>"$T/log.creq"
	check "connect --require-ktls and no kTLS: exit 9" [ $? = 9 ]
else
	skip "serve without --exec and no kTLS" "kTLS present"
fi

# Configuration errors and usage.
serve_start badkey -- --cert "$T/srv.pem" --key "$T/rsa.key" --exec cat
read -r reply waited <<<"$(raw_peer badkey silent)"
st=$(serve_status badkey)
check "serve, key does not match the certificate: exit 4" [ "$st" = 4 ]
"$H" serve --cert "$T/srv.pem" --key "$T/srv.key" 2>/dev/null
check "serve without --fd: usage error (exit 2)" [ $? = 2 ]
"$H" connect --ca "$T/ca.pem" 2>/dev/null
check "connect without HOST:PORT: usage error (exit 2)" [ $? = 2 ]

# Key log (NSS format), only when asked for.
serve_start keylog -- "${SERVE_CERT[@]}" --keylog "$T/keys.log" --exec sh -c 'echo hi'
timeout 20 openssl s_client -connect 127.0.0.1:"$PORT" -CAfile "$T/ca.pem" \
	-keylogfile "$T/keys.openssl" -quiet </dev/null >/dev/null 2>&1
st=$(serve_status keylog)
want=$(grep -E '^(CLIENT|SERVER)_TRAFFIC_SECRET_0 ' "$T/keys.openssl" 2>/dev/null | sort)
got=$(grep -E '^(CLIENT|SERVER)_TRAFFIC_SECRET_0 ' "$T/keys.log" 2>/dev/null | sort)
if [ "$st" = 0 ] && [ -n "$want" ] && [ "$want" = "$got" ] &&
   [ "$(stat -c %a "$T/keys.log")" = 600 ]; then
	ok "serve --keylog: the same traffic secrets as openssl's key log, mode 600"
elif ! grep -q 'keylog' "$ROOT"/helper/tls/*.c; then
	not_ok "serve --keylog # TODO the engine's keylog callback has not landed"
else
	not_ok "serve --keylog (serve $st; $(wc -l <"$T/keys.log" 2>/dev/null || echo no) lines)"
fi

# ---- resumption (issue 17): TLS 1.3 tickets, TLS 1.2 session tickets ----
openssl rand 80 >"$T/tk.a" && openssl rand 80 >"$T/tk.b" &&
	head -c 79 "$T/tk.a" >"$T/tk.short"

# resume_case ID CLIENT RESUMES DESC -- SERVE1-ARGS... -- SERVE2-ARGS...:
# CLIENT (openssl: -sess_out then -sess_in; tlshelper: connect --session;
# either with -tls1.2: TLS 1.2 only, else TLS 1.3)
# makes a full handshake to serve with SERVE1-ARGS, keeps the session, and
# connects again to another serve process with SERVE2-ARGS. RESUMES (yes or
# no) says whether the second handshake must resume; either way both
# succeed, and the second serve's log says resumed=RESUMES.
resume_case() {
	local id=$1 cli=${2%-tls1.2} want=$3 desc=$4 a1 st1 st2 saw=ok k
	local v=1.3 vo=() vh=()
	[ "$2" != "$cli" ] && v=1.2 vo=(-tls1_2) vh=(--tls-max 1.2)
	shift 5
	split_args a1 "$@"
	shift "$((rest_at - 1))"
	rm -f "$T/sess.$id"
	for k in 1 2; do
		if [ $k = 1 ]; then
			serve_start "$id.1" -- "${SERVE_CERT[@]}" "${a1[@]}" --exec sh -c 'echo hi'
		else
			serve_start "$id.2" -- "${SERVE_CERT[@]}" "$@" --exec sh -c 'echo hi'
		fi
		if [ "$cli" = openssl ]; then
			timeout 20 openssl s_client -connect 127.0.0.1:"$PORT" \
				-CAfile "$T/ca.pem" -servername localhost -ign_eof "${vo[@]}" \
				"$([ $k = 1 ] && echo -sess_out || echo -sess_in)" \
				"$T/sess.$id" </dev/null >"$T/out.$id.$k" 2>&1
		else
			timeout 20 "$H" connect "localhost:$PORT" --ca "$T/ca.pem" \
				--session "$T/sess.$id" "${vh[@]}" </dev/null \
				>"$T/out.$id.$k" 2>"$T/cerr.$id.$k"
		fi
		grep -q '^hi$' "$T/out.$id.$k" || saw="no data on connection $k"
	done
	st1=$(serve_status "$id.1") st2=$(serve_status "$id.2")
	if [ "$cli" = openssl ]; then
		grep -q "New, TLSv$v" "$T/out.$id.1" || saw="first not New"
		if [ "$want" = yes ]; then
			grep -q "Reused, TLSv$v" "$T/out.$id.2" || saw="not Reused"
		else
			grep -q "New, TLSv$v" "$T/out.$id.2" || saw="second not New"
		fi
	fi
	grep -q "version=TLSv$v .*result=ok" "$T/log.$id.2" || saw="not TLS $v"
	if [ "$st1" = 0 ] && [ "$st2" = 0 ] && [ "$saw" = ok ] &&
	   grep -q "result=ok .*resumed=no" "$T/log.$id.1" &&
	   grep -q "result=ok .*resumed=$want" "$T/log.$id.2"; then
		ok "$desc"
	else
		not_ok "$desc (serve $st1 $st2, $saw)"
		show "$T/log.$id.1" "$T/log.$id.2" "$T/out.$id.2"
	fi
}

KA=(--ticket-keys "$T/tk.a")
#           ID        CLIENT  RESUMES
resume_case rs-ossl   openssl yes \
	"openssl s_client -sess_out/-sess_in, two serve --ticket-keys processes: Reused, TLSv1.3" \
	-- "${KA[@]}" -- "${KA[@]}"
resume_case rs-rot    openssl yes \
	"rotated to --ticket-keys [new, old]: the old ticket still resumes" \
	-- "${KA[@]}" -- --ticket-keys "$T/tk.b" "${KA[@]}"
resume_case rs-drop   openssl no \
	"[new] alone: the old ticket falls back to a full handshake that succeeds" \
	-- "${KA[@]}" -- --ticket-keys "$T/tk.b"
resume_case rs-nokeys openssl no \
	"serve without --ticket-keys never resumes" -- --tickets 2 -- --tickets 2
resume_case rs-conn   tlshelper yes \
	"tlshelper connect --session -> serve --ticket-keys: resumed=yes" \
	-- "${KA[@]}" -- "${KA[@]}"
check "connect --session wrote its file with mode 600" \
	[ "$(stat -c %a "$T/sess.rs-conn" 2>/dev/null)" = 600 ]
# TLS 1.2 session tickets (RFC 5077), sealed with the same keys.
resume_case rs12-ossl openssl-tls1.2 yes \
	"openssl s_client -tls1_2 -sess_out/-sess_in, two serve --ticket-keys processes: Reused, TLSv1.2" \
	-- "${KA[@]}" -- "${KA[@]}"
resume_case rs12-rot  openssl-tls1.2 yes \
	"TLS 1.2 ticket, rotated to --ticket-keys [new, old]: still resumes" \
	-- "${KA[@]}" -- --ticket-keys "$T/tk.b" "${KA[@]}"
resume_case rs12-drop openssl-tls1.2 no \
	"TLS 1.2 ticket, [new] alone: a full handshake that succeeds" \
	-- "${KA[@]}" -- --ticket-keys "$T/tk.b"
resume_case rs12-conn tlshelper-tls1.2 yes \
	"tlshelper connect --session --tls-max 1.2 -> serve --ticket-keys: resumed=yes" \
	-- "${KA[@]}" -- "${KA[@]}"
check "connect --session wrote its TLS 1.2 session with mode 600" \
	[ "$(stat -c %a "$T/sess.rs12-conn" 2>/dev/null)" = 600 ]

# gnutls-cli --resume: both connections to one accept loop.
for v in 1.3 1.2; do
	id=rs-gnutls pri=() what=
	[ $v = 1.2 ] && id=rs12-gnutls what=", TLS 1.2" \
		pri=(--priority "NORMAL:-VERS-ALL:+VERS-TLS1.2")
	serve_start $id --max 2 -- "${SERVE_CERT[@]}" "${KA[@]}" --exec sh -c 'echo hi'
	tls_client gnutls $id /dev/null --resume "${pri[@]}"
	if grep -q "This is a resumed session" "$T/out.$id" &&
	   grep -q "version=TLSv$v .*resumed=yes" "$T/log.$id"; then
		ok "gnutls-cli --resume against serve --ticket-keys: a resumed session$what"
	else
		not_ok "gnutls-cli --resume against serve --ticket-keys$what"
		show "$T/log.$id" "$T/out.$id" "$T/cerr.$id"
	fi
done

# session_peer_case ID PEER DESC -- PEER-ARGS... -- CONNECT-ARGS...: two
# connect --session to one openssl s_server -rev or gnutls-serv --echo
# (both issue tickets by default): both exit 0 with the data back, the
# first resumed=no, the second resumed=yes.
session_peer_case() {
	local id=$1 peer=$2 desc=$3 pargs k saw=ok expect rc
	shift 4
	split_args pargs "$@"
	shift "$((rest_at - 1))"
	rm -f "$T/sess.$id"
	if [ "$peer" = openssl ]; then
		s_server_start "$id" "${pargs[@]}" -rev -naccept 2
	elif ! gnutls_serv_start "$id" --echo "${pargs[@]}"; then
		not_ok "gnutls-serv starts"
		return
	fi
	for k in 1 2; do
		connect_to "$peer" "$id.$k" --session "$T/sess.$id" "$@"
		[ $rc = 0 ] || saw="exit $rc on connection $k"
		cmp -s "$expect" "$T/out.$id.$k" || saw="no data on connection $k"
	done
	kill $SRV_PID 2>/dev/null
	if [ "$saw" = ok ] && grep -q "result=ok .*resumed=no" "$T/log.$id.1" &&
	   grep -q "result=ok .*resumed=yes" "$T/log.$id.2"; then
		ok "$desc"
	else
		not_ok "$desc ($saw)"
		show "$T/log.$id.1" "$T/log.$id.2" "$T/srv.$id"
	fi
}

GSRV=(--x509certfile "$T/srv.pem" --x509keyfile "$T/srv.key")
session_peer_case rs-srv openssl \
	"connect --session -> openssl s_server: the second connection resumed, data both ways" \
	-- -cert "$T/srv.pem" -key "$T/srv.key" --
session_peer_case rs-gsrv gnutls \
	"connect --session -> gnutls-serv: the second connection resumed, data both ways" \
	-- "${GSRV[@]}" --
session_peer_case rs12-srv openssl \
	"connect --session --tls-max 1.2 -> openssl s_server -tls1_2: TLS 1.2 ticket resumed, data both ways" \
	-- -cert "$T/srv.pem" -key "$T/srv.key" -tls1_2 -- --tls-max 1.2
session_peer_case rs12-gsrv gnutls \
	"connect --session --tls-max 1.2 -> gnutls-serv (TLS 1.2): ticket resumed, data both ways" \
	-- "${GSRV[@]}" --priority "NORMAL:-VERS-ALL:+VERS-TLS1.2" -- --tls-max 1.2

# A session file that is not one: a note, then a full handshake.
head -c 100 /dev/urandom >"$T/sess.junk"
s_server_start rs-junk -cert "$T/srv.pem" -key "$T/srv.key" -rev
timeout 20 "$H" connect "localhost:$PORT" --ca "$T/ca.pem" \
	--session "$T/sess.junk" <"$T/in.txt" >"$T/out.rs-junk" 2>"$T/log.rs-junk"
rc=$?
kill $SRV_PID 2>/dev/null
if [ $rc = 0 ] && grep -q "not resumed: session unreadable" "$T/log.rs-junk" &&
   grep -q "resumed=no" "$T/log.rs-junk" && cmp -s "$T/in.rev" "$T/out.rs-junk"; then
	ok "connect --session with a damaged file: a note and a full handshake"
else
	not_ok "connect --session with a damaged file (exit $rc)"
	show "$T/log.rs-junk"
fi

# A key file of the wrong size is a configuration error at start.
serve_case rs-short 4 !openssl - 'ticket key file .*79 bytes, want exactly 80' \
	"serve --ticket-keys with a 79-byte file: exit 4 and why" \
	-- "${SERVE_CERT[@]}" --ticket-keys "$T/tk.short" --

# External PSK (--psk-identity / --psk-file) both ways with openssl.
PSKHEX=$(openssl rand -hex 32)
echo "$PSKHEX" >"$T/psk.hex"
serve_case psk-ossl 0 openssl - 'result=ok .*resumed=no psk=external' \
	"serve --psk-identity/--psk-file <- openssl s_client -psk: psk=external" \
	-- "${SERVE_CERT[@]}" --psk-identity nvme-host --psk-file "$T/psk.hex" \
	--exec sh -c 'echo hi' -- -psk "$PSKHEX" -psk_identity nvme-host
connect_case psk-conn 0 localhost - 'result=ok .*resumed=no psk=external' \
	"connect --psk-identity/--psk-file -> openssl s_server -psk: psk=external" \
	-- "${SRV[@]}" -psk "$PSKHEX" -psk_identity nvme-host \
	-- --ca "$T/ca.pem" --psk-identity nvme-host --psk-file "$T/psk.hex"
connect_case psk-other 0 localhost - 'result=ok .*resumed=no$' \
	"connect with a PSK s_server does not know: a certificate handshake" \
	-- "${SRV[@]}" -psk "$PSKHEX" -psk_identity other \
	-- --ca "$T/ca.pem" --psk-identity nvme-host --psk-file "$T/psk.hex"

tap_end
