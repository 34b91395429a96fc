#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The listeners `tlshelper attach` still refuses, in the test VM: each
# refusal names its reason in one line (issue 15), and the server keeps
# serving plain TCP as before. TAP output.
#
#   scripts/vm-run.sh -- selftests/attach_refusals.sh
set -u
cd "$(dirname "$0")/.."

T=$(mktemp -d /tmp/tlsh-refusals.XXXXXX)
export TLSH_DAEMON_DIR=$T/run
cp "${TLSHELPER:-build/tlshelper}" "$T/tlshelper"
TH=$T/tlshelper

. selftests/lib/e2e.sh
echo "TAP version 13"
echo "1..3"

gen_certs || { echo "Bail out! cannot make certificates"; exit 1; }
[ -e /sys/module/tlsh ] || insmod "${TLSH_KO:-kmod/tlsh.ko}" ||
	{ echo "Bail out! cannot load tlsh.ko"; exit 1; }
start_daemon || { echo "Bail out! the daemon did not start"; exit 1; }

# A listener on PORT (python3 -c SETUP WAIT): SETUP runs on socket s before
# bind, WAIT is how the server waits for clients.
serve() {	# PORT SETUP WAIT
	python3 -c "import select,socket,threading,time
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)
$2
s.bind(('127.0.0.1',$1)); s.listen(64)
$3" &
	pids+=($!)
	wait_listen "$1"
}
# attach PORT: fails with one line on stderr, which must match GLOB.
refused_with() {	# DESCRIPTION PORT GLOB
	local err rc
	err=$("$TH" attach --port "$2" --cert "$CERT" --key "$KEY" 2>&1 >/dev/null)
	rc=$?
	note "attach --port $2: exit $rc: $err"
	if [ $rc -ne 0 ] && [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] &&
	   match "$err" "$3" && ! match "$err" "*too old*"; then
		ok "$1"
	else
		not_ok "$1"
	fi
}

serve 9561 's.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEPORT,1)' \
	'while True: select.select([s],[],[])'
refused_with "a SO_REUSEPORT listener is refused, saying so" 9561 \
	"*SO_REUSEPORT*"

# Four threads blocked in accept(): each answers "plain" and closes.
serve 9562 '' 'def loop():
    while True:
        c,_=s.accept(); c.sendall(b"plain\n"); c.close()
for _ in range(4): threading.Thread(target=loop,daemon=True).start()
while True: time.sleep(60)'
sleep 0.5	# the threads reach accept()
refused_with "a listener with threads blocked in accept() is refused, saying so" \
	9562 "*blocked in accept()*"
check "that server still answers in plain TCP" \
	bash -c 'exec 3<>/dev/tcp/127.0.0.1/9562 && read -r -t 10 line <&3 && [ "$line" = plain ]'
exit $((failures > 0))
