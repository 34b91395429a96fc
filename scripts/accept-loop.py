#!/usr/bin/python3
# A tiny inetd for tests: listen on 127.0.0.1 (port chosen by the kernel,
# written to --port-file), and for every accepted connection run COMMAND with
# "{fd}" in its arguments replaced by the accepted socket's descriptor (which
# the child inherits). Each child's exit status is appended to --status-file
# as "STATUS" lines, in completion order. With --hold the loop keeps its own
# copy of the socket open until the child exits, as a forking server might:
# the child must close the connection itself (shutdown), not just exit.
#
#   accept-loop.py --port-file F --status-file S [--max N] [--hold] -- COMMAND...
import argparse
import os
import socket
import subprocess
import sys
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--status-file", required=True)
    ap.add_argument("--max", type=int, default=0,
                    help="exit after this many connections finished")
    ap.add_argument("--hold", action="store_true")
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cmd = a.command[1:] if a.command[:1] == ["--"] else a.command
    if not cmd:
        ap.error("no command")

    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, a.port_file)

    lock = threading.Lock()
    done = threading.Semaphore(0)

    def reap(p, conn):
        rc = p.wait()
        conn.close()
        with lock, open(a.status_file, "a") as f:
            f.write("%d\n" % (rc if rc >= 0 else 128 - rc))
        done.release()

    n = 0
    while not a.max or n < a.max:
        conn, _ = ls.accept()
        fd = conn.fileno()
        argv = [x.replace("{fd}", str(fd)) for x in cmd]
        p = subprocess.Popen(argv, pass_fds=(fd,), stdin=subprocess.DEVNULL)
        if not a.hold:
            conn.close()
        threading.Thread(target=reap, args=(p, conn), daemon=True).start()
        n += 1
    for _ in range(n):
        done.acquire()
    return 0


if __name__ == "__main__":
    sys.exit(main())
