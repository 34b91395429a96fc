#!/bin/sh
# The fuzz targets' PKI: a CA, server certificates for localhost (ECDSA
# P-256 "ec", RSA 2048 "rsa") and a client certificate "cli", with fixed
# validity dates around the targets' fixed clock (2030-01-01), so that
# replays do not depend on the wall clock.
#   helper/tests/fuzz/pki.sh DIR
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"
dates='activation_date = "2025-01-01 00:00:00"\nexpiration_date = "2045-01-01 00:00:00"\n'
printf "cn = tlsh fuzz CA\nca\ncert_signing_key\n$dates" >ca.tmpl
printf "cn = localhost\ndns_name = localhost\ntls_www_server\nsigning_key\nencryption_key\n$dates" >srv.tmpl
printf "cn = tlsh fuzz client\ntls_www_client\nsigning_key\n$dates" >cli.tmpl
q() { "$@" >/dev/null 2>&1; }
q certtool -p --key-type ecdsa --curve secp256r1 --outfile ca.key
q certtool -s --load-privkey ca.key --template ca.tmpl --outfile ca.pem
for k in "ec ecdsa --curve secp256r1" "rsa rsa --bits 2048" \
	 "cli ecdsa --curve secp256r1"; do
	set -- $k
	name=$1
	shift
	q certtool -p --key-type "$@" --outfile "$name.key"
	tmpl=srv.tmpl
	[ "$name" = cli ] && tmpl=cli.tmpl
	q certtool -c --load-privkey "$name.key" --load-ca-privkey ca.key \
		--load-ca-certificate ca.pem --template $tmpl --outfile "$name.pem"
done
rm -f ./*.tmpl
