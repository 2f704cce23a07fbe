/*
 * octo/cmd.c: what the commands share: the common long options, the
 * usage line, -n NAME or a lone NAME argument, time.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "octopod.h"
#include "extern.h"

/* "octo: " and one line on stderr. */
void
octo_warnx(const char *fmt, ...)
{
	va_list	 ap;

	fflush(stdout);
	fputs("octo: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A message of one or more lines, each as "octo: LINE" on stderr. */
void
octo_warn_lines(const char *msg)
{
	const char	*nl;

	while ((nl = strchr(msg, '\n')) != NULL) {
		octo_warnx("%.*s", (int)(nl - msg), msg);
		msg = nl + 1;
	}
	octo_warnx("%s", msg);
}

/* -o FORMAT: 0, or -1 for an unknown format. */
int
octo_set_output(const char *fmt)
{
	if (strcmp(fmt, "json") == 0)
		octo.json = 1;
	else if (strcmp(fmt, "table") == 0 || strcmp(fmt, "text") == 0)
		octo.json = 0;
	else {
		octo_warnx("unknown output format \"%s\" (json or table)", fmt);
		return -1;
	}
	return 0;
}

/*
 * A common option (OCTO_COMMON_LONGOPTS): 0 when handled, -1 for a bad
 * value (printed), 1 when ch is none of them.
 */
int
octo_common_opt(int ch, const char *arg)
{
	long	 v;

	switch (ch) {
	case OPT_URL:
		octo.url = arg;
		return 0;
	case OPT_CERT:
		octo.cert = arg;
		return 0;
	case OPT_KEY:
		octo.key = arg;
		return 0;
	case OPT_CACERT:
		octo.cacert = arg;
		return 0;
	case OPT_CONNECT_TIMEOUT:
		if (octo_parse_duration(arg, &v) == -1 || v < 1 || v > 3600) {
			octo_warnx("connection timeout \"%s\" is not a "
			    "duration from 1 s to 1 h", arg);
			return -1;
		}
		octo.connect_timeout = v;
		return 0;
	case OPT_OUTPUT:
		return octo_set_output(arg);
	case OPT_JSON:
		octo.json = 1;
		return 0;
	}
	return 1;
}

/* The synopsis of one command on stderr; returns EXIT_USAGE. */
int
cmd_usage(const struct cmd_entry *e)
{
	fprintf(stderr, "usage: octo %s %s\n", e->name, e->usage);
	fprintf(stderr, "       (octo help %s for more)\n", e->name);
	return EXIT_USAGE;
}

/*
 * The deployment name: *name from -n, else the one argument left.
 * Returns 0, or EXIT_USAGE after printing the usage.
 */
int
octo_name_arg(const struct cmd_entry *e, const char **name, int argc,
    char **argv)
{
	if (*name == NULL && argc == 1)
		*name = argv[0];
	else if (argc != 0) {
		octo_warnx("unexpected argument \"%s\"", argv[0]);
		return cmd_usage(e);
	}
	if (*name == NULL || **name == '\0') {
		octo_warnx("%s needs a deployment name (-n NAME)", e->name);
		return cmd_usage(e);
	}
	return 0;
}

void
octo_sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1)
		;
}

/* Seconds on the monotonic clock. */
double
octo_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
