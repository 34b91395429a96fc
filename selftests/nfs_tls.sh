#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `tlshelper daemon` as the kernel's own TLS handshake agent (net/handshake,
# Linux 6.5 and later), in place of tlshd, without tlsh.ko: NFS v4.2 over
# loopback, nfsd and the client in this VM, both handshakes of a mount done
# by the one daemon at the same time.
# - xprtsec=tls by name and by IP address (the server certificate's IP
#   SAN): a file written through the mount reaches the export byte-exact
#   and reads back byte-exact, the kernel's kTLS counters move;
# - xprtsec=mtls with the client certificate of the tlshd configuration:
#   the server verifies it and tells nfsd (DONE's REMOTE_AUTH);
# - one daemon serving tlsh.ko's attached listener and an NFS mount at once;
# - SIGHUP and `tlshelper reload` read the tlshd configuration again (a
#   server certificate for another name is then refused; a file that does
#   not load is refused and the configuration before it stays);
# - a client trust store of another CA: the server's certificate is
#   refused (unknown_ca);
# - no agent at all: ESRCH.
# Skipped on kernels without the handshake family (6.1). TAP output.
#
#   TLSH_VM_KERNELS=6.12 TLSH_VM_TESTS=selftests/nfs_tls.sh scripts/check.sh --vm-only
set -u
cd "$(dirname "$0")/.."

. selftests/lib/e2e.sh
. selftests/lib/kernel_agent.sh
agent_test_begin "NFS over TLS through the daemon"
command -v rpc.nfsd >/dev/null && command -v mount.nfs >/dev/null ||
	skip_all "nfs-kernel-server / nfs-common are not installed"
modprobe nfsd 2>/dev/null || skip_all "no nfsd module"
echo "1..23"

EXPORT=/srv/tlsh-nfs
MNT=$T/mnt
mkdir -p "$MNT" "$EXPORT"

nfs_cleanup() {
	umount -f "$MNT" 2>/dev/null
	rpc.nfsd 0 2>/dev/null
	exportfs -ua 2>/dev/null
	pkill -x rpc.mountd 2>/dev/null
	umount "$EXPORT" 2>/dev/null
	cleanup
}
trap nfs_cleanup EXIT

# ---- nfsd: v4 only, a tmpfs export, a short grace period ----
nfsd_up() {
	mountpoint -q /proc/fs/nfsd || mount -t nfsd nfsd /proc/fs/nfsd || return 1
	mkdir -p /var/lib/nfs/rpc_pipefs
	mountpoint -q /var/lib/nfs/rpc_pipefs ||
		mount -t rpc_pipefs sunrpc /var/lib/nfs/rpc_pipefs || return 1
	mount -t tmpfs tmpfs "$EXPORT" || return 1
	echo 10 >/proc/fs/nfsd/nfsv4leasetime
	echo 10 >/proc/fs/nfsd/nfsv4gracetime
	exportfs -o rw,fsid=0,no_subtree_check,insecure,no_root_squash \
		"127.0.0.1:$EXPORT" || return 1
	rpc.mountd -N 2 -N 3 || return 1
	rpc.nfsd -N 3 4 >"$T/nfsd.out" 2>&1 || { cat "$T/nfsd.out" >&2; return 1; }
}
nfsd_up >"$T/nfsd.log" 2>&1 || { show "$T/nfsd.log"; echo "Bail out! cannot start nfsd"; exit 1; }

gen_certs client:client wrong:cn=wrong.test otherca:ca,cn=tlsh-other-ca ||
	{ echo "Bail out! cannot make certificates"; exit 1; }
conf() {	# FILE SERVER-CERT SERVER-KEY: a tlshd configuration
	cat >"$1" <<CONF
# tlshd's format: the same file serves tlshd and tlshelper
[debug]
loglevel=1

[authenticate.client]
x509.truststore = $CA
x509.certificate = $T/pki/client.pem
x509.private_key = $T/pki/client.key

[authenticate.server]
x509.truststore=$CA
x509.certificate=$2
x509.private_key=$3
CONF
}
conf "$T/good.conf" "$CERT" "$KEY"
conf "$T/wrong.conf" "$T/pki/wrong.pem" "$T/pki/wrong.key"

