#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The bulk-transfer part of `make bench`, inside the test VM (root, Debian
# 6.1 kernel with tls.ko): one payload file moved by each server under
# test, by the same client on the same VM (build/bench/bulkclient: GnuTLS in
# userspace, forced to TLS 1.3, TLS_AES_128_GCM_SHA256, X25519), with an
# ECDSA P-256 certificate from a throwaway CA for every TLS server.
#
#   tx, the server sends the file (GET):
#     plain-sendfile   build/bench/bulkserv, sendfile() over plain TCP (the floor)
#     tlshelper-serve  the same program behind `tlshelper serve --exec`, one
#                      helper per connection (inetd style)
#     tlsh.ko          the same program listening, attached with
#                      `tlshelper attach`, `tlshelper daemon` running
#     openssl-WWW      openssl s_server -WWW, userspace TLS
#     gnutls-serv      gnutls-serv --http --httpdata, userspace TLS
#   rx, the client uploads it, the server reads to EOF (64 KiB read()s):
#     plain-read       build/bench/bulkserv read, plain TCP
#     ktls-read        the same behind `tlshelper serve --exec`: a plain kTLS
#                      socket, no module ops
#     tlsh.ko-read     the same attached through tlsh.ko (its wrapped recvmsg)
#
# The servers of one direction all run at once and take turns: one
# untimed run each whose bytes are checked by sha256 (it also warms up),
# then BULK_RUNS rounds of one timed run each, in rotating order, each
# checked by byte count, so that a busy host slows every case alike. stdout
# gets one line per case, totals over its timed runs:
#   bulk case=NAME dir=tx|rx bytes=N runs=R wall_s=S server_cpu_s=C client_cpu_s=K cmd="..."
# bytes: payload bytes moved (as counted by the receiver); wall_s: the
# client's connect-to-close times, summed; server_cpu_s: user+system CPU of
# the server side only (/proc/PID/stat deltas: the server process, plus the
# daemon for tlsh.ko, or the reaped helpers and their programs for
# tlshelper serve; handshakes included); client_cpu_s: bulkclient's own.
# cmd: the server command line, paths relative to the run's temp dir.
# The client runs on CPU 0, the server side on CPU 1. Progress goes to
# stderr, its lines never starting with "bulk ". Exit 1 if any case failed,
# saying why.
#
#   scripts/vm-run.sh -t 600 -- bash scripts/bench/vm-bulk.sh
# BULK_MIB (default 8) sets the payload size, BULK_RUNS (default 5) the
# timed runs per case, BULK_CASES (default all) a space-separated subset.
set -euo pipefail
cd "$(dirname "$0")/../.."

MIB=${BULK_MIB:-8}
RUNS=${BULK_RUNS:-5}
TX_CASES="plain-sendfile tlshelper-serve tlsh.ko openssl-WWW gnutls-serv"
RX_CASES="plain-read ktls-read tlsh.ko-read"
CASES=" ${BULK_CASES:-$TX_CASES $RX_CASES} "
SIZE=$((MIB << 20))
HZ=$(getconf CLK_TCK)

