#!/usr/bin/env bash
# Self-tests of the test machinery (TAP): a failing or crashing test, a guest
# kernel panic and a hung guest must all fail the run, never pass it.
# Boots the VM three times (about 40 s under TCG).
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. selftests/lib/tap.sh
result() { check "$2" [ "$1" = 0 ]; }	# STATUS DESCRIPTION
summary() {	# expected-exit expected-line NAME:LOG:RC...
	local want_rc=$1 want=$2 args=() spec name
	shift 2
	for spec in "$@"; do
		IFS=: read -r name log rc <<<"$spec"
		printf '%b' "$log" >"$tmp/$name.log"
		[ -n "$rc" ] && echo "$rc" >"$tmp/$name.rc"
		args+=("$tmp:$name")
	done
	local got
	got=$(scripts/tap-summary.sh "${args[@]}")
	local rc=$?
	[ "$rc" = "$want_rc" ] && [ "$(echo "$got" | tail -n1)" = "$want" ]
}

echo "TAP version 13"
echo "1..9"
summary 0 "2 passed, 0 failed, 1 skipped" "a:ok 1 x\nok 2 y\nok 3 z # SKIP no ulp\n:0"
result $? "summary counts passes and skips"
summary 1 "1 passed, 1 failed, 0 skipped" "a:ok 1 x\nnot ok 2 y\n:1"
result $? "a failing test fails the summary"
summary 1 "1 passed, 1 failed, 0 skipped" "a:ok 1 x\n:139"
result $? "a test program that crashes after passing fails the summary"
summary 1 "0 passed, 1 failed, 0 skipped" "a:1..0\n:0"
result $? "a test program that ran no test fails the summary"
summary 1 "1 passed, 1 failed, 0 skipped" "a:ok 1 x\n:0" "b::"
result $? "a test program that never reported fails the summary"

scripts/vm-run.sh -t 120 -o "$tmp/vm1" -- 'test "$(uname -r)" = "$(cat /proc/sys/kernel/osrelease)" && grep -qw tls /proc/sys/net/ipv4/tcp_available_ulp && exit 7' >/dev/null 2>&1
result $(( $? != 7 )) "vm-run passes the guest command's exit status (tls ULP available)"
scripts/vm-run.sh -t 120 -o "$tmp/vm2" -- 'echo 1 >/proc/sys/kernel/sysrq; echo c >/proc/sysrq-trigger; sleep 30; exit 0' >/dev/null 2>&1
result $(( $? != 125 )) "a guest kernel panic fails vm-run"
grep -q 'Kernel panic' "$tmp/vm2/console.log"
result $? "the panic is in the console log"
scripts/vm-run.sh -t 25 -o "$tmp/vm3" -- 'sleep 600; exit 0' >/dev/null 2>&1
result $(( $? != 125 )) "a hung guest fails vm-run at its timeout"
tap_end 9