nfs_mount() {	# SERVER XPRTSEC: mount SERVER:/ on $MNT, at most 90 s
	timeout 90 mount -t nfs -o "vers=4.2,xprtsec=$2,retry=0,soft,timeo=100" \
		"$1:/" "$MNT" >>"$T/mount.log" 2>&1
}
nfs_umount() {
	umount "$MNT" 2>/dev/null || umount -f "$MNT" 2>/dev/null
	sleep 1
}
mounted_with() {	# XPRTSEC: /proc/mounts shows it for $MNT
	grep " $MNT nfs4 " /proc/mounts | grep -q "xprtsec=$1"
}
# A file through the mount: on the export byte-exact, back byte-exact.
round_trip() {	# NAME
	head -c $((3 * 1024 * 1024 + 517)) /dev/urandom >"$T/$1.src" &&
		cp "$T/$1.src" "$MNT/$1" && sync &&
		cmp "$T/$1.src" "$EXPORT/$1" &&
		echo 3 >/proc/sys/vm/drop_caches &&
		cmp "$T/$1.src" "$MNT/$1"
}
log_has() { grep -q -- "$1" "$T/daemon.log"; }
# The daemon without tlsh.ko: `tlshelper status` asks the module too, so
# wait for its log line instead of start_daemon's status call.
agent_start() {	# CONF
	"$TH" daemon --workers 2 --tlshd-config "$1" >>"$T/daemon.log" 2>&1 &
	dpid=$!
	wait_for 100 log_has "running: pid $dpid" && kill -0 "$dpid"
}

check "the daemon starts without tlsh.ko and serves the kernel's requests" \
	agent_start "$T/good.conf"
check "it says it serves them" wait_for 50 log_has "serving the kernel's TLS handshake requests"

# ---- xprtsec=tls, by name ----
ktls_mark
if nfs_mount localhost tls; then ok "xprtsec=tls mount of localhost:/"; else not_ok "xprtsec=tls mount of localhost:/"; show "$T/mount.log" "$T/daemon.log"; fi
check "/proc/mounts says xprtsec=tls" mounted_with tls
check "a 3 MiB file goes through the mount byte-exact, both ways" round_trip a
check "kTLS sockets were counted (TlsTxSw and TlsRxSw moved by 2 or more)" \
	ktls_moved 2
check "the daemon did both sides: an NFS client and an NFS server line" \
	eval 'log_has "NFS client (unauth) .*: ok TLS1.3" && log_has "NFS server (x509) .*: ok TLS1.3"'
nfs_umount

# ---- by IP address: the certificate's IP SAN, no reverse DNS ----
if nfs_mount 127.0.0.1 tls; then ok "xprtsec=tls mount of 127.0.0.1:/ (IP SAN)"; else not_ok "xprtsec=tls mount of 127.0.0.1:/ (IP SAN)"; show "$T/daemon.log"; fi
nfs_umount

# ---- tlsh.ko too: one daemon for an attached listener and NFS ----
HTTP_PORT=9561
kill -TERM "$dpid"; wait "$dpid" 2>/dev/null; dpid=
mkdir -p "$T/www"
head -c 1048576 /dev/urandom >"$T/www/b.bin"
(cd "$T/www" && exec "$PY" -m http.server "$HTTP_PORT" --bind 127.0.0.1) \
	>"$T/http.log" 2>&1 &
pids+=($!)
both() {
	[ -e /sys/module/tlsh ] || insmod "${TLSH_KO:-kmod/tlsh.ko}" || return 1
	cp "$T/good.conf" "$T/live.conf"
	agent_start "$T/live.conf" && wait_listen "$HTTP_PORT" &&
		"$TH" attach --port "$HTTP_PORT" --cert "$CERT" --key "$KEY" >/dev/null
}
if both; then ok "with tlsh.ko loaded the daemon also serves an attached listener"; else not_ok "with tlsh.ko loaded the daemon also serves an attached listener"; fi

