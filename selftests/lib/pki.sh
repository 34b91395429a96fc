#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The one test PKI of the tests, the benchmark and the demo, made with
# GnuTLS's certtool (on the host and in the test VM):
#
#   selftests/lib/pki.sh DIR [NAME[:OPTION,...]]...
#
# DIR gets a test CA (ca.pem, ca.key; ECDSA P-256) and, for each NAME,
# NAME.pem and NAME.key: an ECDSA P-256 server certificate for localhost
# (DNS localhost, IP 127.0.0.1) signed by the CA, valid for 30 days.
# OPTIONs change that:
#   rsa, rsa3072   an RSA key of 2048 or 3072 bits (with keyEncipherment,
#                  for TLS 1.2 RSA key transport)
#   cn=HOST        for HOST (DNS HOST) instead of localhost
#   client         a client certificate (TLS WWW client) instead
#   ca             another CA, self-signed, not trusted by the first
#   self           self-signed: from no CA at all
#   expired        valid in 2020 only
# Exit status 0 once everything is made; certtool's messages on stderr.
set -eu
exec >&2
dir=${1:?usage: pki.sh DIR [NAME[:OPTION,...]]...}
shift
mkdir -p "$dir"
cd "$dir"

key() {	# NAME TYPE
	case $2 in
	rsa) certtool -p --key-type rsa --bits 2048 --outfile "$1.key" ;;
	rsa3072) certtool -p --key-type rsa --bits 3072 --outfile "$1.key" ;;
	*) certtool -p --key-type ecdsa --curve secp256r1 --outfile "$1.key" ;;
	esac
}

printf 'cn = tlsh test CA\nca\ncert_signing_key\nexpiration_days = 30\n' >ca.tmpl
key ca ec
certtool -s --load-privkey ca.key --template ca.tmpl --outfile ca.pem

for spec in "$@"; do
	name=${spec%%:*}
	opts=
	[ "$spec" = "$name" ] || opts=${spec#*:}
	type=ec cn=localhost use=server signer=ca dates='expiration_days = 30'
	for o in ${opts//,/ }; do
		case $o in
		rsa | rsa3072) type=$o ;;
		cn=*) cn=${o#cn=} ;;
		client) use=client ;;
		ca) use=ca signer=self ;;
		self) signer=self ;;
		expired) dates='activation_date = "2020-01-01 00:00:00 UTC"
expiration_date = "2021-01-01 00:00:00 UTC"' ;;
		*) echo "pki.sh: unknown option $o in $spec" >&2; exit 2 ;;
		esac
	done
	{
		echo "cn = $cn"
		echo "$dates"
		case $use in
		ca) printf 'ca\ncert_signing_key\n' ;;
		client) printf 'tls_www_client\nsigning_key\n' ;;
		*)
			echo "dns_name = $cn"
			[ "$cn" = localhost ] && echo 'ip_address = 127.0.0.1'
			printf 'tls_www_server\nsigning_key\n'
			[ "$type" = ec ] || echo encryption_key
			;;
		esac
	} >"$name.tmpl"
	key "$name" "$type"
	if [ $signer = self ]; then
		certtool -s --load-privkey "$name.key" --template "$name.tmpl" \
			--outfile "$name.pem"
	else
		certtool -c --load-privkey "$name.key" --load-ca-privkey ca.key \
			--load-ca-certificate ca.pem --template "$name.tmpl" \
			--outfile "$name.pem"
	fi
done
