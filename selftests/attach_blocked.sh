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
# reads a ClientHello. The servers call accept(2) through ctypes: the
# syscall itself, which Python's socket.accept() would retry on EINTR.
# TAP output.
#
#   scripts/vm-run.sh -- selftests/attach_blocked.sh
set -u
cd "$(dirname "$0")/.."

T=$(mktemp -d /tmp/tlsh-blocked.XXXXXX)
TH=$T/tlshelper	# a private copy, like the other e2e scripts
cp "${TLSHELPER:-build/tlshelper}" "$TH"
export TLSH_DAEMON_DIR=$T/run
. selftests/lib/e2e.sh
echo "TAP version 13"
echo "1..14"

cat >"$T/blocked.py" <<'PYEOF'
import ctypes, os, socket, ssl, struct, sys, threading, time

libc = ctypes.CDLL(None, use_errno=True)
PAYLOAD = bytes((i * 7 + 3) & 0xff for i in range(48 * 1024))

def log(path, line):
    # One write() of a short line on O_APPEND: whole lines, any process.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, (line + "\n").encode())
    os.close(fd)

def handle(c, logf):
    # Attached: the first bytes are the client's request, decrypted. A
    # 0x16 first byte is a TLS handshake record: a raw ClientHello.
    try:
        c.settimeout(60)
        req = c.recv(4096)
        if req[:1] != b"\x16" and not req.endswith(b"\n"):
            with c.makefile("rb") as f:
                req += f.readline()
        if req[:1] == b"\x16":
            log(logf, "raw")
        elif req.startswith(b"GET"):
            log(logf, "served")
            c.sendall(PAYLOAD)
        else:
            log(logf, "bad %r" % req[:16])
    except Exception as e:
        log(logf, "error %r" % e)
    finally:
        c.close()

def accept_loop(lfd, logf):
    while True:
        fd = libc.accept(lfd, None, None)
        if fd < 0:
            e = ctypes.get_errno()
            log(logf, "eintr" if e == 4 else "accept-error %d" % e)
            if e == 4:
                continue
            return
        c = socket.socket(fileno=fd)
        threading.Thread(target=handle, args=(c, logf), daemon=True).start()

def server(port, logf, mode, n, rcvtimeo):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if rcvtimeo:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                     struct.pack("ll", rcvtimeo, 0))
    s.bind(("127.0.0.1", port))
    s.listen(128)
    lfd = s.fileno()
    if mode == "prefork":
        for _ in range(n):
            if os.fork() == 0:
                libc.prctl(1, 9)    # PR_SET_PDEATHSIG, SIGKILL
                accept_loop(lfd, logf)
                os._exit(0)
        while True:
            time.sleep(60)
    for _ in range(n):
        threading.Thread(target=accept_loop, args=(lfd, logf),
                         daemon=True).start()
    while True:
        time.sleep(60)

def fetch(s, i):
    # Send one request on s, read the answer up to EOF (or TLS EOF).
    s.sendall(b"GET %s\n" % str(i).encode())
    chunks = []
    try:
        for d in iter(lambda: s.recv(65536), b""):
            chunks.append(d)
    except ssl.SSLEOFError:
        pass
    got = b"".join(chunks)
    return got == PAYLOAD or "wrong payload (%d bytes)" % len(got)

def clients(port, ca, count):
    # count TLS clients at once, from 8 loopback addresses.
    ctx = ssl.create_default_context(cafile=ca)
    start = threading.Barrier(count)
    out = {}
    def one(i):
        try:
            start.wait(timeout=60)
            raw = socket.create_connection(
                ("127.0.0.1", port), timeout=120,
                source_address=("127.0.0.%d" % (1 + i % 8), 0))
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                out[i] = fetch(s, i)
        except Exception as e:
            out[i] = repr(e)
    ts = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in ts: t.start()
    for t in ts: t.join()
    for r in set(r for r in out.values() if r is not True):
        print("client error:", r)
    print("completed", sum(1 for r in out.values() if r is True))

def plain(port):
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        print("plain", "ok" if fetch(s, "plain") is True else "bad")

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "server":
        server(int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]),
               int(sys.argv[6]))
    elif cmd == "clients":
        clients(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
    elif cmd == "plain":
        plain(int(sys.argv[2]))
PYEOF

gen_certs || { echo "Bail out! cannot make certificates"; exit 1; }
[ -e /sys/module/tlsh ] || insmod "${TLSH_KO:-kmod/tlsh.ko}" ||
	{ echo "Bail out! cannot load tlsh.ko"; exit 1; }
# The debug kernel is slow: 50 handshakes at once must not time out
# (a client's ClientHello may come late: no silent deadline either).
echo 0 >/sys/module/tlsh/parameters/silent_timeout_ms
start_daemon || { echo "Bail out! the daemon did not start"; exit 1; }
dmesg_from=$(dmesg | wc -l)

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

# serve NAME PORT MODE N RCVTIMEO: the server, with N tasks blocked in
# accept() before this returns; its log is $T/NAME.log.
serve() {
	python3 "$T/blocked.py" server "$2" "$T/$1.log" "$3" "$4" "$5" &
	pids+=($!)
	eval "${1}_pid=$!"
	wait_listen "$2" && wait_for 100 blocked "$!" "$4"
}
attach() {	# PORT: attach it, or say why not
	local out rc
	out=$("$TH" attach --port "$1" --cert "$CERT" --key "$KEY" \
		--timeout 120000 2>&1)
	rc=$?
	note "attach --port $1: exit $rc: $out"
	[ $rc -eq 0 ]
}
served_all() {	# NAME PORT COUNT: COUNT concurrent TLS clients, all served
	local out
	out=$(python3 "$T/blocked.py" clients "$2" "$CA" "$3" 2>&1)
	note "$1: $(printf '%s' "$out" | tr '\n' ' ')"
	match "$out" "*completed $3"
}
count() { grep -c "^$2\$" "$T/$1.log" 2>/dev/null || true; }	# NAME WORD
no_raw() {	# NAME: the server never read a ClientHello, nor anything odd
	note "$1 log: $(sort "$T/$1.log" 2>/dev/null | uniq -c | tr '\n' ' ')"
	[ "$(count "$1" raw)" = 0 ] &&
		! grep -q "^bad\|^error\|^accept-error" "$T/$1.log" 2>/dev/null
}

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
	out=$(python3 "$T/blocked.py" plain 9571 2>&1)
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
