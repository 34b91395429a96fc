#!/usr/bin/env bash
# Boot the test kernel under QEMU and run one shell command in it.
#
#   [KERNEL=6.1|6.12|debug] scripts/vm-run.sh [-t SECONDS] [-o OUTDIR] [-m MODULE]... -- COMMAND
#
# KERNEL picks the kernel (scripts/vm-image.sh): Debian's 6.1 (default), 6.12 or
# the debug kernel of make check-debug (KASAN, lockdep, kmemleak, KFENCE;
# given 4 GiB, and KASAN reports every bug, not only the first).
# Inside the guest: root, cwd = this repo (same path as on the host, the host
# root is shared read-only with a tmpfs overlay), loopback up, `tls` loaded
# (and any -m MODULE). COMMAND runs under bash. Its output is echoed here live
# and kept in OUTDIR/out.log; the exit status is COMMAND's.
#
# The run fails (exit 125) when the guest never reports a status: kernel
# panic or oops (panic=-1 oops=panic + -no-reboot stop QEMU), a hang past the
# timeout (default 900 s), or an init failure. OUTDIR/console.log has the
# whole serial console, kernel messages included.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

timeout=900
outdir=
mods=(tls)
while [ $# -gt 0 ]; do
	case $1 in
	-t) timeout=$2; shift 2 ;;
	-o) outdir=$2; shift 2 ;;
	-m) mods+=("$2"); shift 2 ;;
	--) shift; break ;;
	*) echo "usage: vm-run.sh [-t SECONDS] [-o OUTDIR] [-m MODULE]... -- COMMAND" >&2
	   exit 2 ;;
	esac
done
[ $# -gt 0 ] || { echo "vm-run.sh: no command" >&2; exit 2; }

img=$(scripts/vm-image.sh)
kver=$(basename "$img")
mem=2048
append=
if [ "${KERNEL:-6.1}" = debug ]; then
	mem=4096
	append=" kasan_multi_shot log_buf_len=16M"
fi
keep=1
if [ -z "$outdir" ]; then
	mkdir -p build/vm/jobs
	outdir=$(mktemp -d "$repo/build/vm/jobs/run.XXXXXX")
	keep=0
fi
mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
rm -f "$outdir"/{status,out.log,console.log,job.sh,env.sh}

cat >"$outdir/env.sh" <<ENV
TLSH_KVER=$kver
TLSH_MODULES=$(readlink -f "$img/root/lib/modules/$kver")
TLSH_ROOT=$repo
ENV

{
	echo 'exec >/dev/console 2>&1 </dev/null'
	echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	echo 'export HOME=/root TERM=dumb LANG=C.UTF-8 TLSH_IN_VM=1'
	echo "export TLSH_ROOT=$(printf %q "$repo")"
	echo 'ip link set lo up'
	for m in "${mods[@]}"; do
		echo "modprobe $(printf %q "$m") || echo 'vm-run: modprobe $m failed'"
	done
	echo "cd $(printf %q "$repo")"
	printf '( %s ) 2>&1 | tee /tlsh-job/out.log\n' "$*"
	echo 'echo "${PIPESTATUS[0]}" >/tlsh-job/status'
} >"$outdir/job.sh"

# TCG only: KVM here runs only paravirtual guests (see VM-NOTES.md).
: >"$outdir/console.log"
timeout -k 10 "$timeout" qemu-system-x86_64 \
	-machine q35 -cpu max -smp 2 -m $mem \
	-display none -monitor none -serial "file:$outdir/console.log" \
	-no-reboot -nic none \
	-kernel "$img/vmlinuz" -initrd "$img/initramfs.gz" \
	-append "console=ttyS0 panic=-1 oops=panic loglevel=4 quiet$append" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$outdir,mount_tag=tlshjob,security_model=none" &
qpid=$!
tail -n +1 -f --pid=$qpid "$outdir/console.log" 2>/dev/null &
tpid=$!
qrc=0
wait $qpid || qrc=$?
wait $tpid 2>/dev/null || true

if [ -s "$outdir/status" ]; then
	rc=$(cat "$outdir/status")
	[ "$keep" = 1 ] || [ "$rc" != 0 ] || rm -rf "$outdir"
	exit "$rc"
fi
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	echo "vm-run: FAIL: the guest did not finish within ${timeout}s" >&2
elif grep -q 'Kernel panic' "$outdir/console.log"; then
	echo "vm-run: FAIL: guest kernel panic (see $outdir/console.log)" >&2
else
	echo "vm-run: FAIL: the guest never reported a status (qemu exit $qrc; see $outdir/console.log)" >&2
fi
exit 125
