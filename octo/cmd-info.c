/*
 * octo/cmd-info.c: one deployment: status, ttl, expiry and pin, links,
 * overrides (secrets as ***), its status timeline (GET
 * deployments/NAME/history) and its recent actions.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "octopod.h"
#include "extern.h"

static int	cmd_info_exec(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_info_entry = {
	.name = "info",
	.usage = "-n NAME [--actions N] [--history N]",
	.summary =
	    "show a deployment: status, expiry, links, overrides, timeline, "
	    "actions",
	.help =
	"  -n, --name NAME     the deployment (or as the argument)\n"
	"  --actions N         how many recent actions (default 5, 0: none)\n"
	"  --history N         how many of the last status changes (default\n"
	"                      10, 0: none)\n",
	.needs_server = 1,
	.exec = cmd_info_exec,
};

#define HISTORY_PAGE	500

static void
print_overrides(const char *title, json_t *list)
{
	json_t	*o;
	size_t	 i;
	char	 buf[8192];

	printf("%s:%s\n", title, json_array_size(list) ? "" : " none");
	json_array_foreach(list, i, o)
		printf("  %s\n", out_override(o, buf, sizeof(buf)));
}

/*
 * The output of the last failing check (server-side masked), indented,
 * with control characters but newline and tab shown as \xNN: it is a
 * script's text and must not drive the terminal.
 */
static void
print_check_failure(json_t *f)
{
	const unsigned char	*p;
	char			 t1[32];

	if (!json_is_object(f))
		return;
	printf("last failed check: exit %lld, %s\n  ", (long long)
	    json_integer_value(json_object_get(f, "exit_code")),
	    octo_time(jstr(f, "at", NULL), t1, sizeof(t1)));
	for (p = (const unsigned char *)jstr(f, "output", ""); *p != '\0'; p++)
		if (*p == '\n')
			fputs(p[1] != '\0' ? "\n  " : "", stdout);
		else if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			printf("\\x%02x", *p);
		else
			putchar(*p);
	putchar('\n');
}

/* The last n entries of the status timeline, oldest first. */
static void
print_history(json_t *hist, size_t n)
{
	struct octo_table *t;
	json_t		*h;
	size_t		 i, total = json_array_size(hist);
	char		 at[32];

	printf("status timeline%s:%s\n", total > n ? " (latest)" : "",
	    total ? "" : " none");
	if (total == 0)
		return;
	t = tbl_new(5, "  AT", "FROM", "TO", "REASON", "BY");
	for (i = total > n ? total - n : 0; i < total; i++) {
		h = json_array_get(hist, i);
		snprintf(at, sizeof(at), "  ");
		octo_time(jstr(h, "at", NULL), at + 2, sizeof(at) - 2);
		tbl_add(t, at, jstr(h, "from", NULL), jstr(h, "to", "?"),
		    jstr(h, "reason", NULL), jstr(h, "actor", NULL));
	}
	tbl_print(t, stdout);
	tbl_free(t);
}

/* ttl, expiry and pin. */
static void
print_expiry(json_t *d)
{
	json_t		*ttl = json_object_get(d, "ttl");
	char		 t1[32], dur[32];
	const char	*exp = jstr(d, "expires_at", NULL);
	int		 pinned = json_is_true(json_object_get(d, "pinned"));

	if (!json_is_integer(ttl))
		return;
	if (json_integer_value(ttl) == 0)
		printf("ttl:      none\n");
	else
		printf("ttl:      %s (%lld s)\n", octo_fmt_duration((long)
		    json_integer_value(ttl), dur, sizeof(dur)),
		    (long long)json_integer_value(ttl));
	if (exp == NULL)
		printf("expires:  never\n");
	else
		printf("expires:  %s%s\n", octo_time(exp, t1, sizeof(t1)),
		    pinned ? " (not while pinned)" : "");
	printf("pinned:   %s\n", pinned ? "yes" : "no");
}

