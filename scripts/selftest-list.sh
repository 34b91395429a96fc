#!/usr/bin/env bash
# The VM selftests, in the order they run: every built selftests/*.c program,
# then every selftests/*.sh script. The host uses the same list to notice a
# test that never reported.
cd "$(dirname "$0")/.."
for f in selftests/*.c; do
	[ -e "$f" ] || continue
	n=$(basename "$f" .c)
	echo "build/selftests/$n"
done
for f in selftests/*.sh; do
	[ -e "$f" ] && echo "$f"
done
exit 0