log() { echo "vm-bulk: [${SECONDS}s] $*" >&2; }
die() { log "FAIL: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (run it in the VM: scripts/vm-run.sh -- bash $0)"
grep -qw tls /proc/sys/net/ipv4/tcp_available_ulp ||
	die "this kernel has no kTLS (run it in the VM: scripts/vm-run.sh -- bash $0)"
for c in $CASES; do
	[[ " $TX_CASES $RX_CASES " == *" $c "* ]] || die "no case $c (cases: $TX_CASES $RX_CASES)"
done

log "start"
T=$(mktemp -d /tmp/tlsh-bulk.XXXXXX)
export TLSH_DAEMON_DIR=/run/tlsh
TH=$T/tlshelper SRV=$T/bulkserv CLI=$T/bulkclient
LOOP=$PWD/scripts/accept-loop.py
. selftests/lib/e2e.sh	# cleanup at exit: processes in pids and dpid, rmmod tlsh, $T
# Private copies: a rebuild of build/ or kmod/ on the host must not pull
# them away mid-run.
for f in build/tlshelper build/bench/bulkserv build/bench/bulkclient kmod/tlsh.ko; do
	cp "$f" "$T/" || die "$f missing: run make first"
done

gen_certs || die "cannot make the test certificates"
mkdir -p "$T/www"
PAYLOAD=$T/www/payload.bin
head -c "$SIZE" /dev/urandom >"$PAYLOAD"
SUM=$(sha256sum <"$PAYLOAD")
loaded=
if [ ! -e /sys/module/tlsh ]; then
	insmod "$T/tlsh.ko" || die "cannot load tlsh.ko"
	loaded=1
fi
dmesg_lines=$(dmesg | wc -l)
# A Debian host loads aesni_intel at boot (udev, by CPU modalias); the
# VM's init has no udev. Without it kTLS would get gcm(aes) on aes-generic
# (C tables) while the userspace servers and the client use AES-NI.
modprobe aesni_intel || log "cannot load aesni_intel: kTLS gets the kernel's generic AES"
gcm=$(awk '$1 == "name" { n = $3 } $1 == "driver" { d = $3 }
	$1 == "priority" && n == "gcm(aes)" && $3 > p { p = $3; best = d }
	END { print best }' /proc/crypto)
rm -rf "$TLSH_DAEMON_DIR"
# The client (and this script) on CPU 0, every server-side process on CPU
# 1: the two never compete, and each case gets the same placement.
PIN=()
if [ "$(nproc)" -ge 2 ]; then
	taskset -p -c 0 $$ >/dev/null
	PIN=(taskset -c 1)
fi
log "set up: $MIB MiB payload, certificates, tlsh.ko loaded, kernel gcm(aes): ${gcm:-none yet}"
failed=()

# ---- measuring ----
# Under TCG every exec costs a few tenths of a second: what runs between
# and around the timed transfers is bash builtins, results in globals.

# A builtin sleep: read with a timeout from a FIFO that never has data.
mkfifo "$T/nap"
exec {NAP_FD}<>"$T/nap"
nap() { read -rt "$1" -u "$NAP_FD" _ || true; }	# SECONDS
# Until COMMAND succeeds, for at most SECONDS: a deadline, where
# wait_for's tries (each with an exec of sleep) take far longer than
# their 0.1 s here.
wait_until() {	# SECONDS COMMAND...
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		nap 0.05
	done
}

# STAT: /proc/PID/stat from field 3 on, so field N is ${STAT[N - 3]}.
read_stat() {	# PID
	local line
	read -r line <"/proc/$1/stat"
	read -r -a STAT <<<"${line##*) }"
}
# TICKS: case C's server side CPU so far, in clock ticks: each of
# SELF[C]'s own (utime + stime), and what each of REAPER[C] has reaped
# from its children, the helpers and their programs (cutime + cstime).
server_ticks() {	# C
	local p
	TICKS=0
	for p in ${SELF[$1]}; do read_stat "$p"; TICKS=$((TICKS + STAT[11] + STAT[12])); done
	for p in ${REAPER[$1]}; do read_stat "$p"; TICKS=$((TICKS + STAT[13] + STAT[14])); done
}
# TX, RX: the kernel's counts of sockets that got kTLS TX / RX keys.
tls_stats() {
	local k v
	while read -r k v; do
		case $k in
		TlsTxSw) TX=$v ;;
		TlsRxSw) RX=$v ;;
		esac
	done </proc/net/tls_stat
}
# LINES: FILE's lines (none if there is no FILE), in LINE[].
read_lines() {	# FILE
	LINE=()
	[ ! -e "$1" ] || mapfile -t LINE <"$1"
}
TCP_TABLES=/proc/net/tcp
[ ! -e /proc/net/tcp6 ] || TCP_TABLES+=" /proc/net/tcp6"
# SOCKS: sockets on local port PORT whose state (hex) matches STATE-REGEX.
port_count() {	# PORT STATE-REGEX
	local f hex addr st rest
	printf -v hex ':%04X' "$1"
	SOCKS=0
	for f in $TCP_TABLES; do
		while read -r _ addr _ st rest; do
			if [[ $addr == *"$hex" && $st =~ $2 ]]; then SOCKS=$((SOCKS + 1)); fi
		done <"$f"
	done
}
port_listening() { port_count "$1" '^0A$'; [ "$SOCKS" -gt 0 ]; }
# Case C's server is done with every connection so far: none of its
# sockets is still open (ESTABLISHED, CLOSE_WAIT) and, where it reports
# connections, DONE[C] has WANT lines (bulkserv: one per connection;
# accept-loop.py: one per reaped helper).
server_done() {	# C WANT
	port_count "${PORT_OF[$1]}" '^(01|08)$'
	[ "$SOCKS" = 0 ] || return 1
	[ -z "${DONE[$1]}" ] && return 0
	read_lines "${DONE[$1]}"
	[ "${#LINE[@]}" -ge "$2" ]
}
# Every line of DONE[C] says success: "ok SIZE cpu_s=X" (bulkserv) or "0"
# (accept-loop.py: the helper's exit status); else BAD is the first.
done_all_ok() {	# C
	local l
	[ -n "${DONE[$1]}" ] || return 0
	read_lines "${DONE[$1]}"
	for l in "${LINE[@]}"; do
		[[ $l =~ ^(ok\ $SIZE\ cpu_s=[0-9.]+|0)$ ]] || { BAD=$l; return 1; }
	done
}
# PROG: bulkserv's own CPU over case C's last RUNS connections (its "ok N
# cpu_s=X" lines in PROG_LOG[C]) as a list of numbers: the program alone,
# without helper or daemon.
prog_cpu() {	# C
	local l all=()
	PROG=
	[ -n "${PROG_LOG[$1]}" ] || return 0
	read_lines "${PROG_LOG[$1]}"
	for l in "${LINE[@]}"; do
		[[ $l =~ ok\ [0-9]+\ cpu_s=([0-9.]+) ]] && all+=("${BASH_REMATCH[1]}")
	done
	PROG=${all[*]: -$RUNS}
}
# bulkclient's line into B (bytes), W (wall_s), C (cpu_s), TLS.
parse_client() {	# LINE
	[[ $1 =~ ^bytes=([0-9]+)\ wall_s=([0-9.]+)\ cpu_s=([0-9.]+)\ tls=([^ ]+)$ ]] ||
		return 1
	B=${BASH_REMATCH[1]} W=${BASH_REMATCH[2]} C=${BASH_REMATCH[3]} TLS=${BASH_REMATCH[4]}
}

