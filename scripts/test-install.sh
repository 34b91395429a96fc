#!/usr/bin/env bash
# The installation, as a host test (make check): the man page lists exactly
# the options `tlshelper --help` and `tlshelper SUBCOMMAND --help` print,
# and the daemon's configuration keys; it renders without warnings;
# `make install` with PREFIX and DESTDIR puts everything in place and keeps
# an existing configuration; `systemd-analyze verify` accepts the installed
# unit; DKMS builds tlsh.ko for both test kernels from the installed
# source tree; `make deb` packages are lintian-clean. TAP.
#
#   scripts/test-install.sh            everything
#   scripts/test-install.sh --man      the man page checks only (quick)
set -uo pipefail
cd "$(dirname "$0")/.."

TH=build/tlshelper
MAN=dist/tlshelper.8
T=$(mktemp -d /tmp/tlsh-test-install.XXXXXX)
trap 'rm -rf "$T"' EXIT
n=0 fail=0
check() {	# DESCRIPTION COMMAND...: one TAP line, "not ok" if COMMAND fails
	n=$((n + 1))
	"${@:2}" && echo "ok $n $1" && return
	echo "not ok $n $1"
	fail=1
}

# ---- the man page against --help ----

# The options a text names: --long and the single-letter -q / -v.
opts() {
	grep -oE -- '(^|[][ |(,])--?[a-z][a-z0-9-]*' | sed 's/^[][ |(,]//' |
		grep -E -- '^--[a-z]|^-[a-z]$' | sort -u
}
# The configuration file's keys: "key=" and the bare "verify-client".
conf_keys() {
	grep -oE -- '[a-z][a-z-]*=|verify-client' | sed 's/=$//' | sort -u
}
# The roff source as text: no font escapes, \- as -.
man_text() {
	sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' -e 's/\\(em/--/g' "$1"
}
# The part of the man page under .SS "tlshelper SUB" (or a .SH NAME).
man_section() {	# FILE HEADING
	man_text "$1" | awk -v h="$2" '
		/^\.S[SH] / { on = ($0 == ".SS \"" h "\"" || $0 == ".SH " h); next }
		on'
}
# Compare two option lists; print what only one side has.
compare() {	# WHAT HELP-FILE MAN-FILE
	local o bad=0
	for o in $(comm -23 "$2" "$3"); do
		echo "# $1: option $o is in --help but missing from the man page"
		bad=1
	done
	for o in $(comm -13 "$2" "$3"); do
		echo "# $1: option $o is in the man page but missing from --help"
		bad=1
	done
	return $bad
}
# Every subcommand --help names, with its options, against the man page.
man_matches_help() {	# MAN-FILE
	local sub bad=0 subs
	subs=$("$TH" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [a-z]/ { print $1 }')
	[ -n "$subs" ] || { echo "# no subcommands in tlshelper --help"; return 1; }
	"$TH" --help | opts >"$T/help.top"
	man_section "$1" "GLOBAL OPTIONS" | opts >"$T/man.top"
	compare "tlshelper" "$T/help.top" "$T/man.top" || bad=1
	for sub in $subs; do
		if ! man_text "$1" | grep -x ".SS \"tlshelper $sub\"" >/dev/null; then
			echo "# tlshelper $sub: no section .SS \"tlshelper $sub\" in the man page"
			bad=1
			continue
		fi
		# --help: every subcommand's, not always in its own usage.
		"$TH" "$sub" --help | opts | grep -vx -- --help >"$T/help.$sub"
		man_section "$1" "tlshelper $sub" | opts | grep -vx -- --help >"$T/man.$sub"
		compare "tlshelper $sub" "$T/help.$sub" "$T/man.$sub" || bad=1
	done
	for sub in $(man_text "$1" | sed -n 's/^\.SS "tlshelper \([a-z]*\)"$/\1/p'); do
		echo "$subs" | grep -qx "$sub" && continue
		echo "# tlshelper $sub: in the man page, not in tlshelper --help"
		bad=1
	done
	# The config file's keys: daemon --help's summary against the page.
	"$TH" daemon --help | awk '/--config FILE/ { on = 1; next }
		on && /^  --/ { exit } on' | conf_keys >"$T/help.conf"
	man_section "$1" "CONFIGURATION FILE" | conf_keys >"$T/man.conf"
	[ -s "$T/help.conf" ] || { echo "# no configuration keys in daemon --help"; bad=1; }
	compare "daemon --config" "$T/help.conf" "$T/man.conf" || bad=1
	return $bad
}

"$TH" --version >/dev/null 2>&1 || { echo "Bail out! no $TH (make helper)"; exit 1; }
echo "TAP version 13"
check "the man page documents every subcommand, option and config key of --help" \
	man_matches_help "$MAN"
# The comparison fails when the page lacks an option, and names it.
sed -e '/^\.SS "tlshelper serve"/,/^\.SS/{/keylog/d}' \
	-e '/^\.SH CONFIGURATION FILE/,/^\.SH/{s/ \[timeout=\\fIMS\\fP\]//}' "$MAN" >"$T/bad.8"
man_matches_help "$T/bad.8" >"$T/bad.out"
check "a page without serve's --keylog and the timeout= key fails, naming both" \
	eval '! man_matches_help "$T/bad.8" >/dev/null &&
	grep -qx "# tlshelper serve: option --keylog is in --help but missing from the man page" "$T/bad.out" &&
	grep -qx "# daemon --config: option timeout is in --help but missing from the man page" "$T/bad.out"'
check "groff renders the man page without a warning" \
	eval '[ -z "$(groff -man -ww -z "$MAN" 2>&1)" ]'
check "man(1) renders it: NAME and every subcommand" \
	eval 'MANWIDTH=80 man -l "$MAN" 2>/dev/null | col -b >"$T/man.txt" &&
	grep -q "tlshelper - TLS handshakes" "$T/man.txt" &&
	grep -q "tlshelper attach" "$T/man.txt"'
[ "${1:-}" = --man ] && { echo "1..$n"; exit $fail; }

# ---- make install ----
ver=$(cat VERSION)
make -s install DESTDIR="$T/d" PREFIX=/usr/local >"$T/install.log" 2>&1
rc=$?
files_ok() {
	local f
	for f in usr/local/sbin/tlshelper usr/local/share/man/man8/tlshelper.8 \
		usr/local/lib/systemd/system/tlshelper.service etc/tlsh/daemon.conf \
		"usr/src/tlsh-$ver/dkms.conf" "usr/src/tlsh-$ver/VERSION" \
		"usr/src/tlsh-$ver/uapi/tlsh.h" "usr/src/tlsh-$ver/kmod/Kbuild" \
		"usr/src/tlsh-$ver/kmod/tlsh_main.c"; do
		[ -e "$T/d/$f" ] || { echo "# missing: $f"; return 1; }
	done
	grep -q "^ExecStart=/usr/local/sbin/tlshelper daemon --config /etc/tlsh/daemon.conf$" \
		"$T/d/usr/local/lib/systemd/system/tlshelper.service" &&
	grep -q "^PACKAGE_VERSION=\"$ver\"$" "$T/d/usr/src/tlsh-$ver/dkms.conf" &&
	grep -q "\"tlsh $ver\"" "$T/d/usr/local/share/man/man8/tlshelper.8" &&
	! grep -rq "@VERSION@" "$T/d"
}
check "make install DESTDIR= PREFIX=/usr/local installs program, page, unit, config, DKMS tree" \
	eval '[ $rc = 0 ] && files_ok'
echo "listen port=1 cert=/a key=/b" >>"$T/d/etc/tlsh/daemon.conf"
make -s install-helper DESTDIR="$T/d" PREFIX=/usr/local >/dev/null 2>&1
check "a second make install keeps the existing /etc/tlsh/daemon.conf" \
	grep -q "listen port=1" "$T/d/etc/tlsh/daemon.conf"

# ---- the unit ----
# Installed under a prefix that exists here, so that verify finds the
# program and the man page the unit names.
make -s install-helper PREFIX="$T/p/usr" SYSCONFDIR="$T/p/etc" >/dev/null 2>&1
unit=$T/p/usr/lib/systemd/system/tlshelper.service
verify() {	# UNIT
	MANPATH=$T/p/usr/share/man systemd-analyze verify "$1" >"$T/verify.log" 2>&1
	local rc=$?
	sed 's/^/# verify: /' "$T/verify.log"
	[ $rc = 0 ] && [ ! -s "$T/verify.log" ]
}
check "systemd-analyze verify accepts the installed unit" verify "$unit"
sed "s|^ExecStart=[^ ]*|ExecStart=$T/p/usr/sbin/no-such-program|" "$unit" >"$T/tlshelper.service"
check "systemd-analyze verify refuses it with a missing ExecStart program" \
	eval '! verify "$T/tlshelper.service" >/dev/null'
unit_has() {	# KEY=VALUE...: each a line of the unit
	local l
	for l in "$@"; do
		grep -qx -- "$l" "$unit" || { echo "# not in the unit: $l"; return 1; }
	done
}
check "the unit: capabilities, sandbox, restart, reload, ordering" unit_has \
	"CapabilityBoundingSet=CAP_NET_ADMIN CAP_SYS_PTRACE CAP_DAC_READ_SEARCH" \
	NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes \
	"RestrictAddressFamilies=AF_UNIX AF_NETLINK AF_INET AF_INET6" \
	Restart=on-failure "ExecReload=$T/p/usr/sbin/tlshelper reload" \
	Before=remote-fs-pre.target Wants=modprobe@tlsh.service

# ---- DKMS, from the installed source tree, for both test kernels ----
for k in 6.1 6.12; do
	kver=$(scripts/kver.sh "$k" 2>/dev/null)
	if [ -z "$kver" ] || [ ! -d "/lib/modules/$kver/build" ]; then
		n=$((n + 1))
		echo "ok $n dkms builds tlsh.ko for $k # SKIP no headers for $k"
		continue
	fi
	mkdir -p "$T/dkms-$k"
	dkms build --dkmstree "$T/dkms-$k" --sourcetree "$T/d/usr/src" \
		-m tlsh -v "$ver" -k "$kver" >"$T/dkms-$k.log" 2>&1
	rc=$?
	[ $rc = 0 ] || tail -n 20 "$T/dkms-$k.log" | sed 's/^/# dkms: /'
	ko=$(find "$T/dkms-$k/tlsh/$ver/$kver" -name 'tlsh.ko*' 2>/dev/null | head -n 1)
	check "dkms build makes tlsh.ko for $kver from /usr/src/tlsh-$ver" \
		eval '[ $rc = 0 ] && [ -n "$ko" ] &&
		modinfo -F vermagic "$ko" | grep "^$kver " >/dev/null &&
		[ "$(modinfo -F version "$ko")" = "$ver" ]'
done

# ---- the packages ----
make -s debs >"$T/debs.log" 2>&1
rc=$?
[ $rc = 0 ] || tail -n 20 "$T/debs.log" | sed 's/^/# /'
contents_ok() {
	local t d
	t=$(echo build/deb/tlshelper_*_*.deb)
	d=$(echo build/deb/tlsh-dkms_*_all.deb)
	dpkg-deb -c "$t" >"$T/t.list" && dpkg-deb -c "$d" >"$T/d.list" || return 1
	grep -q ' \./usr/sbin/tlshelper$' "$T/t.list" &&
	grep -q ' \./lib/systemd/system/tlshelper.service$' "$T/t.list" &&
	grep -q ' \./etc/tlsh/daemon.conf$' "$T/t.list" &&
	grep -q ' \./usr/share/man/man8/tlshelper.8.gz$' "$T/t.list" &&
	grep -q " \./usr/src/tlsh-$ver/dkms.conf$" "$T/d.list" &&
	grep -q " \./usr/src/tlsh-$ver/kmod/tlsh_main.c$" "$T/d.list" &&
	dpkg-deb -f "$d" Depends | grep dkms >/dev/null &&
	dpkg-deb --ctrl-tarfile "$d" | tar -xOf - ./postinst | grep dkms >/dev/null
}
check "make debs: tlshelper (program, unit, config, page) and tlsh-dkms (source, dkms postinst)" \
	eval '[ $rc = 0 ] && contents_ok'
lintian --fail-on error,warning build/deb/*.changes >"$T/lintian.log" 2>&1
rc=$?
sed 's/^/# lintian: /' "$T/lintian.log" | grep -v 'root privileges'
check "lintian: no error or warning on the packages" [ $rc = 0 ]

echo "1..$n"
exit $fail
