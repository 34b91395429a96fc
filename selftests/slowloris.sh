#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Slowloris, in the test VM (root, cwd = repository root): one address
# (127.0.0.2) opens thousands of connections to an attached listener, half
# of them silent, half stalled after 11 bytes of a ClientHello, reopening
# each one the server side closes (selftests/lib/flood.py slowloris). Meanwhile
# a client from another address (127.0.0.1) makes 20 sequential TLS fetches:
# each must succeed within a few seconds, and the daemon's memory must stay
# bounded. The module's bounds (max_per_addr, silent_timeout_ms, max_held)
# are what make this pass; it runs with their defaults.
#
#   TLSH_VM_TESTS=selftests/slowloris.sh make check-vm
# SLOWLORIS_PARAMS="max_per_addr=8 silent_timeout_ms=500" sets tlsh.ko
# parameters first; SLOWLORIS_SECS (default 45) bounds the attack.
set -u
cd "$(dirname "$0")/.."

. selftests/lib/e2e.sh
e2e_tmp
PORT=12443
flood_setup 7 "$PORT"
SECS=${SLOWLORIS_SECS:-45}
FETCHES=20
PROMPT=5	# seconds a fetch may take during the attack
RSS_MAX_KIB=$((64 * 1024))
# The attacker can hold more than a listener's default max-in-flight (1024)
# plus what its held connections' timeouts free in $PROMPT seconds.
CONC=3000	# the attacker's open connections at most
RATE=250	# and new ones per second

dmesg_from=$(dmesg | wc -l)
PARAMS=/sys/module/tlsh/parameters
for kv in ${SLOWLORIS_PARAMS:-}; do
	echo "${kv#*=}" >"$PARAMS/${kv%%=*}" || note "cannot set $kv"
done
params=
for k in max_per_addr silent_timeout_ms max_held; do
	params+="$k=$(cat "$PARAMS/$k" 2>/dev/null || echo missing) "
done
note "tlsh.ko parameters: $params"

start_daemon || { echo "Bail out! daemon did not start"; exit 1; }
id=$("$TH" attach --port "$PORT" --cert "$CERT" --key "$KEY" 2>&1)
check "the token server's port is attached ($id)" match "$id" "+([0-9])"

res=$("$PY" "$FLOOD" fetch "$PORT" "$CA" 2 30 60)
note "before the attack: $(echo "$res" | tail -n 1)"

# ---- the attack ----
"$PY" "$FLOOD" slowloris 127.0.0.2 "$PORT" "$SECS" "$CONC" "$RATE" \
	>"$T/attack.out" 2>&1 &
apid=$!
pids+=("$apid")
sleep 10
note "attack under way: $("$TH" status | grep -E '^(pending|in-flight|ready) ' | tr '\n' ' ')"
"$PY" "$FLOOD" fetch "$PORT" "$CA" "$FETCHES" 10 $((SECS - 14)) >"$T/fetch.out" 2>&1 &
fpid=$!
pids+=("$fpid")
rss_max=0
i=0
while kill -0 "$fpid" 2>/dev/null; do
	rss=$(daemon_rss_kib)
	[ "${rss:-0}" -gt "$rss_max" ] && rss_max=$rss
	# every few seconds: what the module holds, the attacker's TCP states
	if [ $((i++ % 4)) = 0 ]; then
		note "t=${SECONDS}s rss ${rss}k $("$TH" status | grep -o 'listener [0-9]*:.*' |
			grep -oE '(pending|in-flight|ready|timed-out|failed) [0-9]+' | tr '\n' ' ')" \
			"127.0.0.2: $(ss -tanH src 127.0.0.2 | awk '{ n[$1]++ } END { for (s in n) printf "%s %d ", s, n[s] }')"
	fi
	sleep 1
done
sed 's/^/# /' "$T/fetch.out"
kill -TERM "$apid" 2>/dev/null	# the fetches are over
wait "$apid"
rss=$(daemon_rss_kib)
[ "${rss:-0}" -gt "$rss_max" ] && rss_max=$rss
sed 's/^/# /' "$T/attack.out"
opened=$(awk '$1 == "slowloris:" { print $3 }' "$T/attack.out")
check "one address tried thousands of connections (${opened:-none})" \
	[ "${opened:-0}" -ge 1000 ]
good=$(grep -c '^fetch [0-9]*: .* ok$' "$T/fetch.out")
check "all $FETCHES fetches from another address succeeded during the attack ($good)" \
	[ "$good" = "$FETCHES" ]
slow=$(awk -v p="$PROMPT" '$1 == "fetch" && $3 + 0 > p' "$T/fetch.out" | wc -l)
check "each took under $PROMPT s ($slow did not)" \
	eval '[ "$slow" = 0 ] && [ "$good" = "$FETCHES" ]'
note "daemon VmRSS at most $((rss_max / 1024)) MiB ($rss_max KiB)"
check "the daemon's memory stayed bounded (VmRSS under $((RSS_MAX_KIB / 1024)) MiB)" \
	[ "$rss_max" -lt "$RSS_MAX_KIB" ]

# ---- afterwards ----
"$TH" detach --port "$PORT" >/dev/null
kill -TERM "$spid"
wait "$spid" 2>/dev/null
kill -TERM "$dpid"
wait "$dpid" 2>/dev/null
dpid=
held() { "$TH" status | awk '$1 ~ /^(pending|in-flight|ready)$/ { n += $2 } END { print n + 0 }'; }
wait_for 100 eval '[ "$(held)" = 0 ]'
check "nothing held afterwards (pending + in-flight + ready: $(held))" [ "$(held)" = 0 ]
reports=$(kernel_reports "$dmesg_from")
[ -z "$reports" ] || echo "$reports" | head -n 40 | sed 's/^/# kernel: /'
check "no kernel BUG/WARNING/KASAN/lockdep report" [ -z "$reports" ]
tap_end 7
