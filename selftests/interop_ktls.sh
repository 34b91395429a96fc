#!/usr/bin/env bash
# VM: the host interop tests (scripts/test-interop.sh) again, now with the
# kernel's TLS ULP: serve --exec hands the program the kTLS socket itself,
# connect relays through kTLS (TLS 1.3, and TLS 1.2 against openssl
# s_server -tls1_2 and gnutls-serv for every 1.2 suite), and every good
# handshake must log record-layer=kernel. Fails if kTLS is missing here.
cd "$(dirname "$0")/.." || exit 1
modprobe tls 2>/dev/null
TLSH_EXPECT_KTLS=1 exec scripts/test-interop.sh
