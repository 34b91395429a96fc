#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The one test PKI of the tests, the fuzz targets, the benchmark and the
# demo, made with GnuTLS's certtool (on the host and in the test VM):
#
#   selftests/lib/pki.sh DIR [NAME[:OPTION,...]]...
#
# DIR gets a test CA, "tlsh test CA" (ca.pem, ca.key; ECDSA P-256) and,
# for each NAME in order, NAME.pem and NAME.key: an ECDSA P-256 server
# certificate for localhost (DNS localhost, IP 127.0.0.1) signed by the CA,
# valid for 30 days from now. OPTIONs change that:
#   rsa, rsa3072, rsa-pss, p384, ed25519
#                  the key: RSA 2048 or 3072 bits (with keyEncipherment,
#                  for TLS 1.2 RSA key transport), RSA-PSS 2048, ECDSA
#                  P-384, Ed25519
#   cn=HOST        for HOST (DNS HOST) instead of localhost
#   dns=NAME       one more DNS name (e.g. dns=*.alt.example)
#   client         a client certificate, "tlsh test client" unless cn=
#   ca             another CA, self-signed ("tlsh test CA" unless cn=)
#   by=CA          signed by CA, made earlier in the list, not by ca
#   self           self-signed: from no CA at all
#   days=N         valid for N days from now
#   expired        valid in 2020 only
#   fixed          valid from 2025 to 2045 (for tests on a fixed clock)
# A NAME of "ca" takes its OPTIONs (key, days=, fixed) for the test CA.
# Exit status 0 once everything is made; certtool's messages on stderr.
set -euf	# -f: no globbing (dns=*.example)
exec >&2
dir=${1:?usage: pki.sh DIR [NAME[:OPTION,...]]...}
shift
mkdir -p "$dir"
cd "$dir"

# issue NAME[:OPTION,...]: one key and certificate.
issue() {
	local name=${1%%:*} opts='' o type=ec cn='' dns=() use=server signer=ca
	local dates='expiration_days = 30'
	[ "$1" = "$name" ] || opts=${1#*:}
	[ "$name" = ca ] && use=ca signer=self
	for o in ${opts//,/ }; do
		case $o in
		rsa | rsa3072 | rsa-pss | p384 | ed25519) type=$o ;;
		cn=*) cn=${o#cn=} ;;
		dns=*) dns+=("${o#dns=}") ;;
		client) use=client ;;
		ca) use=ca signer=self ;;
		by=*) signer=${o#by=} ;;
		self) signer=self ;;
		days=*) dates="expiration_days = ${o#days=}" ;;
		expired) dates='activation_date = "2020-01-01 00:00:00 UTC"
expiration_date = "2021-01-01 00:00:00 UTC"' ;;
		fixed) dates='activation_date = "2025-01-01 00:00:00 UTC"
expiration_date = "2045-01-01 00:00:00 UTC"' ;;
		*) echo "pki.sh: unknown option $o in $1"; return 2 ;;
		esac
	done
	{
		echo "$dates"
		case $use in
		ca) printf 'cn = %s\nca\ncert_signing_key\n' "${cn:-tlsh test CA}" ;;
		client) printf 'cn = %s\ntls_www_client\nsigning_key\n' "${cn:-tlsh test client}" ;;
		*)
			cn=${cn:-localhost}
			printf 'cn = %s\ndns_name = %s\n' "$cn" "$cn"
			for o in "${dns[@]}"; do echo "dns_name = $o"; done
			[ "$cn" = localhost ] && echo 'ip_address = 127.0.0.1'
			printf 'tls_www_server\nsigning_key\n'
			case $type in rsa | rsa3072) echo encryption_key ;; esac
			;;
		esac
	} >"$name.tmpl"
	case $type in
	rsa) certtool -p --key-type rsa --bits 2048 --outfile "$name.key" ;;
	rsa3072) certtool -p --key-type rsa --bits 3072 --outfile "$name.key" ;;
	rsa-pss) certtool -p --key-type rsa-pss --bits 2048 --outfile "$name.key" ;;
	p384) certtool -p --key-type ecdsa --curve secp384r1 --outfile "$name.key" ;;
	ed25519) certtool -p --key-type ed25519 --outfile "$name.key" ;;
	*) certtool -p --key-type ecdsa --curve secp256r1 --outfile "$name.key" ;;
	esac
	if [ "$signer" = self ]; then
		certtool -s --load-privkey "$name.key" --template "$name.tmpl" \
			--outfile "$name.pem"
	else
		certtool -c --load-privkey "$name.key" --load-ca-privkey "$signer.key" \
			--load-ca-certificate "$signer.pem" --template "$name.tmpl" \
			--outfile "$name.pem"
	fi
	rm -f "$name.tmpl"
}

root=ca
for spec in "$@"; do
	[ "${spec%%:*}" = ca ] && root=$spec
done
issue "$root"
for spec in "$@"; do
	[ "${spec%%:*}" = ca ] || issue "$spec"
done
