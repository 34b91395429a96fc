#!/usr/bin/env bash
# make bench: tlshelper's handshake cost and kTLS bulk throughput side by
# side with OpenSSL and GnuTLS, measured in this one run on this machine.
#
# Host part (the handshake needs no kTLS): each server pinned to CPU 0,
# build/bench/loadgen (a GnuTLS client) on CPU 1 driving fresh full
# handshakes (no tickets) over loopback, and resumed ones (each server
# sends one ticket per handshake; loadgen -R resumes one session).
#   - server CPU (user + system, /proc/PID/stat) per completed handshake,
#     full and resumed, and handshakes per second, for tlshelper (the
#     daemon's handshake loop, build/bench/hs-server), `openssl s_server`
#     and `gnutls-serv`;
#   - the same servers' instructions per handshake under callgrind;
#   - the floors: nettle's public-key work for one handshake
#     (build/bench/floor) and the kernel's TCP work for one connection of
#     the same shape (build/bench/tcp-floor);
#   - tlshelper's memory per in-flight handshake: 1,000 clients that stall
#     after their ClientHello.
# VM part (kTLS): scripts/bench/vm-bulk.sh in the test VM.
#
# Prints a Markdown report on stdout (also build/bench/report.md).
# Environment: BENCH_SECONDS (per measurement, default 2), BENCH_REPS
# (default 3, the median is reported), BENCH_NO_VM=1, BENCH_NO_CALLGRIND=1,
# BENCH_OUT (raw outputs, default build/bench/out), BENCH_REPORT.
set -euo pipefail
cd "$(dirname "$0")/.."

B=build/bench
OUT=${BENCH_OUT:-$B/out}
REPORT=${BENCH_REPORT:-$B/report.md}
SECONDS_EACH=${BENCH_SECONDS:-2}
REPS=${BENCH_REPS:-3}
PORT=19443
CG_WARM=5
CG_N=20
STALL_N=1000

