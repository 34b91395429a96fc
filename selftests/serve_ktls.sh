#!/usr/bin/env bash
# VM (kTLS): `tlshelper serve --exec` in front of a plain HTTP/1.0 file
# server (tiny, Python, no TLS in it). curl, openssl s_client and gnutls-cli
# fetch a file with each TLS 1.3 suite, and curl forced to TLS 1.2 with
# ECDHE suites and (server with an RSA certificate and --allow-rsa-kx) RSA
# key transport; the bytes must match and /proc/net/tls_stat's TlsTxSw /
# TlsRxSw must rise. The same program with
# sendfile() sends a multi-MiB file through the kTLS socket; resumed
# TLS 1.3 and TLS 1.2 (session ticket) connections (openssl -sess_in,
# connect --session). And serve
# without --exec: the caller gets the keyed socket back and speaks plaintext
# on it. TAP.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
H=${TLSHELPER:-$ROOT/build/tlshelper}
LOOP=$ROOT/scripts/accept-loop.py
PY=/usr/bin/python3
T=$(mktemp -d /tmp/tlsh-serve-ktls.XXXXXX)
pids=()
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
modprobe tls 2>/dev/null
. selftests/lib/tap.sh
. selftests/lib/serve.sh

echo "TAP version 13"

# ---- PKI, payloads, the plain file server ----
{
	selftests/lib/pki.sh "$T" srv rsa:rsa &&
	head -c $((256 << 10)) /dev/urandom >"$T/small.bin" &&
	head -c $((3 << 20)) /dev/urandom >"$T/big.bin"
} >"$T/pki.log" 2>&1 || { not_ok "PKI"; show "$T/pki.log"; tap_end; exit 1; }

cat >"$T/httpd.py" <<'EOF'
# A plaintext HTTP/1.0 server on stdin/stdout: one GET, one file.
import os, sys
mode, path = sys.argv[1], sys.argv[2]
req = b""
while b"\r\n\r\n" not in req:
    b = os.read(0, 4096)
    if not b:
        sys.exit(1)
    req += b
size = os.path.getsize(path)
head = b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % size
while head:
    head = head[os.write(1, head):]
with open(path, "rb") as f:
    if mode == "sendfile":
        off = 0
        while off < size:
            off += os.sendfile(1, f.fileno(), off, size - off)
    else:
        while True:
            b = f.read(65536)
            if not b:
                break
            while b:
                b = b[os.write(1, b):]
EOF

if ! grep -qw tls /proc/sys/net/ipv4/tcp_available_ulp; then
	echo "not ok 1 - kTLS available in this kernel"
	echo "1..1"
	exit 1
fi

stat_of() { awk -v k="$1" '$1 == k { print $2 }' /proc/net/tls_stat; }
# body FILE: the HTTP body (after the blank line)
body() { $PY -c 'import sys; d = open(sys.argv[1], "rb").read(); sys.stdout.buffer.write(d[d.find(b"\r\n\r\n") + 4:] if b"\r\n\r\n" in d else b"")' "$1"; }

# fetched ID CLIENT-STATUS LOG DESC: the fetch of small.bin through serve
# ID went well: both exit 0, the bytes match ($T/out.ID), the helper logged
# LOG, and kTLS's software counters rose from $tx0 and $rx0.
fetched() {
	local id=$1 crc=$2 log=$3 desc=$4 st tx1 rx1
	st=$(serve_status "$id")
	tx1=$(stat_of TlsTxSw) rx1=$(stat_of TlsRxSw)
	if [ "$crc" = 0 ] && [ "$st" = 0 ] && cmp -s "$T/small.bin" "$T/out.$id" &&
	   grep -q "$log" "$T/log.$id" && [ "$tx1" -gt "$tx0" ] && [ "$rx1" -gt "$rx0" ]; then
		ok "$desc (TlsTxSw $tx0->$tx1, TlsRxSw $rx0->$rx1)"
	else
		not_ok "$desc (client $crc, serve $st, TlsTxSw $tx0->$tx1, TlsRxSw $rx0->$rx1)"
		show "$T/log.$id" "$T/cerr.$id"
	fi
}

HTTPD=(--cert "$T/srv.pem" --key "$T/srv.key" --exec "$PY" "$T/httpd.py")
GET='GET / HTTP/1.0\r\nHost: localhost\r\n\r\n'

