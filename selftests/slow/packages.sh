#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages in the test VM (root, cwd = repository root, the
# host's root under a tmpfs overlay, so dpkg's changes vanish with the VM):
# `dpkg -i` of build/deb/tlshelper_*.deb and tlsh-dkms_*.deb (built on the
# host by `make debs`, which `make check-packages` runs first), DKMS
# installs tlsh.ko for the running kernel, `modprobe tlsh` loads that build,
# the daemon runs as the installed unit's own ExecStart line says, with a
# listener from /etc/tlsh/daemon.conf and one attached with the installed
# `tlshelper attach --port`, both unmodified `python3 -m http.server`, and
# curl fetches a page from each over TLS 1.3; the configured listener's
# certificate files are replaced and the unit's own ExecReload line run:
# new clients get the new certificate from the same daemon, and a bad key
# makes that line fail while the certificate before keeps serving. Then
# `dpkg --purge` takes the
# module away again (the later selftests load kmod/tlsh.ko, and the genl
# family alias would otherwise autoload the DKMS build). TAP.
#
# DKMS's build itself runs on the host (`make debs`: dkms build and
# mktarball --binaries-only for both VM kernels, from the package's
# source tree; scripts/test-install.sh checks the build too): under the
# VM's emulation one build of tlsh.ko takes over ten minutes. Here the
# package's postinst adds the source to DKMS, `dkms ldtarball` loads the
# host's build for this kernel and `dkms install` installs it.
set -u
cd "$(dirname "$0")/../.." || exit 1

PY=/usr/bin/python3
T=$(mktemp -d /tmp/tlsh-packages.XXXXXX)
export TLSH_DAEMON_DIR=/run/tlsh
TH=/usr/sbin/tlshelper
. selftests/lib/e2e.sh
echo "TAP version 13"
echo "1..16"

kver=$(uname -r)
mandb_auto=/var/lib/man-db/auto-update
purged=0
purge() {
	[ $purged = 1 ] && return 0
	purged=1
	[ -z "$dpid" ] || kill -9 "$dpid" 2>/dev/null
	dpid=
	rmmod tlsh 2>/dev/null
	dpkg --purge tlshelper tlsh-dkms >"$T/purge.log" 2>&1
}
trap 'purge; cleanup; touch "$mandb_auto"; umount /boot 2>/dev/null' EXIT

# ---- install ----
debs=(build/deb/tlshelper_*_*.deb build/deb/tlsh-dkms_*_all.deb)
if [ ! -f "${debs[0]}" ] || [ ! -f "${debs[1]}" ]; then
	not_ok "the packages are built (make debs): ${debs[*]}"
	echo "Bail out! no packages in build/deb"
	exit 1
fi
ok "the packages are built: $(basename "${debs[0]}") $(basename "${debs[1]}")"
[ -e /sys/module/tlsh ] && rmmod tlsh
tarball=$(echo build/deb/tlsh-*-"$kver".dkms.tar.gz)
# The host's /boot names its other kernel, which the postinst would build
# for (here, ten minutes); the VM boots its kernel without /boot.
mount -t tmpfs boot /boot
# man-db's trigger would rebuild every index under emulation (minutes).
rm -f "$mandb_auto"
t0=$SECONDS
DEBIAN_FRONTEND=noninteractive dpkg -i "${debs[@]}" >"$T/dpkg.log" 2>&1
rc=$?
note "dpkg -i took $((SECONDS - t0)) s"
grep -E 'Building|dkms|Error|error' "$T/dpkg.log" | head -n 20 | sed 's/^/# dpkg: /'
check "dpkg -i installs both packages" \
	eval '[ $rc = 0 ] && dpkg-query -W -f="\${Status}\n" tlshelper tlsh-dkms | grep -c "install ok installed" | grep -qx 2'
t0=$SECONDS
# --force: over the source the postinst added; it loads the build, then
# fails re-adding that source ("already contains"): its status says nothing.
dkms ldtarball --force "$tarball" >"$T/dkms.log" 2>&1
dkms install tlsh/"$(cat VERSION)" -k "$kver" >>"$T/dkms.log" 2>&1
rc=$?
note "dkms ldtarball + install took $((SECONDS - t0)) s"
[ $rc = 0 ] || sed 's/^/# dkms: /' "$T/dkms.log"
dkms status tlsh 2>&1 | sed 's/^/# dkms status: /'
check "DKMS installs its build of tlsh.ko for the running kernel ($kver)" \
	eval '[ $rc = 0 ] && dkms status tlsh -k "$kver" | grep -q "installed"'
ko=$(modinfo -n tlsh 2>/dev/null)
note "modinfo -n tlsh: $ko"
check "modinfo finds DKMS's tlsh.ko, version $(cat VERSION)" \
	eval 'match "$ko" "/lib/modules/$kver/updates/dkms/tlsh.ko*" && [ "$(modinfo -F version tlsh)" = "$(cat VERSION)" ]'
check "modprobe tlsh loads it" eval 'modprobe tlsh && [ -e /sys/module/tlsh ]'
check "man finds the installed tlshelper(8)" eval 'man -w tlshelper | grep -q "/usr/share/man/man8/tlshelper.8"'