static void
print_info(json_t *d, json_t *actions, json_t *hist, size_t nhist)
{
	struct octo_table *t;
	json_t		*l, *a, *ec;
	size_t		 i;
	char		 t1[32], t2[32], code[24];
	const char	*reason = jstr(d, "failure_reason", NULL);

	printf("name:     %s\n", jstr(d, "name", "?"));
	printf("tag:      %s\n", jstr(d, "tag", "-"));
	printf("status:   %s%s%s%s%s\n", jstr(d, "status", "?"),
	    reason ? " (" : "", reason ? reason : "", reason ? ")" : "",
	    json_is_true(json_object_get(d, "busy")) ? ", busy" : "");
	printf("version:  %lld\n",
	    (long long)json_integer_value(json_object_get(d, "version")));
	printf("created:  %s by %s\n", octo_time(jstr(d, "created_at", NULL),
	    t1, sizeof(t1)), jstr(d, "created_by", "-"));
	printf("updated:  %s by %s\n", octo_time(jstr(d, "updated_at", NULL),
	    t2, sizeof(t2)), jstr(d, "updated_by", "-"));
	if (jstr(d, "archived_at", NULL) != NULL)
		printf("archived: %s\n", octo_time(jstr(d, "archived_at",
		    NULL), t1, sizeof(t1)));
	print_expiry(d);
	l = json_object_get(d, "links");
	printf("links:%s\n", json_array_size(l) ? "" : " none");
	json_array_foreach(l, i, a)
		printf("  %s: %s\n", jstr(a, "name", "?"), jstr(a, "url", "?"));
	print_overrides("app overrides", json_object_get(d, "app_overrides"));
	print_overrides("deployment overrides",
	    json_object_get(d, "deployment_overrides"));
	print_check_failure(json_object_get(d, "last_check_failure"));
	if (hist != NULL)
		print_history(hist, nhist);
	if (actions == NULL)
		return;
	printf("recent actions:%s\n", json_array_size(actions) ? "" : " none");
	if (json_array_size(actions) == 0)
		return;
	t = tbl_new(6, "  ID", "KIND", "STATE", "EXIT", "BY", "QUEUED");
	json_array_foreach(actions, i, a) {
		snprintf(t1, sizeof(t1), "  %lld", (long long)
		    json_integer_value(json_object_get(a, "id")));
		ec = json_object_get(a, "exit_code");
		if (json_is_integer(ec))
			snprintf(code, sizeof(code), "%lld",
			    (long long)json_integer_value(ec));
		else
			snprintf(code, sizeof(code), "-");
		tbl_add(t, t1, jstr(a, "kind", "?"), jstr(a, "state", "?"),
		    code, jstr(a, "requested_by", NULL),
		    octo_time(jstr(a, "queued_at", NULL), t2, sizeof(t2)));
	}
	tbl_print(t, stdout);
	tbl_free(t);
}

/*
 * The whole status timeline of the deployment (escaped name esc), page
 * by page, into *out (a new array). Returns 0 or an exit code.
 */
static int
fetch_history(const char *esc, json_t **out)
{
	struct octo_resp r = { 0 };
	json_t		*all = json_array(), *page, *h;
	char		*path = NULL;
	long long	 after = 0;
	size_t		 i;
	int		 rc = EXIT_OK;

	for (;;) {
		free(path);
		if (asprintf(&path, "deployments/%s/history?after=%lld&"
		    "limit=%d", esc, after, HISTORY_PAGE) == -1) {
			path = NULL;
			rc = EXIT_CONN;
			break;
		}
		octo_resp_free(&r);
		if ((rc = octo_call("GET", path, NULL, 0, &r)) != 0)
			break;
		page = json_object_get(r.body, "history");
		json_array_foreach(page, i, h) {
			json_array_append(all, h);
			after = json_integer_value(json_object_get(h, "id"));
		}
		if (json_array_size(page) < HISTORY_PAGE)
			break;
	}
	octo_resp_free(&r);
	free(path);
	if (rc != EXIT_OK) {
		json_decref(all);
		all = NULL;
	}
	*out = all;
	return rc;
}

static int
cmd_info_exec(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "actions", required_argument, NULL, 'A' },
		{ "history", required_argument, NULL, 'H' },
		OCTO_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct octo_resp r = { 0 }, ra = { 0 };
	const char	*name = NULL;
	char		*esc = NULL, *path = NULL;
	long		 nact = 5, nhist = 10;
	json_t		*o, *hist = NULL;
	int		 ch, rc;

	while ((ch = getopt_long(argc, argv, "n:o:", lo, NULL)) != -1) {
		switch (ch) {
		case 'n':
			name = optarg;
			break;
		case 'A':
			if (octo_parse_long(optarg, 0, 100, &nact) == -1) {
				octo_warnx("--actions takes 0 to 100");
				return EXIT_USAGE;
			}
			break;
		case 'H':
			if (octo_parse_long(optarg, 0, 100000, &nhist) == -1) {
				octo_warnx("--history takes 0 to 100000");
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
	rc = EXIT_CONN;
	if ((esc = octo_escape(name)) == NULL ||
	    asprintf(&path, "deployments/%s", esc) == -1) {
		path = NULL;
		goto out;
	}
	if ((rc = octo_call("GET", path, NULL, 0, &r)) != 0)
		goto out;
	if (nact > 0) {
		free(path);
		if (asprintf(&path, "deployments/%s/actions?limit=%ld", esc,
		    nact) == -1) {
			path = NULL;
			rc = EXIT_CONN;
			goto out;
		}
		if ((rc = octo_call("GET", path, NULL, 0, &ra)) != 0)
			goto out;
	}
	if (nhist > 0 && (rc = fetch_history(esc, &hist)) != 0)
		goto out;
	if (octo.json) {
		json_t *acts = json_object_get(ra.body, "actions");

		o = json_pack("{s:O, s:o, s:O}", "deployment", r.body,
		    "actions", json_is_array(acts) ? json_incref(acts) :
		    json_array(), "history", hist ? hist : json_null());
		if (o != NULL)
			out_json(o);
		json_decref(o);
	} else
		print_info(r.body, ra.body ? json_object_get(ra.body,
		    "actions") : NULL, hist, (size_t)nhist);
out:
	json_decref(hist);
	octo_resp_free(&r);
	octo_resp_free(&ra);
	free(esc);
	free(path);
	return rc;
}
