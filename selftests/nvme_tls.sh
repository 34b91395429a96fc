#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# `tlshelper daemon` as the kernel's TLS handshake agent for NVMe/TCP with
# TLS (PSK, TLS 1.3), in place of tlshd, without tlsh.ko: an nvmet target
# and the NVMe host in this VM, over loopback, both handshakes of every
# queue done by the one daemon.
# - a port with addr_tsas=tls1.3 and addr_treq=required, a file-backed
#   namespace, a retained PSK in .nvme (keyctl), the host connected through
#   /dev/nvme-fabrics with "tls": a block written through the namespace is
#   in the backing file and reads back byte-exact; kTLS counters move; the
#   daemon logs an NVMe host and an NVMe target line and the PSK's serial
#   (REMOTE_AUTH: the host fails the connect without it);
# - a SHA-384 PSK (NVMe0R02, 48 bytes): TLS_AES_256_GCM_SHA384;
# - a PSK the target does not have (the host's own keyring, tls_key=): the
#   connect fails, the daemon says why (unknown_psk_identity), and the next
#   connect with a good PSK works; each request saw only its own
#   consumer's keyring; the daemon keeps no fd of any of them;
# - a target that accepts and never answers: the connect fails at the
#   host's timeout, the daemon ends the handshake then (or at the
#   request's timeout) and keeps no fd of it;
# - the daemon killed in the middle of a host handshake: that connect
#   fails; restarted, the next one works.
# Skipped on kernels without the handshake family (6.1). TAP output.
#
#   TLSH_VM_KERNELS=6.12 TLSH_VM_TESTS=selftests/nvme_tls.sh scripts/check.sh --vm-only
set -u
cd "$(dirname "$0")/.."

. selftests/lib/e2e.sh
. selftests/lib/kernel_agent.sh
agent_test_begin "NVMe/TCP with TLS through the daemon"
command -v keyctl >/dev/null || skip_all "keyctl (keyutils) is not installed"
for m in nvme-keyring nvmet nvmet-tcp nvme-tcp; do
	modprobe "$m" 2>/dev/null || skip_all "no $m module"
done
mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config ||
	skip_all "no configfs"
[ -e /dev/nvme-fabrics ] || skip_all "no /dev/nvme-fabrics"
echo "1..23"

NVMET=/sys/kernel/config/nvmet
SUBNQN=nqn.2026-12.test.tlsh:nvme-tls
PORT=4420
uuid() { cat /proc/sys/kernel/random/uuid; }
HOSTID1=$(uuid) HOSTID2=$(uuid) HOSTID3=$(uuid)
HOST1=nqn.2014-08.org.nvmexpress:uuid:$HOSTID1
HOST2=nqn.2014-08.org.nvmexpress:uuid:$HOSTID2
HOST3=nqn.2014-08.org.nvmexpress:uuid:$HOSTID3
IMG=$T/ns.img

nvme_cleanup() {
	local c
	for c in /sys/class/nvme/nvme*; do
		[ -e "$c/delete_controller" ] && echo 1 >"$c/delete_controller" 2>/dev/null
	done
	rm -f "$NVMET/ports/1/subsystems/$SUBNQN" 2>/dev/null
	rmdir "$NVMET/ports/1" 2>/dev/null
	echo 0 >"$NVMET/subsystems/$SUBNQN/namespaces/1/enable" 2>/dev/null
	rmdir "$NVMET/subsystems/$SUBNQN/namespaces/1" 2>/dev/null
	rmdir "$NVMET/subsystems/$SUBNQN" 2>/dev/null
	cleanup
}
trap nvme_cleanup EXIT

# ---- the target: a file-backed namespace behind a TLS-only port ----
target_up() {
	truncate -s 32M "$IMG" || return 1
	mkdir "$NVMET/subsystems/$SUBNQN" || return 1
	echo 1 >"$NVMET/subsystems/$SUBNQN/attr_allow_any_host" || return 1
	mkdir "$NVMET/subsystems/$SUBNQN/namespaces/1" || return 1
	echo 1 >"$NVMET/subsystems/$SUBNQN/namespaces/1/buffered_io"
	echo -n "$IMG" >"$NVMET/subsystems/$SUBNQN/namespaces/1/device_path" || return 1
	echo 1 >"$NVMET/subsystems/$SUBNQN/namespaces/1/enable" || return 1
	mkdir "$NVMET/ports/1" || return 1
	echo tcp >"$NVMET/ports/1/addr_trtype" || return 1
	echo ipv4 >"$NVMET/ports/1/addr_adrfam" || return 1
	echo 127.0.0.1 >"$NVMET/ports/1/addr_traddr" || return 1
	echo "$PORT" >"$NVMET/ports/1/addr_trsvcid" || return 1
	echo tls1.3 >"$NVMET/ports/1/addr_tsas" || return 1
	echo required >"$NVMET/ports/1/addr_treq" || return 1
	ln -s "$NVMET/subsystems/$SUBNQN" "$NVMET/ports/1/subsystems/$SUBNQN"
}
target_up >"$T/target.log" 2>&1 ||
	{ show "$T/target.log"; echo "Bail out! cannot set up the nvmet target"; exit 1; }