mkdir -p "$OUT"
rm -f "$OUT"/*
T=$(mktemp -d /tmp/tlsh-bench.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

for p in "$B/loadgen" "$B/hs-server" "$B/floor" "$B/tcp-floor"; do
	[ -x "$p" ] || die "$p is missing (run make bench-progs)"
done
command -v valgrind >/dev/null || [ -n "${BENCH_NO_CALLGRIND:-}" ] ||
	die "valgrind is missing (scripts/deps.sh installs it)"

if [ "$(nproc)" -ge 2 ]; then
	PIN_SERVER=(taskset -c 0)
	PIN_CLIENT=(taskset -c 1)
else
	PIN_SERVER=()
	PIN_CLIENT=()
fi

# ---- a throwaway PKI: one CA, an ECDSA P-256 and an RSA-2048 leaf ----
selftests/lib/pki.sh "$T" ecdsa rsa:rsa 2>/dev/null || { echo "bench: no PKI" >&2; exit 1; }

# ---- the cases ----
CASES=(tls13-ecdsa tls13-rsa tls12-ecdsa)
declare -A CASE_TITLE=(
	[tls13-ecdsa]="TLS 1.3, X25519, ECDSA P-256"
	[tls13-rsa]="TLS 1.3, X25519, RSA-2048 (PSS)"
	[tls12-ecdsa]="TLS 1.2, ECDHE-ECDSA (X25519, P-256), AES-128-GCM"
)
declare -A CASE_PRIO=(
	[tls13-ecdsa]="NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X25519:-CIPHER-ALL:+AES-128-GCM:-SIGN-ALL:+SIGN-ECDSA-SECP256R1-SHA256"
	[tls13-rsa]="NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X25519:-CIPHER-ALL:+AES-128-GCM:-SIGN-ALL:+SIGN-RSA-PSS-RSAE-SHA256"
	[tls12-ecdsa]="NORMAL:-VERS-ALL:+VERS-TLS1.2:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:-CIPHER-ALL:+AES-128-GCM:-KX-ALL:+ECDHE-ECDSA:-SIGN-ALL:+SIGN-ECDSA-SHA256"
)
declare -A CASE_CERT=([tls13-ecdsa]=ecdsa [tls13-rsa]=rsa [tls12-ecdsa]=ecdsa)
declare -A CASE_SIG=([tls13-ecdsa]=ecdsa [tls13-rsa]=rsa [tls12-ecdsa]=ecdsa)
SERVERS=(tlshelper openssl gnutls)
declare -A SERVER_TITLE=([tlshelper]="tlshelper" [openssl]="OpenSSL s_server" [gnutls]="gnutls-serv")

# The server command line for a case, into CMD (the report shows it).
# MODE full (default): no tickets at all; resumed: one ticket per
# handshake (TLS 1.3 NewSessionTicket, TLS 1.2 RFC 5077), the servers' own
# ticket keys (tlshelper: a random in-memory key, as the daemon's default).
server_cmd() {	# SERVER CASE PORT [MODE]
	local cert=$T/${CASE_CERT[$2]} tk
	case $1.${4:-full} in
	tlshelper.full) tk=() ;;
	tlshelper.resumed) tk=(--tickets 1) ;;
	openssl.full) tk=(-num_tickets 0 -no_ticket) ;;
	openssl.resumed) tk=(-num_tickets 1) ;;
	gnutls.full) tk=(--noticket) ;;
	gnutls.resumed) tk=() ;;
	esac
	case $1 in
	tlshelper)
		CMD=("$B/hs-server" "$3" --cert "$cert.pem" --key "$cert.key" --workers 1
		     "${tk[@]}") ;;
	openssl)
		CMD=(openssl s_server -accept "$3" -cert "$cert.pem" -key "$cert.key"
		     -www -quiet "${tk[@]}" -naccept 100000000) ;;
	gnutls)
		CMD=(gnutls-serv -p "$3" --x509certfile "$cert.pem"
		     --x509keyfile "$cert.key" "${tk[@]}" -a -q) ;;
	esac
}
# The load generator's options for a mode.
mode_opt() { [ "${1:-full}" = resumed ] && echo -R || true; }

# The command line as the report shows it: the temp dir as $PKI.
show_cmd() { local s="$*"; printf '%s' "${s//$T/\$PKI}"; }

wait_port() {	# PORT PID
	local i
	for i in $(seq 1 400); do
		ss -Hltn "sport = :$1" | grep -q . && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
user_ticks() { awk '{print $14}' "/proc/$1/stat"; }

# Median of the numbers on stdin.
median() { sort -g | awk '{a[NR] = $1} END {if (NR) print a[int((NR + 1) / 2)]}'; }

TICK=$(getconf CLK_TCK)

# One CPU measurement: prints "us_per_hs user_share hs_per_s". MODE
# resumed: every measured handshake resumes (loadgen -R fails one that
# does not).
measure_cpu() {	# SERVER CASE PORT MODE
	local pid port=$3 c0 c1 u0 u1 res ok secs lg
	lg=("$B/loadgen" "127.0.0.1:$port" -c 8 -q -p "${CASE_PRIO[$2]}")
	# Resumed: the warm-up primes the session, the measured run reuses it.
	rm -f "$OUT/session.$1.$2"
	[ "$4" = resumed ] && lg+=(-R -S "$OUT/session.$1.$2")
	server_cmd "$1" "$2" "$port" "$4"
	"${PIN_SERVER[@]}" "${CMD[@]}" </dev/null >/dev/null 2>"$OUT/$1.$2.$4.err" &
	pid=$!
	trap 'kill "${pid:-}" 2>/dev/null || true' EXIT	# this runs in $(...)
	wait_port "$port" "$pid" || die "$1 did not start for $2: $(tail -3 "$OUT/$1.$2.$4.err")"
	"${PIN_CLIENT[@]}" "${lg[@]}" -n 50 >/dev/null ||
		die "$1 $2 $4: warm-up handshakes failed"
	c0=$(cpu_ticks "$pid")
	u0=$(user_ticks "$pid")
	res=$("${PIN_CLIENT[@]}" "${lg[@]}" -d "$SECONDS_EACH") ||
		die "$1 $2 $4: handshakes failed: $res"
	c1=$(cpu_ticks "$pid")
	u1=$(user_ticks "$pid")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	ok=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' <<<"$res")
	secs=$(sed -n 's/.*seconds=\([0-9.]*\).*/\1/p' <<<"$res")
	[ "${ok:-0}" -gt 0 ] || die "$1 $2 $4: no handshake completed"
	awk -v c="$((c1 - c0))" -v u="$((u1 - u0))" -v n="$ok" -v s="$secs" -v t="$TICK" \
		'BEGIN {printf "%.1f %.2f %.1f\n", c * 1e6 / t / n, c ? u / c : 0, n / s}'
}

