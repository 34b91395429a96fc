#!/usr/bin/env bash
# Print the Debian kernel release a kernel choice means, never `uname -r`
# (the host kernel is not the test kernel):
#
#   scripts/kver.sh [6.1]  the 6.1 release linux-image-amd64 depends on today
#                          (e.g. 6.1.0-56-amd64); TLSH_KVER overrides.
#   scripts/kver.sh 6.12   Debian 12's newest 6.12 release (e.g.
#                          6.12.118+deb12-amd64): the highest version of
#                          linux-headers-6.12.*+deb12-amd64 in the package
#                          lists or installed; TLSH_KVER_6_12 overrides.
set -euo pipefail
kernel=${1:-6.1}
case "$kernel" in
6.1)
	if [ -n "${TLSH_KVER:-}" ]; then
		echo "$TLSH_KVER"
		exit 0
	fi
	v=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\(6\.1\.[0-9-]*-amd64\)$/\1/p' | head -n1)
	what="linux-image-amd64's kernel"
	;;
6.12)
	if [ -n "${TLSH_KVER_6_12:-}" ]; then
		echo "$TLSH_KVER_6_12"
		exit 0
	fi
	v=$( { apt-cache pkgnames linux-headers-6.12. 2>/dev/null || true
	       dpkg-query -W -f='${Package}\n' 'linux-headers-6.12.*' 2>/dev/null || true; } |
		sed -n 's/^linux-headers-\(6\.12\.[0-9]*+deb12-amd64\)$/\1/p' |
		sort -uV | tail -n1)
	what="the newest linux-headers-6.12.*+deb12-amd64"
	;;
*)
	echo "kver: unknown kernel '$kernel' (6.1 or 6.12)" >&2
	exit 1
	;;
esac
if [ -z "$v" ]; then
	echo "kver: cannot resolve $what (run apt-get update)" >&2
	exit 1
fi
echo "$v"