for s in TLS_AES_128_GCM_SHA256 TLS_AES_256_GCM_SHA384 TLS_CHACHA20_POLY1305_SHA256; do
	gc=$(gnutls_cipher "$s")
	for cli in curl openssl gnutls; do
		id=$cli-$s
		tx0=$(stat_of TlsTxSw) rx0=$(stat_of TlsRxSw)
		serve_start "$id" -- "${HTTPD[@]}" write "$T/small.bin"
		case $cli in
		curl)
			timeout 120 curl -sS --cacert "$T/ca.pem" --tlsv1.3 \
				--tls13-ciphers "$s" -o "$T/out.$id" \
				"https://localhost:$PORT/" 2>"$T/cerr.$id"
			;;
		openssl)
			printf "$GET" | timeout 120 openssl s_client -quiet \
				-connect "127.0.0.1:$PORT" -servername localhost \
				-CAfile "$T/ca.pem" -verify_return_error \
				-ciphersuites "$s" >"$T/raw.$id" 2>"$T/cerr.$id"
			;;
		gnutls)
			# gnutls-cli gives up soon after EOF on stdin: keep it
			# open, through a FIFO (the VM has no /dev/fd for <(...)).
			rm -f "$T/fifo"
			mkfifo "$T/fifo"
			{ printf "$GET"; exec sleep 60; } >"$T/fifo" &
			w=$!
			timeout 120 gnutls-cli --logfile="$T/cerr.$id" \
				--x509cafile "$T/ca.pem" -p "$PORT" localhost \
				--priority "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+$gc" \
				<"$T/fifo" >"$T/raw.$id" 2>>"$T/cerr.$id"
			crc=$?
			kill $w 2>/dev/null
			wait $w 2>/dev/null
			(exit $crc)
			;;
		esac
		crc=$?
		[ $cli = curl ] || body "$T/raw.$id" >"$T/out.$id"
		fetched "$id" $crc "suite=$s .*result=ok record-layer=kernel" \
			"$cli fetches 256 KiB through serve --exec over kTLS, $s"
	done
done

# TLS 1.2 through kTLS: curl --tls-max 1.2 picks the suite with --ciphers.
# suite (IANA, as logged):openssl name:certificate:extra serve option
for line in \
	TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:srv: \
	TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256:ECDHE-RSA-CHACHA20-POLY1305:rsa: \
	TLS_RSA_WITH_AES_128_GCM_SHA256:AES128-GCM-SHA256:rsa:--allow-rsa-kx \
	TLS_RSA_WITH_AES_256_GCM_SHA384:AES256-GCM-SHA384:rsa:--allow-rsa-kx; do
	IFS=: read -r s os cert flag <<<"$line"
	id=curl12-$os
	tx0=$(stat_of TlsTxSw) rx0=$(stat_of TlsRxSw)
	serve_start "$id" -- --cert "$T/$cert.pem" --key "$T/$cert.key" $flag \
		--exec "$PY" "$T/httpd.py" write "$T/small.bin"
	timeout 120 curl -sS --cacert "$T/ca.pem" --tlsv1.2 --tls-max 1.2 \
		--ciphers "$os" -w '%{ssl_verify_result}' -o "$T/out.$id" \
		"https://localhost:$PORT/" >"$T/w.$id" 2>"$T/cerr.$id"
	fetched "$id" $? "version=TLSv1.2 suite=$s .*result=ok record-layer=kernel" \
		"curl --tls-max 1.2 fetches 256 KiB through serve --exec $flag over kTLS, $s"
done

# Without --allow-rsa-kx a client that offers only RSA key transport is refused.
id=curl12-nokx
serve_start "$id" -- --cert "$T/rsa.pem" --key "$T/rsa.key" \
	--exec "$PY" "$T/httpd.py" write "$T/small.bin"
timeout 120 curl -sS --cacert "$T/ca.pem" --tlsv1.2 --tls-max 1.2 \
	--ciphers AES128-GCM-SHA256 -o "$T/out.$id" "https://localhost:$PORT/" \
	2>"$T/cerr.$id"
crc=$?
st=$(serve_status "$id")
if [ $crc != 0 ] && [ "$st" = 5 ] &&
   grep -q 'result=fail status=5 reason="no common cipher suite' "$T/log.$id"; then
	ok "serve without --allow-rsa-kx: curl with only AES128-GCM-SHA256 refused (exit 5)"
else
	not_ok "serve without --allow-rsa-kx refuses RSA key transport (client $crc, serve $st)"
	show "$T/log.$id" "$T/cerr.$id"
fi

