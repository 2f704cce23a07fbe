/*
 * octo/cmd-transition.c: archive, restore (alias unarchive, Octopod 2's
 * word), cleanup — POST deployments/NAME/{archive,restore,cleanup} — and
 * forget (alias delete: Octopod 2's octo delete "deletes the deployment
 * from Octopod, does no cleanup"; DELETE deployments/NAME, power only).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "octopod.h"
#include "extern.h"

static int	cmd_transition_exec(const struct cmd_entry *, int, char **);

#define NAME_HELP "  -n, --name NAME    the deployment (or as the argument)\n"

const struct cmd_entry cmd_archive_entry = {
	.name = "archive",
	.usage = "-n NAME",
	.summary = "archive a deployment (runs the archive script)",
	.help = NAME_HELP,
	.needs_server = 1,
	.exec = cmd_transition_exec,
};
const struct cmd_entry cmd_restore_entry = {
	.name = "restore",
	.alias = "unarchive",
	.usage = "-n NAME",
	.summary = "restore an archived deployment",
	.help = NAME_HELP,
	.needs_server = 1,
	.exec = cmd_transition_exec,
};
const struct cmd_entry cmd_cleanup_entry = {
	.name = "cleanup",
	.usage = "-n NAME",
	.summary =
	    "remove an archived deployment for good (runs the cleanup script)",
	.help = NAME_HELP,
	.needs_server = 1,
	.exec = cmd_transition_exec,
};
const struct cmd_entry cmd_pin_entry = {
	.name = "pin",
	.usage = "-n NAME",
	.summary = "keep a deployment from expiring",
	.help = NAME_HELP,
	.needs_server = 1,
	.exec = cmd_transition_exec,
};

const struct cmd_entry cmd_unpin_entry = {
	.name = "unpin",
	.usage = "-n NAME",
	.summary = "let a deployment expire again",
	.help = NAME_HELP,
	.needs_server = 1,
	.exec = cmd_transition_exec,
};

const struct cmd_entry cmd_forget_entry = {
	.name = "forget",
	.alias = "delete",
	.usage = "-n NAME",
	.summary = "forget a deployment's record without running any script",
	.help = NAME_HELP,
	.needs_server = 1,
	.exec = cmd_transition_exec,
};

static int
cmd_transition_exec(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'n' },
		OCTO_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct octo_resp r = { 0 };
	const char	*name = NULL;
	char		*esc = NULL, *path = NULL;
	int		 ch, rc, forget = e == &cmd_forget_entry;
	json_t		*a, *d;

	while ((ch = getopt_long(argc, argv, "n:o:", lo, NULL)) != -1) {
		switch (ch) {
		case 'n':
			name = optarg;
			break;
		case 'o':
			if (octo_set_output(optarg) == -1)
				return EXIT_USAGE;
			break;
		default:
			if (octo_common_opt(ch, optarg) == 0)
				break;
			return cmd_usage(e);
		}
	}
	if ((rc = octo_name_arg(e, &name, argc - optind, argv + optind)) != 0
	    || (rc = octo_http_init()) != 0)
		return rc;
	if ((esc = octo_escape(name)) == NULL ||
	    (forget ? asprintf(&path, "deployments/%s", esc) :
	    asprintf(&path, "deployments/%s/%s", esc, e->name)) == -1) {
		free(esc);
		octo_warnx("out of memory");
		return EXIT_CONN;
	}
	rc = octo_call(forget ? "DELETE" : "POST", path, NULL, 0, &r);
	if (rc == 0 && octo.json)
		out_json(r.body);
	else if (rc == 0 && forget)
		printf("forgot \"%s\" (its actions and history are kept)\n",
		    jstr(r.body, "forgotten", name));
	else if (rc == 0 && (e == &cmd_pin_entry || e == &cmd_unpin_entry)) {
		d = json_object_get(r.body, "deployment");
		printf("\"%s\" is %s; expires at %s\n", jstr(d, "name", name),
		    json_is_true(json_object_get(d, "pinned")) ? "pinned" :
		    "not pinned", jstr(d, "expires_at", "never"));
	} else if (rc == 0) {
		a = json_object_get(r.body, "action");
		d = json_object_get(r.body, "deployment");
		printf("%s of \"%s\" queued as action %lld; deployment is %s\n",
		    e->name, jstr(d, "name", name),
		    (long long)json_integer_value(json_object_get(a, "id")),
		    jstr(d, "status", "?"));
	}
	octo_resp_free(&r);
	free(esc);
	free(path);
	return rc;
}
