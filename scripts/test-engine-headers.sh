#!/usr/bin/env bash
# The handshake engine (helper/tls/) is sans-I/O and free of kernel, socket
# and kTLS headers: every helper/tls/*.c and *.h is preprocessed and each
# header it pulls in, directly or not, is checked (TAP). The only kernel
# header allowed is <linux/limits.h>, which the C library's <limits.h>
# includes; nothing of the project outside helper/tls/ may be included.
# Probes that include such headers must be caught, so the check can fail.
set -u
cd "$(dirname "$0")/.."
CC=${CC:-cc}
flags=(-Iuapi -Ihelper $(pkg-config --cflags nettle hogweed gnutls) -std=c11 -D_GNU_SOURCE)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Prints the forbidden headers FILE includes; fails if it cannot be read.
forbidden() {	# FILE
	local deps
	deps=$("$CC" "${flags[@]}" -M -x c "$1" 2>"$tmp/err") || {
		cat "$tmp/err" >&2
		echo "(does not preprocess)"
		return
	}
	tr ' \\' '\n\n' <<<"$deps" | grep -v -e '^$' -e ':$' | sort -u | grep -E \
		-e '/(sys/socket|bits/socket|sys/un)\.h$' \
		-e '/(netinet|arpa|asm|asm-generic|net)/' \
		-e '/linux/' -e '^(\./)?(helper/|uapi/)' |
		grep -Ev -e '/linux/limits\.h$' -e '^(\./)?helper/tls/[^/]*$'
}

files=(helper/tls/*.c helper/tls/*.h)
probes=('#include "os/ktls.h"' '#include <linux/tls.h>' '#include <sys/socket.h>'
	'#include <arpa/inet.h>' '#include "io/driver.h"')
echo "TAP version 13"
echo "1..$((${#files[@]} + ${#probes[@]}))"
n=0 bad=0
for f in "${files[@]}"; do
	n=$((n + 1))
	out=$(forbidden "$f")
	if [ -z "$out" ]; then
		echo "ok $n $f includes no kernel, socket or helper header"
	else
		echo "not ok $n $f includes:"; sed 's/^/#   /' <<<"$out"; bad=1
	fi
done
for p in "${probes[@]}"; do
	n=$((n + 1))
	printf '%s\n#include "tls/engine.h"\n' "$p" >"$tmp/probe.c"
	if [ -n "$(forbidden "$tmp/probe.c")" ]; then
		echo "ok $n the check catches $p"
	else
		echo "not ok $n the check misses $p"; bad=1
	fi
done
exit $bad
