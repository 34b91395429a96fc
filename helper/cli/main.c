// SPDX-License-Identifier: GPL-2.0
/*
 * tlshelper: command-line entry point. A dispatcher only: each subcommand
 * is one row of the table below with its own option parsing.
 *
 * Exit status, for every subcommand:
 *   0  success
 *   1  failure (including permission denied)
 *   2  usage error
 *   3  tlsh.ko is not loaded (TLSH_EXIT_NOT_LOADED)
 * serve and connect add 4..9 (cmd_tls.h) and, with --exec, the program's.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_daemon.h"
#include "cli/cmd_tls.h"
#include "os/nl.h"

#ifndef TLSH_VERSION
#error "TLSH_VERSION comes from the top-level VERSION file (see Makefile)"
#endif

#define EXIT_USAGE 2

static const char *progname = "tlshelper";

struct subcommand {
	const char *name;
	const char *args;	/* synopsis after the name */
	const char *summary;
	int (*run)(const struct subcommand *sc, int argc, char **argv);
};

static int cmd_status(const struct subcommand *sc, int argc, char **argv);
static int cmd_serve(const struct subcommand *sc, int argc, char **argv);
static int cmd_connect(const struct subcommand *sc, int argc, char **argv);
static int cmd_own(const struct subcommand *sc, int argc, char **argv);

static const struct subcommand subcommands[] = {
	{ "status", "[--json]", "show whether tlsh.ko is loaded, and its counters",
	  cmd_status },
	{ "serve", "--fd N --cert FILE --key FILE [OPTIONS] [--exec PROGRAM ARGS...]",
	  "TLS server handshake on an accepted socket, then kTLS",
	  cmd_serve },
	{ "connect", "HOST:PORT [OPTIONS] [--exec PROGRAM ARGS...]",
	  "TLS client handshake, then kTLS and stdio (or a program)",
	  cmd_connect },
	{ "daemon", "[--config FILE] [--workers N]",
	  "handshake daemon for tlsh.ko (attached listeners)", cmd_own },
	{ "attach", "--port P | --pid PID --fd N --cert FILE --key FILE [OPTIONS]",
	  "give a running server's listener TLS (via the daemon)", cmd_own },
	{ "detach", "--id ID | --port P", "undo attach", cmd_own },
	{ "reload", "",
	  "have the daemon load its config, certificates and keys again",
	  cmd_own },
};

#define N_SUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *out)
{
	size_t i;

	fprintf(out,
		"Usage: %s [--help] [--version] SUBCOMMAND [OPTIONS]\n"
		"\n"
		"TLS handshakes for kernel TLS (kTLS), with or without tlsh.ko.\n"
		"\n"
		"Subcommands:\n", progname);
	for (i = 0; i < N_SUBCOMMANDS; i++)
		fprintf(out, "  %-10s %s\n", subcommands[i].name,
			subcommands[i].summary);
	fprintf(out,
		"\n"
		"'%s SUBCOMMAND --help' describes a subcommand's options.\n"
		"\n"
		"Exit status: 0 success, 1 failure, 2 usage error,\n"
		"%d tlsh.ko is not loaded; serve and connect: see their --help.\n",
		progname, TLSH_EXIT_NOT_LOADED);
}

/* After getopt_long() returned '?' (opterr = 0, so it printed nothing). */
static void bad_option(const char *subcommand, char **argv)
{
	fprintf(stderr, "%s: %s%s", progname, subcommand ? subcommand : "",
		subcommand ? ": " : "");
	if (optopt)
		fprintf(stderr, "unknown option or missing argument '-%c'\n",
			optopt);
	else
		fprintf(stderr, "unknown option '%s'\n", argv[optind - 1]);
}

static void subcommand_usage(const struct subcommand *sc, FILE *out)
{
	fprintf(out, "Usage: %s %s [--help]%s%s\n  %s\n", progname, sc->name,
		sc->args[0] ? " " : "", sc->args, sc->summary);
}