# ---- PSKs: retained, "NVMe0R<hash> <hostnqn> <subnqn>", raw bytes ----
hex=$(awk '$8 == "keyring" && $9 == ".nvme:" { print $1; exit }' /proc/keys)
NVME_RING=${hex:+$((16#$hex))}
psk_add() {	# DESCRIPTION BYTES KEYRING: the key's serial
	head -c "$2" /dev/urandom | keyctl padd psk "$1" "$3"
}
PSK1=$(psk_add "NVMe0R01 $HOST1 $SUBNQN" 32 "$NVME_RING")
PSK2=$(psk_add "NVMe0R02 $HOST2 $SUBNQN" 48 "$NVME_RING")
# The host's own keyring: a PSK the target's .nvme does not hold.
OTHER_RING=$(keyctl newring tlsh-nvme-other @u)
PSK3=$(psk_add "NVMe0R01 $HOST3 $SUBNQN" 32 "$OTHER_RING")
note ".nvme $NVME_RING: PSKs $PSK1 (SHA-256) $PSK2 (SHA-384); other keyring $OTHER_RING: $PSK3"
check "retained PSKs added to .nvme and to another keyring (keyctl)" \
	test -n "$NVME_RING" -a -n "$PSK1" -a -n "$PSK2" -a -n "$PSK3"

cat >"$T/tlshd.conf" <<CONF
[debug]
loglevel=1
CONF
log_has() { grep -q -- "$1" "$T/daemon.log"; }
"$TH" daemon --workers 2 --tlshd-config "$T/tlshd.conf" >>"$T/daemon.log" 2>&1 &
dpid=$!
check "the daemon starts without tlsh.ko and serves the kernel's requests" \
	eval 'wait_for 100 log_has "serving the kernel'"'"'s TLS handshake requests" && kill -0 "$dpid"'
fds() { ls "/proc/$dpid/fd" 2>/dev/null | wc -l; }

CTRL=
connect() {	# HOSTNQN HOSTID [OPTIONS]: CTRL=nvmeN, or fail (why in connect.log)
	local line
	CTRL=
	exec 3<>/dev/nvme-fabrics || return 1
	if ! echo -n "transport=tcp,traddr=127.0.0.1,trsvcid=$PORT,nqn=$SUBNQN,hostnqn=$1,hostid=$2,nr_io_queues=1,tls${3:+,$3}" >&3 \
		2>>"$T/connect.log"; then
		exec 3>&-
		return 1
	fi
	read -r line <&3
	exec 3>&-
	echo "$line" >>"$T/connect.log"
	line=${line#instance=}
	CTRL=nvme${line%%,*}
}
disconnect() {
	[ -n "$CTRL" ] && echo 1 >"/sys/class/nvme/$CTRL/delete_controller"
	CTRL=
	sleep 1
}
# The namespace's block device of $CTRL (native multipath: nvmeXnY).
BLK=
find_blk() {
	local d
	BLK=
	for d in /sys/class/nvme/"$CTRL"/nvme*n1 /sys/class/nvme/"$CTRL"/nvme*c*n1; do
		[ -e "$d" ] || continue
		d=$(basename "$d")
		# nvme0c0n1 is the path; the device is nvme0n1.
		d=${d/c[0-9]*n/n}
		[ -b "/dev/$d" ] && BLK=/dev/$d && return 0
	done
	return 1
}
blk_sized() { [ "$(blockdev --getsize64 "$BLK" 2>/dev/null || echo 0)" -ge 33554432 ]; }
# Each path of the namespace: sectors, logical block size, ANA state.
blk_paths() {
	local d n
	for d in /sys/block/"${BLK#/dev/}" /sys/class/nvme/"$CTRL"/nvme*n1; do
		[ -e "$d" ] || continue
		n=$(basename "$d")
		printf '%s: size %s lbs %s ana %s; ' "$n" "$(cat "$d/size" 2>/dev/null)" \
			"$(cat "$d/queue/logical_block_size" 2>/dev/null)" \
			"$(cat "$d/ana_state" 2>/dev/null || echo -)"
	done
}
# DESC BLOCK: ok if the block goes through byte-exact; a SKIP (not a pass)
# when the disk stayed at size 0, which no TLS fault can cause: the Identify
# data came through the TLS-authenticated admin queue.
blk_check() {
	local rc=0
	block_round_trip "$2" || rc=$?
	case $rc in
	0) ok "$1" ;;
	2) skip "$1" "the namespace's disk has size 0 (6.12, full runs only), the connect itself worked" ;;
	*) not_ok "$1"; show "$T/connect.log" ;;
	esac
}
# One 4 KiB block through the namespace: in the backing file, back byte-exact.
block_round_trip() {	# BLOCK-NUMBER
	# A namespace's disk may appear before its capacity is set. In two
	# full CI runs (not alone) 6.12's disk stayed at size 0: say what the
	# paths saw, ask the controller to rescan once, and wait again.
	if ! wait_for 100 blk_sized; then
		note "$BLK: $(ls -l "$BLK") size $(blockdev --getsize64 "$BLK" 2>&1), $IMG: $(ls -l "$IMG")"
		note "$(blk_paths)"
		dmesg | grep -i nvme | tail -4 | sed 's/^/dmesg: /' | while read -r l; do note "$l"; done
		echo 1 >"/sys/class/nvme/$CTRL/rescan_controller" 2>/dev/null
		wait_for 100 blk_sized || return 2
		note "$BLK: the size came after a rescan"
	fi
	head -c 4096 /dev/urandom >"$T/blk.src" &&
		dd if="$T/blk.src" of="$BLK" bs=4096 seek="$1" count=1 oflag=direct conv=fsync status=none &&
		dd if="$BLK" of="$T/blk.got" bs=4096 skip="$1" count=1 iflag=direct status=none &&
		cmp "$T/blk.src" "$T/blk.got" &&
		dd if="$IMG" of="$T/blk.img" bs=4096 skip="$1" count=1 status=none &&
		cmp "$T/blk.src" "$T/blk.img"
}

# ---- a SHA-256 PSK from .nvme ----
ktls_mark
if connect "$HOST1" "$HOSTID1"; then ok "connect with tls through /dev/nvme-fabrics ($CTRL)"; else not_ok "connect with tls through /dev/nvme-fabrics"; show "$T/connect.log" "$T/daemon.log"; fi
check "the namespace appears as a block device" wait_for 100 find_blk
note "block device: $BLK"
blk_check "a block written through it is in the backing file and reads back byte-exact" 5
check "kTLS sockets were counted (TlsTxSw and TlsRxSw moved by 4 or more: 2 queues, 2 sides)" \
	ktls_moved 4
check "the daemon did both sides: NVMe host and NVMe target lines" \
	eval 'log_has "NVMe host (psk) .*: ok TLS1.3" && log_has "NVMe target (psk) .*: ok TLS1.3"'
grep -m 2 -E "NVMe (host|target) \(psk\) .*: ok" "$T/daemon.log" | sed 's/^/# daemon: /'
check "both report PSK $PSK1 (REMOTE_AUTH) under its identity" \
	eval '[ "$(grep -c "PSK \"NVMe0R01 $HOST1 $SUBNQN\" (key $PSK1)" "$T/daemon.log")" -ge 4 ]'
disconnect
# Each worker has its socket for DONE by now (the host's handshake on one,
# the target's, claimed while it ran, on the other).
fd0=$(fds)

# ---- a SHA-384 PSK ----
if connect "$HOST2" "$HOSTID2" && wait_for 100 find_blk; then
	blk_check "a SHA-384 PSK (NVMe0R02): connect, a block byte-exact" 9
else
	not_ok "a SHA-384 PSK (NVMe0R02): connect, a block byte-exact"; show "$T/connect.log"
fi
check "it ran TLS_AES_256_GCM_SHA384" log_has "NVMe target (psk) .*: ok TLS1.3 TLS_AES_256_GCM_SHA384"
disconnect

# ---- a PSK the target does not know ----
: >"$T/connect.log"
t0=$(date +%s)
if connect "$HOST3" "$HOSTID3" "keyring=$OTHER_RING,tls_key=$PSK3"; then
	not_ok "a PSK only the host has: the connect fails"
	disconnect
else
	ok "a PSK only the host has: the connect fails ($(($(date +%s) - t0)) s)"
fi
note "connect.log: $(tr '\n' ' ' <"$T/connect.log")"
grep -E "NVMe (host|target) \(psk\) .*: failed" "$T/daemon.log" | sed 's/^/# daemon: /'
check "the target side says why: unknown_psk_identity" \
	log_has "NVMe target (psk) .*failed: unknown_psk_identity"
check "the host side says why: the target's alert" \
	log_has "NVMe host (psk) .*failed: .*alert"
if connect "$HOST1" "$HOSTID1" && wait_for 100 find_blk; then
	blk_check "the next connect with a good PSK works, a block byte-exact" 11
else
	not_ok "the next connect with a good PSK works, a block byte-exact"; show "$T/connect.log"
fi
disconnect
# 6.12 links each consumer's keyring into the agent's process keyring and
# never unlinks it: the target must not see the host's keyring (then it
# would know that PSK) nor the host's request the target's.
targets_saw_nvme() {
	grep "NVMe target (psk): ServerHello" "$T/daemon.log" >"$T/claims" &&
		! grep -v "keyring $NVME_RING," "$T/claims"
}
check "each request saw its own consumer's keyring only (host: its own, target: .nvme)" \
	eval 'log_has "NVMe host (psk): ClientHello, .*keyring $OTHER_RING," && targets_saw_nvme'

check "the daemon holds no more fds than after the first connect ($fd0)" \
	wait_for 50 eval '[ "$(fds)" -le "$fd0" ]'
note "daemon fds: $fd0 before, $(fds) after"

# ---- a target that accepts and never answers (127.0.0.2:4420) ----
"$PY" - "$T/fake.ready" <<'PY' >"$T/fake.log" 2>&1 &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.2", 4420))
s.listen(8)
open(sys.argv[1], "w").close()
held = []
while True:
    held.append(s.accept()[0])	# read nothing, answer nothing
PY
pids+=($!)
wait_for 100 test -e "$T/fake.ready" || note "the stalling target did not start: $(cat "$T/fake.log")"
stalled_connect() {	# the host's handshake with the stalling target
	echo -n "transport=tcp,traddr=127.0.0.2,trsvcid=$PORT,nqn=$SUBNQN,hostnqn=$HOST1,hostid=$HOSTID1,nr_io_queues=1,tls" \
		>/dev/nvme-fabrics 2>>"$T/stall.log"
}
t0=$(date +%s)
if stalled_connect; then not_ok "a stalled handshake: the connect fails"; else ok "a stalled handshake: the connect fails at the host's timeout ($(($(date +%s) - t0)) s)"; fi
note "stall.log: $(tr '\n' ' ' <"$T/stall.log")"
# Whichever comes first: the host shuts the socket down at its timeout
# (the daemon reads end-of-file), or the daemon's timer (the request's).
check "the daemon ended that handshake too" \
	wait_for 50 log_has "NVMe host (psk) 127.0.0.2:$PORT: failed: \(peer closed\|handshake timeout\)"
check "and holds no more fds than before it ($fd0)" \
	wait_for 50 eval '[ "$(fds)" -le "$fd0" ]'

# ---- the daemon killed in the middle of a handshake, then restarted ----
claims() { grep -c "NVMe host (psk): ClientHello" "$T/daemon.log"; }
c0=$(claims)
stalled_connect &
cpid=$!
wait_for 100 eval '[ "$(claims)" -gt "$c0" ]'
sleep 0.5	# its ClientHello is out: the daemon waits for the answer
kill -9 "$dpid"; wait "$dpid" 2>/dev/null; dpid=
t0=$(date +%s)
if wait "$cpid"; then not_ok "the daemon killed mid-handshake: that connect fails"; else ok "the daemon killed mid-handshake: that connect fails ($(($(date +%s) - t0)) s after the kill)"; fi
"$TH" daemon --workers 2 --tlshd-config "$T/tlshd.conf" >>"$T/daemon.log" 2>&1 &
dpid=$!
if wait_for 100 eval '[ "$(grep -c "serving the kernel" "$T/daemon.log")" -ge 2 ]' &&
	connect "$HOST1" "$HOSTID1" && wait_for 100 find_blk; then
	blk_check "restarted, the next connect works, a block byte-exact" 13
else
	not_ok "restarted, the next connect works, a block byte-exact"; show "$T/connect.log"
fi
disconnect
check "the daemon is still running" kill -0 "$dpid"
check "the daemon log has no crash" eval '! grep -qiE "segfault|abort|assert" "$T/daemon.log"'
[ "$failures" = 0 ] || tail -n 40 "$T/daemon.log" | sed 's/^/# daemon: /'
tap_end 23
