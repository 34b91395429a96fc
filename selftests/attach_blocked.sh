#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Attaching listeners on which threads or processes are already blocked in
# accept() (issue 15), in the test VM, with `tlshelper daemon` + `attach
# --port`: a server with 4 threads blocked in accept(), a prefork server
# (3 processes blocked in accept() on one listener), threads with
# SO_RCVTIMEO (each sees at most one EINTR), then DETACH with the threads
# waiting in the module's accept() (plain TCP again), listener close and
# module unload. Every TLS client is served byte-exact and no server ever
# reads a ClientHello. The servers and clients: selftests/lib/
# accept_server.py. TAP output.
#
#   scripts/vm-run.sh -- selftests/attach_blocked.sh
set -u
cd "$(dirname "$0")/.."

. selftests/lib/e2e.sh
. selftests/lib/attach.sh
attach_setup blocked 14

# 1. Four threads blocked in accept(), no SO_RCVTIMEO.
if serve threads 9571 threads 4 0; then
	ok "threads: 4 threads blocked in accept()"
else
	not_ok "threads: 4 threads blocked in accept()"
fi
check "threads: attach --port succeeds while they are blocked" attach 9571
check "threads: 50 concurrent TLS clients all served byte-exact" \
	served_all threads 9571 50
check "threads: the server never read a ClientHello, never saw EINTR" \
	eval 'no_raw threads && [ "$(count threads eintr)" = 0 ] &&
	      [ "$(count threads served)" = 50 ]'

# 2. Prefork: 3 processes blocked in accept() on one listener.
if serve prefork 9572 prefork 3 0; then
	ok "prefork: 3 processes blocked in accept() on one listener"
else
	not_ok "prefork: 3 processes blocked in accept() on one listener"
fi
check "prefork: attach --port succeeds" attach 9572
check "prefork: 50 concurrent TLS clients all served byte-exact" \
	served_all prefork 9572 50
check "prefork: no process ever read a ClientHello" \
	eval 'no_raw prefork && [ "$(count prefork served)" = 50 ]'

# 3. SO_RCVTIMEO (60 s): EINTR at most once per thread, then TLS.
serve timeo 9573 threads 4 60 || note "timeo: threads not seen in accept()"
check "timeo: attach --port succeeds" attach 9573
check "timeo: 50 concurrent TLS clients all served byte-exact" \
	served_all timeo 9573 50
check "timeo: at most one EINTR per thread, no ClientHello read" \
	eval 'no_raw timeo && [ "$(count timeo eintr)" -le 4 ] &&
	      [ "$(count timeo served)" = 50 ]'

# 4. Detach with the kicked threads waiting in the module's accept():
# they get plain TCP again; then close the listeners and unload.
detach_plain() {
	local out
	"$TH" detach --port 9571 >/dev/null 2>&1 || return 1
	wait_for 50 blocked "$threads_pid" 4 || return 1
	out=$(python3 "$SRV" plain 9571 2>&1)
	note "after detach: $out"
	[ "$out" = "plain ok" ]
}
check "detach: threads waiting in accept() serve plain TCP again" detach_plain
unload() {
	local p
	# The prefork children die with their parent (PR_SET_PDEATHSIG).
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	kill -9 "$dpid" 2>/dev/null
	wait 2>/dev/null
	pids=() dpid=
	wait_for 100 bash -c 'rmmod tlsh 2>/dev/null || ! [ -e /sys/module/tlsh ]'
}
check "listeners closed with threads in accept(): the module unloads" unload
reports=$(kernel_reports "$dmesg_from")
[ -z "$reports" ] || note "kernel: $reports"
check "no kernel warning" test -z "$reports"
exit $((failures > 0))
