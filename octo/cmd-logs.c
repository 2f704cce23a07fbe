/*
 * octo/cmd-logs.c: an action's output; with -f, follow it while the
 * action runs by polling GET actions/ID/output?after=SEQ (every 300 ms)
 * until "finished", then exit with the action's result. -l picks the
 * streams as Octopod's octo does (stdout, stderr, all; out, err, both);
 * with both, stderr's lines are marked.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "octopod.h"
#include "extern.h"

static int	cmd_logs_exec(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_logs_entry = {
	.name = "logs",
	.usage =
	    "-a ACTION | -n NAME [-l stdout|stderr|all] [-f] "
	    "[--interval MS]",
	.summary = "print an action's output (-f: follow it live)",
	.help =
	"  -a, --action ID     the action (octo info shows them)\n"
	"  -n, --name NAME     the last action of this deployment\n"
	"  -l, --log-type T    stdout (out), stderr (err) or all (both; the\n"
	"                      default): with all, stderr's lines start with\n"
	"                      \"stderr| \"\n"
	"  -f, --follow        keep printing while the action runs; exit 0\n"
	"                      if it succeeded, 1 if not\n"
	"  --interval MS       poll interval with -f (default 300)\n"
	"with -o json: one JSON object per output chunk, a line each\n",
	.needs_server = 1,
	.exec = cmd_logs_exec,
};

#define PAGE	1000

enum log_type { LT_OUT = 1, LT_ERR = 2, LT_ALL = 3 };

/* -l's values, Octopod's readLogOutput: 0, or -1 for anything else. */
static int
log_type(const char *s, int *out)
{
	if (strcmp(s, "stdout") == 0 || strcmp(s, "out") == 0)
		*out = LT_OUT;
	else if (strcmp(s, "stderr") == 0 || strcmp(s, "err") == 0)
		*out = LT_ERR;
	else if (strcmp(s, "all") == 0 || strcmp(s, "both") == 0)
		*out = LT_ALL;
	else
		return -1;
	return 0;
}

/* Where the text output is: at a line's start, and in which stream. */
struct lines {
	int		 bol;
	const char	*last;
};

/*
 * One chunk as text. With one stream, as it is; with both, each line of
 * stderr prefixed by "stderr| ", and a line cut by the other stream's
 * output ended first.
 */
static void
put_chunk(struct lines *ln, int type, const char *stream, const char *data)
{
	const char	*nl;

	if (type != LT_ALL) {
		fputs(data, stdout);
		return;
	}
	if (!ln->bol && ln->last != NULL && strcmp(ln->last, stream) != 0) {
		fputc('\n', stdout);
		ln->bol = 1;
	}
	ln->last = strcmp(stream, "stderr") == 0 ? "stderr" : "stdout";
	while (*data != '\0') {
		if (ln->bol && strcmp(ln->last, "stderr") == 0)
			fputs("stderr| ", stdout);
		if ((nl = strchr(data, '\n')) == NULL) {
			fputs(data, stdout);
			ln->bol = 0;
			return;
		}
		fwrite(data, 1, nl - data + 1, stdout);
		ln->bol = 1;
		data = nl + 1;
	}
}

/* The id of the last action of deployment name, or -1 (printed). */
static long long
last_action(const char *name, int *rc)
{
	struct octo_resp r = { 0 };
	char		*esc, *path = NULL;
	json_t		*a;
	long long	 id = -1;

	if ((esc = octo_escape(name)) == NULL ||
	    asprintf(&path, "deployments/%s/actions?limit=1", esc) == -1) {
		free(esc);
		*rc = EXIT_CONN;
		return -1;
	}
	if ((*rc = octo_call("GET", path, NULL, 0, &r)) == 0) {
		a = json_array_get(json_object_get(r.body, "actions"), 0);
		if (a == NULL) {
			octo_warnx("deployment \"%s\" has no actions", name);
			*rc = EXIT_REFUSED;
		} else
			id = json_integer_value(json_object_get(a, "id"));
	}
	octo_resp_free(&r);
	free(esc);
	free(path);
	return id;
}

