#!/usr/bin/env bash
# Build the VM boot image for the Debian 6.1 test kernel:
#   build/vm/KVER/vmlinuz          the kernel from linux-image-KVER
#   build/vm/KVER/root/lib/modules the kernel's modules, depmod'ed (bound over
#                                  /lib/modules/KVER inside the guest)
#   build/vm/KVER/initramfs.gz     busybox + the virtio/9p/overlay modules + init
# The guest's root is the host's root over 9p (read-only) with a tmpfs
# overlay, so every host tool and this build tree are visible inside.
# Prints the image directory. Cached: rebuilt only when init changes.
set -euo pipefail
cd "$(dirname "$0")/.."
kver=$(scripts/kver.sh)
dir=$PWD/build/vm/$kver
mkdir -p "$dir"

if [ ! -f "$dir/vmlinuz" ]; then
	tmp=$(mktemp -d "$dir/dl.XXXXXX")
	# apt's sandbox user cannot write into root-owned build dirs.
	chmod 777 "$tmp"
	(cd "$tmp" && apt-get download -qq "linux-image-$kver" 2>/dev/null) || {
		echo "vm-image: apt-get download linux-image-$kver failed" >&2
		exit 1
	}
	rm -rf "$dir/root"
	dpkg -x "$tmp"/linux-image-*.deb "$dir/root"
	depmod -b "$dir/root" "$kver"
	cp "$dir/root/boot/vmlinuz-$kver" "$dir/vmlinuz.tmp"
	mv "$dir/vmlinuz.tmp" "$dir/vmlinuz"
	rm -rf "$tmp"
fi

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
		b=$(basename "$ko")
		grep -qx "$b" "$ird/modules.list" && continue
		cp "$ko" "$ird/lib/modules/$b"
		echo "$b" >>"$ird/modules.list"
	done
	cp "$init" "$ird/init"
	chmod +x "$ird/init"
	(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1) >"$dir/initramfs.gz.tmp"
	mv "$dir/initramfs.gz.tmp" "$dir/initramfs.gz"
fi
echo "$dir"
