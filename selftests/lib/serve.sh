# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# `tlshelper serve` behind a one-connection accept loop, for the shell tests
# that drive it (scripts/test-interop.sh on the host, selftests/serve_ktls.sh
# in the VM). Sourced after setting T (a temp dir), H (the tlshelper to
# run), PY (python3) and pids (an array: what to kill at exit).

LOOP=${LOOP:-$PWD/scripts/accept-loop.py}

# serve_start ID [--hold] [--max N] -- SERVE-ARGS...: listen; $PORT set.
# The helper's log goes to $T/log.ID, its exit status (serve_status) to
# $T/st.ID. --hold: the accept loop keeps its copy of the socket open.
# --max N: serve N connections (one helper each; default 1).
serve_start() {
	local id=$1 hold=() max=1
	shift
	[ "$1" = --hold ] && { hold=(--hold); shift; }
	[ "$1" = --max ] && { max=$2; shift 2; }
	shift	# --
	rm -f "$T/port.$id" "$T/st.$id"
	"$PY" "$LOOP" --port-file "$T/port.$id" --status-file "$T/st.$id" --max "$max" \
		"${hold[@]}" -- "$H" serve --fd '{fd}' "$@" 2>"$T/log.$id" &
	pids+=("$!")
	for _ in $(seq 200); do
		[ -s "$T/port.$id" ] && break
		sleep 0.05
	done
	PORT=$(cat "$T/port.$id" 2>/dev/null)
}

# serve_status ID: wait (at most 60 s) for the served connection to end;
# prints the helper's exit status, "none" if it never ended.
serve_status() {
	for _ in $(seq 600); do
		[ -s "$T/st.$1" ] && break
		sleep 0.1
	done
	cat "$T/st.$1" 2>/dev/null || echo none
}

# gnutls_cipher SUITE: GnuTLS's name of a TLS 1.3 suite's cipher.
gnutls_cipher() {
	case $1 in
	TLS_AES_128_GCM_SHA256) echo AES-128-GCM ;;
	TLS_AES_256_GCM_SHA384) echo AES-256-GCM ;;
	TLS_CHACHA20_POLY1305_SHA256) echo CHACHA20-POLY1305 ;;
	esac
}