# Instructions per handshake: zero the counters after a warm-up, dump
# after CG_N handshakes (callgrind_control), read the dump's total.
measure_instr() {	# SERVER CASE PORT MODE
	local pid port=$3 out=$OUT/cg.$1.$2.$4 tot lg
	lg=("$B/loadgen" "127.0.0.1:$port" -c 1 -q -p "${CASE_PRIO[$2]}")
	# Resumed: the full handshake that primes the session is in the warm-up.
	rm -f "$OUT/session.cg.$1.$2"
	[ "$4" = resumed ] && lg+=(-R -S "$OUT/session.cg.$1.$2")
	server_cmd "$1" "$2" "$port" "$4"
	valgrind --tool=callgrind --callgrind-out-file="$out" "${CMD[@]}" \
		</dev/null >/dev/null 2>"$out.err" &
	pid=$!
	trap 'kill "${pid:-}" 2>/dev/null || true' EXIT	# this runs in $(...)
	wait_port "$port" "$pid" || die "$1 did not start under callgrind"
	"${lg[@]}" -n "$CG_WARM" >/dev/null || die "$1 $2 $4: callgrind warm-up failed"
	callgrind_control -z "$pid" >/dev/null
	"${lg[@]}" -n "$CG_N" >/dev/null || die "$1 $2 $4: handshakes under callgrind failed"
	callgrind_control -d "$pid" >/dev/null
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	tot=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$out.1" 2>/dev/null | head -1)
	[ -n "$tot" ] || die "$1 $2 $4: no callgrind dump"
	echo $((tot / CG_N))
}

declare -A CPU USHARE HSPS INSTR FLOOR_CPU FLOOR_INSTR MEM MEM_N TCP_AT

