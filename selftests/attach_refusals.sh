#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The listeners `tlshelper attach` still refuses, in the test VM: each
# refusal names its reason in one line (issue 15); and those it no longer
# refuses: a SO_REUSEPORT listener (selftests/attach_reuseport.sh has
# groups), threads blocked in accept() (selftests/attach_blocked.sh has
# more). TAP output.
#
#   scripts/vm-run.sh -- selftests/attach_refusals.sh
set -u
cd "$(dirname "$0")/.."

. selftests/lib/e2e.sh
e2e_tmp run
tap_plan 4

gen_certs || { echo "Bail out! cannot make certificates"; exit 1; }
[ -e /sys/module/tlsh ] || insmod "${TLSH_KO:-kmod/tlsh.ko}" ||
	{ echo "Bail out! cannot load tlsh.ko"; exit 1; }
start_daemon || { echo "Bail out! the daemon did not start"; exit 1; }

# A listener on PORT (python3 -c SETUP WAIT): SETUP runs on socket s before
# bind, WAIT is how the server waits for clients.
serve() {	# PORT SETUP WAIT
	python3 -c "import select,socket,threading,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
$2
s.bind(('127.0.0.1',$1)); s.listen(64)
$3" &
	pids+=($!)
	wait_listen "$1"
}
# attach PORT: fails with one line on stderr, which must match GLOB.
refused_with() {	# DESCRIPTION PORT GLOB
	local err rc
	err=$("$TH" attach --port "$2" --cert "$CERT" --key "$KEY" 2>&1 >/dev/null)
	rc=$?
	note "attach --port $2: exit $rc: $err"
	if [ $rc -ne 0 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
	   match "$err" "$3" && ! match "$err" "*too old*"; then
		ok "$1"
	else
		not_ok "$1"
	fi
}

# A SO_REUSEPORT listener: attached since issue 15; attaching it twice
# is refused, and says why.
serve 9561 's.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEPORT,1)' \
	'while True: select.select([s],[],[])'
out=$("$TH" attach --port 9561 --cert "$CERT" --key "$KEY" 2>&1)
rc=$?
note "attach --port 9561: exit $rc: $out"
check "a SO_REUSEPORT listener is attached" test $rc -eq 0
refused_with "attaching it again is refused, saying so" 9561 \
	"*already attached*"

# Four threads blocked in accept(), each answering "plain" at once: no
# longer refused (issue 15); once attached, a TLS client reads that line
# over TLS (a raw connection would get it before any handshake).
serve 9562 '' 'def loop():
    while True:
        c,_=s.accept(); c.sendall(b"plain\n"); c.close()
for _ in range(4): threading.Thread(target=loop,daemon=True).start()
while True: time.sleep(60)'
sleep 0.5	# the threads reach accept()
out=$("$TH" attach --port 9562 --cert "$CERT" --key "$KEY" 2>&1)
rc=$?
note "attach --port 9562: exit $rc: $out"
check "a listener with threads blocked in accept() is attached" test $rc -eq 0
tls_line() {	# PORT: a TLS client reads "plain" from the server
	python3 -c "import socket,ssl,sys
ctx=ssl.create_default_context(cafile=sys.argv[2])
with socket.create_connection(('127.0.0.1',int(sys.argv[1])),timeout=30) as r:
    with ctx.wrap_socket(r,server_hostname='localhost') as s:
        d=b''
        while not d.endswith(b'\n'):
            x=s.recv(64)
            if not x: break
            d+=x
sys.exit(0 if d==b'plain\n' else 1)" "$1" "$CA"
}
check "its threads serve TLS clients (handshake, then the server's line)" \
	tls_line 9562
exit $((failures > 0))
