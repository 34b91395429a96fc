#!/usr/bin/env bash
# make bench, shortened (no VM, no callgrind, short runs), as a test: every
# server of every case completes handshakes and the report carries their
# numbers, the floors and the memory figure. TAP.
set -uo pipefail
cd "$(dirname "$0")/.."

T=$(mktemp -d /tmp/tlsh-test-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
. selftests/lib/tap.sh

BENCH_NO_VM=1 BENCH_NO_CALLGRIND=1 BENCH_SECONDS=0.5 BENCH_REPS=1 \
	BENCH_OUT="$T/out" BENCH_REPORT="$T/report.md" \
	scripts/bench.sh >"$T/stdout" 2>"$T/stderr"
rc=$?
sed 's/^/# /' "$T/stderr" | tail -5

# "| TITLE | N us | N us | N us | N us | R | ..." with every N > 0: the
# first such row (full handshakes) or the second (resumed).
row_ok() {	# TITLE [NTH]
	grep -F "| $1 |" "$T/report.md" | sed -n "${2:-1}p" |
		awk -F'|' '{for (i = 3; i <= 6; i++) if ($i !~ /^ [0-9.]+ us $/ || $i + 0 <= 0) exit 1; n++}
			   END {exit n ? 0 : 1}'
}

check "make bench (shortened) exits 0" [ "$rc" = 0 ]
for title in "TLS 1.3, X25519, ECDSA P-256" "TLS 1.3, X25519, RSA-2048 (PSS)" \
	"TLS 1.2, ECDHE-ECDSA (X25519, P-256), AES-128-GCM"; do
	check "report: floor, tlshelper, OpenSSL and GnuTLS CPU per handshake for $title" \
		row_ok "$title"
	check "report: floor, tlshelper, OpenSSL and GnuTLS CPU per resumed handshake for $title" \
		row_ok "$title" 2
done
check "report: tlshelper's memory per in-flight handshake, 1000 clients held" \
	grep -Eq '^\| tlshelper \| [0-9.]+ KiB \| 1000 \|' "$T/report.md"
check "the printed report is the saved one" cmp -s "$T/stdout" "$T/report.md"
tap_end