/*
 * Parse the options of a subcommand of this file: --help, and --json where
 * json is not NULL. Returns -1 to go on, else the exit status. optind is
 * left at the first operand.
 */
static int parse_common(const struct subcommand *sc, int argc, char **argv,
			bool *json)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;	/* glibc: restart scanning for a new argv */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			subcommand_usage(sc, stdout);
			return EXIT_SUCCESS;
		case 'j':
			if (json) {
				*json = true;
				break;
			}
			/* fall through */
		default:
			bad_option(sc->name, argv);
			subcommand_usage(sc, stderr);
			return EXIT_USAGE;
		}
	}
	return -1;
}

static int cmd_status(const struct subcommand *sc, int argc, char **argv)
{
	struct tlsh_status st;
	char errmsg[256];
	unsigned int i;
	bool json = false;
	int ret;

	ret = parse_common(sc, argc, argv, &json);
	if (ret >= 0)
		return ret;
	if (optind < argc) {
		fprintf(stderr, "%s: status: unexpected argument '%s'\n",
			progname, argv[optind]);
		subcommand_usage(sc, stderr);
		return EXIT_USAGE;
	}

	ret = tlsh_nl_get_status(&st, errmsg, sizeof(errmsg));
	if (json)
		return tlsh_status_print_json(ret, &st, errmsg, stdout);
	if (ret) {
		fprintf(stderr, "%s: %s\n", progname, errmsg);
		return ret == -ENOENT ? TLSH_EXIT_NOT_LOADED : EXIT_FAILURE;
	}

	printf("tlsh.ko %s loaded\n", st.module_version);
	for (i = 0; i <= TLSH_COUNTER_MAX; i++) {
		if (st.has_counter[i] && tlsh_counter_name(i))
			printf("%s %" PRIu64 "\n", tlsh_counter_name(i),
			       st.counters[i]);
	}
	tlsh_status_print_listeners(&st, stdout);
	return fflush(stdout) ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* serve and connect parse their own options (cmd_tls.c). */
static int cmd_serve(const struct subcommand *sc, int argc, char **argv)
{
	(void)sc;
	return tlsh_cmd_serve(argc, argv);
}

static int cmd_connect(const struct subcommand *sc, int argc, char **argv)
{
	(void)sc;
	return tlsh_cmd_connect(argc, argv);
}

/* daemon, attach, detach, reload parse their own options (cmd_daemon.c, cmd_attach.c). */
static int cmd_own(const struct subcommand *sc, int argc, char **argv)
{
	if (!strcmp(sc->name, "daemon"))
		return tlsh_cmd_daemon(argc, argv);
	if (!strcmp(sc->name, "attach"))
		return tlsh_cmd_attach(argc, argv);
	if (!strcmp(sc->name, "reload"))
		return tlsh_cmd_reload(argc, argv);
	return tlsh_cmd_detach(argc, argv);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int c;

	opterr = 0;
	/* "+": stop at the subcommand; its options are its own. */
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf("%s %s (tlsh netlink protocol %d)\n", progname,
			       TLSH_VERSION, TLSH_GENL_VERSION);
			return EXIT_SUCCESS;
		default:
			bad_option(NULL, argv);
			usage(stderr);
			return EXIT_USAGE;
		}
	}

	if (optind >= argc) {
		fprintf(stderr, "%s: missing subcommand\n", progname);
		usage(stderr);
		return EXIT_USAGE;
	}

	for (i = 0; i < N_SUBCOMMANDS; i++) {
		if (!strcmp(argv[optind], subcommands[i].name))
			return subcommands[i].run(&subcommands[i], argc - optind,
						  argv + optind);
	}

	fprintf(stderr, "%s: unknown subcommand '%s'\n", progname,
		argv[optind]);
	usage(stderr);
	return EXIT_USAGE;
}
