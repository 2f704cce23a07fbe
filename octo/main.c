/*
 * octo/main.c: the octo CLI. Global options, then a command from the
 * table (one cmd-*.c each, as tmux's cmd_table).
 *
 *	octo [--url URL] [--cert FILE] [--key FILE] [--cacert FILE]
 *	     [--timeout S] [-o json|table] COMMAND [ARGS...]
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "octopod.h"
#include "extern.h"

static const struct cmd_entry *const cmd_table[] = {
	&cmd_create_entry,
	&cmd_update_entry,
	&cmd_archive_entry,
	&cmd_restore_entry,
	&cmd_cleanup_entry,
	&cmd_pin_entry,
	&cmd_unpin_entry,
	&cmd_forget_entry,
	&cmd_list_entry,
	&cmd_info_entry,
	&cmd_logs_entry,
	&cmd_wait_entry,
	&cmd_clean_archive_entry,
	&cmd_version_entry,
	NULL
};

static const char global_help[] =
"options (before the command; the long ones also after it):\n"
"  --url URL          the power API, e.g. https://octopod-power:443 (OCTOPOD_URL)\n"
"  --cert FILE        client certificate, PEM (TLS_CERT_PATH)\n"
"  --key FILE         its private key, PEM, mode 0600 or less (TLS_KEY_PATH)\n"
"  --cacert FILE      CA that signed the server's certificate (TLS_CA_PATH)\n"
"  --timeout S        connection timeout (default 10 s); after a command:\n"
"                     --connect-timeout S\n"
"  -o json|table      output: tables (default) or the server's JSON;\n"
"                     after a command: --output FMT, --json\n"
"                     (-o also, except after create and update, where it\n"
"                     is a deployment override)\n"
"exit codes: 0 ok, 1 refused or failed, 2 usage, 3 cannot reach the server\n"
"or TLS/certificate failure, 4 timeout (wait)\n";

static void
usage(FILE *f)
{
	const struct cmd_entry *const *e;

	fprintf(f, "usage: octo [options] COMMAND [ARGS...]\n\ncommands:\n");
	for (e = cmd_table; *e != NULL; e++)
		fprintf(f, "  %-14s %s\n", (*e)->name, (*e)->summary);
	fprintf(f, "  %-14s %s\n\n%s", "help [COMMAND]",
	    "show this, or a command's options", global_help);
}

static const struct cmd_entry *
cmd_find(const char *name)
{
	const struct cmd_entry *const *e;

	for (e = cmd_table; *e != NULL; e++)
		if (strcmp((*e)->name, name) == 0 || ((*e)->alias != NULL &&
		    strcmp((*e)->alias, name) == 0))
			return *e;
	return NULL;
}

static int
help(int argc, char **argv)
{
	const struct cmd_entry	*e;

	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	if ((e = cmd_find(argv[1])) == NULL) {
		octo_warnx("unknown command \"%s\" (octo help lists them)",
		    argv[1]);
		return EXIT_USAGE;
	}
	printf("usage: octo %s %s\n\n%s\n", e->name, e->usage, e->summary);
	if (e->alias != NULL)
		printf("(also: octo %s)\n", e->alias);
	if (e->help != NULL && *e->help != '\0')
		printf("\n%s", e->help);
	printf("\n%s", global_help);
	return EXIT_OK;
}

static const char *
env(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		OCTO_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry	*e;
	int			 ch, rc;

	out_safe_init();	/* nothing printed drives the terminal */
	octo.url = env("OCTOPOD_URL");
	octo.cert = env("TLS_CERT_PATH");
	octo.key = env("TLS_KEY_PATH");
	octo.cacert = env("TLS_CA_PATH");
	/* Octopod's octo: sent as Authorization on every request */
	octo.authorization = env("OCTO_AUTHORIZATION_HEADER");

	/* "+": stop at the command, its options are its own */
	while ((ch = getopt_long(argc, argv, "+ho:V", longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("octo %s\n", OCTOPOD_VERSION);
			return EXIT_OK;
		case 'o':
			if (octo_set_output(optarg) == -1)
				return EXIT_USAGE;
			break;
		default:
			if ((rc = octo_common_opt(ch, optarg)) == 0)
				break;
			if (rc == 1)
				usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "help") == 0)
		return help(argc, argv);
	if ((e = cmd_find(argv[0])) == NULL) {
		octo_warnx("unknown command \"%s\" (octo help lists them)",
		    argv[0]);
		return EXIT_USAGE;
	}
	optind = 0;	/* GNU getopt: start afresh for the command */
	rc = e->exec(e, argc, argv);
	octo_http_free();
	if (fflush(stdout) == EOF || ferror(stdout)) {
		octo_warnx("could not write the output");
		if (rc == EXIT_OK)
			rc = EXIT_REFUSED;
	}
	return rc;
}
