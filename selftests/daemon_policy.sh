#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The daemon's per-listener TLS policy, the options `serve` has (tls-min,
# tls-max, allow-rsa-kx, allow-no-ems), given by `attach` and by the config
# file, against real clients (openssl s_client, gnutls-cli) in the test VM
# (root, cwd = repository root): a listener with --tls-max 1.2 negotiates
# 1.2 with a client that offers 1.3, tls-min=1.3 refuses a 1.2-only client,
# RSA key transport only where allowed, a TLS 1.2 client without extended
# master secret only with allow-no-ems; and a restarted daemon keeps each
# listener's policy (state file). TAP output.
#
#   scripts/vm-run.sh -t 600 -- selftests/daemon_policy.sh
set -u
cd "$(dirname "$0")/.." || exit 1

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
export TLSH_DAEMON_DIR=/run/tlsh
# A private copy of tlshelper (a concurrent rebuild must not pull it away).
T=$(mktemp -d /tmp/tlsh-policy.XXXXXX) && TH=$T/tlshelper &&
	cp "${TLSHELPER:-build/tlshelper}" "$TH" || exit 1
. selftests/lib/e2e.sh
printf 'TAP version 13\n1..11\n'

if [ ! -e /sys/module/tlsh ]; then
	insmod "${TLSH_KO:-kmod/tlsh.ko}" || { echo "Bail out! cannot load tlsh.ko"; exit 1; }
fi
# $CERT (ECDSA), and an RSA one that may encrypt (RSA key transport).
RSA=$T/pki/rsa.pem RSAKEY=$T/pki/rsa.key
gen_certs rsa:rsa || { echo "Bail out! cannot make certificates"; exit 1; }
mkdir -p "$T/www"
echo "policy-body-$$-ok" >"$T/www/small.txt"
rm -rf "$TLSH_DAEMON_DIR"

# Plain HTTP servers, one per listener policy.
MAX12=8461 MIN13=8462 RSA_NO=8463 RSA_OK=8464 NOEMS=8465
for port in $MAX12 $MIN13 $RSA_NO $RSA_OK $NOEMS; do
	(cd "$T/www" && exec "$PY" -m http.server "$port" --bind 127.0.0.1) \
		>"$T/http.$port.log" 2>&1 &
	pids+=($!)
done
for port in $MAX12 $MIN13 $RSA_NO $RSA_OK $NOEMS; do
	wait_listen "$port" || { echo "Bail out! http.server on $port"; exit 1; }
done

# openssl s_client GET /small.txt on PORT (s_client's stdout and stderr
# in OUT); its exit status.
fetch() {	# PORT OUT [s_client OPTIONS...]
	local port=$1 out=$2
	shift 2
	printf 'GET /small.txt HTTP/1.0\r\n\r\n' |
		timeout 60 openssl s_client -connect "127.0.0.1:$port" \
			-servername localhost -CAfile "$CA" -verify_return_error \
			-ign_eof "$@" >"$out" 2>&1
}
# gnutls-cli over TLS 1.2 without extended master secret, GET on PORT.
fetch_no_ems() {	# PORT OUT
	{ printf 'GET /small.txt HTTP/1.0\r\n\r\n'; sleep 5; } |
		timeout 60 gnutls-cli --x509cafile "$CA" -p "$1" localhost \
			--priority "NORMAL:-VERS-ALL:+VERS-TLS1.2:%NO_SESSION_HASH" \
			>"$2" 2>&1
}
body_ok() { grep -q "policy-body-$$-ok" "$1"; }
show() { sed 's/^/# /' "$1" | grep -v '^# *$' | tail -"${2:-8}"; }
# The daemon's log lines of listener ID that say RESULT ("ok TLS1.2", ...)
logged() {	# ID RESULT
	grep -c "listener $1 [^ ]*: $2" "$T/daemon.log"
}

# ---- the config file: policy words on listen lines ----
printf '%s\n' '# per-listener policy' \
	"listen port=$MIN13 cert=$CERT key=$KEY tls-min=1.3" \
	"listen port=$RSA_OK cert=$RSA key=$RSAKEY tls-max=1.2 allow-rsa-kx" \
	>"$T/policy.conf"
check "daemon --config attaches listen lines with tls-min=, tls-max=, allow-rsa-kx" \
	eval 'start_daemon --workers 2 --config "$T/policy.conf" &&
	      "$TH" status | grep -q ": port $MIN13 .* tls-min 1.3" &&
	      "$TH" status | grep -q ": port $RSA_OK .* tls-max 1.2 allow-rsa-kx"'
"$TH" status | sed 's/^/# status: /'
listener_on() {	# PORT: the id of the listener on PORT
	"$TH" status | awk -v p=": port $1 " 'index($0, p) { sub(":", "", $2); print $2 }'
}
min13=$(listener_on $MIN13)
rsaok=$(listener_on $RSA_OK)

