/*
 * octo/cmd-list.c: list deployments, following next_cursor until the
 * end (or --limit). --sort name, created and updated is the server's
 * (sort=, order=); status and tag are sorted here, after every page.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "octopod.h"
#include "extern.h"

static int	cmd_list_exec(const struct cmd_entry *, int, char **);

const struct cmd_entry cmd_list_entry = {
	.name = "list",
	.alias = "ls",
	.usage =
	    "[--status S[,S...]] [--search TEXT] [--archived | --active] "
	    "[--sort KEY] [--desc] [--limit N]",
	.summary = "list deployments",
	.help =
	"  -s, --status S[,S]  only these statuses (Running, Failure, ...)\n"
	"  -q, --search TEXT   name, tag, override key or value contains TEXT\n"
	"  -a, --archived      only archived ones (Archived, CleanupFailed)\n"
	"  -A, --active        only the others\n"
	"  --sort KEY          name (default), created, updated (by the\n"
	"                      server), status or tag (by octo; ties by name)\n"
	"  --desc              in descending order\n"
	"  -l, --limit N       at most N (default: all, page by page)\n"
	"  --page-size N       deployments per request (1-500, default 500)\n",
	.needs_server = 1,
	.exec = cmd_list_exec,
};

#define PAGE_MAX	500

enum { OPT_SORT = 0x200, OPT_DESC };

/* The sort keys: by the server (its sort=) or by octo (a field). */
static const struct sort_key {
	const char	*name;
	const char	*server;	/* or NULL: sorted here */
	const char	*field;
} sort_keys[] = {
	{ .name = "name", .server = "name", .field = "name" },
	{ .name = "created", .server = "created", .field = "created_at" },
	{ .name = "updated", .server = "updated", .field = "updated_at" },
	{ .name = "status", .server = NULL, .field = "status" },
	{ .name = "tag", .server = NULL, .field = "tag" },
};

static const char	*sort_field;	/* for by_field */
static int		 sort_desc;

static int
by_field(const void *a, const void *b)
{
	json_t		*x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int		 c;

	c = strcmp(jstr(x, sort_field, ""), jstr(y, sort_field, ""));
	if (c == 0)
		c = strcmp(jstr(x, "name", ""), jstr(y, "name", ""));
	return sort_desc ? -c : c;
}

