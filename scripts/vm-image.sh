#!/usr/bin/env bash
# Build the VM boot image for a test kernel, KERNEL=6.1 (default), 6.12 or
# debug:
#   build/vm/KVER/vmlinuz          the kernel
#   build/vm/KVER/root/lib/modules the kernel's modules, depmod'ed (bound over
#                                  /lib/modules/KVER inside the guest)
#   build/vm/KVER/initramfs.gz     busybox + the virtio/9p/overlay modules
#                                  that are not built in + init
# KERNEL=6.1: Debian's 6.1 (linux-image-amd64's, scripts/kver.sh), from the
# linux-image-KVER package. KERNEL=6.12: Debian 12's newest 6.12
# (scripts/kver.sh 6.12), from linux-image-KVER-unsigned. KERNEL=debug: the debug kernel of make
# check-debug, built from linux-source-6.1 by scripts/debug-kernel.sh (cached
# outside the clone; the first build takes 20-40 min); root is a link into
# that cache.
# The guest's root is the host's root over 9p (read-only) with a tmpfs
# overlay, so every host tool and this build tree are visible inside.
# Prints the image directory. Cached: rebuilt only when init changes.
set -euo pipefail
cd "$(dirname "$0")/.."

case ${KERNEL:-6.1} in
6.1 | 6.12)
	if [ "${KERNEL:-6.1}" = 6.1 ]; then
		kver=$(scripts/kver.sh)
		pkg=linux-image-$kver
	else
		kver=$(scripts/kver.sh 6.12)
		pkg=linux-image-$kver-unsigned
	fi
	dir=$PWD/build/vm/$kver
	mkdir -p "$dir"
	if [ ! -f "$dir/vmlinuz" ]; then
		tmp=$(mktemp -d "$dir/dl.XXXXXX")
		# apt's sandbox user cannot write into root-owned build dirs.
		chmod 777 "$tmp"
		(cd "$tmp" && apt-get download -qq "$pkg" 2>/dev/null) || {
			echo "vm-image: apt-get download $pkg failed" >&2
			exit 1
		}
		rm -rf "$dir/root"
		dpkg -x "$tmp"/linux-image-*.deb "$dir/root"
		depmod -b "$dir/root" "$kver"
		cp "$dir/root/boot/vmlinuz-$kver" "$dir/vmlinuz.tmp"
		mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
		rm -rf "$tmp"
	fi
	;;
debug)
	cache=$(scripts/debug-kernel.sh)
	kver=$(cat "$cache/kernelrelease")
	dir=$PWD/build/vm/$kver
	mkdir -p "$dir"
	# Another cache key with the same release: take the new build.
	if [ "$(cat "$dir/source" 2>/dev/null)" != "$cache" ]; then
		rm -f "$dir/vmlinuz" "$dir/root" "$dir/initramfs.gz"
		ln -s "$cache/root" "$dir/root"
		cp "$cache/vmlinuz" "$dir/vmlinuz"
		echo "$cache" >"$dir/source"
	fi
	;;
*)
	echo "vm-image: unknown KERNEL=$KERNEL (6.1, 6.12 or debug)" >&2
	exit 2
	;;
esac

init=scripts/vm-init.sh
if [ ! -f "$dir/initramfs.gz" ] || [ "$init" -nt "$dir/initramfs.gz" ] ||
   [ "$0" -nt "$dir/initramfs.gz" ]; then
	ird=$(mktemp -d)
	trap 'rm -rf "$ird"' EXIT
	mkdir -p "$ird"/{bin,dev,proc,sys,lower,rw,newroot,job,lib/modules}
	cp /bin/busybox "$ird/bin/busybox"
	: >"$ird/modules.list"
	for m in virtio_pci 9pnet_virtio 9p overlay; do
		modprobe -d "$dir/root" -S "$kver" --show-depends "$m"
	done | awk '$1 == "insmod" { print $2 }' | while read -r ko; do
		# Built-in ones print "builtin NAME" (6.12's virtio_pci) and are
		# skipped. busybox insmod takes no compressed module: 6.12's
		# .ko.xz are unpacked here (the guest's own modprobe reads them).
		b=$(basename "$ko" .xz)
		grep -qx "$b" "$ird/modules.list" && continue
		case $ko in
		*.xz) xz -dc "$ko" >"$ird/lib/modules/$b" ;;
		*) cp "$ko" "$ird/lib/modules/$b" ;;
		esac
		echo "$b" >>"$ird/modules.list"
	done
	cp "$init" "$ird/init"
	chmod +x "$ird/init"
	(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$dir/initramfs.gz.tmp"
	mv "$dir/initramfs.gz.tmp" "$dir/initramfs.gz"
fi
echo "$dir"