case_fail() {	# C WHY
	log "FAIL: $1: $2"
	failed+=("$1: $2")
	DEAD[$1]=1
}

# ---- one case's runs ----
# Per case C, set when its server starts: PORT_OF, DIR (tx|rx), CAFILE
# (the client's --tls, empty for plain TCP), SELF / REAPER (server_ticks),
# DONE (server_done), SAVED (rx: the server's --save-once file), KTLS (yes:
# each connection's server socket gets kTLS TX and RX; no: none may),
# PROG_LOG (prog_cpu), HS_LOG / HS_RE (a log gaining a line matching HS_RE
# per handshake), CMD, STOP (its pid), ATTACHED (its port, if attached).
declare -A PORT_OF DIR CAFILE SELF REAPER DONE SAVED KTLS PROG_LOG HS_LOG HS_RE
declare -A CMD STOP ATTACHED DEAD NDONE BYTES WALLS CPUS TICKS0 HS0 DTX DRX

# Run R of case C (0: the checked run, untimed); then wait for the server
# to be done with it.
one_run() {	# C R
	local c=$1 r=$2 out got tx0 rx0
	local cli=("$CLI" "${PORT_OF[$c]}") want_tls=none
	if [ -n "${CAFILE[$c]}" ]; then
		cli+=(--tls "${CAFILE[$c]}")
		want_tls=TLS1.3/AES-128-GCM
	fi
	if [ "${DIR[$c]}" = tx ]; then cli+=(--get payload.bin); else cli+=(--put "$PAYLOAD"); fi
	[ "$r" != 0 ] || [ "${DIR[$c]}" != tx ] || cli+=(--out "$T/got.$c")
	tls_stats
	tx0=$TX rx0=$RX
	out=$("${cli[@]}" 2>"$T/cli.$c") ||
		{ case_fail "$c" "run $r: client failed: $(tail -c 300 "$T/cli.$c")"; return 1; }
	parse_client "$out" || { case_fail "$c" "run $r: client said: $out"; return 1; }
	[ "$TLS" = "$want_tls" ] || { case_fail "$c" "negotiated tls=$TLS, want $want_tls"; return 1; }
	[ "$B" = "$SIZE" ] || { case_fail "$c" "run $r: $B bytes, want $SIZE"; return 1; }
	NDONE[$c]=$((NDONE[$c] + 1))
	wait_until 120 server_done "$c" "${NDONE[$c]}" ||
		{ case_fail "$c" "run $r: the server did not finish"; return 1; }
	tls_stats
	if [ "$r" = 0 ]; then
		if [ "${DIR[$c]}" = tx ]; then
			got=$(sha256sum <"$T/got.$c")
			rm -f "$T/got.$c"
		else
			got=$(sha256sum <"${SAVED[$c]}" 2>/dev/null || echo none)
		fi
		[ "$got" = "$SUM" ] ||
			{ case_fail "$c" "checked run: the bytes received differ (sha256)"; return 1; }
		return 0
	fi
	BYTES[$c]=$((BYTES[$c] + B)) WALLS[$c]+=" $W" CPUS[$c]+=" $C"
	DTX[$c]=$((DTX[$c] + TX - tx0)) DRX[$c]=$((DRX[$c] + RX - rx0))
}

