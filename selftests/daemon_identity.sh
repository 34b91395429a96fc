#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# What the daemon trusts about its listeners and its peers (issue 12, item
# 8), in the test VM:
# - its state file names listeners by id, and tlsh.ko numbers listeners
#   from 1 again when it is reloaded: a restarted daemon must not give a
#   new listener that got an old id the old listener's certificate;
# - a client's SNI reaches the daemon's log escaped, on one line.
# TAP output.
#
#   scripts/vm-run.sh -t 600 -- selftests/daemon_identity.sh
# TLSHELPER=path picks another build of tlshelper (e.g. an older one).
set -u
cd "$(dirname "$0")/.."

KO=${TLSH_KO:-kmod/tlsh.ko}

. selftests/lib/e2e.sh
e2e_tmp run-a
tap_plan 6

PORT_A=9551
PORT_B=9552

# Listener B's certificate: another name, from no CA at all.
gen_certs b:cn=b.test,self || { echo "Bail out! cannot make certificates"; exit 1; }

listen_on() {	# PORT: a listener that waits in select(), never accepts
	python3 -c "import select,socket,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
s.bind(('127.0.0.1',$1)); s.listen(64)
while True: select.select([s],[],[])" &
	pids+=($!)
	wait_listen "$1"
}
stop_daemon() {
	kill -TERM "$dpid" 2>/dev/null
	wait "$dpid" 2>/dev/null
	dpid=
}
reload_module() {
	for _ in $(seq 100); do
		rmmod tlsh 2>/dev/null && break
		sleep 0.1
	done
	[ ! -e /sys/module/tlsh ] && insmod "$KO"
}
# The subject of the certificate a client of 127.0.0.1:PORT is shown.
served_subject() {
	timeout 20 openssl s_client -connect "127.0.0.1:$1" </dev/null 2>/dev/null |
		sed -n 's/^subject=//p'
}

[ -e /sys/module/tlsh ] || insmod "$KO" || { echo "Bail out! cannot load tlsh.ko"; exit 1; }

# ---- A: attached by daemon A, which keeps it in its state file ----
listen_on "$PORT_A"
lpid_a=${pids[-1]}
check "daemon A starts" start_daemon --workers 1
id_a=$("$TH" attach --port "$PORT_A" --cert "$CERT" --key "$KEY" 2>&1)
note "listener A: id $id_a, state: $(grep '^listener' "$TLSH_DAEMON_DIR/listeners")"
subj=$(served_subject "$PORT_A")
note "A serves: $subj"
check "listener A is served certificate A" match "$subj" "*localhost*"
stop_daemon

# ---- the module is reloaded; B gets A's old id from daemon B ----
kill -9 "$lpid_a"
wait "$lpid_a" 2>/dev/null
check "tlsh.ko reloads" reload_module
listen_on "$PORT_B"
TLSH_DAEMON_DIR=$T/run-b start_daemon --workers 1
id_b=$(TLSH_DAEMON_DIR=$T/run-b "$TH" attach --port "$PORT_B" --cert "$T/pki/b.pem" \
	--key "$T/pki/b.key" 2>&1)
note "listener B: id $id_b"
kill -TERM "$dpid" 2>/dev/null
wait "$dpid" 2>/dev/null
dpid=

# ---- daemon A restarts on its old state file ----
start_daemon --workers 1
grep -E 'restored' "$T/daemon.log" | sed 's/^/# /'
if [ "$id_a" != "$id_b" ]; then
	skip "a restarted daemon does not restore listener A's id onto listener B" \
		"ids differ ($id_a, $id_b): the module did not reuse the id"
else
	check "a restarted daemon does not restore listener A's id onto listener B" \
		eval '! grep -q "listener $id_a restored" "$T/daemon.log" &&
		      grep -q "listener $id_a (port $PORT_A, .*) not restored: saved under an earlier load of tlsh.ko" "$T/daemon.log"'
fi
subj=$(served_subject "$PORT_B")
note "B serves: ${subj:-nothing}"
check "listener B's clients are never shown certificate A" \
	eval '! match "$subj" "*localhost*"'

# ---- the SNI a client chose, in the daemon's log ----
"$TH" detach --id "$id_b" >/dev/null 2>&1
listen_on "$PORT_A"
"$TH" attach --port "$PORT_A" --cert "$CERT" --key "$KEY" >/dev/null 2>&1
sni=$'evil\nlistener 99 127.0.0.1:1: ok TLS1.3 forged'
timeout 20 openssl s_client -connect "127.0.0.1:$PORT_A" -servername "$sni" \
	</dev/null >"$T/sni.out" 2>&1
# The daemon logs a handshake after it hands the socket over, which can be
# after s_client has gone: give a loaded machine time to write the line.
for _ in $(seq 100); do
	grep -q 'sni=' "$T/daemon.log" && break
	sleep 0.1
done
grep -E 'sni=|forged' "$T/daemon.log" | sed 's/^/# /'
check "a client's SNI is logged escaped, on its own line" \
	eval 'grep -q "sni=evil\\\\x0alistener\\\\x2099" "$T/daemon.log" &&
	      ! grep -q "^listener 99" "$T/daemon.log"'

[ "$failures" = 0 ]
