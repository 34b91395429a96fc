#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# An io_uring accept server (selftests/lib/uring_accept.c: 4 one-shot
# IORING_OP_ACCEPT requests and a multishot one, all pending) attached
# while its accepts wait, in the test VM, with `tlshelper daemon` +
# `attach --port` (issue 15): 60 concurrent TLS clients all served
# byte-exact through the pending requests, and the server never reads a
# ClientHello; a raw client that stalls mid-ClientHello and a client that
# sends plaintext never reach it, and do not hold up the TLS clients
# after them; detach gives plain TCP again, to the same pending accepts.
# The clients: selftests/lib/accept_server.py. TAP output.
#
#   scripts/vm-run.sh -- selftests/attach_uring.sh
set -u
cd "$(dirname "$0")/.."

. selftests/lib/e2e.sh
. selftests/lib/attach.sh
attach_setup uring 8
URING=${URING:-build/selftests/lib/uring_accept}

P=9601
"$URING" $P "$T/u.log" 4 >"$T/u.out" 2>&1 &
pids+=($!)
check "uring: 5 accepts (4 one-shot, 1 multishot) pending on the listener" \
	eval 'wait_listen $P && wait_for 100 grep -qx "pending 5" "$T/u.out"'
check "uring: attach --port succeeds while they are pending" attach $P
check "uring: 60 concurrent TLS clients all served byte-exact" \
	served_all u $P 60
check "uring: the server never read a ClientHello" \
	eval 'no_raw u && [ "$(count u served)" = 60 ]'

# A raw client stalled mid-ClientHello and a plaintext client.
python3 "$SRV" stall $P "$T/stalled" &
pids+=($!)
wait_for 100 test -e "$T/stalled" || note "the stalled client did not connect"
out=$(python3 "$SRV" garbage $P 2>&1)
note "garbage client: $out"
check "raw: a plaintext client is closed unserved" \
	match "$out" "closed * unserved"
check "raw: with a client stalled, 30 more TLS clients served; neither raw one reached the server" \
	eval 'served_all u $P 30 && no_raw u && [ "$(count u served)" = 90 ] &&
	      [ "$(wc -l <"$T/u.log")" = 90 ]'

check "detach: plain TCP again, through the pending accepts" \
	eval '"$TH" detach --port $P >/dev/null &&
	      [ "$(python3 "$SRV" plain $P 127.0.0.1 10)" = "plain ok" ]'

reports=$(kernel_reports "$dmesg_from")
[ -z "$reports" ] || note "kernel: $reports"
check "no kernel warning" test -z "$reports"
exit $((failures > 0))