# ---- attach with the policy options ----
max12=$("$TH" attach --port $MAX12 --cert "$CERT" --key "$KEY" --tls-max 1.2 2>"$T/attach.err")
rsano=$("$TH" attach --port $RSA_NO --cert "$RSA" --key "$RSAKEY" --tls-max 1.2 2>>"$T/attach.err")
noems=$("$TH" attach --port $NOEMS --cert "$CERT" --key "$KEY" --tls-max 1.2 --allow-no-ems 2>>"$T/attach.err")
note "listeners: max12=$max12 rsano=$rsano noems=$noems min13=$min13 rsaok=$rsaok $(cat "$T/attach.err")"
check "attach --tls-max 1.2 [--allow-no-ems] prints ids; status shows the policy" \
	eval 'match "$max12$rsano$noems" "+([0-9])" &&
	      "$TH" status | grep -q "listener $max12: .* tls-max 1.2" &&
	      "$TH" status | grep -q "listener $noems: .* tls-max 1.2 allow-no-ems"'

# ---- versions ----
fetch $MAX12 "$T/max12.out"
rc=$?
show "$T/max12.out" 3
check "--tls-max 1.2 listener: openssl s_client (offers 1.3) negotiates TLSv1.2 and gets the file" \
	eval '[ $rc = 0 ] && grep -q "^New, TLSv1.2, Cipher is" "$T/max12.out" &&
	      body_ok "$T/max12.out" && [ "$(logged "$max12" "ok TLS1.2")" = 1 ]'

fetch $MIN13 "$T/min13-12.out" -tls1_2
rc=$?
show "$T/min13-12.out" 3
check "tls-min=1.3 listener: a TLS 1.2-only openssl client gets protocol_version, the server sees nothing" \
	eval '[ $rc != 0 ] && grep -q "alert protocol version" "$T/min13-12.out" &&
	      ! grep -q GET "$T/http.$MIN13.log" &&
	      [ "$(logged "$min13" "failed: protocol_version")" = 1 ]'
fetch $MIN13 "$T/min13-13.out" -tls1_3
rc=$?
check "tls-min=1.3 listener: a TLS 1.3 client gets the file" \
	eval '[ $rc = 0 ] && grep -q "^New, TLSv1.3, Cipher is" "$T/min13-13.out" &&
	      body_ok "$T/min13-13.out"'

# ---- RSA key transport ----
fetch $RSA_NO "$T/rsano.out" -tls1_2 -cipher AES128-GCM-SHA256
rc=$?
show "$T/rsano.out" 3
check "RSA listener without allow-rsa-kx: an RSA-key-transport-only client gets handshake_failure" \
	eval '[ $rc != 0 ] && grep -qi "handshake failure" "$T/rsano.out" &&
	      ! grep -q GET "$T/http.$RSA_NO.log"'
fetch $RSA_OK "$T/rsaok.out" -tls1_2 -cipher AES128-GCM-SHA256
rc=$?
show "$T/rsaok.out" 3
check "RSA listener with allow-rsa-kx (config file): the same client is served over AES128-GCM-SHA256" \
	eval '[ $rc = 0 ] && grep -q "^New, TLSv1.2, Cipher is AES128-GCM-SHA256" "$T/rsaok.out" &&
	      body_ok "$T/rsaok.out"'

# ---- extended master secret ----
fetch_no_ems $MAX12 "$T/ems-no.out"
rc=$?
show "$T/ems-no.out" 3
check "listener without allow-no-ems: a TLS 1.2 gnutls-cli without extended master secret is refused" \
	eval '[ $rc != 0 ] && ! body_ok "$T/ems-no.out" &&
	      [ "$(logged "$max12" "failed:")" = 1 ]'
fetch_no_ems $NOEMS "$T/ems-ok.out"
rc=$?
show "$T/ems-ok.out" 3
check "listener with --allow-no-ems: the same client is served" \
	eval 'body_ok "$T/ems-ok.out" && [ "$(logged "$noems" "ok TLS1.2")" = 1 ]'

# ---- a restarted daemon keeps each listener's policy ----
kill -TERM "$dpid"
wait "$dpid" 2>/dev/null
dpid=
check "a restarted daemon restores the listeners with their policy (state file)" \
	eval 'start_daemon --workers 1 &&
	      "$TH" status | grep -q "listener $max12: .* tls-max 1.2" &&
	      "$TH" status | grep -q "listener $min13: .* tls-min 1.3"'
fetch $MAX12 "$T/max12-again.out"
rc=$?
fetch $MIN13 "$T/min13-again.out" -tls1_2
rc2=$?
check "...and enforces it: TLS 1.2 on the tls-max 1.2 listener, 1.2-only client refused by tls-min 1.3" \
	eval '[ $rc = 0 ] && grep -q "^New, TLSv1.2, Cipher is" "$T/max12-again.out" &&
	      body_ok "$T/max12-again.out" &&
	      [ $rc2 != 0 ] && grep -q "alert protocol version" "$T/min13-again.out"'

if [ "$failures" != 0 ]; then
	note "daemon log:"
	show "$T/daemon.log" 40
fi
exit $((failures > 0))