# Resumption through kTLS: TLS 1.3 tickets go out before the hand-off (the
# kernel's TX sequence starts after them), TLS 1.2 session tickets within
# the handshake (before the ChangeCipherSpec); a resumed handshake gets its
# keys exactly the same way. openssl s_client -sess_out / -sess_in, and
# tlshelper connect --session, whose relay hands the TLS 1.3 tickets
# arriving on its own kTLS socket to the engine.
openssl rand 80 >"$T/tk"
for v in 1.3 1.2; do
	vo=() vh=() pre=resume what=
	[ $v = 1.2 ] && vo=(-tls1_2) vh=(--tls-max 1.2) pre=resume12 \
		what=" (TLS 1.2 session ticket)"
	rm -f "$T/sess.openssl" "$T/sess.tlshelper"
	for cli in openssl tlshelper; do
		for k in 1 2; do
			id=$pre-$cli-$k
			want=$([ $k = 1 ] && echo no || echo yes)
			tx0=$(stat_of TlsTxSw) rx0=$(stat_of TlsRxSw)
			serve_start "$id" -- --ticket-keys "$T/tk" "${HTTPD[@]}" write "$T/small.bin"
			if [ $cli = openssl ]; then
				printf "$GET" | timeout 120 openssl s_client -quiet \
					-connect "127.0.0.1:$PORT" -servername localhost \
					-CAfile "$T/ca.pem" -verify_return_error "${vo[@]}" \
					"$([ $k = 1 ] && echo -sess_out || echo -sess_in)" \
					"$T/sess.openssl" >"$T/raw.$id" 2>"$T/cerr.$id"
			else
				printf "$GET" | timeout 120 "$H" connect "localhost:$PORT" \
					--ca "$T/ca.pem" --session "$T/sess.tlshelper" "${vh[@]}" \
					>"$T/raw.$id" 2>"$T/cerr.$id"
			fi
			crc=$?
			body "$T/raw.$id" >"$T/out.$id"
			if [ $cli = tlshelper ] &&
			   ! grep -q "version=TLSv$v .*record-layer=kernel resumed=$want" \
				"$T/cerr.$id"; then
				crc="$crc (connect: not TLS $v resumed=$want through kTLS)"
			fi
			fetched "$id" "$crc" \
				"version=TLSv$v .*result=ok record-layer=kernel resumed=$want" \
				"$cli, connection $k: 256 KiB over kTLS, resumed=$want$what"
		done
	done
done

# sendfile() of 3 MiB from the plain program through the kTLS socket.
id=sendfile
serve_start $id -- "${HTTPD[@]}" sendfile "$T/big.bin"
timeout 300 curl -sS --cacert "$T/ca.pem" -o "$T/out.$id" "https://localhost:$PORT/" \
	2>"$T/cerr.$id"
crc=$?
st=$(serve_status $id)
want=$(sha256sum <"$T/big.bin")
got=$(sha256sum <"$T/out.$id" 2>/dev/null)
if [ $crc = 0 ] && [ "$st" = 0 ] && [ "$want" = "$got" ]; then
	ok "sendfile() of 3 MiB through serve --exec over kTLS: sha256 matches"
else
	not_ok "sendfile() of 3 MiB (client $crc, serve $st)"
	show "$T/log.$id" "$T/cerr.$id"
fi

# serve without --exec: the caller keeps the socket, now keyed, and speaks
# plaintext on it; the peer sees TLS.
cat >"$T/caller.py" <<'EOF'
import os, socket, subprocess, sys
h, crt, key, portfile = sys.argv[1:5]
ls = socket.socket(); ls.bind(("127.0.0.1", 0)); ls.listen(1)
open(portfile + ".tmp", "w").write(str(ls.getsockname()[1]))
os.rename(portfile + ".tmp", portfile)
c, _ = ls.accept()
rc = subprocess.call([h, "serve", "--fd", str(c.fileno()), "--cert", crt,
                      "--key", key, "--require-ktls"], pass_fds=(c.fileno(),))
if rc != 0:
    print("helper exit", rc); sys.exit(1)
line = b""
while not line.endswith(b"\n"):
    b = c.recv(100)
    if not b:
        break
    line += b
c.sendall(b"caller got: " + line)
c.close()
print("caller ok", line.decode().strip())
EOF
rm -f "$T/port.caller"
$PY "$T/caller.py" "$H" "$T/srv.pem" "$T/srv.key" "$T/port.caller" >"$T/out.caller" 2>&1 &
cpid=$!
for _ in $(seq 200); do [ -s "$T/port.caller" ] && break; sleep 0.05; done
reply=$( (echo "hello caller"; sleep 3) | timeout 60 openssl s_client -quiet \
	-connect "127.0.0.1:$(cat "$T/port.caller")" -CAfile "$T/ca.pem" \
	-verify_return_error 2>/dev/null)
wait $cpid
crc=$?
if [ $crc = 0 ] && [ "$reply" = "caller got: hello caller" ]; then
	ok "serve without --exec: exit 0, the caller speaks plaintext on the kTLS socket"
else
	not_ok "serve without --exec (caller $crc, reply '$reply')"
	show "$T/out.caller"
fi

tap_end