# ---- the daemon, as the unit starts it ----
unit=/lib/systemd/system/tlshelper.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
note "ExecStart=$exec_start"
check "the unit runs the installed tlshelper with /etc/tlsh/daemon.conf" \
	match "$exec_start" "/usr/sbin/tlshelper daemon *--config /etc/tlsh/daemon.conf*"
gen_certs rotated || { echo "Bail out! cannot make certificates"; exit 1; }
mkdir -p "$T/www"
echo "from the configuration file" >"$T/www/conf.txt"
echo "attached by port" >"$T/www/attach.txt"
CONF_PORT=8461 ATT_PORT=8462
for p in $CONF_PORT $ATT_PORT; do
	(cd "$T/www" && exec "$PY" -m http.server "$p" --bind 127.0.0.1) \
		>"$T/http-$p.log" 2>&1 &
	pids+=($!)
done
wait_listen $CONF_PORT && wait_listen $ATT_PORT ||
	{ echo "Bail out! http.server did not start"; exit 1; }
# Files of its own, replaced for the reload below.
cp "$CERT" "$T/live.pem" && cp "$KEY" "$T/live.key"
echo "listen port=$CONF_PORT cert=$T/live.pem key=$T/live.key" >>/etc/tlsh/daemon.conf
# The unit's line word for word (it has no quoting), as systemd runs it.
read -ra argv <<<"$exec_start"
"${argv[@]}" >"$T/daemon.log" 2>&1 &
dpid=$!
wait_for 600 eval '"$TH" status 2>/dev/null | grep -q "port $CONF_PORT"'
check "the daemon attached the listener of /etc/tlsh/daemon.conf" \
	eval '"$TH" status | grep -q "port $CONF_PORT"'
id=$("$TH" attach --port $ATT_PORT --cert "$CERT" --key "$KEY" 2>"$T/attach.err")
check "tlshelper attach --port gives the second server TLS (id $id)" \
	match "$id" "+([0-9])*"

fetch() {	# PORT FILE
	curl -sS --tlsv1.3 --cacert "$CA" --max-time 120 \
		"https://localhost:$1/$2" -o "$T/got-$2" 2>"$T/curl-$2.err" &&
		cmp -s "$T/got-$2" "$T/www/$2"
}
check "curl fetches from the configured server over TLS 1.3" fetch $CONF_PORT conf.txt
check "curl fetches from the attached server over TLS 1.3" fetch $ATT_PORT attach.txt

# ---- certificate rotation through the unit's ExecReload ----
exec_reload=$(sed -n 's/^ExecReload=//p' "$unit")
note "ExecReload=$exec_reload"
check "the unit's ExecReload runs the installed tlshelper reload" \
	[ "$exec_reload" = "/usr/sbin/tlshelper reload" ]
read -ra reload_argv <<<"$exec_reload"
served() {	# PORT: the SHA-256 fingerprint of the certificate served
	timeout 60 openssl s_client -connect "127.0.0.1:$1" -CAfile "$CA" \
		</dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256
}
fingerprint() { openssl x509 -in "$1" -noout -fingerprint -sha256; }
cp "$T/pki/rotated.pem" "$T/live.pem" && cp "$T/pki/rotated.key" "$T/live.key"
"${reload_argv[@]}" >"$T/reload.out" 2>&1
rc=$?
sed 's/^/# reload: /' "$T/reload.out"
check "ExecReload after the files were replaced: status 0, new clients get the new certificate, same daemon" \
	eval '[ $rc = 0 ] && [ "$(served $CONF_PORT)" = "$(fingerprint "$T/pki/rotated.pem")" ] &&
	      kill -0 "$dpid" && "$TH" status | grep -q "daemon running: pid $dpid," &&
	      fetch $CONF_PORT conf.txt'
echo "not a key" >"$T/live.key"
"${reload_argv[@]}" >"$T/reload-bad.out" 2>&1
rc=$?
sed 's/^/# reload: /' "$T/reload-bad.out"
check "ExecReload with a bad key file fails (status $rc) and the certificate before keeps serving" \
	eval '[ $rc != 0 ] && grep -q "reload refused" "$T/reload-bad.out" &&
	      [ "$(served $CONF_PORT)" = "$(fingerprint "$T/pki/rotated.pem")" ] &&
	      kill -0 "$dpid"'
"$TH" status | sed 's/^/# status: /'
kill -TERM "$dpid"
wait "$dpid"
rc=$?
dpid=
check "the daemon stops with status 0 on SIGTERM" [ $rc = 0 ]
sed 's/^/# daemon: /' "$T/daemon.log" | tail -n 8
for f in "$T"/attach.err "$T"/curl-*.err; do
	[ -s "$f" ] && sed "s|^|# $(basename "$f"): |" "$f"
done

# ---- remove ----
for _ in $(seq 50); do
	rmmod tlsh 2>/dev/null && break
	sleep 0.1
done
purge
check "dpkg --purge removes the module and the program" \
	eval '! modinfo -n tlsh >/dev/null 2>&1 && [ ! -e "$TH" ] && [ ! -e /etc/tlsh/daemon.conf ]'
[ "$failures" = 0 ]
