#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Chaos, in the test VM (root, cwd = repository root): TLS and plaintext
# clients (selftests/lib/flood.py) run through two attached listeners of a
# token server while, at random (seeded: CHAOS_SEED), the daemon is killed
# (SIGKILL) and restarted, listeners are detached and re-attached, the
# server closes and reopens a listener (then re-attached), DETACH races the
# listener's close, and rmmod is attempted (must fail "in use").
#
# Clients may fail meanwhile, but no client may get bytes that are not the
# server's answer to it: a TLS client's decrypted reply is exactly its
# token's answer, a plaintext client gets the answer, nothing, or the
# daemon's one alert record; a third, never attached port keeps working.
# The server checks that TLS requests arrive only on kTLS sockets and
# plaintext ones only on plain sockets. Afterwards nothing is left: module
# gauges and refcount zero, sockstat and the socket slabs at their baseline,
# kmemleak clean (when the kernel has it), no kernel report, rmmod works.
#
#   TLSH_VM_TESTS=selftests/chaos.sh make check-vm
# CHAOS_SEED=N replays a run's choices; the clients run CHAOS_SECS (40), longer
# (up to 25 s) until 1000 connections have run.
set -u
[ -z "${CHAOS_TRACE:-}" ] || { PS4='+${SECONDS}s '; set -x; }
cd "$(dirname "$0")/.."

. selftests/lib/e2e.sh
e2e_tmp

SEED=${CHAOS_SEED:-$(( $(date +%s) % 100000 ))}
SECS=${CHAOS_SECS:-40}
RANDOM=$SEED

P1=11443 P2=11444 PLAIN=11445
ports=("$P1" "$P2")
SLABS="TCP TCPv6 request_sock_TCP sock_inode_cache"

