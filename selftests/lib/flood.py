# SPDX-License-Identifier: GPL-2.0
"""Load generators for the VM stress scripts (selftests/chaos.sh,
selftests/slowloris.sh). Not a test itself.

  server CTLDIR PORT...     token server on 127.0.0.1:PORT...; SIGUSR1
                            closes and reopens the port named in
                            CTLDIR/reopen; SIGTERM ends it
  clients SEED SECS MIN HARD TLSPORTS PLAINPORT CA WORKERS GO
                            chaos clients (TLS and plain) for SECS, longer
                            until MIN connections ran, at most HARD s; they
                            start when the file GO exists
  slowloris SRC PORT SECS CONC RATE
                            idle / stalled connections from SRC, for SECS
                            or until SIGTERM
  fetch PORT CA COUNT TIMEOUT BUDGET
                            COUNT sequential TLS fetches, each timed, all
                            within BUDGET seconds

The protocol makes every byte checkable: a client sends "T<hex>\\n" (over
TLS) or "P<hex>\\n" (plain); the server answers "S<sha256(token)>\\n" and
closes. The server also checks that a "T" line arrives only on a socket
with kTLS and a "P" line only on one without, and reports anything else as
a VIOLATION line on stderr.
"""
import errno, hashlib, os, random, resource, select, signal, socket, ssl
import sys, threading, time

TCP_ULP = 31


def answer(token):
    return b"S" + hashlib.sha256(token).hexdigest().encode() + b"\n"


def read_line(s, limit=4096):
    """Up to a newline; only the first read for what is not a token."""
    data = b""
    while b"\n" not in data and len(data) < limit:
        if data and data[:1] not in b"TPS":
            break
        d = s.recv(4096)
        if not d:
            break
        data += d
    return data


# ---- server ----

def server(ctl, ports):
    stats = {"tls": 0, "plain": 0, "hello": 0, "other": 0}
    lock = threading.Lock()
    listeners = {}
    gens = {p: 0 for p in ports}

    def listen(port):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))
        s.listen(4096)
        s.setblocking(False)
        listeners[port] = s
        gens[port] += 1
        with open(os.path.join(ctl, "gen.%d.tmp" % port), "w") as f:
            f.write(str(gens[port]))
        os.rename(os.path.join(ctl, "gen.%d.tmp" % port),
                  os.path.join(ctl, "gen.%d" % port))

    def violation(what):
        print("VIOLATION server:", what, file=sys.stderr, flush=True)

    def handle(c, port):
        kind = "other"
        try:
            c.setblocking(True)
            c.settimeout(20)
            try:
                ulp = c.getsockopt(socket.IPPROTO_TCP, TCP_ULP, 16)
            except OSError:
                ulp = b""
            ktls = ulp.rstrip(b"\0") == b"tls"
            line = read_line(c)
            if line[:1] == b"T" and line.endswith(b"\n"):
                kind = "tls"
                if not ktls:
                    violation("port %d: a TLS client's request on a socket "
                              "without kTLS: %r" % (port, line[:40]))
                c.sendall(answer(line[1:-1]))
            elif line[:1] == b"P" and line.endswith(b"\n"):
                kind = "plain"
                if ktls:
                    violation("port %d: a plaintext request on a kTLS "
                              "socket: %r" % (port, line[:40]))
                c.sendall(answer(line[1:-1]))
            elif line[:1] == b"\x16" and not ktls:
                kind = "hello"	# a TLS client met a detached listener
            elif line:
                violation("port %d (ulp %r): unexpected bytes %r" %
                          (port, ulp, line[:40]))
        except (OSError, ssl.SSLError):
            pass	# reset, timeout: the client's side counts them
        finally:
            c.close()
            with lock:
                stats[kind] += 1

    def reopen(signum, frame):
        pending.append(1)

    pending = []
    done = []
    signal.signal(signal.SIGUSR1, reopen)
    signal.signal(signal.SIGTERM, lambda s, f: done.append(1))
    for p in ports:
        listen(p)
    last = 0
    while not done:
        if pending:
            pending.clear()
            try:
                port = int(open(os.path.join(ctl, "reopen")).read())
                listeners.pop(port).close()
                time.sleep(random.random() * 0.2)
                listen(port)
            except Exception as e:
                print("server: reopen:", repr(e), file=sys.stderr, flush=True)
        try:
            r, _, _ = select.select(list(listeners.values()), [], [], 0.2)
        except (OSError, ValueError):
            continue
        for s in r:
            port = s.getsockname()[1] if s.fileno() >= 0 else 0
            try:
                c, _ = s.accept()
            except OSError:
                continue
            threading.Thread(target=handle, args=(c, port),
                             daemon=True).start()
        if time.time() - last > 1:
            last = time.time()
            with lock:
                line = " ".join("%s %d" % kv for kv in stats.items())
            with open(os.path.join(ctl, "stats.tmp"), "w") as f:
                f.write(line + "\n")
            os.rename(os.path.join(ctl, "stats.tmp"),
                      os.path.join(ctl, "stats"))
    for s in listeners.values():
        s.close()
    with lock:
        print("server: " + " ".join("%s %d" % kv for kv in stats.items()),
              flush=True)


