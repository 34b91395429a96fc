#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `tlshelper daemon` under overload, in the test VM: one worker, a short
# handshake deadline, and many more curl clients started at once than it
# can finish in time. A daemon that advances every claimed handshake
# together lets nearly all of them miss the deadline (throughput collapses
# to ~0); one that advances a bounded number at a time, oldest first, keeps
# finishing handshakes at its sequential rate while the module times out
# the rest. The test measures that rate first, so it holds on a slow or a
# fast VM. TAP output.
#
#   scripts/vm-run.sh -t 600 -- selftests/daemon_overload.sh
# TLSHELPER=path picks another build of tlshelper (e.g. an older one);
# OVERLOAD_CLIENTS=N the number of clients (default 40);
# OVERLOAD_DAEMON_ARGS more daemon options (e.g. --max-active N).
set -u
cd "$(dirname "$0")/.."

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
T=$(mktemp -d /tmp/tlsh-overload.XXXXXX)
export TLSH_DAEMON_DIR=$T/run
cp "${TLSHELPER:-build/tlshelper}" "$T/tlshelper"
TH=$T/tlshelper

. selftests/lib/e2e.sh
echo "TAP version 13"
echo "1..4"

PORT=9443
DEADLINE_MS=5000
CLIENTS=${OVERLOAD_CLIENTS:-40}

if [ ! -e /sys/module/tlsh ]; then
	insmod "${TLSH_KO:-kmod/tlsh.ko}" || { echo "Bail out! cannot load tlsh.ko"; exit 1; }
fi
gen_certs || { echo "Bail out! cannot make certificates"; exit 1; }

# A small HTTP server that waits in select(), never blocked in accept().
cat >"$T/server.py" <<'PYEOF'
import select, socket, sys, threading
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1024)
def handle(c):
    try:
        c.settimeout(30)
        req = b""
        while b"\r\n\r\n" not in req:
            d = c.recv(4096)
            if not d:
                return
            req += d
        c.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
    except Exception:
        pass
    finally:
        c.close()
while True:
    select.select([s], [], [])
    c, _ = s.accept()
    threading.Thread(target=handle, args=(c,), daemon=True).start()
PYEOF
"$PY" "$T/server.py" "$PORT" >"$T/server.log" 2>&1 &
pids+=($!)
wait_listen "$PORT" || { echo "Bail out! the server does not listen"; exit 1; }

check "daemon starts with one worker" start_daemon --workers 1 ${OVERLOAD_DAEMON_ARGS:-}
id=$("$TH" attach --port "$PORT" --cert "$CERT" --key "$KEY" \
	--timeout "$DEADLINE_MS" 2>"$T/attach.err")
check "attach with a ${DEADLINE_MS} ms handshake deadline" match "$id" "[1-9]*([0-9])"

fetch() {	# OUT: one HTTPS request, body to OUT
	curl -sS --cacert "$CA" --max-time 30 "https://localhost:$PORT/" \
		-o "$1" 2>"$1.err"
}
ms_now() { echo $(($(date +%s%N) / 1000000)); }

# The sequential rate: handshakes (+ a request) one after another.
fetch "$T/warm" # the first one loads kTLS's crypto
start=$(ms_now)
seq_ok=0
for i in 1 2 3 4; do
	fetch "$T/seq$i" && [ "$(cat "$T/seq$i")" = ok ] && seq_ok=$((seq_ok + 1))
done
per=$((($(ms_now) - start) / 4))
[ "$per" -gt 0 ] || per=1
check "4 sequential clients succeed ($per ms each)" [ "$seq_ok" = 4 ]

# What the daemon can finish within one deadline at that rate.
capacity=$((DEADLINE_MS / per))
note "capacity within ${DEADLINE_MS} ms: about $capacity handshakes; starting $CLIENTS clients"
start=$(ms_now)
cpids=()
for ((i = 0; i < CLIENTS; i++)); do
	fetch "$T/c$i" &
	cpids+=($!)
done
for p in "${cpids[@]}"; do
	wait "$p"
done
elapsed=$(($(ms_now) - start))
good=0
for ((i = 0; i < CLIENTS; i++)); do
	[ "$(cat "$T/c$i" 2>/dev/null)" = ok ] && good=$((good + 1))
done
want=$capacity
[ "$want" -le "$CLIENTS" ] || want=$CLIENTS
want=$(((want + 1) / 2))
[ "$want" -ge 2 ] || want=2
note "$good of $CLIENTS clients succeeded in $elapsed ms (want >= $want)"
note "daemon: $(grep -c ': ok TLS' "$T/daemon.log") ok, $(grep -c 'handshake timeout' "$T/daemon.log") timed out in the daemon"
"$TH" status 2>/dev/null | grep -E '^(listener|timed-out|failed)' | sed 's/^/# /'
grep -m3 ': failed: ' "$T/daemon.log" | sed 's/^/# /'
check "overloaded: at least half of what fits in one deadline completes, not ~0" \
	[ "$good" -ge "$want" ]

[ "$failures" = 0 ]
