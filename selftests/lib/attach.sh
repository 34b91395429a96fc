# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Sourced by the attach selftests (attach_blocked.sh, attach_reuseport.sh)
# after selftests/lib/e2e.sh: their setup, servers blocked in accept() from
# selftests/lib/accept_server.py ($SRV), attaching them, and checking what
# they served. Not a test itself.

SRV=$PWD/selftests/lib/accept_server.py

# attach_setup NAME PLAN: T (/tmp/tlsh-NAME.*) with a private copy of
# tlshelper ($TH), the TAP plan, certificates, tlsh.ko, a daemon of its
# own; dmesg_from for kernel_reports. Bails out if any is missing.
attach_setup() {
	T=$(mktemp -d "/tmp/tlsh-$1.XXXXXX")
	TH=$T/tlshelper
	cp "${TLSHELPER:-build/tlshelper}" "$TH"
	export TLSH_DAEMON_DIR=$T/run
	pki_paths
	echo "TAP version 13"
	echo "1..$2"
	gen_certs || { echo "Bail out! cannot make certificates"; exit 1; }
	[ -e /sys/module/tlsh ] || insmod "${TLSH_KO:-kmod/tlsh.ko}" ||
		{ echo "Bail out! cannot load tlsh.ko"; exit 1; }
	# The debug kernel is slow: many handshakes at once must not time
	# out (a ClientHello may come late: no silent deadline either).
	echo 0 >/sys/module/tlsh/parameters/silent_timeout_ms
	start_daemon || { echo "Bail out! the daemon did not start"; exit 1; }
	dmesg_from=$(dmesg | wc -l)
}

# Tasks of process $1 (and its children) inside accept()/accept4() now.
in_accept() {	# PID...
	local p t nr n=0
	for p in "$@" $(pgrep -P "$1"); do
		for t in /proc/"$p"/task/*; do
			read -r nr _ <"$t/syscall" 2>/dev/null || continue
			[ "$nr" = 43 ] || [ "$nr" = 288 ] && n=$((n + 1))
		done
	done
	echo "$n"
}
blocked() { [ "$(in_accept "$1")" -ge "$2" ]; }	# PID N

# serve NAME PORT MODE N RCVTIMEO [TASKS]: the server (accept_server.py),
# with TASKS (default N) tasks blocked in accept() before this returns;
# its log is $T/NAME.log (MODE reuseport, dual: $T/NAME-*.log).
serve() {
	python3 "$SRV" server "$2" "$T/$1.log" "$3" "$4" "$5" &
	pids+=($!)
	eval "${1}_pid=$!"
	wait_listen "$2" && wait_for 100 blocked "$!" "${6:-$4}"
}
# attach PORT: attach it, or say why not; what it printed (the listener
# ids) is left in $attached.
attach() {
	local rc
	attached=$("$TH" attach --port "$1" --cert "$CERT" --key "$KEY" \
		--timeout 120000 2>&1)
	rc=$?
	note "attach --port $1: exit $rc: $(echo $attached)"
	[ $rc -eq 0 ]
}
# served_all NAME PORT COUNT [HOST [PATH]]: COUNT concurrent TLS clients
# (to 127.0.0.1 or HOST; HTTP/1.0 requests for PATH if given), all served
served_all() {
	local out
	out=$(python3 "$SRV" clients "$2" "$CA" "$3" "${4:-127.0.0.1}" ${5:+"$5"} 2>&1)
	note "$1: $(printf '%s' "$out" | tr '\n' ' ')"
	match "$out" "*completed $3"
}
# count LOG WORD: lines of $T/LOG.log that are WORD
count() { grep -c "^$2\$" "$T/$1.log" 2>/dev/null || true; }
no_raw() {	# LOG: the server never read a ClientHello, nor anything odd
	note "$1 log: $(sort "$T/$1.log" 2>/dev/null | uniq -c | tr '\n' ' ')"
	[ "$(count "$1" raw)" = 0 ] &&
		! grep -q "^bad\|^error\|^accept-error" "$T/$1.log" 2>/dev/null
}
# join_refused PORT: the join-refused count of each listener on PORT, one
# a line, as `status` prints it, then as `status --json` gives it.
join_refused() {
	"$TH" status | grep " port $1 " | grep -o "join-refused [0-9]*" |
		cut -d' ' -f2
	"$TH" status --json | python3 -c '
import json, sys
for l in json.load(sys.stdin)["listeners"]:
    if l["port"] == int(sys.argv[1]):
        print(l["counters"].get("join-refused"))' "$1"
}
