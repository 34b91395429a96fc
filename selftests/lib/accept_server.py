# SPDX-License-Identifier: GPL-2.0
# Servers and clients for the attach selftests (attach_blocked.sh,
# attach_reuseport.sh): plain-TCP servers whose tasks block in accept(2)
# (called through ctypes: the syscall itself, which Python's
# socket.accept() would retry on EINTR), and the TLS and plain clients
# that check them. Not a test itself.
#
# A server logs one line per connection to its log file: "served" (a
# request read in plaintext and answered), "raw" (the first byte read was
# 0x16, a TLS handshake record: the server read a ClientHello), "eintr",
# or what went wrong.
#
#   accept_server.py server PORT LOG MODE N RCVTIMEO
#       MODE threads: one listener on 127.0.0.1:PORT, N threads in accept()
#       MODE prefork: one listener, N forked processes in accept()
#       MODE reuseport: N processes, each with its own SO_REUSEPORT
#            listener on 127.0.0.1:PORT (a reuseport group) and two
#            threads in accept(); process I logs to LOG-I (LOG-I.log
#            for a LOG.log)
#       MODE dual: an IPv4 listener on 127.0.0.1:PORT and an IPv6 one
#            (IPV6_V6ONLY) on [::1]:PORT, N threads in accept() on each;
#            logs LOG-4 and LOG-6
#   accept_server.py clients PORT CA COUNT [HOST [PATH]]
#                                                   COUNT TLS clients at once
#   accept_server.py plain PORT [HOST] [COUNT [PATH]]  COUNT plain fetches
#       With a PATH the request is HTTP/1.0 (for a real web server, serving
#       the payload as PATH), and the answer's body is compared
#   accept_server.py payload FILE                   writes the payload
#   accept_server.py stall PORT FLAG    a raw client: connects, sends half
#       a ClientHello, creates FLAG and waits (until killed)
#   accept_server.py garbage PORT       a client sending plaintext (a
#       request) instead of a ClientHello; prints how the connection ended
#   accept_server.py join PORT [AFTER]              a socket joining the
#       reuseport group on 127.0.0.1:PORT: bind, then (once the file AFTER
#       exists) listen; prints "joined" or "refused at bind|listen: ERRNO"
import ctypes, errno, os, socket, ssl, struct, sys, threading, time

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

def listener(port, family=socket.AF_INET, reuseport=False, rcvtimeo=0):
    s = socket.socket(family)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuseport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if family == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    if rcvtimeo:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                     struct.pack("ll", rcvtimeo, 0))
    s.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", port))
    s.listen(128)
    return s

listeners = []    # keeps the sockets (and their fds) open

def accept_threads(s, logf, n):
    listeners.append(s)
    for _ in range(n):
        threading.Thread(target=accept_loop, args=(s.fileno(), logf),
                         daemon=True).start()

def sublog(logf, tag):
    # x.log -> x-TAG.log
    base, ext = os.path.splitext(logf)
    return "%s-%s%s" % (base, tag, ext)

def forever():
    while True:
        time.sleep(60)

def server(port, logf, mode, n, rcvtimeo):
    if mode == "reuseport":
        for i in range(n):
            if os.fork() == 0:
                libc.prctl(1, 9)    # PR_SET_PDEATHSIG, SIGKILL
                accept_threads(listener(port, reuseport=True),
                               sublog(logf, i), 2)
                forever()
        forever()
    if mode == "dual":
        accept_threads(listener(port), sublog(logf, 4), n)
        accept_threads(listener(port, socket.AF_INET6), sublog(logf, 6), n)
        forever()
    s = listener(port, rcvtimeo=rcvtimeo)
    if mode == "prefork":
        for _ in range(n):
            if os.fork() == 0:
                libc.prctl(1, 9)    # PR_SET_PDEATHSIG, SIGKILL
                accept_loop(s.fileno(), logf)
                os._exit(0)
        forever()
    accept_threads(s, logf, n)
    forever()

def fetch(s, i, path=None):
    # Send one request on s, read the answer up to EOF (or TLS EOF).
    if path:
        s.sendall(b"GET %s?%s HTTP/1.0\r\nHost: localhost\r\n\r\n" %
                  (path.encode(), str(i).encode()))
    else:
        s.sendall(b"GET %s\n" % str(i).encode())
    chunks = []
    try:
        for d in iter(lambda: s.recv(65536), b""):
            chunks.append(d)
    except ssl.SSLEOFError:
        pass
    got = b"".join(chunks)
    if path:
        head, _, got = got.partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200 "):
            return "answer %r" % head[:40]
    return got == PAYLOAD or "wrong payload (%d bytes)" % len(got)

def clients(port, ca, count, host, path=None):
    # count TLS clients at once; over IPv4 from 8 loopback addresses.
    ctx = ssl.create_default_context(cafile=ca)
    start = threading.Barrier(count)
    out = {}
    def one(i):
        try:
            start.wait(timeout=60)
            src = None if ":" in host else ("127.0.0.%d" % (1 + i % 8), 0)
            raw = socket.create_connection((host, port), timeout=120,
                                           source_address=src)
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                out[i] = fetch(s, i, path)
        except Exception as e:
            out[i] = repr(e)
    ts = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for t in ts: t.start()
    for t in ts: t.join()
    for r in set(r for r in out.values() if r is not True):
        print("client error:", r)
    print("completed", sum(1 for r in out.values() if r is True))

def plain(port, host, count, path=None):
    good = 0
    for i in range(count):
        with socket.create_connection((host, port), timeout=30) as s:
            good += fetch(s, "plain", path) is True
    print("plain", "ok" if good == count else "bad (%d of %d)" % (good, count))

def stall(port, flag):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
    open(flag, "w").close()
    forever()

def garbage(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    s.sendall(b"GET 0\n")
    data, how = b"", "eof"
    try:
        for d in iter(lambda: s.recv(65536), b""):
            data += d
    except OSError as e:
        how = type(e).__name__
    print("closed", how, "served" if PAYLOAD[:16] in data else "unserved")

def join(port, after):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    step = "bind"
    try:
        s.bind(("127.0.0.1", port))
        print("bound", flush=True)
        while after and not os.path.exists(after):
            time.sleep(0.05)
        step = "listen"
        s.listen(16)
        print("joined")
    except OSError as e:
        print("refused at %s: %s" % (step, errno.errorcode.get(e.errno, e.errno)))
    s.close()

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "server":
        server(int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]),
               int(sys.argv[6]))
    elif cmd == "clients":
        clients(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]),
                sys.argv[5] if len(sys.argv) > 5 else "127.0.0.1",
                sys.argv[6] if len(sys.argv) > 6 else None)
    elif cmd == "plain":
        plain(int(sys.argv[2]),
              sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1",
              int(sys.argv[4]) if len(sys.argv) > 4 else 1,
              sys.argv[5] if len(sys.argv) > 5 else None)
    elif cmd == "payload":
        with open(sys.argv[2], "wb") as f:
            f.write(PAYLOAD)
    elif cmd == "stall":
        stall(int(sys.argv[2]), sys.argv[3])
    elif cmd == "garbage":
        garbage(int(sys.argv[2]))
    elif cmd == "join":
        join(int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None)
