# SPDX-License-Identifier: GPL-2.0
# Sourced by the selftests of the daemon as the kernel's own handshake
# agent (selftests/nfs_tls.sh, selftests/nvme_tls.sh) after e2e.sh: the
# plan of one skipped test when the kernel or the VM lacks something, and
# the kernel's kTLS counters. Not a test itself.

# e2e_tmp and the TAP header; the whole test (WHAT) skipped on a kernel
# without the handshake upcall (net/handshake: 6.5 and later; not 6.1).
agent_test_begin() {	# WHAT
	agent_what=$1
	e2e_tmp
	echo "TAP version 13"
	grep -qw handshake_nl_accept_doit /proc/kallsyms ||
		skip_all "this kernel ($(uname -r)) has no net/handshake upcall"
}

skip_all() {	# WHY: "1..1", the test skipped for WHY, exit 0
	echo "1..1"
	skip "$agent_what" "$1"
	exit 0
}

tls_stat() {	# NAME: a counter of /proc/net/tls_stat
	awk -v n="$1" '$1 == n { print $2 }' /proc/net/tls_stat 2>/dev/null
}

ktls_mark() {	# remember the kTLS software-socket counters
	ktls_tx0=$(tls_stat TlsTxSw) ktls_rx0=$(tls_stat TlsRxSw)
}

ktls_moved() {	# MIN: TlsTxSw and TlsRxSw both grew by MIN or more since ktls_mark
	local tx rx
	tx=$(tls_stat TlsTxSw) rx=$(tls_stat TlsRxSw)
	note "TlsTxSw $ktls_tx0 -> $tx, TlsRxSw $ktls_rx0 -> $rx"
	[ "$((tx - ${ktls_tx0:-0}))" -ge "$1" ] && [ "$((rx - ${ktls_rx0:-0}))" -ge "$1" ]
}
