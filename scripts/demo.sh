#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot the test VM and show the main job end to end: an
# unmodified `python3 -m http.server` gets HTTPS (TLS 1.3) without changing
# a line, the handshake done by `tlshelper daemon`, the records by kTLS.
#
#   [KERNEL=6.1|6.12] scripts/demo.sh   boots the VM and runs the demo inside it
#   scripts/demo.sh --in-vm    the demo itself (root, tlsh.ko built)
# KERNEL (make demo KERNEL=6.12) picks the test kernel: Debian's 6.1 (the
# default, kmod/tlsh.ko) or Debian 12's newest 6.12 (build/kmod-6.12/tlsh.ko).
set -uo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != --in-vm ]; then
	kernel=${KERNEL:-6.1}
	case $kernel in
	6.1) ko=kmod/tlsh.ko ;;
	6.12) ko=build/kmod-6.12/tlsh.ko ;;
	*) echo "demo: unknown KERNEL=$kernel (6.1 or 6.12)"; exit 2 ;;
	esac
	[ -f "$ko" ] && [ -x build/tlshelper ] ||
		{ echo "demo: build first (make KERNEL=$kernel)"; exit 1; }
	echo "demo: booting the test VM (Debian's $kernel kernel under QEMU, ~10 s)..."
	# Bold step titles only when a person is watching.
	color=0
	[ -t 1 ] && color=1
	KERNEL=$kernel scripts/vm-run.sh -t 170 -- TLSH_KO=$ko TLSH_COLOR=$color \
		scripts/demo.sh --in-vm 2>&1 |
		grep -v -E '^\[ *[0-9]+\.[0-9]+\] (reboot|ACPI)'
	rc=${PIPESTATUS[0]}
	[ "$rc" = 0 ] && echo "demo: OK" || echo "demo: FAILED (exit $rc)"
	exit "$rc"
fi

PORT=8443
T=$(mktemp -d /tmp/tlsh-demo.XXXXXX)
TH=$T/tlshelper
cp build/tlshelper "$TH"
step=0
if [ "${TLSH_COLOR:-0}" = 1 ]; then
	say() { printf '\n\033[1m[%d] %s\033[0m\n' "$((step += 1))" "$*"; }
else
	say() { printf '\n[%d] %s\n' "$((step += 1))" "$*"; }
fi
show() { printf '  $ %s\n' "$*"; }
run() { show "$@"; "$@"; }
indent() { sed 's/^/    /'; }
fail() { echo "demo: FAILED: $*"; exit 1; }
cleanup() {
	[ -n "${hpid:-}" ] && kill "$hpid" 2>/dev/null
	[ -n "${dpid:-}" ] && kill "$dpid" 2>/dev/null
	wait 2>/dev/null
	rmmod tlsh 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

echo
echo "tlsh demo: TLS for a server that only speaks plain TCP."
echo "The handshake runs in userspace (tlshelper daemon); the kernel's TLS"
echo "record layer (kTLS) then encrypts and decrypts for the server."
echo "Kernel: $(uname -r)"

say "Load the kernel module tlsh.ko (tls.ko is loaded already)"
run insmod "${TLSH_KO:-kmod/tlsh.ko}" || fail "insmod"
"$TH" status | head -1 | indent

say "Make a throwaway CA and a certificate for localhost (ECDSA P-256, certtool)"
selftests/lib/pki.sh "$T" cert >/dev/null 2>&1 || fail "certificate generation"
echo "  in $T: ca.pem (what clients trust), cert.pem + cert.key (the server's)"

say "Start the handshake daemon"
show tlshelper daemon
"$TH" daemon >"$T/daemon.log" 2>&1 &
dpid=$!
for _ in $(seq 50); do
	grep -q running "$T/daemon.log" && break
	sleep 0.1
done
indent <"$T/daemon.log"

say "Start an unmodified web server: python3 -m http.server (plain HTTP)"
mkdir -p "$T/www"
head -c $((2 * 1024 * 1024)) /dev/urandom >"$T/www/demo.bin"
echo "Hello from an unmodified python3 -m http.server, over kTLS." >"$T/www/hello.txt"
echo "  serving $T/www: demo.bin (2 MiB of random bytes), hello.txt"
(cd "$T/www" && exec python3 -m http.server "$PORT" --bind 127.0.0.1) \
	>"$T/http.log" 2>&1 &
hpid=$!
hex=$(printf '%04X' "$PORT")
for _ in $(seq 300); do
	grep -q "0100007F:$hex 00000000:0000 0A" /proc/net/tcp && break
	sleep 0.1
done
echo "  listening on 127.0.0.1:$PORT (pid $hpid)"

say "Attach its listening socket: found by port, taken with pidfd_getfd"
show tlshelper attach --port "$PORT" --cert "$T/cert.pem" --key "$T/cert.key"
id=$("$TH" attach --port "$PORT" --cert "$T/cert.pem" --key "$T/cert.key") ||
	fail "attach"
echo "  -> listener id $id: every connection python accepts from now on has"
echo "     been through a TLS 1.3 handshake done by the daemon, kTLS installed"

say "Fetch the 2 MiB file over HTTPS with curl"
run curl -sS -v --cacert "$T/ca.pem" "https://localhost:$PORT/demo.bin" \
	-o "$T/fetched.bin" 2>"$T/curl.err" || { cat "$T/curl.err"; fail "curl"; }
grep -E 'SSL connection using|subject:|SSL certificate verify|< HTTP/' "$T/curl.err" |
	sed 's/^[*<] *//' | indent
want=$(sha256sum <"$T/www/demo.bin" | cut -c1-16)
got=$(sha256sum <"$T/fetched.bin" | cut -c1-16)
echo "  served  sha256 $want...  $(stat -c %s "$T/www/demo.bin") bytes"
echo "  fetched sha256 $got...  $(stat -c %s "$T/fetched.bin") bytes"
cmp -s "$T/www/demo.bin" "$T/fetched.bin" || fail "the fetched file differs"
echo "  byte-exact: yes"

say "Fetch hello.txt with openssl s_client -tls1_3"
printf '  $ printf "GET /hello.txt HTTP/1.0\\r\\n\\r\\n" | openssl s_client -connect 127.0.0.1:%s -tls1_3 -CAfile ca.pem -verify_return_error -quiet\n' "$PORT"
printf 'GET /hello.txt HTTP/1.0\r\n\r\n' |
	timeout 60 openssl s_client -connect "127.0.0.1:$PORT" -tls1_3 \
		-CAfile "$T/ca.pem" -verify_return_error -servername localhost \
		-ign_eof >"$T/sclient.out" 2>&1
grep -E '^(New, |Protocol|Cipher|    Verify return code|Verification:)' "$T/sclient.out" |
	sort -u | indent
grep "Hello from" "$T/sclient.out" | indent
grep -q "Hello from an unmodified" "$T/sclient.out" || fail "openssl s_client"

say "What the server saw: plain HTTP requests (its log)"
indent <"$T/http.log"

say "What the daemon did: one line per handshake"
grep -v running "$T/daemon.log" | indent

say "The kernel's TLS counters (/proc/net/tls_stat): TX/RX software kTLS sockets"
grep -E 'Tls(Curr)?(Tx|Rx)Sw|DecryptError' /proc/net/tls_stat | indent
echo "  (one socket of the totals is the daemon's start-up kTLS warm-up)"

say "tlshelper status: tlsh.ko's counters, per listener"
show tlshelper status
"$TH" status | indent

echo
echo "Done: python3 -m http.server served HTTPS over TLS 1.3 without a change."
