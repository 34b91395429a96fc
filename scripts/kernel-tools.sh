#!/usr/bin/env bash
# Extract kselftest_harness.h, kselftest.h and checkpatch.pl (with its data
# files) from Debian's linux-source-6.1 tarball into BUILD_DIR. They stay
# build products: nothing from the kernel tree is committed here.
set -euo pipefail
out=${1:?usage: kernel-tools.sh BUILD_DIR}
tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1)
if [ -z "$tarball" ]; then
	echo "kernel-tools: linux-source-6.1 is not installed (run scripts/deps.sh)" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tar -xf "$tarball" -C "$tmp" \
	linux-source-6.1/tools/testing/selftests/kselftest.h \
	linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
	linux-source-6.1/scripts/checkpatch.pl \
	linux-source-6.1/scripts/spelling.txt \
	linux-source-6.1/scripts/const_structs.checkpatch
src=$tmp/linux-source-6.1
mkdir -p "$out/kselftest" "$out/kernel-scripts"
cp "$src/scripts/checkpatch.pl" "$src/scripts/spelling.txt" \
	"$src/scripts/const_structs.checkpatch" "$out/kernel-scripts/"
cp "$src/tools/testing/selftests/kselftest.h" "$out/kselftest/"
# The harness last: it is the make target, so it marks completion.
cp "$src/tools/testing/selftests/kselftest_harness.h" "$out/kselftest/"