sockstat() {	# "inuse orphan alloc used" from /proc/net/sockstat
	awk '$1 == "sockets:" { used = $3 }
	     $1 == "TCP:" { for (i = 2; i < NF; i++) v[$i] = $(i + 1) }
	     END { print v["inuse"], v["orphan"], v["alloc"], used }' /proc/net/sockstat
}
slabs() {	# active objects of each of $SLABS, per-CPU slabs flushed first
	local c
	for c in $SLABS; do
		echo 1 >"/sys/kernel/slab/$c/shrink" 2>/dev/null
	done
	for c in $SLABS; do
		awk -v c="$c" '$1 == c { printf "%s=%s ", c, $2; f = 1 }
			END { if (!f) printf "%s=0 ", c }' /proc/slabinfo
	done
}
# each value of "$1" is at most the matching one of "$2" (+ slack $3)
not_above() {
	local -a now base
	read -ra now <<<"$1"
	read -ra base <<<"$2"
	local i
	for i in "${!now[@]}"; do
		[ "${now[$i]##*=}" -le $((${base[$i]##*=} + ${3:-0})) ] || return 1
	done
}
gauges() {	# "pending N in-flight N ready N listeners N", one status call
	"$TH" status 2>/dev/null | awk '$1 ~ /^(pending|in-flight|ready|listeners)$/ { v[$1] = $2 }
		END { printf "pending %s in-flight %s ready %s listeners %d\n",
		      v["pending"], v["in-flight"], v["ready"], v["listeners"] }'
}
gauges_zero() { [ "$(gauges)" = "pending 0 in-flight 0 ready 0 listeners 0" ]; }

# ---- setup and baseline ----

mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug 2>/dev/null
LEAK=/sys/kernel/debug/kmemleak
[ -e "$LEAK" ] && echo clear >"$LEAK"
dmesg_from=$(dmesg | wc -l)
base_sock=$(sockstat)
base_slab=$(slabs)
flood_setup 15 "$P1" "$P2" "$PLAIN"
note "seed $SEED (CHAOS_SEED=$SEED replays the chaos actions), $SECS s"
note "baseline: sockstat inuse/orphan/alloc/used $base_sock; slabs $base_slab"

# the clients wait for $T/go: python is slow to start in the VM
nice -n 10 "$PY" "$FLOOD" clients "$SEED" "$SECS" 1000 $((SECS + 25)) "$P1,$P2" "$PLAIN" "$CA" \
	"${CHAOS_WORKERS:-6}" "$T/go" >"$T/clients.out" 2>&1 &
cpid=$!
pids+=("$cpid")
start_daemon || { echo "Bail out! daemon did not start"; exit 1; }

declare -A attached=([$P1]= [$P2]=)
attach() {	# PORT: attach it (the daemon must run); 0 on success
	local id
	id=$("$TH" attach --port "$1" --cert "$CERT" --key "$KEY" 2>>"$T/attach.err") &&
		attached[$1]=$id
}
detach() {	# PORT
	"$TH" detach --port "$1" >/dev/null 2>>"$T/attach.err"
	attached[$1]=
}
gen_of() { cat "$T/ctl/gen.$1" 2>/dev/null; }
reopen() {	# PORT: the server closes its listener and opens a new one
	echo "$1" >"$T/ctl/reopen"
	kill -USR1 "$spid"
}
gen_moved() { [ "$(gen_of "$1")" != "$2" ]; }
reopened() { wait_for 100 gen_moved "$1" "$2"; }	# PORT OLD-GENERATION

for p in "${ports[@]}"; do attach "$p"; done
check "both token-server ports attached" \
	eval '[ -n "${attached[$P1]}" ] && [ -n "${attached[$P2]}" ]'

# ---- chaos ----

note "t=${SECONDS}s: clients start"
touch "$T/go"

declare -A acts=()
rm_wrong=0 attach_fail=0 daemon_died=0
act() { acts[$1]=$((${acts[$1]:-0} + 1)); }
rearm() {	# attach every port that is not, retrying a little
	local p
	for p in "${ports[@]}"; do
		[ -n "${attached[$p]:-}" ] && continue
		attach "$p" || { sleep 0.2; attach "$p"; } ||
			attach_fail=$((attach_fail + 1))
	done
}
kill_daemon() { kill -9 "$dpid"; wait "$dpid"; } 2>/dev/null
try_rmmod() {	# while a listener is attached: must fail "in use"
	local out rc
	[ -n "${attached[$P1]}${attached[$P2]}" ] || return 0
	act rmmod
	out=$(rmmod tlsh 2>&1)
	rc=$?
	if [ $rc = 0 ] || ! match "$out" "*in use*"; then
		rm_wrong=$((rm_wrong + 1))
		note "rmmod with listeners attached: exit $rc: $out"
		[ -e /sys/module/tlsh ] || insmod "${TLSH_KO:-kmod/tlsh.ko}"
	fi
}
while kill -0 "$cpid" 2>/dev/null; do
	if ! kill -0 "$dpid" 2>/dev/null; then
		daemon_died=$((daemon_died + 1))
		note "the daemon died on its own: $(tail -n 3 "$T/daemon.log" | tr '\n' '|')"
		start_daemon
	fi
	p=${ports[$((RANDOM % 2))]}
	case $((RANDOM % 6)) in
	0)	act kill-daemon
		kill_daemon
		sleep "0.$((RANDOM % 5))"
		start_daemon || note "daemon restart failed"
		;;
	1)	act detach-attach
		detach "$p"
		sleep "0.$((RANDOM % 5))"
		;;
	2)	act server-reopen
		g=$(gen_of "$p")
		reopen "$p"
		attached[$p]=
		reopened "$p" "$g" || note "server did not reopen $p"
		;;
	3)	act detach-races-close
		g=$(gen_of "$p")
		"$TH" detach --port "$p" >/dev/null 2>&1 &
		reopen "$p"
		wait $!
		attached[$p]=
		reopened "$p" "$g" || note "server did not reopen $p"
		;;
	4)	try_rmmod ;;
	5)	# A stopped daemon is still subscribed: connections are held
		# (pending, or claimed mid-handshake) while the listener goes.
		k=$((RANDOM % 3))
		how=(detach-by-id server-close restart)
		act "stopped-daemon-then-${how[$k]}"
		kill -STOP "$dpid"
		sleep "0.$((RANDOM % 8 + 2))"
		try_rmmod
		[ $k = 1 ] && g=$(gen_of "$p") && reopen "$p" && attached[$p]=
		kill_daemon
		# no daemon: detach by id goes to the module directly
		[ $k = 0 ] && [ -n "${attached[$p]}" ] &&
			"$TH" detach --id "${attached[$p]}" >/dev/null 2>>"$T/attach.err" &&
			attached[$p]=
		[ $k = 1 ] && { reopened "$p" "$g" || note "server did not reopen $p"; }
		start_daemon || note "daemon restart failed"
		;;
	esac
	[ $((RANDOM % 2)) = 0 ] && try_rmmod
	rearm
	sleep "0.$((RANDOM % 3))"
