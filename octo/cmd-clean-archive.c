/*
 * octo/cmd-clean-archive.c: the archive cleanup cron (hourly): POST
 * clean_archive queues cleanup for every deployment archived longer than
 * the retention. And version.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "octopod.h"
#include "extern.h"

static int	cmd_clean_archive_exec(const struct cmd_entry *, int, char **);
static int	cmd_version_exec(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_clean_archive_entry = {
	.name = "clean-archive",
	.usage = "[--older-than DUR] [--dry-run]",
	.summary =
	    "clean up deployments archived longer than the retention (cron)",
	.help =
	"  --older-than DUR    archived longer than DUR (14d, 12h, 30m, or\n"
	"                      seconds; default: the server's\n"
	"                      ARCHIVE_RETENTION, 14 days)\n"
	"  -n, --dry-run       only list what would be cleaned up\n"
	"crontab: 17 * * * * octo clean-archive\n",
	.needs_server = 1,
	.exec = cmd_clean_archive_exec,
};

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.usage = "",
	.summary = "print octo's version and, when configured, the server's",
	.needs_server = 0,
	.exec = cmd_version_exec,
};

static int
cmd_clean_archive_exec(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "older-than", required_argument, NULL, 'O' },
		{ "dry-run", no_argument, NULL, 'n' },
		OCTO_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct octo_resp r = { 0 };
	json_t		*body = json_object(), *names, *ids, *v;
	long		 older = -1;
	size_t		 i;
	int		 ch, rc = EXIT_USAGE, dry = 0;

	while ((ch = getopt_long(argc, argv, "no:", lo, NULL)) != -1) {
		switch (ch) {
		case 'O':
			if (octo_parse_duration(optarg, &older) == -1) {
				octo_warnx("--older-than \"%s\" is not a "
				    "duration (14d, 12h, 30m, or seconds)",
				    optarg);
				goto out;
			}
			break;
		case 'n':
			dry = 1;
			break;
		case 'o':
			if (octo_set_output(optarg) == -1)
				goto out;
			break;
		default:
			if (octo_common_opt(ch, optarg) == 0)
				break;
			cmd_usage(e);
			goto out;
		}
	}
	if (optind != argc) {
		octo_warnx("unexpected argument \"%s\"", argv[optind]);
		cmd_usage(e);
		goto out;
	}
	if ((rc = octo_http_init()) != 0)
		goto out;
	if (older >= 0)
		json_object_set_new(body, "older_than", json_integer(older));
	if (dry)
		json_object_set_new(body, "dry_run", json_true());
	if ((rc = octo_call("POST", "clean_archive", body, 0, &r)) != 0)
		goto out;
	if (octo.json) {
		out_json(r.body);
		goto out;
	}
	names = json_object_get(r.body, "deployments");
	ids = json_object_get(r.body, "actions");
	older = (long)json_integer_value(json_object_get(r.body,
	    "older_than"));
	if (json_array_size(names) == 0) {
		printf("nothing archived for longer than %ld s\n", older);
		goto out;
	}
	printf("%s %zu deployment(s) archived for longer than %ld s:\n",
	    dry ? "would clean up" : "cleanup queued for",
	    json_array_size(names), older);
	json_array_foreach(names, i, v) {
		if (dry)
			printf("  %s\n", json_string_value(v));
		else
			printf("  %s (action %lld)\n", json_string_value(v),
			    (long long)json_integer_value(json_array_get(ids,
			    i)));
	}
out:
	octo_resp_free(&r);
	json_decref(body);
	return rc;
}

static int
cmd_version_exec(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option lo[] = {
		OCTO_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct octo_resp r = { 0 };
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "o:", lo, NULL)) != -1) {
		if (ch == 'o' ? octo_set_output(optarg) :
		    octo_common_opt(ch, optarg))
			return cmd_usage(e);
	}
	if (octo.url == NULL) {
		if (octo.json) {
			json_t *o = json_pack("{s:s}", "octo", OCTOPOD_VERSION);

			out_json(o);
			json_decref(o);
		} else
			printf("octo %s\n", OCTOPOD_VERSION);
		return EXIT_OK;
	}
	if ((rc = octo_http_init()) != 0)
		return rc;
	if ((rc = octo_call("GET", "ping", NULL, 0, &r)) == 0) {
		if (octo.json) {
			json_t *o = json_pack("{s:s, s:s}", "octo",
			    OCTOPOD_VERSION, "server", jstr(r.body, "version",
			    "?"));

			out_json(o);
			json_decref(o);
		} else
			printf("octo %s\nserver %s (%s)\n", OCTOPOD_VERSION,
			    jstr(r.body, "version", "?"), octo.url);
	} else
		printf("octo %s\n", OCTOPOD_VERSION);
	octo_resp_free(&r);
	return rc;
}