# ---- chaos clients ----

def is_alert(data):
    # One TLS alert record: what the daemon sends a client it refuses.
    return (len(data) == 7 and data[0] == 0x15 and data[1] == 3 and
            data[3:5] == b"\x00\x02")


def clients(seed, secs, minconn, hard, tls_ports, plain_port, ca, workers,
            go):
    while not os.path.exists(go):	# python starts slowly: start early
        time.sleep(0.05)
    ctx = ssl.create_default_context(cafile=ca)
    ctx12 = ssl.create_default_context(cafile=ca)	# a quarter on TLS 1.2
    ctx12.maximum_version = ssl.TLSVersion.TLSv1_2
    keys = ("tls_ok tls_hs_fail tls_lost tls_bad plain_ok plain_alert "
            "plain_none plain_bad plainport_ok plainport_fail").split()
    stats = dict.fromkeys(keys, 0)
    bad = []
    errs = {}
    lock = threading.Lock()
    t0 = time.time()
    started = [0]

    def count(key, detail=None):
        with lock:
            stats[key] += 1
            if key.endswith("_bad") and len(bad) < 10:
                bad.append(detail)
            elif detail is not None:
                k = key + ": " + detail
                errs[k] = errs.get(k, 0) + 1

    def one_tls(rng, port):
        token = b"%032x" % rng.getrandbits(128)
        want = answer(token)
        hs = False
        data = b""
        try:
            with socket.create_connection(("127.0.0.1", port),
                                          timeout=15) as raw:
                c = ctx12 if rng.random() < 0.25 else ctx
                with c.wrap_socket(raw, server_hostname="localhost") as s:
                    hs = True
                    s.sendall(b"T" + token + b"\n")
                    while b"\n" not in data:
                        d = s.recv(4096)
                        if not d:
                            break
                        data += d
        except (ssl.SSLEOFError, ssl.SSLZeroReturnError, ConnectionError,
                socket.timeout) as e:
            if not hs:
                return count("tls_hs_fail", type(e).__name__)
        except (OSError, ssl.SSLError) as e:
            if not hs:
                return count("tls_hs_fail", str(e)[:60])
            return count("tls_bad", "port %d: error after the handshake: "
                         "%r" % (port, e))
        if data == want:
            count("tls_ok")
        elif want.startswith(data):
            count("tls_lost", "short" if data else "empty")
        else:
            count("tls_bad", "port %d: got %r" % (port, data[:40]))

    def one_plain(rng, port, strict):
        token = b"%032x" % rng.getrandbits(128)
        want = answer(token)
        data = b""
        try:
            with socket.create_connection(("127.0.0.1", port),
                                          timeout=15) as s:
                s.sendall(b"P" + token + b"\n")
                data = read_line(s)
        except OSError as e:
            if strict:
                return count("plainport_fail", type(e).__name__)
        if strict:
            return count("plainport_ok" if data == want else
                         "plainport_fail", None if data == want else
                         "got %r" % data[:40])
        if data == want:
            count("plain_ok")
        elif not data:
            count("plain_none")
        elif is_alert(data):
            count("plain_alert")
        else:
            count("plain_bad", "port %d: got %r" % (port, data[:40]))

    def run(i):
        rng = random.Random(seed * 1000 + i)
        while True:
            with lock:
                now = time.time() - t0
                if now > hard or (now > secs and started[0] >= minconn):
                    return
                started[0] += 1
            r = rng.random()
            if r < 0.4:
                one_tls(rng, rng.choice(tls_ports))
            elif r < 0.75:
                one_plain(rng, rng.choice(tls_ports), False)
            else:
                one_plain(rng, plain_port, True)

    ts = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    for b in bad:
        print("VIOLATION client:", b)
    for k, v in sorted(errs.items(), key=lambda kv: -kv[1])[:12]:
        print("client outcome %s x%d" % (k, v))
    cpu = os.times()
    print("clients %.1f s (cpu %.1f s): %s" % (time.time() - t0,
          cpu.user + cpu.system,
          " ".join("%s %d" % (k, stats[k]) for k in keys)), flush=True)


