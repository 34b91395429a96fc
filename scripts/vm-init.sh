#!/bin/busybox sh
# PID 1 of the test VM (see scripts/vm-image.sh, scripts/vm-run.sh).
# Mounts the host root read-only over 9p with a tmpfs overlay on top, binds
# the test kernel's modules over /lib/modules/KVER, mounts the writable job
# share at /tlsh-job, moves the overlay to / and runs /tlsh-job/job.sh there.
# Always powers off: an init that exits would panic the guest.
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev

die() {
	echo "vm-init: $*" >/dev/console
	poweroff -f
}

for m in $(cat /modules.list); do
	insmod "/lib/modules/$m" || die "insmod $m failed"
done

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 hostroot /lower ||
	die "cannot mount the host root"
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 tlshjob /job ||
	die "cannot mount the job share"
. /job/env.sh

mount -t tmpfs -o size=4g,mode=755 rw /rw
mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot ||
	die "cannot mount the overlay"

mount -t proc proc /newroot/proc
mount -t sysfs sys /newroot/sys
mount -t devtmpfs dev /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
# devtmpfs has no /dev/fd links; bash process substitution needs them.
ln -sf /proc/self/fd /newroot/dev/fd
ln -sf /proc/self/fd/0 /newroot/dev/stdin
ln -sf /proc/self/fd/1 /newroot/dev/stdout
ln -sf /proc/self/fd/2 /newroot/dev/stderr
mount -t tmpfs tmp /newroot/dev/shm
# A fresh /tmp, unless the build tree lives there (CI may clone into /tmp):
# the overlay's /tmp is writable anyway, its changes land in the tmpfs upper.
case "$TLSH_ROOT/" in
/tmp/*) ;;
*) mount -t tmpfs tmp /newroot/tmp ;;
esac
mount -t tmpfs run /newroot/run
mkdir -p "/newroot/lib/modules/$TLSH_KVER" /newroot/tlsh-job
mount --bind "/newroot$TLSH_MODULES" "/newroot/lib/modules/$TLSH_KVER"
mount --bind /job /newroot/tlsh-job

# The kernel's module autoloader (crypto algorithms for kTLS, genl
# families) runs /sbin/modprobe relative to this initramfs root: forward it
# to the real modprobe in the job's root (PID 1's, once the job runs).
mkdir -p /sbin
cat >/sbin/modprobe <<'EOF'
#!/bin/busybox sh
for r in /newroot /proc/1/root; do
	# The job's root, not this one (its modprobe is an absolute link).
	if [ -d "$r/usr/sbin" ]; then
		exec /bin/busybox chroot "$r" /sbin/modprobe "$@"
	fi
done
exit 1
EOF
chmod +x /sbin/modprobe

# A Debian host's udev loads the CPU's crypto drivers at boot (by CPU
# modalias); this init has no udev. Without them kTLS would run the
# kernel's generic C AES and ChaCha20 while userspace peers use AES-NI.
for m in aesni_intel ghash_clmulni_intel chacha_x86_64 poly1305_x86_64; do
	/sbin/modprobe -q "$m" || echo "vm-init: cannot load $m"
done

# Like switch_root: the overlay becomes the root of the mount namespace
# and PID 1 runs the job there. A mere chroot would leave the job
# "chrooted", and the kernel refuses user namespaces to a chrooted process.
cd /newroot || die "cannot enter the overlay"
mount --move . / || die "cannot move the overlay to /"
exec /bin/busybox chroot . /bin/bash -c \
	'/bin/bash /tlsh-job/job.sh; sync; umount /tlsh-job 2>/dev/null; exec /bin/busybox poweroff -f'
