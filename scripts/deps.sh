#!/usr/bin/env bash
# Install everything the build, the tests and the VM need, from Debian's
# packages only. Idempotent: quiet and quick when all is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

need=(gcc make pkg-config git
      nettle-dev libgnutls28-dev libnl-3-dev libnl-genl-3-dev
      gnutls-bin openssl curl python3
      qemu-system-x86 busybox-static cpio kmod xz-utils iproute2
      valgrind util-linux
      # selftests/nfs_tls.sh: nfsd and mount.nfs (the guest runs the host's)
      nfs-kernel-server nfs-common
      # selftests/nvme_tls.sh: keyctl, for the NVMe PSKs
      keyutils
      linux-source-6.1
      # selftests/attach_nginx.sh (the guest runs the host's /usr/sbin/nginx;
      # never started on the host, see below), selftests/uring_accept.c
      nginx liburing-dev
      # make deb, the man page and unit checks, the DKMS package
      debhelper dh-dkms dkms lintian man-db systemd
      # the debug kernel of make check-debug (scripts/debug-kernel.sh)
      flex bison bc libelf-dev libssl-dev)

kver=$(scripts/kver.sh 2>/dev/null || true)
[ -n "$kver" ] && need+=("linux-headers-$kver")
# make kmod KERNEL=6.12: Debian 12's newest 6.12 headers.
kver612=$(scripts/kver.sh 6.12 2>/dev/null || true)
[ -n "$kver612" ] && need+=("linux-headers-$kver612")

missing=()
for p in "${need[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
echo "deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
if [ -z "$kver" ]; then
	kver=$(scripts/kver.sh)
	missing+=("linux-headers-$kver")
fi
if [ -z "$kver612" ]; then
	kver612=$(scripts/kver.sh 6.12)
	missing+=("linux-headers-$kver612")
fi
# No service may start on the host (nginx would take port 80): a
# policy-rc.d that forbids it (invoke-rc.d and deb-systemd-invoke obey it)
# for the install only, unless the machine has its own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod 755 /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
	"${missing[@]}" >/dev/null