# ---- mtls: the client's certificate, verified and reported ----
if nfs_mount localhost mtls && mounted_with mtls && cmp "$T/a.src" "$MNT/a"; then
	ok "xprtsec=mtls mount with the configured client certificate"
else
	not_ok "xprtsec=mtls mount with the configured client certificate"
	show "$T/mount.log" "$T/daemon.log"
fi
check "the server reported the verified client to nfsd (REMOTE_AUTH)" \
	log_has "NFS server (x509) .*peer certificate reported as key"
curl -sS --tlsv1.3 --cacert "$CA" --max-time 60 \
	"https://localhost:$HTTP_PORT/b.bin" -o "$T/b.got" 2>"$T/curl.err"
check "meanwhile curl fetches through the attached listener, byte-exact" \
	eval 'cmp -s "$T/b.got" "$T/www/b.bin" && cmp -s "$T/a.src" "$MNT/a" && log_has "listener [0-9]* .*: ok TLS1.3"'
nfs_umount

# ---- SIGHUP: the tlshd configuration read again, same daemon ----
cp "$T/wrong.conf" "$T/live.conf"
kill -HUP "$dpid"
check "SIGHUP re-reads the tlshd configuration; the daemon keeps its pid" \
	eval 'wait_for 100 log_has "reloaded:" && kill -0 "$dpid"'
t0=$(date +%s)
if nfs_mount localhost tls; then
	not_ok "after the reload, a server certificate for wrong.test is refused"
	nfs_umount
else
	ok "after the reload, a server certificate for wrong.test is refused ($(($(date +%s) - t0)) s)"
fi
check "the client said why" log_has "NFS client (unauth) .*failed: .*wrong.test"
# A configuration that does not load: refused, the one before stays.
conf "$T/live.conf" "$T/pki/missing.pem" "$T/pki/missing.key"
if "$TH" reload >"$T/reload.out" 2>&1; then
	not_ok "tlshelper reload fails on a tlshd configuration that does not load"
else
	ok "tlshelper reload fails on a tlshd configuration that does not load"
fi
note "reload: $(cat "$T/reload.out")"
cp "$T/good.conf" "$T/live.conf"
check "tlshelper reload takes the good configuration again" "$TH" reload
if nfs_mount localhost tls && round_trip c; then ok "xprtsec=tls mounts again after that reload"; else not_ok "xprtsec=tls mounts again after that reload"; show "$T/mount.log"; fi
nfs_umount

# ---- a server certificate the client's trust store does not hold ----
sed "s|^x509.truststore = .*|x509.truststore = $T/pki/otherca.pem|" \
	"$T/good.conf" >"$T/live.conf"
check "tlshelper reload takes a client trust store of another CA" \
	eval '"$TH" reload >/dev/null'
t0=$(date +%s)
if nfs_mount localhost tls; then
	not_ok "a server certificate from a CA the client does not trust is refused"
	nfs_umount
else
	ok "a server certificate from a CA the client does not trust is refused ($(($(date +%s) - t0)) s)"
fi
check "the client said why: unknown_ca" log_has "NFS client (unauth) .*failed: unknown_ca"
cp "$T/good.conf" "$T/live.conf"
"$TH" reload >/dev/null 2>&1

# ---- no agent: the kernel has nobody to ask ----
kill -TERM "$dpid"; wait "$dpid" 2>/dev/null; dpid=
: >"$T/mount.log"
t0=$(date +%s)
if nfs_mount localhost tls; then
	not_ok "without an agent xprtsec=tls fails"
	nfs_umount
elif ! grep -q "No such process" "$T/mount.log"; then
	not_ok "without an agent xprtsec=tls fails with ESRCH (No such process)"
else
	ok "without an agent xprtsec=tls fails with ESRCH ($(($(date +%s) - t0)) s)"
fi
note "mount.log: $(tail -n 3 "$T/mount.log" | tr '\n' ' ')"
check "the daemon log has no crash" eval '! grep -qiE "segfault|abort|assert" "$T/daemon.log"'
[ "$failures" = 0 ] || tail -n 30 "$T/daemon.log" | sed 's/^/# daemon: /'
tap_end 23
