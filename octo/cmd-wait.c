/*
 * octo/cmd-wait.c: for CI, wait until a deployment is Running (or
 * Archived) and not busy. Exit 0 when reached; 1 with the reason when it
 * failed (Failure and not busy) or cannot get there by itself; 4 on
 * timeout.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "octopod.h"
#include "extern.h"

static int	cmd_wait_exec(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_wait_entry = {
	.name = "wait",
	.usage =
	    "-n NAME [--for running|archived] [--timeout DUR] [--interval MS]",
	.summary = "wait until a deployment is Running (or Archived); for CI",
	.help =
	"  -n, --name NAME       the deployment (or as the argument)\n"
	"  --for running|archived  the status to wait for (default running)\n"
	"  -T, --timeout DUR     give up after DUR (default 15m; 30s, 10m, 1h,\n"
	"                        or seconds) with exit code 4\n"
	"  --interval MS         poll interval (default 500)\n"
	"exit 0 when the deployment is there and not busy; 1 when it is in\n"
	"Failure and not busy (the reason is printed), or settled where it\n"
	"cannot get there by itself (e.g. Archived, waiting for running)\n",
	.needs_server = 1,
	.exec = cmd_wait_exec,
};

enum verdict { V_WAIT, V_DONE, V_FAILED };

/* Where deployment d stands against the target status. */
static enum verdict
judge(json_t *d, const char *target)
{
	const char	*st = jstr(d, "status", "");
	int		 busy = json_is_true(json_object_get(d, "busy"));

	if (busy)
		return V_WAIT;
	if (strcmp(st, target) == 0)
		return V_DONE;
	if (strcmp(st, "Failure") == 0 || strcmp(st, "CleanupFailed") == 0)
		return V_FAILED;
	if (strcmp(target, "Running") == 0 && strcmp(st, "Archived") == 0)
		return V_FAILED;
	if (strcmp(target, "Archived") == 0 && strcmp(st, "Running") == 0)
		return V_FAILED;
	return V_WAIT;		/* a pending status, settling */
}

static int
cmd_wait_exec(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "for", required_argument, NULL, 'F' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "interval", required_argument, NULL, 'i' },
		OCTO_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct octo_resp r = { 0 };
	const char	*name = NULL, *target = "Running", *reason;
	char		*esc = NULL, *path = NULL, last[64] = "";
	long		 timeout = 900, interval = 500;
	double		 deadline;
	enum verdict	 v;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "n:T:o:", lo, NULL)) != -1) {
		switch (ch) {
		case 'n':
			name = optarg;
			break;
		case 'F':
			if (strcasecmp(optarg, "running") == 0)
				target = "Running";
			else if (strcasecmp(optarg, "archived") == 0)
				target = "Archived";
			else {
				octo_warnx("--for takes running or archived");
				return EXIT_USAGE;
			}
			break;
		case 'T':
			if (octo_parse_duration(optarg, &timeout) == -1) {
				octo_warnx("timeout \"%s\" is not a duration "
				    "(30s, 10m, 1h, or seconds)", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'i':
			if (octo_parse_long(optarg, 10, 60000, &interval)
			    == -1) {
				octo_warnx("--interval takes 10 to 60000 ms");
				return EXIT_USAGE;
			}
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
	    asprintf(&path, "deployments/%s", esc) == -1) {
		free(esc);
		octo_warnx("out of memory");
		return EXIT_CONN;
	}
	deadline = octo_now() + timeout;
	for (;;) {
		octo_resp_free(&r);
		rc = octo_call("GET", path, NULL, CALL_QUIET, &r);
		/* octopod restarting: keep trying until the deadline */
		if (rc != 0 && (r.status < 502 || r.status > 504)) {
			if (strcmp(r.code, "not_found") == 0)
				octo_warnx("no deployment named \"%s\"", name);
			else
				octo_warn_lines(r.msg);
			break;
		}
		if (rc == 0) {
			v = judge(r.body, target);
			if (!octo.json && strcmp(last, jstr(r.body, "status",
			    "")) != 0) {
				snprintf(last, sizeof(last), "%s",
				    jstr(r.body, "status", ""));
				printf("%s: %s\n", name, last);
				fflush(stdout);
			}
			if (v == V_DONE) {
				if (octo.json)
					out_json(r.body);
				break;
			}
			if (v == V_FAILED) {
				reason = jstr(r.body, "failure_reason", NULL);
				if (octo.json)
					out_json(r.body);
				octo_warnx("deployment \"%s\" is %s%s%s, not "
				    "%s", name, jstr(r.body, "status", "?"),
				    reason ? ": " : "", reason ? reason : "",
				    target);
				rc = EXIT_REFUSED;
				break;
			}
		}
		if (octo_now() >= deadline) {
			octo_warnx("timed out after %ld s waiting for \"%s\" to "
			    "be %s (it is %s%s)", timeout, name, target,
			    rc == 0 ? jstr(r.body, "status", "?") : "unknown",
			    rc == 0 && json_is_true(json_object_get(r.body,
			    "busy")) ? ", busy" : "");
			rc = EXIT_TIMEOUT;
			break;
		}
		octo_sleep_ms(interval);
	}
	octo_resp_free(&r);
	free(esc);
	free(path);
	return rc;
}
