# SPDX-License-Identifier: GPL-2.0
# Sourced by the end-to-end VM scripts (selftests/daemon_e2e.sh,
# selftests/records_e2e.sh, scripts/bench/vm-bulk.sh, ...) after they set T
# (their temp dir), TH (the tlshelper to run) and TLSH_DAEMON_DIR, or
# followed by e2e_tmp [DIR], which sets them: TAP
# helpers (tap.sh), waiting for listeners and the daemon, cleanup of what
# they started, and a test CA with a localhost certificate (pki.sh). Not a
# test itself (selftest-list.sh lists only selftests/*.sh). Safe under
# set -e.

TLSH_LIB=$(cd "${BASH_SOURCE[0]%/*}" && pwd)
. "$TLSH_LIB/tap.sh"

PY=${PY:-/usr/bin/python3}
[ -x "$PY" ] || PY=python3

# T, a temp dir named after the script, with in it a private copy of
# tlshelper, TH (a concurrent rebuild of build/ must not pull it away); the
# daemon's directory is $T/DIR if given, else /run/tlsh.
e2e_tmp() {	# [DIR]
	T=$(mktemp -d "/tmp/tlsh-$(basename "$0" .sh).XXXXXX")
	export TLSH_DAEMON_DIR=/run/tlsh
	[ -z "${1:-}" ] || TLSH_DAEMON_DIR=$T/$1
	cp "${TLSHELPER:-build/tlshelper}" "$T/tlshelper"
	TH=$T/tlshelper
	pki_paths
}

# shellcheck disable=SC2053 # a glob on purpose
match() { [[ $1 == $2 ]]; }	# STRING GLOB (extglob)
shopt -s extglob

# Processes to kill at exit; dpid is the daemon's.
pids=()
dpid=
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	[ -z "$dpid" ] || kill -9 "$dpid" 2>/dev/null || true
	wait 2>/dev/null || true
	# Sockets on module ops pin it: unload once they are all closed.
	for _ in $(seq 50); do
		rmmod tlsh 2>/dev/null && break
		[ -e /sys/module/tlsh ] || break
		sleep 0.1
	done
	rm -rf "$T" "$TLSH_DAEMON_DIR"
}
trap cleanup EXIT

wait_for() {	# TENTHS COMMAND...: until COMMAND succeeds
	local i
	for ((i = 0; i < $1; i++)); do
		"${@:2}" && return 0
		sleep 0.1
	done
	return 1
}

wait_listen() {	# PORT: until something listens on 127.0.0.1:PORT
	local hex
	hex=$(printf '%04X' "$1")
	for _ in $(seq 300); do
		grep -q "0100007F:$hex 00000000:0000 0A" /proc/net/tcp && return 0
		sleep 0.1
	done
	return 1
}

start_daemon() {	# [ARGS...]: start "$TH daemon" (log $T/daemon.log), wait for its socket
	"$TH" daemon "$@" >>"$T/daemon.log" 2>&1 &
	dpid=$!
	for _ in $(seq 100); do
		[ -S "$TLSH_DAEMON_DIR/daemon.sock" ] &&
			"$TH" status >/dev/null 2>&1 &&
			grep -q "running: pid $dpid" "$T/daemon.log" && return 0
		kill -0 "$dpid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# $CA signs $CERT (localhost, 127.0.0.1) for $KEY (ECDSA P-256), and the
# certificates of selftests/lib/pki.sh's SPECs, all in $T/pki.
gen_certs() {	# [SPEC...]
	"$TLSH_LIB/pki.sh" "$T/pki" localhost "$@" 2>/dev/null
}
pki_paths() {
	# shellcheck disable=SC2034 # used by the scripts that source this
	CA=$T/pki/ca.pem CERT=$T/pki/localhost.pem KEY=$T/pki/localhost.key
}
[ -z "${T:-}" ] || pki_paths

daemon_rss_kib() {	# VmRSS of the daemon ($dpid), in KiB
	awk '$1 == "VmRSS:" { print $2 }' "/proc/$dpid/status" 2>/dev/null
}

# Kernel log lines that mean a kernel bug, printed since line $1 of dmesg.
kernel_reports() {	# FROM-LINE
	dmesg | tail -n +"$(($1 + 1))" |
		grep -E 'BUG:|KASAN|WARNING:|general protection|Oops|refcount_t:|UBSAN|possible (recursive|circular)|INFO: task .* blocked|list_(add|del) corruption|stack-protector'
}

# The stress scripts (chaos.sh, slowloris.sh): TAP plan, flood.py's token
# server on PORT... (pid $spid, control dir $T/ctl) started first (python
# is slow to start in the VM), tlsh.ko loaded, certificates, no daemon state.
FLOOD=$PWD/selftests/lib/flood.py
flood_setup() {	# PLAN PORT...
	echo "TAP version 13"
	echo "1..$1"
	shift
	mkdir -p "$T/ctl"
	"$PY" "$FLOOD" server "$T/ctl" "$@" >"$T/server.out" 2>"$T/server.err" &
	spid=$!
	pids+=("$spid")
	if [ ! -e /sys/module/tlsh ]; then
		insmod "${TLSH_KO:-kmod/tlsh.ko}" || { echo "Bail out! cannot load tlsh.ko"; exit 1; }
	fi
	gen_certs || { echo "Bail out! cannot make certificates"; exit 1; }
	rm -rf "$TLSH_DAEMON_DIR"
	# its listeners are up when the last one's generation file is there
	wait_for 600 test -e "$T/ctl/gen.${*: -1}" ||
		{ echo "Bail out! token server did not start"; exit 1; }
}