/* The end of action id: 0 if it succeeded, else 1 with a line why. */
static int
action_result(long long id)
{
	struct octo_resp r = { 0 };
	char		 path[64], why[256] = "";
	const char	*state, *error;
	json_t		*ec;
	int		 rc;

	snprintf(path, sizeof(path), "actions/%lld", id);
	if ((rc = octo_call("GET", path, NULL, 0, &r)) != 0)
		return rc;
	state = jstr(r.body, "state", "?");
	if (strcmp(state, "succeeded") != 0) {
		ec = json_object_get(r.body, "exit_code");
		error = jstr(r.body, "error", NULL);
		if (error != NULL)
			snprintf(why, sizeof(why), ": %s", error);
		else if (json_is_integer(ec))
			snprintf(why, sizeof(why), ": exit code %lld",
			    (long long)json_integer_value(ec));
		octo_warnx("action %lld (%s of \"%s\") %s%s", id,
		    jstr(r.body, "kind", "?"), jstr(r.body, "deployment", "?"),
		    state, why);
		rc = EXIT_REFUSED;
	}
	octo_resp_free(&r);
	return rc;
}

/* Say on stderr that the server removed this action's output. */
static void
removed_note(json_t *o)
{
	fprintf(stderr, "octo: output removed after %lld days (on %s)\n",
	    (long long)json_integer_value(json_object_get(o, "after_days")),
	    jstr(o, "at", "?"));
}

static int
cmd_logs_exec(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "action", required_argument, NULL, 'a' },
		{ "name", required_argument, NULL, 'n' },
		{ "follow", no_argument, NULL, 'f' },
		{ "interval", required_argument, NULL, 'i' },
		{ "log-type", required_argument, NULL, 'l' },
		OCTO_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct octo_resp r = { 0 };
	const char	*name = NULL;
	char		 path[128];
	long		 id = -1, interval = 300;
	long long	 after = 0;
	json_t		*chunks, *c;
	size_t		 i, n;
	int		 ch, rc, follow = 0, finished, type = LT_ALL;
	struct lines	 ln = { .bol = 1, .last = NULL };
	const char	*stream;

	while ((ch = getopt_long(argc, argv, "a:n:fl:o:", lo, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (log_type(optarg, &type) == -1) {
				octo_warnx("-l takes stdout, stderr or all "
				    "(out, err, both), not \"%s\"", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'a':
			if (octo_parse_long(optarg, 1, (long)1 << 52, &id)
			    == -1) {
				octo_warnx("action \"%s\" is not an action id",
				    optarg);
				return EXIT_USAGE;
			}
			break;
		case 'n':
			name = optarg;
			break;
		case 'f':
			follow = 1;
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
	if (optind != argc || (id == -1) == (name == NULL)) {
		octo_warnx("logs needs one of -a ACTION or -n NAME");
		return cmd_usage(e);
	}
	if ((rc = octo_http_init()) != 0)
		return rc;
	if (name != NULL && (id = last_action(name, &rc)) == -1)
		return rc;
	for (;;) {
		snprintf(path, sizeof(path), "actions/%ld/output?after=%lld"
		    "&limit=%d", id, after, PAGE);
		octo_resp_free(&r);
		if ((rc = octo_call("GET", path, NULL, 0, &r)) != 0)
			break;
		chunks = json_object_get(r.body, "chunks");
		n = json_array_size(chunks);
		json_array_foreach(chunks, i, c) {
			stream = jstr(c, "stream", "stdout");
			if (!(type & (strcmp(stream, "stderr") == 0 ?
			    LT_ERR : LT_OUT)))
				continue;
			if (octo.json) {
				json_dumpf(c, stdout, JSON_COMPACT |
				    JSON_PRESERVE_ORDER);
				fputc('\n', stdout);
			} else
				put_chunk(&ln, type, stream, jstr(c, "data",
				    ""));
		}
		fflush(stdout);
		if (json_is_integer(json_object_get(r.body, "last_seq")) &&
		    json_integer_value(json_object_get(r.body, "last_seq")) >
		    after)
			after = json_integer_value(json_object_get(r.body,
			    "last_seq"));
		finished = json_is_true(json_object_get(r.body, "finished"));
		if (finished && !octo.json && after == 0 &&
		    json_is_object(json_object_get(r.body, "output_removed")))
			removed_note(json_object_get(r.body, "output_removed"));
		if (finished) {
			if (!ln.bol) {
				fputc('\n', stdout);
				ln.bol = 1;
			}
			rc = follow ? action_result(id) : EXIT_OK;
			break;
		}
		if (n >= PAGE)
			continue;	/* more is waiting */
		if (!follow)
			break;
		octo_sleep_ms(interval);
	}
	if (!ln.bol)
		fputc('\n', stdout);
	octo_resp_free(&r);
	return rc;
}