begin_timed() {	# C
	local c=$1
	server_ticks "$c"
	TICKS0[$c]=$TICKS
	HS0[$c]=0
	[ -z "${HS_LOG[$c]}" ] || HS0[$c]=$(grep -cE "${HS_RE[$c]}" "${HS_LOG[$c]}" || true)
	BYTES[$c]=0 WALLS[$c]='' CPUS[$c]='' DTX[$c]=0 DRX[$c]=0
}

# The checks over case C's timed runs, then its line.
end_timed() {	# C
	local c=$1 hs res
	server_ticks "$c"
	done_all_ok "$c" || { case_fail "$c" "the server reported: $BAD"; return 1; }
	if [ "${KTLS[$c]}" = yes ]; then
		[ "${DTX[$c]}" = "$RUNS" ] && [ "${DRX[$c]}" = "$RUNS" ] ||
			{ case_fail "$c" "kTLS sockets: TlsTxSw +${DTX[$c]}, TlsRxSw +${DRX[$c]}, want +$RUNS each"; return 1; }
	else
		[ "${DTX[$c]}" = 0 ] && [ "${DRX[$c]}" = 0 ] ||
			{ case_fail "$c" "kTLS was used: TlsTxSw +${DTX[$c]}, TlsRxSw +${DRX[$c]}"; return 1; }
	fi
	if [ -n "${HS_LOG[$c]}" ]; then
		hs=$(grep -cE "${HS_RE[$c]}" "${HS_LOG[$c]}" || true)
		[ $((hs - HS0[$c])) = "$RUNS" ] ||
			{ case_fail "$c" "$((hs - HS0[$c])) TLS 1.3 AES-128-GCM handshakes logged by the server side, want $RUNS"; return 1; }
	fi
	prog_cpu "$c"
	# Line 1 for stdout, line 2 for the log.
	mapfile -t res <<<"$(awk -v name="$c" -v dir="${DIR[$c]}" -v bytes="${BYTES[$c]}" \
		-v runs="$RUNS" -v walls="${WALLS[$c]}" -v cpus="${CPUS[$c]}" -v prog="$PROG" \
		-v ticks=$((TICKS - TICKS0[$c])) -v hz="$HZ" -v cmd="${CMD[$c]}" '
		function sum(l,   a, i, n, t) {
			n = split(l, a, " "); for (i = 1; i <= n; i++) t += a[i]; return t }
		BEGIN {
			w = sum(walls); s = ticks / hz
			printf "bulk case=%s dir=%s bytes=%s runs=%s wall_s=%.3f server_cpu_s=%.2f client_cpu_s=%.3f program_cpu_s=%s cmd=\"%s\"\n",
				name, dir, bytes, runs, w, s, sum(cpus),
				prog != "" ? sprintf("%.2f", sum(prog)) : "-", cmd
			printf "%.1f MB/s, server side %.2f s CPU", bytes / w / 1e6, s
			if (prog != "") printf ", of which bulkserv itself %.2f s", sum(prog)
			printf "\n"
		}')"
	log "$c: ok, ${res[1]}"
	echo "${res[0]}"
}

# ---- the servers ----

