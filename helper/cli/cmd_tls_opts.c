// SPDX-License-Identifier: GPL-2.0
/* Command line of `tlshelper serve` and `tlshelper connect`. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_tls_opts.h"
#include "os/ktls.h"

static void usage(const struct tls_opts *o, FILE *out)
{
	if (o->server)
		fprintf(out,
"Usage: tlshelper serve --fd N --cert FILE --key FILE [--cert FILE --key FILE]...\n"
"         [--ca FILE --verify-client] [--alpn P1,P2] [--timeout SEC]\n"
"         [--require-ktls] [--keylog FILE] [--tickets N]\n"
"         [--ticket-keys FILE]... [--max-handshake-bytes N]\n"
"         [--tls-min V] [--tls-max V] [--psk-identity ID --psk-file FILE]\n"
"         [--allow-rsa-kx] [--allow-no-ems] [-q|-v] [--exec PROGRAM ARGS...]\n"
"  TLS 1.3 or 1.2 server handshake on the accepted TCP socket N; kTLS\n"
"  installed, then PROGRAM runs with the socket as stdin/stdout, or (no\n"
"  --exec) exit 0 and the caller keeps the socket.\n"
"  --allow-rsa-kx  also accept TLS 1.2 RSA key transport\n"
"                  (TLS_RSA_WITH_AES_128/256_GCM): NO FORWARD SECRECY, a\n"
"                  leaked server key decrypts recorded traffic; off by default\n"
"  --ticket-keys FILE  TLS 1.3 resumption and TLS 1.2 session tickets:\n"
"                  80-byte key file (openssl rand 80); repeatable, the first\n"
"                  seals new tickets, all open them; --tickets defaults to 2\n"
"                  with it (TLS 1.2: one ticket when --tickets is not 0)\n");
	else
		fprintf(out,
"Usage: tlshelper connect HOST:PORT [--sni NAME] [--ca FILE]\n"
"         [--cert FILE --key FILE] [--alpn P1,P2] [--timeout SEC]\n"
"         [--require-ktls] [--keylog FILE] [--max-handshake-bytes N]\n"
"         [--tls-min V] [--tls-max V] [--allow-rsa-kx] [--allow-no-ems]\n"
"         [--session FILE] [--psk-identity ID --psk-file FILE]\n"
"         [-q|-v] [--exec PROGRAM ARGS...]\n"
"  TLS 1.3 or 1.2 client handshake, the server verified against --ca or the\n"
"  system CA store; kTLS installed, then stdin/stdout (or PROGRAM's) relayed.\n"
"  --allow-rsa-kx  also offer TLS 1.2 RSA key transport: NO FORWARD SECRECY\n"
"  --session FILE  TLS 1.3 or TLS 1.2 (RFC 5077 ticket) resumption: resume\n"
"                  from FILE if it holds a usable session (else a full\n"
"                  handshake), store the server's latest ticket in it\n"
"                  (mode 0600, replaced atomically)\n");
	fprintf(out,
"  --psk-identity ID --psk-file FILE  an external TLS 1.3 PSK (SHA-256):\n"
"                  FILE holds the key in hex (as openssl's -psk takes it)\n"
"  --tls-min V, --tls-max V  protocol versions, 1.2 or 1.3 (default 1.2, 1.3)\n"
"  --allow-no-ems  accept a TLS 1.2 peer without extended master secret\n"
"                  (RFC 7627), which is otherwise refused\n");
	fprintf(out,
"Exit status: 0 ok, 1 failure, 2 usage, 4 certificate/key/CA unusable,\n"
"5 handshake failed, 6 peer certificate rejected, 7 timeout,\n"
"8 connection failed or closed, 9 kTLS unavailable where required;\n"
"with --exec, the program's status (126/127: it could not be run).\n");
}

static int usage_error(const struct tls_opts *o, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "tlshelper: %s: ", o->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(o, stderr);
	return EXIT_FAILURE + 1;
}

int tlsh_tls_parse_opts(struct tls_opts *o, int argc, char **argv)
{
	enum { O_FD = 256, O_TIMEOUT, O_REQ, O_KEYLOG, O_EXEC, O_SNI,
	       O_SESSION };
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "fd", required_argument, NULL, O_FD },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "require-ktls", no_argument, NULL, O_REQ },
		{ "keylog", required_argument, NULL, O_KEYLOG },
		{ "exec", no_argument, NULL, O_EXEC },
		{ "sni", required_argument, NULL, O_SNI },
		{ "session", required_argument, NULL, O_SESSION },
		TLSH_PROFILE_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	char *end, err[256];
	long v;
	int c, idx;

	o->fd = -1;
	o->timeout_s = DEFAULT_TIMEOUT_S;
	o->verbosity = 1;
	optind = 0;
	opterr = 0;
	/* "+": everything after --exec PROGRAM belongs to the program. */
	while (!o->exec_argv) {
		c = getopt_long(argc, argv, "+hqv", opts, &idx);
		if (c == -1) {
			/* connect's HOST:PORT may come before or after options. */
			if (o->server || o->target || optind >= argc)
				break;
			o->target = argv[optind++];
			continue;
		}
		switch (c) {
		case 'h':
			usage(o, stdout);
			return EXIT_SUCCESS;
		case 'q':
			o->verbosity = 0;
			break;
		case 'v':
			o->verbosity = 2;
			break;
		case O_FD:
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (!o->server || errno || *end || v < 0 || v > 1 << 20)
				return usage_error(o, "bad --fd '%s'", optarg);
			o->fd = (int)v;
			break;
		case TLSH_PROFILE_OPT:
			if (tlsh_profile_set(&o->prof, opts[idx].name, optarg,
					     err, sizeof(err)) < 0)
				return usage_error(o, "%s", err);
			break;
		case O_TIMEOUT:
			o->timeout_s = strtod(optarg, &end);
			if (*end || !(o->timeout_s > 0 && o->timeout_s < 86400))
				return usage_error(o, "bad --timeout '%s'", optarg);
			break;
		case O_REQ:
			o->require_ktls = true;
			break;
		case O_KEYLOG:
			o->keylog = optarg;
			break;
		case O_EXEC:
			if (optind >= argc)
				return usage_error(o, "--exec needs a program");
			o->exec_argv = &argv[optind];
			break;
		case O_SNI:
			if (o->server)
				return usage_error(o, "--sni is for connect");
			o->sni = optarg;
			break;
		case O_SESSION:
			if (o->server)
				return usage_error(o, "--session is for connect");
			o->session = optarg;
			break;
		default:
			if (optopt)
				return usage_error(o, "unknown option or missing "
						   "argument '-%c'", optopt);
			return usage_error(o, "unknown option '%s'",
					   argv[optind - 1]);
		}
	}
	if (!o->server && !o->target)
		return usage_error(o, "missing HOST:PORT");
	if (!o->exec_argv && optind < argc)
		return usage_error(o, "unexpected argument '%s'", argv[optind]);
	if (o->server && o->fd < 0)
		return usage_error(o, "--fd is required");
	if (tlsh_profile_check(&o->prof, o->server, err, sizeof(err)))
		return usage_error(o, "%s", err);
	return -1;
}