done
wait "$cpid"
acts_line=
for k in "${!acts[@]}"; do acts_line+="$k ${acts[$k]}, "; done
note "t=${SECONDS}s: chaos actions: ${acts_line%, }"
sed 's/^/# /' "$T/clients.out"
declare -A r=()
read -ra f < <(grep '^clients ' "$T/clients.out")
for ((i = 6; i + 1 < ${#f[@]}; i += 2)); do r[${f[$i]}]=${f[$((i + 1))]}; done
val() { echo "${r[$1]:-x}"; }
total=0
for k in "${!r[@]}"; do total=$((total + r[$k])); done
check "at least 1000 connections ran through the chaos ($total), TLS ones succeeded ($(val tls_ok))" \
	eval '[ "$total" -ge 1000 ] && [ "$(val tls_ok)" -ge 100 ]'
check "no TLS client got bytes that were not the server's answer to it" \
	eval '[ "$(val tls_bad)" = 0 ] && ! grep -q "^VIOLATION client: .*error after" "$T/clients.out"'
check "no plaintext client got anything but the answer, nothing, or one alert" \
	[ "$(val plain_bad)" = 0 ]
check "the never attached port answered every plaintext client" \
	eval '[ "$(val plainport_fail)" = 0 ] && [ "$(val plainport_ok)" -gt 0 ]'
grep VIOLATION "$T/server.err" | head -n 10 | sed 's/^/# /'
check "the server got TLS requests only on kTLS sockets, plaintext only on plain ones" \
	eval '! grep -q VIOLATION "$T/server.err"'
check "rmmod during the chaos always failed 'in use' (${acts[rmmod]:-0} tries)" \
	[ "$rm_wrong" = 0 ]
grep -E 'Sanitizer|runtime error' "$T/daemon.log" | head -n 5 | sed 's/^/# daemon: /'
check "the daemon never died on its own, re-attach always worked ($attach_fail failures)" \
	eval '[ "$daemon_died" = 0 ] && [ "$attach_fail" = 0 ] &&
	      ! grep -qE "Sanitizer|runtime error" "$T/daemon.log"'

# ---- afterwards: everything detached, closed, stopped ----

for p in "${ports[@]}"; do detach "$p"; done
kill -TERM "$spid"
wait "$spid" 2>/dev/null
note "$(cat "$T/server.out")"
note "daemon CPU $(awk '{ print ($14 + $15) / 100 }' "/proc/$dpid/stat") s since its last start"
kill -TERM "$dpid"
wait "$dpid" 2>/dev/null
dpid=
wait_for 200 gauges_zero
note "t=${SECONDS}s: module: $(gauges)"
check "module gauges back to zero, no listener left" gauges_zero
wait_for 300 eval 'not_above "$(sockstat)" "$base_sock"'
note "sockstat inuse/orphan/alloc/used: $(sockstat) (baseline $base_sock)"
check "/proc/net/sockstat TCP inuse, orphan, alloc and sockets used back to baseline" \
	not_above "$(sockstat)" "$base_sock"
wait_for 300 eval 'not_above "$(slabs)" "$base_slab" 2'
now_slab=$(slabs)
note "slabs: $now_slab (baseline $base_slab)"
check "socket slabs (TCP, request_sock_TCP, sock_inode_cache) back to baseline" \
	not_above "$now_slab" "$base_slab" 2
refcnt=$(cat /sys/module/tlsh/refcnt 2>/dev/null)
check "module refcount back to 0 ($refcnt)" [ "$refcnt" = 0 ]
if [ -e "$LEAK" ]; then
	sleep 6
	echo scan >"$LEAK"
	sleep 2
	echo scan >"$LEAK"
	cat "$LEAK" >"$T/kmemleak"
	leaks=$(grep -c '^unreferenced object' "$T/kmemleak")
	mine=$(awk '/^unreferenced object/ { o = 0 } /\[tlsh\]/ && !o { o = 1; n++ }
		END { print n + 0 }' "$T/kmemleak")
	note "kmemleak: $leaks unreferenced objects, $mine with tlsh in their backtrace"
	grep -B12 -A4 '\[tlsh\]' "$T/kmemleak" | head -n 40 | sed 's/^/# /'
	check "kmemleak reports nothing attributed to tlsh" [ "$mine" = 0 ]
else
	skip "kmemleak reports nothing attributed to tlsh" "no kmemleak in this kernel"
fi
note "t=${SECONDS}s"
reports=$(kernel_reports "$dmesg_from")
[ -z "$reports" ] || echo "$reports" | head -n 40 | sed 's/^/# kernel: /'
check "no kernel BUG/WARNING/KASAN/lockdep report" [ -z "$reports" ]
out=$(rmmod tlsh 2>&1)
check "rmmod tlsh succeeds afterwards ($out)" [ ! -e /sys/module/tlsh ]
tap_end 15
