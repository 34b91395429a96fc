# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# TAP for the shell tests (sourced; not a test itself): numbered results,
# a count of failures, and the end of the run. Safe under set -e and -u.
#
#   tap_plan N                the header and the plan "1..N"
#   ok DESC / not_ok DESC / skip DESC WHY
#   check DESC COMMAND...     ok if COMMAND succeeds
#   note TEXT / show FILE...  comments (show: the files' first 20 lines)
#   tap_end [PLAN]            "1..N" unless a plan was printed first (then
#                             a count other than PLAN fails); returns 0
#                             only if nothing failed

n=0
failures=0

tap_plan() { echo "TAP version 13"; echo "1..$1"; }
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failures=$((failures + 1)); echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
check() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}
note() { echo "# $*"; }
show() {
	local f
	for f in "$@"; do
		[ -e "$f" ] && sed "s|^|# $(basename "$f"): |" "$f" | head -20
	done
	return 0
}

tap_end() {
	if [ $# -eq 0 ]; then
		echo "1..$n"
	elif [ "$n" != "$1" ]; then
		echo "# ran $n checks, planned $1"
		failures=$((failures + 1))
	fi
	[ "$failures" = 0 ]
}
