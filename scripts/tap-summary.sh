#!/usr/bin/env bash
# Summarise test results. Each argument is DIR:NAME, where DIR/NAME.log is a
# program's TAP output and DIR/NAME.rc its exit status. Prints each failure,
# then one last line "N passed, N failed, N skipped"; exits 1 on any failure.
#
# A program that never reported (no .rc), that exited non-zero without a
# "not ok" line (a crash), or that exited 0 having run no test, counts as one
# failure of its own: a test that does not run never passes.
set -u
passed=0 failed=0 skipped=0
for arg in "$@"; do
	dir=${arg%%:*}
	name=${arg#*:}
	log=$dir/$name.log
	rcf=$dir/$name.rc
	if [ ! -s "$rcf" ]; then
		echo "FAIL: $name: never reported a result"
		failed=$((failed + 1))
		continue
	fi
	rc=$(cat "$rcf")
	read -r p f s < <(awk '
		/^ok [0-9]+/ { if ($0 ~ /# *[Ss][Kk][Ii][Pp]/) s++; else p++; next }
		/^not ok [0-9]+/ { if ($0 ~ /# *TODO/) s++; else f++ }
		END { printf "%d %d %d\n", p, f, s }' "$log" 2>/dev/null || echo "0 0 0")
	grep -E '^not ok [0-9]+' "$log" 2>/dev/null | grep -v '# *TODO' | sed "s/^/FAIL: $name: /"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	# kselftest exits 4 (KSFT_SKIP) when everything was skipped.
	if [ "$rc" != 0 ] && [ "$rc" != 4 ] && [ "$f" -eq 0 ]; then
		echo "FAIL: $name: exited with status $rc without a failing test (crash or timeout?)"
		failed=$((failed + 1))
	elif [ $((p + f + s)) -eq 0 ]; then
		echo "FAIL: $name: ran no test"
		failed=$((failed + 1))
	fi
done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
