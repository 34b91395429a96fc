#!/usr/bin/env bash
# Runs inside the test VM (from scripts/check.sh through scripts/vm-run.sh):
# every VM selftest, each under its own timeout, each writing OUTDIR/NAME.log
# (TAP) and OUTDIR/NAME.rc. Then checks the kernel log for any report
# (BUG, WARNING, Oops; on the debug kernel of make check-debug also KASAN,
# KFENCE, lockdep, sleeping in atomic context, and kmemleak's scan at the
# end) as one more result, "kernel-log". Each report is shown with the test
# that was running: every test starts with "tlsh-selftest: run NAME" in the
# kernel log.
set -u
outdir=${1:?usage: vm-selftests.sh OUTDIR [TEST...]}
shift
per_test_timeout=${TLSH_TEST_TIMEOUT:-600}
mkdir -p "$outdir"

if [ $# -eq 0 ]; then
	set -- $(scripts/selftest-list.sh)
fi

# kmemleak (debug kernel): forget what boot leaked, so that what the scan at
# the end finds is the tests' (boot's count is kept in the log).
kml=/sys/kernel/debug/kmemleak
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
boot_leaks=
if [ -e $kml ]; then
	echo scan >$kml
	boot_leaks=$(grep -c '^unreferenced object' $kml)
	echo clear >$kml
fi

for t in "$@"; do
	name=$(basename "$t")
	name=${name%.sh}
	echo "# vm: running $t"
	echo "tlsh-selftest: run $name" >/dev/kmsg
	t0=$SECONDS
	timeout -k 5 "$per_test_timeout" "$t" </dev/null >"$outdir/$name.log" 2>&1
	rc=$?
	cat "$outdir/$name.log"
	echo "# vm: $t took $((SECONDS - t0)) s (limit ${per_test_timeout} s)"
	[ $rc -eq 124 ] && echo "# vm: $t timed out after ${per_test_timeout}s" |
		tee -a "$outdir/$name.log"
	echo $rc >"$outdir/$name.rc"
done

echo "tlsh-selftest: done" >/dev/kmsg

# Anything the kernel complained about during the tests fails the run. The
# one list of report patterns, for both kernels; the debug kernel's reports
# (KASAN, KFENCE, lockdep, atomic sleep) mostly start with BUG: or WARNING:
# already.
pat='BUG:|WARNING:|Oops|general protection fault|refcount_t:'
pat+='|list_(add|del) corruption|kernel NULL pointer|stack-protector|UBSAN'
pat+='|KASAN|KFENCE|possible .*locking|inconsistent lock state'
pat+='|suspicious RCU usage|DEBUG_LOCKS_WARN_ON|ODEBUG:|kernel BUG'
pat+='|INFO: task .* blocked for more than|detected stall|soft lockup'
pat+='|hard LOCKUP|kmemleak: .*(disabled|Cannot|[Ff]ail)|Kernel panic'
# Each report line prefixed with the test that was running ("boot" before
# the first).
bad=$(dmesg | awk -v pat="$pat" '
	/tlsh-selftest: run / { t = $NF; next }
	/tlsh-selftest: done/ { t = "after the tests"; next }
	$0 ~ pat { print "[" (t == "" ? "boot" : t) "] " $0 }')
leaks=
if [ -e $kml ]; then
	# Two scans: an object is reported once found unreferenced by a scan
	# and at least 5 s old.
	echo scan >$kml
	sleep 6
	echo scan >$kml
	leaks=$(cat $kml)
fi
# The whole log, for the splats (the console shows only errors).
dmesg >"$outdir/kernel.dmesg"
{
	echo "TAP version 13"
	echo "1..1"
	[ -n "$boot_leaks" ] && echo "# kmemleak: $boot_leaks objects leaked at boot (not counted)"
	if [ -z "$bad$leaks" ]; then
		echo "ok 1 kernel log has no report (BUG, WARNING, Oops, KASAN, lockdep, leak)"
	else
		[ -n "$bad" ] && echo "$bad" | sed 's/^/# /'
		if [ -n "$leaks" ]; then
			echo "# kmemleak: $(echo "$leaks" | grep -c '^unreferenced object') suspected leaks after the tests:"
			echo "$leaks" | head -n 400 | sed 's/^/# /'
		fi
		echo "not ok 1 kernel log has no report (BUG, WARNING, Oops, KASAN, lockdep, leak)"
	fi
} >"$outdir/kernel-log.log"
cat "$outdir/kernel-log.log"
[ -z "$bad$leaks" ]
echo $? >"$outdir/kernel-log.rc"
exit 0
