#!/bin/sh
# The fuzz targets' PKI: a CA, server certificates for localhost (ECDSA
# P-256 "ec", RSA 2048 "rsa") and a client certificate "cli", with fixed
# validity dates around the targets' fixed clock (2030-01-01), so that
# replays do not depend on the wall clock. Made by the one test PKI script.
#   helper/tests/fuzz/pki.sh DIR      (cwd: the repository root)
set -eu
exec selftests/lib/pki.sh "${1:?usage: pki.sh DIR}" ca:fixed ec:fixed \
	rsa:rsa,fixed cli:client,fixed 2>/dev/null
