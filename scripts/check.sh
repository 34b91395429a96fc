#!/usr/bin/env bash
# `make check`: install what is missing, build, run the host unit tests, the
# test-harness self-tests and the VM selftests; end with one line
# "N passed, N failed, N skipped". Exit status 0 only if nothing failed.
#
#   scripts/check.sh [--host-only | --vm-only | --debug]
# The VM selftests run on every supported kernel, one boot each: Debian's
# 6.1 (kmod/tlsh.ko) and Debian 12's newest 6.12 (build/kmod-6.12/tlsh.ko).
# TLSH_VM_TESTS="build/selftests/ktls ..." limits the VM selftests,
# TLSH_VM_KERNELS="6.12" the kernels.
# --debug (make check-debug): the VM selftests only, on the debug kernel
# (scripts/debug-kernel.sh, built once and cached) with tlsh.ko built for it
# in build/debug-kmod/, and 4 times the time limits.
set -uo pipefail
cd "$(dirname "$0")/.."
mode=${1:-all}
start=$SECONDS

scripts/deps.sh || { echo "0 passed, 1 failed"; exit 1; }
if ! make -s all; then
	echo "check: build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

out=build/check
rm -rf "$out"
mkdir -p "$out/host" "$out/vm"
results=()

run_host_test() {	# NAME COMMAND...
	local name=$1
	shift
	echo "# host: $name"
	timeout -k 5 600 "$@" </dev/null >"$out/host/$name.log" 2>&1
	echo $? >"$out/host/$name.rc"
	cat "$out/host/$name.log"
	results+=("$out/host:$name")
}

if [ "$mode" = all ] || [ "$mode" = --host-only ]; then
	for t in build/tests/*; do
		[ -x "$t" ] && [ -f "$t" ] && run_host_test "$(basename "$t")" "$t"
	done
	# The same tests under AddressSanitizer + UBSan.
	if make -s tests-asan; then
		for t in build/asan/tests/*; do
			[ -x "$t" ] && [ -f "$t" ] && run_host_test "$(basename "$t")-asan" "$t"
		done
	else
		echo "not ok 1 the ASan/UBSan build compiles" >"$out/host/asan-build.log"
		echo 1 >"$out/host/asan-build.rc"
		results+=("$out/host:asan-build")
	fi
	# Every parser's fuzz target over its seed corpus and fixed mutations.
	run_host_test fuzz-regress make -s fuzz-regress
	# Real peers (openssl, gnutls) against tlshelper, userspace record layer.
	run_host_test interop scripts/test-interop.sh
	run_host_test bench scripts/test-bench.sh
	run_host_test harness scripts/test-harness.sh
	run_host_test engine-headers scripts/test-engine-headers.sh
	run_host_test install scripts/test-install.sh
fi

# One boot of kernel $1 ("6.1", "6.12" or "debug") running the VM selftests
# $tests with tlsh.ko $2 and extra environment $3; results are labelled
# with the kernel when there is more than one.
run_vm() {
	local k=$1 ko=$2 env=$3 job=$out/vm-$1 vmrc t name
	echo "# vm: booting the $k test kernel for: $(echo $tests)"
	# The job dir is the guest's writable share, mounted at /tlsh-job.
	KERNEL=$k scripts/vm-run.sh -t $vmtime -o "$job" -- \
		TLSH_KO=$ko $env scripts/vm-selftests.sh /tlsh-job/results $tests
	vmrc=$?
	for t in $tests kernel-log; do
		name=$(basename "$t")
		results+=("$job/results:${name%.sh}$label")
	done
	# The guest writes NAME.log; the summary names it NAME@KERNEL.
	if [ -n "$label" ]; then
		for t in "$job"/results/*.log "$job"/results/*.rc; do
			[ -e "$t" ] || continue
			name=${t##*/}
			mv "$t" "$job/results/${name%.*}$label.${name##*.}"
		done
	fi
	if [ $vmrc -ne 0 ]; then
		echo "not ok 1 the $k VM ran to completion (vm-run exit $vmrc)"
	else
		echo "ok 1 the $k VM ran to completion"
	fi >"$out/vm/vm-boot$label.log"
	echo 0 >"$out/vm/vm-boot$label.rc"
	results+=("$out/vm:vm-boot$label")
}

if [ "$mode" != --host-only ]; then
	tests=${TLSH_VM_TESTS:-$(scripts/selftest-list.sh)}
	vmtime=2400
	if [ "$mode" = --debug ]; then
		# KASAN + lockdep under TCG: several times slower.
		vmtime=$((vmtime * 4))
		timeout4=$((${TLSH_TEST_TIMEOUT:-600} * 4))
		if ! kdir=$(scripts/debug-kernel.sh); then
			echo "check: the debug kernel did not build"
			echo "0 passed, 1 failed"
			exit 1
		fi
		# tlsh.ko for that kernel, from a copy of kmod/ (kmod/tlsh.ko is
		# the Debian kernel's); Kbuild finds ../uapi and ../VERSION.
		dk=$PWD/build/debug-kmod
		rm -rf "$dk/kmod/"*.c "$dk/kmod/"*.h
		mkdir -p "$dk/kmod"
		cp -p kmod/Kbuild kmod/*.c kmod/*.h "$dk/kmod/"
		rm -f "$dk/kmod/"*.mod.c
		cp -pr uapi VERSION "$dk/"
		if ! make -s -C "$kdir/linux" M="$dk/kmod" modules; then
			echo "check: tlsh.ko does not build for the debug kernel"
			echo "0 passed, 1 failed"
			exit 1
		fi
		label=
		run_vm debug "$dk/kmod/tlsh.ko" "TLSH_TEST_TIMEOUT=$timeout4"
	else
		kernels=${TLSH_VM_KERNELS:-6.1 6.12}
		label=
		for k in $kernels; do
			[ "$(echo $kernels | wc -w)" -gt 1 ] && label=@$k
			ko=$PWD/kmod/tlsh.ko
			if [ "$k" != 6.1 ]; then
				ko=$PWD/build/kmod-$k/tlsh.ko
				if ! make -s kmod KERNEL="$k" >"$out/vm/kmod-$k.log" 2>&1; then
					cat "$out/vm/kmod-$k.log"
					echo "not ok 1 tlsh.ko builds for $k" >"$out/vm/kmod-$k.log"
					echo 1 >"$out/vm/kmod-$k.rc"
					results+=("$out/vm:kmod-$k")
					continue
				fi
			fi
			run_vm "$k" "$ko" "${TLSH_TEST_TIMEOUT:+TLSH_TEST_TIMEOUT=$TLSH_TEST_TIMEOUT}"
		done
	fi
fi
echo "# check: $((SECONDS - start)) s"
scripts/tap-summary.sh "${results[@]}"
