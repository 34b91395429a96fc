#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `tlshelper attach --port` on a port with several listening sockets
# (issue 15), in the test VM: a SO_REUSEPORT group of 3 processes, each
# with its own listener and threads blocked in accept(), attached while
# running; 120 concurrent TLS clients all served byte-exact by members of
# the group (the kernel still spreads them), no process ever reads a
# ClientHello; a socket that tries to join the attached group (binding
# the port, or listening after an earlier bind) is refused with
# EADDRINUSE (kmod/tlsh_reuseport.c), counted join-refused on every
# member in `status` and `status --json`, and logged by the module and
# (once per group) the daemon; detaching one member's id releases
# the whole group (plain TCP again, and new members may join); then an
# IPv4 and an IPv6 listener on one port, attached and detached together.
# The servers and clients: selftests/lib/accept_server.py. TAP output.
#
#   scripts/vm-run.sh -- selftests/attach_reuseport.sh
set -u
cd "$(dirname "$0")/.."

. selftests/lib/e2e.sh
. selftests/lib/attach.sh
attach_setup reuseport 20

P=9581
ids() { echo "$1" | grep -c '^[0-9][0-9]*$'; }	# OUTPUT: lines that are ids
# The daemon's view: how many listeners on port $1 are group members.
in_status() {	# PORT
	"$TH" status 2>/dev/null | grep -c "port $1 reuseport-group"
}
# join: a socket joining the group on $P; its outcome on stdout.
join() { timeout 60 python3 "$SRV" join "$P" | tail -1; }

# 1. The group: 3 processes, each its own listener, 2 threads in accept().
if serve rp $P reuseport 3 0 6; then
	ok "group: 3 processes with their own SO_REUSEPORT listener on one port"
else
	not_ok "group: 3 processes with their own SO_REUSEPORT listener on one port"
fi
# A fourth member, bound before attach, listens only after it.
timeout 120 python3 "$SRV" join "$P" "$T/go" >"$T/late.out" 2>&1 &
late=$!
wait_for 100 grep -q bound "$T/late.out" || note "late joiner did not bind"

check "group: attach --port attaches all 3 members" \
	eval 'attach $P && [ "$(ids "$attached")" = 3 ]'
check "group: status shows the 3 members on the port" \
	eval '[ "$(in_status $P)" = 3 ]'
check "group: 120 concurrent TLS clients all served byte-exact" \
	served_all rp $P 120
all_served() {
	local i s total=0 busy=0
	for i in 0 1 2; do
		no_raw "rp-$i" || return 1
		s=$(count "rp-$i" served)
		total=$((total + s))
		[ "$s" -gt 0 ] && busy=$((busy + 1))
	done
	note "served $total, by $busy processes"
	[ "$total" = 120 ] && [ "$busy" -ge 2 ]
}
check "group: no process read a ClientHello; the kernel still spread them" \
	all_served

# 2. Sockets joining the attached group are refused.
out=$(join)
note "a new member: $out"
check "join: binding the port with SO_REUSEPORT fails with EADDRINUSE" \
	test "$out" = "refused at bind: EADDRINUSE"
touch "$T/go"
wait "$late"
out=$(tail -1 "$T/late.out")
note "the member bound before attach: $out"
check "join: a socket bound before attach cannot listen (EADDRINUSE)" \
	test "$out" = "refused at listen: EADDRINUSE"
refusals=$(join_refused $P | sort | uniq -c | tr '\n' ' ')
note "join-refused per listener: $refusals"
check "join: status and status --json count both on each member: join-refused 2" \
	test "$(echo $refusals)" = "6 2"
# Each refusal is logged once for the group, not once per member: the
# numbers its lines give add up to 2 (one line, or two when the daemon's
# 5-second look fell between the two refusals).
"$TH" status >/dev/null
logged=$(sed -n "s/.*(port $P): \([0-9]*\) sockets\{0,1\} w[a-z]* refused a place in its SO_REUSEPORT group.*/\1/p" \
	"$T/daemon.log" | tr '\n' ' ')
note "the daemon's refusal lines for port $P count: ${logged:-none}"
check "join: the daemon logs the refusals once for the group (when it next looks: status)" \
	test "$(echo $logged | awk '{ for (i = 1; i <= NF; i++) n += $i } END { print n + 0 }')" = 2
check "join: the kernel log names the refused joiner" \
	eval 'dmesg | grep -q "refused a place in its SO_REUSEPORT group on port $P"'
check "join: still every client served, by the 3 members only" \
	eval 'served_all rp $P 30 && no_raw rp-0 && no_raw rp-1 && no_raw rp-2'

# 3. Detaching one member's id detaches the group.
first=$(echo "$attached" | head -1)
out=$("$TH" detach --id "$first" 2>&1)
note "detach --id $first: $(echo $out)"
check "detach: one member's id releases all 3" test "$(ids "$out")" = 3
check "detach: the group serves plain TCP again, status shows none" \
	eval '[ "$(python3 "$SRV" plain $P 127.0.0.1 30)" = "plain ok" ] &&
	      [ "$(in_status $P)" = 0 ]'
out=$(join)
note "a new member after detach: $out"
check "detach: new members may join the group again" test "$out" = joined

# 4. Dual stack: an IPv4 and an IPv6 listener on one port.
D=9582
if serve dual $D dual 2 0 4; then
	ok "dual: an IPv4 and an IPv6 listener on one port"
else
	not_ok "dual: an IPv4 and an IPv6 listener on one port"
fi
check "dual: attach --port attaches both" \
	eval 'attach $D && [ "$(ids "$attached")" = 2 ]'
check "dual: 60 TLS clients over IPv4 and 60 over IPv6, all served" \
	eval 'served_all dual-v4 $D 60 127.0.0.1 && served_all dual-v6 $D 60 ::1'
check "dual: neither listener's server read a ClientHello" \
	eval 'no_raw dual-4 && no_raw dual-6 &&
	      [ "$(count dual-4 served)" = 60 ] && [ "$(count dual-6 served)" = 60 ]'
check "dual: detach --port releases both; plain TCP over both again" \
	eval 'out=$("$TH" detach --port $D) && [ "$(ids "$out")" = 2 ] &&
	      [ "$(python3 "$SRV" plain $D 127.0.0.1 5)" = "plain ok" ] &&
	      [ "$(python3 "$SRV" plain $D ::1 5)" = "plain ok" ]'

reports=$(kernel_reports "$dmesg_from")
[ -z "$reports" ] || note "kernel: $reports"
check "no kernel warning" test -z "$reports"
exit $((failures > 0))
