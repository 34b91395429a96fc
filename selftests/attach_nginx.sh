#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Real nginx (Debian's /usr/sbin/nginx: the guest runs the host's, which
# scripts/deps.sh installs without starting it) attached while running,
# in the test VM, with `tlshelper daemon` + `attach --port` (issue 15):
# a master and 2 workers as root from a temp prefix, serving a 48 KiB
# static file over plain HTTP, (a) with `listen ... reuseport` (one
# SO_REUSEPORT listener per worker: a group of 2) and (b) without. Each:
# attach, 80 concurrent HTTPS clients all get the file byte-exact, nginx's
# access log has exactly their 80 requests (status 200, the whole file:
# no ClientHello read as a request, no 400) and its error log no invalid
# request; `nginx -s reload` while attached (new workers on the same
# listeners) keeps serving TLS; growing the reuseport group by a reload
# (worker_processes 3: nginx binds a third socket) is refused (nginx logs
# the bind() failure, `status` counts join-refused on both members), nginx
# keeps the old workers, which still serve TLS; detach gives plain HTTP again.
# TAP output.
#
#   scripts/vm-run.sh -- selftests/attach_nginx.sh
set -u
cd "$(dirname "$0")/.."

NGINX=${NGINX:-/usr/sbin/nginx}
if [ ! -x "$NGINX" ]; then
	printf 'TAP version 13\n1..1\nok 1 - nginx # SKIP %s\n' \
		"$NGINX is not installed (scripts/deps.sh installs it)"
	exit 0
fi
. selftests/lib/e2e.sh
. selftests/lib/attach.sh
attach_setup nginx 24