# ---- floors ----
log "floors: nettle's public-key work, the kernel's TCP work"
for sig in ecdsa rsa none; do
	n=2000
	[ $sig = rsa ] && n=200
	vals=()
	for r in $(seq 1 "$REPS"); do
		v=$("${PIN_SERVER[@]}" "$B/floor" $sig $n | sed -n 's/.*cpu_us=\([0-9.]*\).*/\1/p')
		vals+=("$v")
	done
	FLOOR_CPU[$sig]=$(printf '%s\n' "${vals[@]}" | median)
	if [ -z "${BENCH_NO_CALLGRIND:-}" ]; then
		n=20
		[ $sig = rsa ] && n=5
		valgrind --tool=callgrind --toggle-collect=floor_loop \
			--callgrind-out-file="$OUT/cg.floor.$sig" "$B/floor" $sig $n \
			>/dev/null 2>"$OUT/cg.floor.$sig.err"
		tot=$(sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$OUT/cg.floor.$sig" | head -1)
		# floor_loop runs a warm-up of min(n, 10) before the n measured.
		FLOOR_INSTR[$sig]=$((tot / (n + (n < 10 ? n : 10))))
	fi
done
# The kernel's TCP work per connection of a handshake's shape: flat out,
# or paced at RATE connections per second (loadgen -t), the rate a TLS
# server reached, so that the floor idles and wakes up as that server did.
measure_tcp_floor() {	# PORT [RATE]
	local pid c0 c1 res ok pace=()
	[ -n "${2:-}" ] && pace=(-t "$2")
	"${PIN_SERVER[@]}" "$B/tcp-floor" "$1" &
	pid=$!
	trap 'kill "${pid:-}" 2>/dev/null || true' EXIT	# this runs in $(...)
	wait_port "$1" "$pid" || die "tcp-floor did not start"
	c0=$(cpu_ticks "$pid")
	res=$("${PIN_CLIENT[@]}" "$B/loadgen" "127.0.0.1:$1" -P -c 8 -d "$SECONDS_EACH" -q \
		"${pace[@]}") || die "tcp-floor: $res"
	c1=$(cpu_ticks "$pid")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	ok=$(sed -n 's/.*ok=\([0-9]*\).*/\1/p' <<<"$res")
	awk -v c="$((c1 - c0))" -v n="$ok" -v t="$TICK" 'BEGIN {printf "%.1f\n", c * 1e6 / t / n}'
}
vals=()
for r in $(seq 1 "$REPS"); do
	port=$((PORT++))
	vals+=("$(measure_tcp_floor $port)") || exit 1
done
TCP_FLOOR=$(printf '%s\n' "${vals[@]}" | median)

# ---- handshake CPU, interleaved so that drift hits every server and mode
# alike. Keys: SERVER.CASE for full handshakes, SERVER.CASE.resumed. ----
MODES=(full resumed)
mode_key() { [ "$1" = full ] || echo ".$1"; }	# MODE: the key suffix
run_median() {	# KEY COLUMN: the median over the runs of one column
	local r
	for r in $(seq 1 "$REPS"); do echo "${runs[$1.$r]}"; done |
		awk -v c="$2" '{print $c}' | median
}

for case in "${CASES[@]}"; do
	declare -A runs=()
	for r in $(seq 1 "$REPS"); do
		for s in "${SERVERS[@]}"; do
			for m in "${MODES[@]}"; do
				log "handshakes: $case, $s, $m (run $r of $REPS)"
				port=$((PORT++))
				runs[$s.$case$(mode_key $m).$r]=$(measure_cpu "$s" "$case" $port $m) ||
					exit 1
			done
		done
		# The TCP floor at the rate tlshelper just reached, in this run.
		for m in "${MODES[@]}"; do
			k=$case$(mode_key $m)
			rate=$(awk '{print $3}' <<<"${runs[tlshelper.$k.$r]}")
			log "TCP floor at ${rate}/s: $case, $m (run $r of $REPS)"
			port=$((PORT++))
			runs[tcp.$k.$r]=$(measure_tcp_floor $port "$rate") || exit 1
		done
	done
	for s in "${SERVERS[@]}"; do
		for m in "${MODES[@]}"; do
			k=$s.$case$(mode_key $m)
			CPU[$k]=$(run_median "$k" 1)
			USHARE[$k]=$(run_median "$k" 2)
			HSPS[$k]=$(run_median "$k" 3)
		done
	done
	for m in "${MODES[@]}"; do
		k=$case$(mode_key $m)
		TCP_AT[$k]=$(run_median "tcp.$k" 1)
	done
	unset runs
done

# ---- instructions ----
if [ -z "${BENCH_NO_CALLGRIND:-}" ]; then
	for case in "${CASES[@]}"; do
		for s in "${SERVERS[@]}"; do
			for m in "${MODES[@]}"; do
				log "callgrind: $case, $s, $m"
				port=$((PORT++))
				INSTR[$s.$case$(mode_key $m)]=$(measure_instr "$s" "$case" $port $m) ||
					exit 1
			done
		done
	done
fi

# ---- memory per in-flight handshake ----
log "memory: $STALL_N clients stalled after their ClientHello"
# RSS growth per stalled client; "-" (and a note on stderr) if it failed.
measure_mem() {	# SERVER PORT
	local pid lg rss0 rss1 stalled i out=$OUT/mem.$1
	server_cmd "$1" tls13-ecdsa "$2"
	"${CMD[@]}" </dev/null >/dev/null 2>"$out.err" &
	pid=$!
	trap 'kill "${pid:-}" 2>/dev/null || true' EXIT	# this runs in $(...)
	wait_port "$2" "$pid" || { log "$1 did not start for the memory test"; echo -; return; }
	rss0=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
	"$B/loadgen" "127.0.0.1:$2" -n "$STALL_N" -s 4 -q \
		-p "${CASE_PRIO[tls13-ecdsa]}" >"$out.out" &
	lg=$!
	for i in $(seq 1 200); do
		grep -q stalled= "$out.out" && break
		sleep 0.05
	done
	sleep 1	# the server answers the last ClientHellos
	rss1=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
	wait "$lg" 2>/dev/null || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	stalled=$(sed -n 's/stalled=//p' "$out.out")
	if [ "${stalled:-0}" != "$STALL_N" ] || [ "$rss1" = 0 ]; then
		log "$1: only ${stalled:-0} of $STALL_N clients stalled"
		echo -
		return
	fi
	awk -v a="$rss0" -v b="$rss1" -v n="$stalled" 'BEGIN {printf "%.1f", (b - a) / n}'
}
for s in tlshelper gnutls; do
	port=$((PORT++))
	MEM[$s]=$(measure_mem $s $port)
done

# ---- bulk, in the VM ----
BULK_OK=
if [ -z "${BENCH_NO_VM:-}" ]; then
	log "bulk: kTLS in the VM (scripts/bench/vm-bulk.sh)"
	if scripts/vm-run.sh -t 900 -o "$OUT/vm" -- bash scripts/bench/vm-bulk.sh \
		>"$OUT/bulk.txt" 2>"$OUT/bulk.err"; then
		BULK_OK=1
	else
		log "the VM bulk benchmark failed: see $OUT/bulk.err"
	fi
fi

# The VM's "bulk case=... dir=tx|rx ..." lines as two tables (tx: the
# server sends a file; rx: it reads an upload), with ratios to the plain-TCP
# case and to OpenSSL, and for rx the module's cost on the data path: the
# reading program's own CPU through tlsh.ko against a plain kTLS socket.
bulk_report() {	# FILE
	awk '
	function kv(line, k) {
		if (match(line, " " k "=[^ ]*"))
			return substr(line, RSTART + length(k) + 2, RLENGTH - length(k) - 2)
		return ""
	}
	function per_mib(x, mib) { return x == "-" || x == "" || mib <= 0 ? -1 : x * 1000 / mib }
	function fmt(x) { return x < 0 ? "-" : sprintf("%.1f ms", x) }
	function rat(a, b) { return a < 0 || b <= 0 ? "-" : sprintf("%.2f", a / b) }
	{ sub(/\r$/, "") }	# the VM console ends lines with CR LF
	/^bulk / {
		c = kv($0, "case"); d = kv($0, "dir")
		mib = kv($0, "bytes") / 1048576
		wall = kv($0, "wall_s")
		n[d]++; name[d, n[d]] = c
		tput[d, c] = wall > 0 ? mib / wall : 0
		cpu[d, c] = per_mib(kv($0, "server_cpu_s"), mib)
		prog[d, c] = per_mib(kv($0, "program_cpu_s"), mib)
		cmdl[d, c] = $0; sub(/.*cmd="/, "", cmdl[d, c]); sub(/"$/, "", cmdl[d, c])
		total[d] = mib; runs[d] = kv($0, "runs")
	}
	END {
		for (di = 1; di <= 2; di++) {
			d = di == 1 ? "tx" : "rx"
			if (!n[d]) continue
			base = d == "tx" ? "plain-sendfile" : "plain-read"
			if (d == "tx")
				printf "The server sends a file: %d runs, %.0f MiB in all per case, TLS 1.3 AES-128-GCM, the client on the same VM.\n\n", runs[d], total[d]
			else
				printf "\nThe server reads an upload: %d runs, %.0f MiB in all per case.\n\n", runs[d], total[d]
			print "| case | throughput | server CPU per MiB | of which the program | throughput ÷ plain | CPU ÷ plain | CPU ÷ OpenSSL | server |"
			print "|---|---|---|---|---|---|---|---|"
			for (i = 1; i <= n[d]; i++) {
				c = name[d, i]
				printf "| %s | %.1f MiB/s | %s | %s | %s | %s | %s | `%s` |\n", c, tput[d, c],
					fmt(cpu[d, c]), fmt(prog[d, c]), rat(tput[d, c], tput[d, base]),
					rat(cpu[d, c], cpu[d, base]), rat(cpu[d, c], cpu[d, "openssl-WWW"]), cmdl[d, c]
			}
			if (d == "rx" && prog[d, "tlsh.ko-read"] > 0 && prog[d, "ktls-read"] > 0)
				printf "\ntlsh.ko on the receive path (the reading program'"'"'s own CPU per MiB through tlsh.ko'"'"'s wrapped recvmsg ÷ on a plain kTLS socket): **%.2f**.\n", prog[d, "tlsh.ko-read"] / prog[d, "ktls-read"]
		}
	}' "$1"
}

# ---- the report ----
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a > 0 && b > 0) printf "%.2f", a / b; else printf "-"}'; }
{
	echo "## Benchmark: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "Machine: $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
		"Linux $(uname -r); OpenSSL $(openssl version | awk '{print $2}')," \
		"GnuTLS $(gnutls-serv --version 2>/dev/null | head -1 | awk '{print $2}')," \
		"nettle $(pkg-config --modversion nettle)."
	echo
	echo "### Handshakes: server CPU per handshake (user + system), lower is better"
	echo
	echo "Each server pinned to CPU 0, the load generator (GnuTLS, 8 connections" \
		"at a time, fresh full handshakes, no tickets) on CPU 1; median of $REPS" \
		"runs of ${SECONDS_EACH} s. The floor is nettle's public-key work for one" \
		"handshake plus the kernel's TCP work for one connection of the same shape" \
		"at the rate tlshelper reached in the same run (\`tcp-floor\` driven by" \
		"\`loadgen -P -t RATE\`, interleaved with the servers): the client is the" \
		"bottleneck, so a server idles between handshakes and pays for waking up," \
		"and the paced floor does too. Flat out, the TCP floor is ${TCP_FLOOR} us;" \
		"the last ratio column uses that one."
	echo
	echo "| case | floor | tlshelper | OpenSSL | GnuTLS | tlshelper ÷ floor | tlshelper ÷ OpenSSL | tlshelper ÷ GnuTLS | TCP floor at tlshelper's rate | tlshelper ÷ floor with TCP flat out |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	for case in "${CASES[@]}"; do
		pk=${FLOOR_CPU[${CASE_SIG[$case]}]}
		fl=$(awk -v a="$pk" -v b="${TCP_AT[$case]}" 'BEGIN {printf "%.0f", a + b}')
		ff=$(awk -v a="$pk" -v b="$TCP_FLOOR" 'BEGIN {printf "%.0f", a + b}')
		t=${CPU[tlshelper.$case]} o=${CPU[openssl.$case]} g=${CPU[gnutls.$case]}
		printf '| %s | %s us | %.0f us | %.0f us | %.0f us | %s | %s | %s | %.0f us at %.0f/s | %s |\n' \
			"${CASE_TITLE[$case]}" "$fl" "$t" "$o" "$g" \
			"$(ratio "$t" "$fl")" "$(ratio "$t" "$o")" "$(ratio "$t" "$g")" \
			"${TCP_AT[$case]}" "${HSPS[tlshelper.$case]}" "$(ratio "$t" "$ff")"
	done
	echo
	echo "### Resumed handshakes: server CPU per handshake (user + system), lower is better"
	echo
	echo "The same load, every handshake resuming the session of one earlier full" \
		"handshake (\`loadgen -R\`: TLS 1.3 PSK with X25519 (psk_dhe_ke), TLS 1.2" \
		"RFC 5077 ticket; a handshake that does not resume counts as failed). The" \
		"servers send one ticket per handshake under their own ticket keys; measured" \
		"in the same runs as the full handshakes above, interleaved. The floor: no" \
		"signature; TLS 1.3 keeps the X25519 exchange (${FLOOR_CPU[none]} us), TLS 1.2" \
		"has no public-key work; plus the kernel's TCP work at tlshelper's resumed rate."
	echo
	echo "| case | floor | tlshelper | OpenSSL | GnuTLS | tlshelper ÷ floor | tlshelper resumed ÷ full | OpenSSL resumed ÷ full | GnuTLS resumed ÷ full | tlshelper ÷ OpenSSL | tlshelper ÷ GnuTLS |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
	for case in "${CASES[@]}"; do
		t=${CPU[tlshelper.$case.resumed]} o=${CPU[openssl.$case.resumed]}
		g=${CPU[gnutls.$case.resumed]}
		fl=$(awk -v a="${FLOOR_CPU[none]}" -v b="${TCP_AT[$case.resumed]}" -v v="$case" \
			'BEGIN {printf "%.0f", (v ~ /^tls12/ ? 0 : a) + b}')
		printf '| %s | %s us | %.0f us | %.0f us | %.0f us | %s | %s | %s | %s | %s | %s |\n' \
			"${CASE_TITLE[$case]}" "$fl" "$t" "$o" "$g" "$(ratio "$t" "$fl")" \
			"$(ratio "$t" "${CPU[tlshelper.$case]}")" \
			"$(ratio "$o" "${CPU[openssl.$case]}")" \
			"$(ratio "$g" "${CPU[gnutls.$case]}")" \
			"$(ratio "$t" "$o")" "$(ratio "$t" "$g")"
	done
	echo
	echo "Handshakes per second seen by the client (the load generator's own CPU" \
		"can be the limit), and the share of the server's CPU spent in user space:"
	echo
	echo "| case | tlshelper | OpenSSL | GnuTLS |"
	echo "|---|---|---|---|"
	for k in "${CASES[@]}" "${CASES[@]/%/.resumed}"; do
		printf '| %s%s |' "${CASE_TITLE[${k%.resumed}]}" \
			"$([ "$k" = "${k%.resumed}" ] || echo ", resumed")"
		for s in "${SERVERS[@]}"; do
			printf ' %.0f/s (user %.0f%%) |' "${HSPS[$s.$k]}" \
				"$(awk -v u="${USHARE[$s.$k]}" 'BEGIN {print u * 100}')"
		done
		echo
	done
	if [ -z "${BENCH_NO_CALLGRIND:-}" ]; then
		echo
		echo "### Instructions per server handshake (callgrind, user space only)"
		echo
		echo "After $CG_WARM warm-up handshakes the counters are zeroed, then $CG_N" \
			"handshakes are counted (one connection at a time). The floor is the" \
			"same public-key work in nettle alone."
		echo
		echo "| case | floor | tlshelper | OpenSSL | GnuTLS | tlshelper ÷ floor | tlshelper ÷ OpenSSL | tlshelper ÷ GnuTLS |"
		echo "|---|---|---|---|---|---|---|---|"
		for case in "${CASES[@]}"; do
			fl=${FLOOR_INSTR[${CASE_SIG[$case]}]}
			t=${INSTR[tlshelper.$case]} o=${INSTR[openssl.$case]} g=${INSTR[gnutls.$case]}
			printf '| %s | %.2fM | %.2fM | %.2fM | %.2fM | %s | %s | %s |\n' \
				"${CASE_TITLE[$case]}" \
				"$(awk -v x="$fl" 'BEGIN {print x / 1e6}')" \
				"$(awk -v x="$t" 'BEGIN {print x / 1e6}')" \
				"$(awk -v x="$o" 'BEGIN {print x / 1e6}')" \
				"$(awk -v x="$g" 'BEGIN {print x / 1e6}')" \
				"$(ratio "$t" "$fl")" "$(ratio "$t" "$o")" "$(ratio "$t" "$g")"
		done
		echo
		echo "Resumed handshakes, the same way:"
		echo
		echo "| case | floor | tlshelper | OpenSSL | GnuTLS | tlshelper ÷ floor | tlshelper resumed ÷ full | tlshelper ÷ OpenSSL | tlshelper ÷ GnuTLS |"
		echo "|---|---|---|---|---|---|---|---|---|"
		for case in "${CASES[@]}"; do
			t=${INSTR[tlshelper.$case.resumed]} o=${INSTR[openssl.$case.resumed]}
			g=${INSTR[gnutls.$case.resumed]} fl=${FLOOR_INSTR[none]}
			[[ $case = tls12* ]] && fl=0
			printf '| %s | %.2fM | %.2fM | %.2fM | %.2fM | %s | %s | %s | %s |\n' \
				"${CASE_TITLE[$case]}" \
				"$(awk -v x="$fl" 'BEGIN {print x / 1e6}')" \
				"$(awk -v x="$t" 'BEGIN {print x / 1e6}')" \
				"$(awk -v x="$o" 'BEGIN {print x / 1e6}')" \
				"$(awk -v x="$g" 'BEGIN {print x / 1e6}')" \
				"$(ratio "$t" "$fl")" "$(ratio "$t" "${INSTR[tlshelper.$case]}")" \
				"$(ratio "$t" "$o")" "$(ratio "$t" "$g")"
		done
	fi
	echo
	echo "### Memory per in-flight handshake"
	echo
	echo "$STALL_N clients send a TLS 1.3 ClientHello and stall; the server's" \
		"resident set grows by this much per connection (the server has sent its" \
		"flight and waits for the client's Finished)."
	echo
	echo "| server | RSS per in-flight handshake | connections held |"
	echo "|---|---|---|"
	for s in tlshelper gnutls; do
		printf '| %s | %s KiB | %s |\n' "${SERVER_TITLE[$s]}" "${MEM[$s]}" \
			"$([ "${MEM[$s]}" = - ] && echo "failed" || echo "$STALL_N")"
	done
	echo "| OpenSSL s_server | n/a: serves one connection at a time | 1 |"
	if [ -n "$BULK_OK" ]; then
		echo
		echo "### Bulk transfer through kTLS (in the VM)"
		echo
		bulk_report "$OUT/bulk.txt"
	elif [ -z "${BENCH_NO_VM:-}" ]; then
		echo
		echo "### Bulk transfer through kTLS (in the VM): FAILED, see $OUT/bulk.err"
	fi
	echo
	echo "### Commands"
	echo
	echo "Load generator: \`build/bench/loadgen 127.0.0.1:PORT -c 8 -d ${SECONDS_EACH} -p PRIORITY\` (resumed: \`-R\`), with PRIORITY:"
	echo
	for case in "${CASES[@]}"; do
		echo "- ${CASE_TITLE[$case]}: \`${CASE_PRIO[$case]}\`"
	done
	echo
	echo "Servers (\$PKI: the run's throwaway certificates):"
	echo
	for s in "${SERVERS[@]}"; do
		for m in "${MODES[@]}"; do
			server_cmd "$s" tls13-ecdsa PORT $m
			echo "- ${SERVER_TITLE[$s]}, $m handshakes: \`$(show_cmd "${CMD[@]}")\`"
		done
	done
	echo "- floors: \`build/bench/floor ecdsa|rsa N\`, \`build/bench/tcp-floor PORT\` with \`loadgen -P\`"
	echo "- callgrind: \`valgrind --tool=callgrind SERVER...\`, \`callgrind_control -z\` / \`-d\`"
	echo "- memory: \`build/bench/loadgen 127.0.0.1:PORT -n $STALL_N -s 4\`"
} | tee "$REPORT"