show() { local s="$*"; echo "${s//$T\//}"; }	# a command line, $T/ elided
NEXT_PORT=8441
# COMMAND in $T/www on port PORT_OF[C], logging to $T/server.C.log.
server_start() {	# C COMMAND...
	local c=$1
	shift
	(cd "$T/www" && exec "${PIN[@]}" "$@") >"$T/server.$c.log" 2>&1 &
	STOP[$c]=$!
	pids+=("$!")
	wait_until 60 listening_or_gone "${PORT_OF[$c]}" "${STOP[$c]}"
	port_listening "${PORT_OF[$c]}" ||
		{ case_fail "$c" "nothing listens on ${PORT_OF[$c]}: $(head -c 300 "$T/server.$c.log")"; return 1; }
}
listening_or_gone() { port_listening "$1" || ! kill -0 "$2" 2>/dev/null; }	# PORT PID
server_stop() {	# C
	local c=$1
	if [ -n "${ATTACHED[$c]:-}" ]; then
		"$TH" detach --port "${ATTACHED[$c]}" >/dev/null 2>&1 ||
			case_fail "$c" "tlshelper detach --port ${ATTACHED[$c]} failed"
	fi
	[ -z "${STOP[$c]:-}" ] || kill "${STOP[$c]}" 2>/dev/null || true
	[ -z "${STOP[$c]:-}" ] || wait "${STOP[$c]}" 2>/dev/null || true
}

# bulkserv listening, plain or attached through tlsh.ko.
listener_start() {	# C DIR ATTACH(yes|no) MODE-ARGS...
	local c=$1 dir=$2 attach=$3 id
	shift 3
	local srv=("$SRV" --listen "${PORT_OF[$c]}" --done-file "$T/done.$c")
	[ "$dir" = tx ] || srv+=(--save-once "$T/saved.$c")
	srv+=("$@")
	SAVED[$c]=$T/saved.$c DONE[$c]=$T/done.$c PROG_LOG[$c]=$T/done.$c
	server_start "$c" "${srv[@]}" || return 1
	CMD[$c]=$(show "${srv[@]}")
	SELF[$c]=${STOP[$c]} KTLS[$c]=no
	[ "$attach" = yes ] || return 0
	id=$("$TH" attach --port "${PORT_OF[$c]}" --cert "$CERT" --key "$KEY" 2>"$T/attach.err") ||
		{ case_fail "$c" "attach: $(cat "$T/attach.err")"; return 1; }
	log "$c: listener $id on port ${PORT_OF[$c]}"
	ATTACHED[$c]=${PORT_OF[$c]}
	CMD[$c]+="; $(show "$TH" attach --port "${PORT_OF[$c]}" --cert "$CERT" --key "$KEY"); $(show "$TH" daemon)"
	CAFILE[$c]=$CA SELF[$c]+=" $dpid" KTLS[$c]=yes
	HS_LOG[$c]=$T/daemon.log HS_RE[$c]=': ok TLS1\.3 TLS_AES_128_GCM_SHA256 '
}

# bulkserv under `tlshelper serve --exec`, one per connection from
# scripts/accept-loop.py (whose own CPU is not counted, only what it reaps).
serve_start() {	# C DIR MODE-ARGS...
	local c=$1 dir=$2
	shift 2
	local prog=("$SRV")
	[ "$dir" = tx ] || prog+=(--save-once "$T/saved.$c")
	prog+=("$@")
	local helper=("$TH" serve --fd '{fd}' --cert "$CERT" --key "$KEY" --require-ktls --exec "${prog[@]}")
	"${PIN[@]}" /usr/bin/python3 "$LOOP" --port-file "$T/port.$c" --status-file "$T/st.$c" \
		-- "${helper[@]}" 2>"$T/serve.$c.log" &
	STOP[$c]=$!
	pids+=("$!")
	wait_until 60 test -s "$T/port.$c" || { case_fail "$c" "accept-loop.py did not start"; return 1; }
	read -r "PORT_OF[$c]" <"$T/port.$c"
	CMD[$c]=$(show "${helper[@]}")
	SAVED[$c]=$T/saved.$c DONE[$c]=$T/st.$c PROG_LOG[$c]=$T/serve.$c.log
	CAFILE[$c]=$CA REAPER[$c]=${STOP[$c]} KTLS[$c]=yes
	HS_LOG[$c]=$T/serve.$c.log HS_RE[$c]='suite=TLS_AES_128_GCM_SHA256 .*result=ok record-layer=kernel'
}

