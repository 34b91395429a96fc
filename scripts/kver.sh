#!/usr/bin/env bash
# Print the Debian 6.1 kernel release the VM tests run on: the one
# linux-image-amd64 depends on today (e.g. 6.1.0-56-amd64). Never `uname -r`:
# the host kernel is not the test kernel. TLSH_KVER overrides.
set -euo pipefail
if [ -n "${TLSH_KVER:-}" ]; then
	echo "$TLSH_KVER"
	exit 0
fi
v=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: linux-image-\(6\.1\.[0-9-]*-amd64\)$/\1/p' | head -n1)
if [ -z "$v" ]; then
	echo "kver: cannot resolve linux-image-amd64's kernel (run apt-get update)" >&2
	exit 1
fi
echo "$v"