# At exit: stop the nginx still running (fast shutdown), then cleanup.
ngx_stop() {
	local d
	for d in "$T"/*/nginx.pid; do
		[ -e "$d" ] && kill -TERM "$(cat "$d")" 2>/dev/null
	done
	return 0
}
trap 'ngx_stop; sleep 1; cleanup' EXIT

ids() { echo "$1" | grep -c '^[0-9][0-9]*$'; }	# OUTPUT: lines that are ids

# ngx_conf NAME PORT WORKERS [LISTEN-OPTION]: $T/NAME/nginx.conf, serving
# $T/NAME/html/f (the payload) on 127.0.0.1:PORT; logs in $T/NAME/.
ngx_conf() {
	local d=$T/$1
	mkdir -p "$d/html"
	python3 "$SRV" payload "$d/html/f"
	cat >"$d/nginx.conf" <<-EOF
	user root;
	worker_processes $3;
	pid $d/nginx.pid;
	error_log $d/error.log info;
	events { worker_connections 512; }
	http {
		log_format t '\$status \$body_bytes_sent "\$request"';
		access_log $d/access.log t;
		client_body_temp_path $d/body;
		proxy_temp_path $d/proxy;
		fastcgi_temp_path $d/fastcgi;
		uwsgi_temp_path $d/uwsgi;
		scgi_temp_path $d/scgi;
		default_type application/octet-stream;
		keepalive_timeout 0;
		server {
			listen 127.0.0.1:$2 ${4:-};
			root $d/html;
		}
	}
	EOF
}
# ngx_start NAME PORT WORKERS [LISTEN-OPTION]: nginx running, its workers
# up and the port listening.
ngx_start() {
	ngx_conf "$@"
	ngx "$1" || return 1
	wait_listen "$2" && wait_for 100 workers "$1" "$3"
}
ngx() {	# NAME ARGS...: nginx NAME's binary with ARGS (-s reload, ...)
	local n=$1
	shift
	"$NGINX" -p "$T/$n" -e "$T/$n/error.log" -c "$T/$n/nginx.conf" "$@"
}
ngx_pid() { cat "$T/$1/nginx.pid" 2>/dev/null; }
# The worker pids of nginx NAME, one a line.
ngx_workers() { pgrep -P "$(ngx_pid "$1")" 2>/dev/null; }
workers() { [ "$(ngx_workers "$1" | wc -l)" = "$2" ]; }	# NAME N
# Sockets listening on port $1.
listening() { ss -Hltn "sport = :$1" | wc -l; }
# logs_clean NAME COUNT: the access log has COUNT requests, each a 200 of
# the whole file; nothing else (a ClientHello read as a request is a 400),
# and the error log no request nginx found invalid.
logs_clean() {
	local d=$T/$1 good all
	good=$(grep -c '^200 49152 "GET /f?[0-9]* HTTP/1.0"$' "$d/access.log")
	all=$(wc -l <"$d/access.log")
	note "$1: access log: $all lines, $good whole files;" \
		"$(grep -v '^200 ' "$d/access.log" | head -3)"
	note "$1: error log: $(grep -c 'client sent' "$d/error.log") invalid requests"
	[ "$good" = "$2" ] && [ "$all" = "$2" ] &&
		! grep -q 'client sent' "$d/error.log"
}
# reset_logs NAME: empty nginx NAME's access log (nginx keeps appending).
reset_logs() { : >"$T/$1/access.log"; }
# reload NAME: nginx -s reload, and wait until the old workers are gone
# and the new ones up (their count left in $new).
reload() {
	local old w
	old=$(ngx_workers "$1" | tr '\n' ' ')
	ngx "$1" -s reload || return 1
	gone() {
		for w in $old; do
			kill -0 "$w" 2>/dev/null && return 1
		done
		return 0
	}
	wait_for 300 gone || return 1
	new=$(ngx_workers "$1" | wc -l)
	note "$1: reload: workers $old-> $(ngx_workers "$1" | tr '\n' ' ')"
}
plain_http() {	# PORT: a plain HTTP fetch of the file
	[ "$(python3 "$SRV" plain "$1" 127.0.0.1 3 /f)" = "plain ok" ]
}
# attached_round NAME PORT IDS WHAT: nginx NAME (2 workers) on PORT
# attached (IDS listeners), served 80 HTTPS clients, reloaded, served 60
# more; 5 checks.
attached_round() {
	local name=$1 port=$2 nids=$3 what=$4
	reset_logs "$name"
	check "$what: attach --port attaches $nids listener(s)" \
		eval "attach $port && [ \"\$(ids \"\$attached\")\" = $nids ]"
	check "$what: 80 concurrent HTTPS clients all get the file byte-exact" \
		served_all "$name" "$port" 80 127.0.0.1 /f
	check "$what: nginx logged the 80 requests, never a ClientHello" \
		logs_clean "$name" 80
	reset_logs "$name"
	check "$what: nginx -s reload while attached: 2 new workers" \
		eval "reload $name && [ \"\$new\" = 2 ]"
	check "$what: after the reload 60 HTTPS clients all served byte-exact" \
		eval "served_all $name $port 60 127.0.0.1 /f && logs_clean $name 60"
}

# (a) reuseport: 2 workers, each its own listener (a group of 2).
P=9591
if ngx_start rp $P 2 reuseport && plain_http $P &&
	[ "$(listening $P)" = 2 ]; then
	ok "reuseport: nginx, 2 workers, 2 listeners, serves plain HTTP"
else
	not_ok "reuseport: nginx, 2 workers, 2 listeners, serves plain HTTP"
	show "$T/rp/error.log"
fi
attached_round rp $P 2 reuseport
check "reuseport: the group is still attached, 2 members" \
	eval '[ "$("$TH" status | grep -c "port $P reuseport-group")" = 2 ]'

# Growing the group: nginx binds a third SO_REUSEPORT socket for the
# third worker at reload, which the module refuses.
reset_logs rp
sed -i 's/^worker_processes 2;/worker_processes 3;/' "$T/rp/nginx.conf"
ngx rp -s reload
grown() { grep -q 'bind() to 127.0.0.1:9591 failed (98' "$T/rp/error.log"; }
check "reuseport: a reload to 3 workers: nginx's bind() of a 3rd member fails" \
	wait_for 300 grown
note "error log: $(grep -E 'bind\(\)|emerg' "$T/rp/error.log" | tail -2)"
note "join-refused per listener (status, then --json): $(join_refused $P | tr '\n' ' ')"
check "reuseport: status and status --json show the refused joins on both" \
	eval '[ "$(join_refused $P | grep -c "^[1-9]")" = 4 ]'
check "reuseport: nginx keeps its 2 workers and 2 listeners" \
	eval 'sleep 1; workers rp 2 && [ "$(listening $P)" = 2 ]'
check "reuseport: which still serve 60 HTTPS clients byte-exact" \
	eval 'served_all rp $P 60 127.0.0.1 /f && logs_clean rp 60'
check "reuseport: detach --port releases both; plain HTTP again" \
	eval 'out=$("$TH" detach --port $P) && [ "$(ids "$out")" = 2 ] &&
	      plain_http $P'
ngx rp -s reload
check "reuseport: detached, a reload to 3 workers gives 3 listeners" \
	wait_for 300 eval '[ "$(listening $P)" = 3 ] && workers rp 3'
ngx rp -s quit

# (b) without reuseport: 2 workers on one listener.
Q=9592
if ngx_start one $Q 2 && plain_http $Q && [ "$(listening $Q)" = 1 ]; then
	ok "one listener: nginx, 2 workers, serves plain HTTP"
else
	not_ok "one listener: nginx, 2 workers, serves plain HTTP"
	show "$T/one/error.log"
fi
attached_round one $Q 1 "one listener"
reset_logs one
sed -i 's/^worker_processes 2;/worker_processes 3;/' "$T/one/nginx.conf"
check "one listener: a reload to 3 workers while attached: 3 new workers" \
	eval 'reload one && [ "$new" = 3 ]'
check "one listener: 60 HTTPS clients served by them, never a ClientHello" \
	eval 'served_all one $Q 60 127.0.0.1 /f && logs_clean one 60'
check "one listener: detach --port; plain HTTP again" \
	eval 'out=$("$TH" detach --port $Q) && [ "$(ids "$out")" = 1 ] &&
	      plain_http $Q'
ngx one -s quit
check "both nginx stopped: the ports are free" \
	wait_for 300 eval '[ "$(listening $P)" = 0 ] && [ "$(listening $Q)" = 0 ]'

reports=$(kernel_reports "$dmesg_from")
[ -z "$reports" ] || note "kernel: $reports"
check "no kernel warning" test -z "$reports"
exit $((failures > 0))