case_start() {	# C
	local c=$1 srv
	PORT_OF[$c]=$NEXT_PORT DIR[$c]=tx CAFILE[$c]='' SELF[$c]='' REAPER[$c]='' DONE[$c]=''
	SAVED[$c]='' KTLS[$c]=no PROG_LOG[$c]='' HS_LOG[$c]='' HS_RE[$c]='' NDONE[$c]=0
	NEXT_PORT=$((NEXT_PORT + 1))
	[[ " $RX_CASES " != *" $c "* ]] || DIR[$c]=rx
	case $c in
	plain-sendfile) listener_start "$c" tx no sendfile "$PAYLOAD" ;;
	plain-read) listener_start "$c" rx no read ;;
	tlsh.ko) listener_start "$c" tx yes sendfile "$PAYLOAD" ;;
	tlsh.ko-read) listener_start "$c" rx yes read ;;
	tlshelper-serve) serve_start "$c" tx sendfile "$PAYLOAD" ;;
	ktls-read) serve_start "$c" rx read ;;
	openssl-WWW)
		srv=(openssl s_server -accept "127.0.0.1:${PORT_OF[$c]}" -cert "$CERT" -key "$KEY"
		     -tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256 -groups X25519
		     -num_tickets 0 -quiet -WWW)
		server_start "$c" "${srv[@]}" || return 1
		CMD[$c]="$(show "${srv[@]}") (in www/)"
		CAFILE[$c]=$CA SELF[$c]=${STOP[$c]}
		;;
	gnutls-serv)
		# It reads the whole --httpdata file into memory for each
		# request, then sends it in 16 KiB records: the same payload,
		# like s_server's reads of the file.
		srv=(gnutls-serv --http --httpdata="$PAYLOAD" --x509certfile "$CERT"
		     --x509keyfile "$KEY" -p "${PORT_OF[$c]}" --noticket -q
		     --priority 'NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM:-GROUP-ALL:+GROUP-X25519')
		server_start "$c" "${srv[@]}" || return 1
		CMD[$c]=$(show "${srv[@]}")
		CAFILE[$c]=$CA SELF[$c]=${STOP[$c]}
		;;
	esac
}

# ---- the runs: one direction at a time, its cases taking turns ----

for group in "$TX_CASES" "$RX_CASES"; do
	list=()
	for c in $group; do [[ $CASES != *" $c "* ]] || list+=("$c"); done
	[ ${#list[@]} -gt 0 ] || continue
	if [[ " ${list[*]} " == *" tlsh.ko"* ]] && [ -z "$dpid" ]; then
		start_daemon || die "the daemon did not start: $(tail -3 "$T/daemon.log")"
		[ ${#PIN[@]} = 0 ] || taskset -a -p -c 1 "$dpid" >/dev/null
		log "daemon running (pid $dpid)"
	fi
	live=()
	for c in "${list[@]}"; do
		DEAD[$c]=''
		if case_start "$c"; then live+=("$c"); else DEAD[$c]=1; fi
	done
	log "${list[*]}: servers up; 1 checked and $RUNS timed runs of $MIB MiB each"
	for c in "${live[@]}"; do one_run "$c" 0 || true; done
	for c in "${live[@]}"; do [ -n "${DEAD[$c]}" ] || begin_timed "$c"; done
	n=${#live[@]}
	for ((r = 1; r <= RUNS; r++)); do
		for ((i = 0; i < n; i++)); do
			c=${live[$(((i + r) % n))]}
			[ -n "${DEAD[$c]}" ] || one_run "$c" "$r" || true
		done
	done
	for c in "${live[@]}"; do [ -n "${DEAD[$c]}" ] || end_timed "$c" || true; done
	for c in "${list[@]}"; do server_stop "$c"; done
done

# The end: the daemon stopped, tlsh.ko unloaded (nothing may still hold
# it), and a kernel that said nothing bad.
if [ -n "$dpid" ]; then
	kill "$dpid" 2>/dev/null || true
	wait "$dpid" 2>/dev/null || true
	dpid=
fi
rmmod_tlsh() { rmmod tlsh 2>/dev/null || [ ! -e /sys/module/tlsh ]; }
[ -z "$loaded" ] || wait_until 10 rmmod_tlsh || case_fail tlsh.ko "rmmod tlsh: still in use"
bad=$(dmesg | tail -n +"$((dmesg_lines + 1))" |
	grep -E 'BUG:|WARNING:|Oops|general protection|refcount_t:|list_(add|del) corruption' || true)
[ -z "$bad" ] || case_fail kernel "the kernel log says: $(head -c 300 <<<"$bad")"

if [ ${#failed[@]} -gt 0 ]; then
	log "${#failed[@]} failure(s):"
	for f in "${failed[@]}"; do log "  $f"; done
	exit 1
fi
log "all cases ok"
