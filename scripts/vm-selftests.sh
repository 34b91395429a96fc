#!/usr/bin/env bash
# Runs inside the test VM (from scripts/check.sh through scripts/vm-run.sh):
# every VM selftest, each under its own timeout, each writing OUTDIR/NAME.log
# (TAP) and OUTDIR/NAME.rc. Then checks the kernel log for BUG/WARNING/Oops
# as one more result, "kernel-log".
set -u
outdir=${1:?usage: vm-selftests.sh OUTDIR [TEST...]}
shift
per_test_timeout=${TLSH_TEST_TIMEOUT:-600}
mkdir -p "$outdir"

if [ $# -eq 0 ]; then
	set -- $(scripts/selftest-list.sh)
fi

for t in "$@"; do
	name=$(basename "$t")
	name=${name%.sh}
	echo "# vm: running $t"
	t0=$SECONDS
	timeout -k 5 "$per_test_timeout" "$t" </dev/null >"$outdir/$name.log" 2>&1
	rc=$?
	cat "$outdir/$name.log"
	echo "# vm: $t took $((SECONDS - t0)) s (limit ${per_test_timeout} s)"
	[ $rc -eq 124 ] && echo "# vm: $t timed out after ${per_test_timeout}s" |
		tee -a "$outdir/$name.log"
	echo $rc >"$outdir/$name.rc"
done

# Anything the kernel complained about during the tests fails the run.
bad=$(dmesg | grep -E 'BUG:|WARNING:|Oops|general protection fault|refcount_t:|list_(add|del) corruption|kernel NULL pointer|stack-protector|UBSAN|KASAN')
{
	echo "TAP version 13"
	echo "1..1"
	if [ -z "$bad" ]; then
		echo "ok 1 kernel log has no BUG, WARNING or Oops"
	else
		echo "$bad" | sed 's/^/# /'
		echo "not ok 1 kernel log has no BUG, WARNING or Oops"
	fi
} >"$outdir/kernel-log.log"
cat "$outdir/kernel-log.log"
[ -z "$bad" ]
echo $? >"$outdir/kernel-log.rc"
exit 0
