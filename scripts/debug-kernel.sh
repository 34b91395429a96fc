#!/usr/bin/env bash
# Build (once) the debug test kernel for `make check-debug`: Debian's
# linux-source-6.1 with KASAN, lockdep, kmemleak, KFENCE and
# DEBUG_ATOMIC_SLEEP, from x86_64 defconfig plus scripts/debug-kernel.config.
#
#   scripts/debug-kernel.sh          build if needed; print the cache dir
#   scripts/debug-kernel.sh --dir    print the cache dir, build nothing
#                                    (exit 1 when it is not built yet)
#
# The cache dir, outside the clone so that every clone shares it:
#   ${TLSH_CACHE:-/var/cache/tlsh}/debug-kernel/KEY/
#     linux/                  the built tree (make -C it M=... for modules)
#     vmlinuz                 its bzImage
#     root/lib/modules/KREL/  modules_install + depmod (modules.builtin too)
#     kernelrelease           KREL, e.g. 6.1.192-tlsh-debug
#     done                    written last: the build is complete
# KEY is linux-source-6.1's package version plus a hash of this script and
# the config fragment: a change to either builds a new kernel. An
# interrupted build continues where it stopped on the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
frag=$repo/scripts/debug-kernel.config
tarball=/usr/src/linux-source-6.1.tar.xz

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) || {
	echo "debug-kernel: linux-source-6.1 is not installed (make deps)" >&2
	exit 1
}
hash=$(cat "$repo/scripts/debug-kernel.sh" "$frag" | sha256sum | cut -c1-12)
key=$srcver-$hash
cache=${TLSH_CACHE:-/var/cache/tlsh}/debug-kernel/$key

if [ "${1:-}" = --dir ]; then
	echo "$cache"
	[ -f "$cache/done" ]
	exit
fi
if [ -f "$cache/done" ]; then
	echo "$cache"
	exit 0
fi

mkdir -p "$cache"
# One build at a time per key (two clones running make check-debug).
exec 9>"$cache/.lock"
if ! flock -n 9; then
	echo "debug-kernel: waiting for another build of $cache" >&2
	flock 9
fi
if [ -f "$cache/done" ]; then
	echo "$cache"
	exit 0
fi

log=$cache/build.log
echo "debug-kernel: building $key in $cache (20-40 min; log: $log)" >&2
src=$cache/linux
if [ ! -f "$cache/.extracted" ]; then
	rm -rf "$src" "$cache/linux-source-6.1"
	tar -C "$cache" -xf "$tarball"
	mv "$cache/linux-source-6.1" "$src"
	touch "$cache/.extracted"
fi

km() { nice -n 19 make -C "$src" LOCALVERSION= "$@"; }
if [ ! -f "$cache/.configured" ]; then
	km defconfig >"$log" 2>&1
	(cd "$src" && scripts/kconfig/merge_config.sh -m .config "$frag") >>"$log" 2>&1
	km olddefconfig >>"$log" 2>&1
	# Every option the fragment asks for must have survived olddefconfig
	# (a dependency missing would silently drop it).
	missing=$(grep -E '^(CONFIG_[A-Z0-9_]+=|# CONFIG_[A-Z0-9_]+ is not set)' "$frag" |
		while read -r line; do
			if [[ $line == \#* ]]; then
				opt=${line#\# }; opt=${opt%% *}
				grep -q "^$opt=" "$src/.config" && echo "$opt (wanted unset)"
			else
				grep -qxF "$line" "$src/.config" || echo "$line"
			fi
		done) || true
	if [ -n "$missing" ]; then
		echo "debug-kernel: the config fragment did not apply:" >&2
		echo "$missing" | sed 's/^/  /' >&2
		exit 1
	fi
	touch "$cache/.configured"
fi

jobs=${TLSH_KERNEL_JOBS:-2}
if ! km -j"$jobs" bzImage modules >>"$log" 2>&1; then
	tail -n 40 "$log" >&2
	echo "debug-kernel: build failed (log: $log)" >&2
	exit 1
fi
krel=$(km -s kernelrelease)
rm -rf "$cache/root"
km -s modules_install INSTALL_MOD_PATH="$cache/root" >>"$log" 2>&1
depmod -b "$cache/root" "$krel"
cp "$src/arch/x86/boot/bzImage" "$cache/vmlinuz"
echo "$krel" >"$cache/kernelrelease"
touch "$cache/done"
echo "debug-kernel: built $krel" >&2
echo "$cache"