# ---- slowloris ----

HELLO_START = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"


def slowloris(src, port, secs, conc, rate):
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    want = conc + 64
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, max(want, hard)))
    except (ValueError, OSError):
        pass
    ep = select.epoll()
    socks = {}
    st = {"opened": 0, "closed_by_server": 0, "connect_failed": 0,
          "stalled": 0, "silent": 0, "peak": 0, "open_at_end": 0}
    lifetimes = []
    deadline = time.time() + secs
    stop = []
    signal.signal(signal.SIGTERM, lambda s, f: stop.append(1))
    budget = 0.0
    last = time.time()
    n = 0
    while time.time() < deadline and not stop:
        now = time.time()
        budget = min(budget + (now - last) * rate, rate)
        last = now
        while len(socks) < conc and budget >= 1:
            budget -= 1
            s = socket.socket()
            s.setblocking(False)
            try:
                s.bind((src, 0))
                s.connect_ex(("127.0.0.1", port))
            except OSError:
                s.close()
                st["connect_failed"] += 1
                continue
            n += 1
            # half of them stall after 11 bytes of a ClientHello
            socks[s.fileno()] = [s, n % 2 == 0, False, now]
            ep.register(s.fileno(), select.EPOLLOUT | select.EPOLLIN |
                        select.EPOLLRDHUP)
            st["opened"] += 1
        st["peak"] = max(st["peak"], len(socks))
        for fd, ev in ep.poll(0.02):
            ent = socks.get(fd)
            if not ent:
                continue
            s = ent[0]
            if ev & (select.EPOLLIN | select.EPOLLERR | select.EPOLLHUP |
                     select.EPOLLRDHUP):
                try:
                    s.recv(4096)
                except OSError:
                    pass
                if ent[2]:
                    st["closed_by_server"] += 1
                    lifetimes.append(time.time() - ent[3])
                else:
                    st["connect_failed"] += 1
                ep.unregister(fd)
                s.close()
                del socks[fd]
                continue
            if ev & select.EPOLLOUT and not ent[2]:
                ent[2] = True
                if ent[1]:
                    try:
                        s.send(HELLO_START)
                        st["stalled"] += 1
                    except OSError:
                        pass
                else:
                    st["silent"] += 1
                ep.modify(fd, select.EPOLLIN | select.EPOLLRDHUP)
    st["open_at_end"] = len(socks)
    lifetimes.sort()
    med = lifetimes[len(lifetimes) // 2] if lifetimes else 0
    print("slowloris: " + " ".join("%s %d" % kv for kv in st.items()) +
          " median-lifetime-ms %d" % (med * 1000), flush=True)
    for ent in socks.values():
        ent[0].close()


def fetch(port, ca, count, timeout, budget):
    ctx = ssl.create_default_context(cafile=ca)
    ok = 0
    worst = 0.0
    end = time.time() + budget
    for i in range(count):
        if time.time() > end:
            print("fetch: out of time after %d" % i, flush=True)
            break
        token = b"%032x" % random.getrandbits(128)
        t0 = time.time()
        res = "ok"
        try:
            with socket.create_connection(("127.0.0.1", port),
                                          timeout=timeout) as raw:
                with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                    s.sendall(b"T" + token + b"\n")
                    data = read_line(s)
            if data != answer(token):
                res = "wrong reply %r" % data[:40]
        except Exception as e:
            res = repr(e)[:80]
        dt = time.time() - t0
        worst = max(worst, dt)
        ok += res == "ok"
        print("fetch %d: %.2f s %s" % (i + 1, dt, res), flush=True)
        time.sleep(0.1)
    print("fetched %d of %d, slowest %.2f s" % (ok, count, worst), flush=True)


cmd, a = sys.argv[1], sys.argv[2:]
if cmd == "server":
    server(a[0], [int(p) for p in a[1:]])
elif cmd == "clients":
    clients(int(a[0]), float(a[1]), int(a[2]), float(a[3]),
            [int(p) for p in a[4].split(",")], int(a[5]), a[6], int(a[7]),
            a[8])
elif cmd == "slowloris":
    slowloris(a[0], int(a[1]), float(a[2]), int(a[3]), float(a[4]))
elif cmd == "fetch":
    fetch(int(a[0]), a[1], int(a[2]), float(a[3]), float(a[4]))
else:
    sys.exit("flood.py: unknown command " + cmd)