/* Sort the deployments of all by sort_field; 0, or -1 out of memory. */
static int
sort_here(json_t *all)
{
	json_t	**v;
	size_t	  i, n = json_array_size(all);

	if (n < 2)
		return 0;
	if ((v = calloc(n, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(all, i));
	qsort(v, n, sizeof(*v), by_field);
	json_array_clear(all);
	for (i = 0; i < n; i++)
		json_array_append_new(all, v[i]);
	free(v);
	return 0;
}

/* Append "&name=value" (value escaped) to the query q. */
static int
qadd(char **q, const char *name, const char *value)
{
	char	*esc, *n;

	if ((esc = octo_escape(value)) == NULL)
		return -1;
	if (asprintf(&n, "%s%s%s=%s", *q, **q ? "&" : "?", name, esc) == -1) {
		free(esc);
		return -1;
	}
	free(esc);
	free(*q);
	*q = n;
	return 0;
}

static int
cmd_list_exec(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "status", required_argument, NULL, 's' },
		{ "search", required_argument, NULL, 'q' },
		{ "archived", no_argument, NULL, 'a' },
		{ "active", no_argument, NULL, 'A' },
		{ "limit", required_argument, NULL, 'l' },
		{ "page-size", required_argument, NULL, 'P' },
		{ "sort", required_argument, NULL, OPT_SORT },
		{ "desc", no_argument, NULL, OPT_DESC },
		OCTO_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct octo_resp r = { 0 };
	struct octo_table *t = NULL;
	const char	*status = NULL, *search = NULL, *archived = NULL;
	char		*q = NULL, *path = NULL, *page = NULL, lim[24], tbuf[32],
			 st[160];
	long		 limit = 0, got = 0, want, pagesz = PAGE_MAX;
	json_t		*all = json_array(), *list, *d, *cursor;
	const struct sort_key *sk = &sort_keys[0];
	size_t		 i;
	int		 ch, rc = EXIT_USAGE;

	while ((ch = getopt_long(argc, argv, "s:q:aAl:o:", lo, NULL)) != -1) {
		switch (ch) {
		case 's':
			status = optarg;
			break;
		case 'q':
			search = optarg;
			break;
		case 'a':
			archived = "true";
			break;
		case 'A':
			archived = "false";
			break;
		case 'l':
			if (octo_parse_long(optarg, 1, 1000000, &limit) == -1) {
				octo_warnx("--limit takes a positive number");
				goto out;
			}
			break;
		case 'P':
			if (octo_parse_long(optarg, 1, PAGE_MAX, &pagesz)
			    == -1) {
				octo_warnx("--page-size takes 1 to %d",
				    PAGE_MAX);
				goto out;
			}
			break;
		case OPT_SORT:
			for (i = 0; i < sizeof(sort_keys) / sizeof(sort_keys[0]);
			    i++)
				if (strcmp(optarg, sort_keys[i].name) == 0)
					break;
			if (i == sizeof(sort_keys) / sizeof(sort_keys[0])) {
				octo_warnx("--sort takes name, created, updated, "
				    "status or tag, not \"%s\"", optarg);
				goto out;
			}
			sk = &sort_keys[i];
			break;
		case OPT_DESC:
			sort_desc = 1;
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
	rc = EXIT_CONN;
	if ((q = strdup("")) == NULL ||
	    (status != NULL && qadd(&q, "status", status) == -1) ||
	    (search != NULL && qadd(&q, "q", search) == -1) ||
	    (archived != NULL && qadd(&q, "archived", archived) == -1) ||
	    (sk->server != NULL && qadd(&q, "sort", sk->server) == -1) ||
	    (sk->server != NULL && sort_desc && qadd(&q, "order", "desc") ==
	    -1))
		goto out;
	cursor = NULL;
	for (;;) {
		/* sorted here: every page first, the limit after */
		want = sk->server != NULL && limit > 0 && limit - got < pagesz ?
		    limit - got : pagesz;
		snprintf(lim, sizeof(lim), "%ld", want);
		free(page);
		if ((page = strdup(q)) == NULL || qadd(&page, "limit", lim) ==
		    -1 || (cursor != NULL && qadd(&page, "cursor",
		    json_string_value(cursor)) == -1))
			goto out;
		free(path);
		if (asprintf(&path, "deployments%s", page) == -1) {
			path = NULL;
			goto out;
		}
		octo_resp_free(&r);
		if ((rc = octo_call("GET", path, NULL, 0, &r)) != 0)
			goto out;
		list = json_object_get(r.body, "deployments");
		json_array_foreach(list, i, d) {
			json_array_append(all, d);
			got++;
		}
		cursor = json_object_get(r.body, "next_cursor");
		if (!json_is_string(cursor) || (sk->server != NULL &&
		    limit > 0 && got >= limit))
			break;
	}
	if (sk->server == NULL) {
		sort_field = sk->field;
		if (sort_here(all) == -1) {
			octo_warnx("out of memory");
			rc = EXIT_CONN;
			goto out;
		}
		while (limit > 0 && json_array_size(all) > (size_t)limit)
			json_array_remove(all, json_array_size(all) - 1);
	}
	if (octo.json) {
		json_t *o = json_pack("{s:O}", "deployments", all);

		out_json(o);
		json_decref(o);
		goto out;
	}
	t = tbl_new(5, "NAME", "TAG", "STATUS", "UPDATED", "BY");
	json_array_foreach(all, i, d) {
		const char *reason = jstr(d, "failure_reason", NULL);

		snprintf(st, sizeof(st), "%s%s%s%s", jstr(d, "status", "?"),
		    reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
		if (json_is_true(json_object_get(d, "busy")))
			strncat(st, " busy", sizeof(st) - strlen(st) - 1);
		tbl_add(t, jstr(d, "name", "?"), jstr(d, "tag", NULL), st,
		    octo_time(jstr(d, "updated_at", NULL), tbuf,
		    sizeof(tbuf)), jstr(d, "updated_by", NULL));
	}
	if (tbl_rows(t) == 0)
		printf("no deployments\n");
	else
		tbl_print(t, stdout);
out:
	tbl_free(t);
	octo_resp_free(&r);
	json_decref(all);
	free(q);
	free(page);
	free(path);
	return rc;
}
