/*
 * fcgi/resp_actions.c: reading actions, their output and the status history.
 * Actions and history outlive their deployment (kept by name).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define PAGE_DEFAULT	50
#define PAGE_MAX	500
#define OUTPUT_PAGE	1000

/* The columns of ACT_SELECT, in order. */
static const struct col act_cols[] = {
	{ "id", COL_INT }, { "deployment", COL_STR }, { "kind", COL_STR },
	{ "state", COL_STR }, { "requested_by", COL_STR },
	{ "exit_code", COL_INT }, { "queued_at", COL_STR },
	{ "started_at", COL_STR }, { "finished_at", COL_STR },
	{ "error", COL_STR }, { "args_style", COL_STR },
	{ "duration_ms", COL_INT }, { "output_bytes", COL_INT },
	{ "request", COL_JSON }, { "argv", COL_JSON },
	{ "output_removed_at", COL_STR }, { "output_kept_days", COL_INT },
	{ NULL, 0 },
};

json_t *
action_json(PGresult *res, int row)
{
	return row_json(res, row, act_cols);
}

/*
 * A non-negative integer query parameter: 1 found (in *out), 0 absent,
 * -1 after answering 400.
 */
static int
query_num(struct req *r, const char *key, long max, long *out)
{
	char	buf[24];
	int	rc = query_get(r->query, key, buf, sizeof(buf));

	if (rc == 0)
		return 0;
	if (rc == -1 || buf[0] == '\0' || strspn(buf, "0123456789") !=
	    strlen(buf) || strlen(buf) > 18 ||
	    (*out = strtol(buf, NULL, 10)) > max) {
		resp_error_new(r, 400, "invalid", json_pack("{s:s}", "field", key),
		    "%s must be an integer from 0 to %ld", key, max);
		return -1;
	}
	return 1;
}

/* An id from the path: digits only, else 404. */
static int
path_id(struct req *r, const char *s)
{
	if (*s == '\0' || strspn(s, "0123456789") != strlen(s) ||
	    strlen(s) > 18) {
		resp_error_new(r, 404, "not_found", NULL, "no action \"%.32s\"", s);
		return -1;
	}
	return 0;
}

/* GET deployments/NAME/actions?limit=&cursor= (newest first) */
void
api_actions(struct req *r, const char **args)
{
	const char	*p[3];
	char		 lim[24], cur[24];
	long		 limit = PAGE_DEFAULT, before;
	int		 rc, n, i;
	PGresult	*res;
	json_t		*list, *next = json_null();

	if ((rc = query_num(r, "limit", PAGE_MAX, &limit)) == -1)
		return;
	if (rc == 1 && limit < 1)
		limit = 1;
	if ((rc = query_num(r, "cursor", 999999999999999999L, &before)) == -1)
		return;
	p[0] = args[0];
	p[1] = NULL;
	if (rc == 1) {
		snprintf(cur, sizeof(cur), "%ld", before);
		p[1] = cur;
	}
	snprintf(lim, sizeof(lim), "%ld", limit + 1);
	p[2] = lim;
	if ((res = http_query(r, STMT_ACTIONS_OF, 3, p)) == NULL)
		return;
	n = PQntuples(res);
	if (n == 0 && p[1] == NULL) {
		PQclear(res);
		p[0] = args[0];
		if ((res = http_query(r, STMT_EXISTS_NAME, 1, p)) == NULL)
			return;
		if (PQntuples(res) == 0)
			resp_error_new(r, 404, "not_found", NULL,
			    "no deployment named \"%.63s\"", args[0]);
		else
			resp_json_new(r, 200, json_pack("{s:[], s:n}", "actions",
			    "next_cursor"));
		PQclear(res);
		return;
	}
	list = json_array();
	for (i = 0; i < n && i < limit; i++)
		json_array_append_new(list, action_json(res, i));
	if (n > limit)
		next = json_string(PQgetvalue(res, (int)limit - 1, 0));
	PQclear(res);
	resp_json_new(r, 200, json_pack("{s:o, s:o}", "actions", list,
	    "next_cursor", next));
}

/* GET actions/ID */
void
api_action(struct req *r, const char **args)
{
	const char	*p[1] = { args[0] };
	PGresult	*res;

	if (path_id(r, args[0]) == -1)
		return;
	if ((res = http_query(r, STMT_ACTION_BY_ID, 1, p)) == NULL)
		return;
	if (PQntuples(res) == 0)
		resp_error_new(r, 404, "not_found", NULL, "no action %s", args[0]);
	else
		resp_json_new(r, 200, action_json(res, 0));
	PQclear(res);
}

/*
 * GET actions/ID/output?after=SEQ&limit=N: chunks after SEQ, the last seq
 * seen and whether the action has finished (no more will come).
 */
void
api_output(struct req *r, const char **args)
{
	const char	*p[3];
	char		 after[24] = "0", lim[24];
	long		 a = 0, limit = OUTPUT_PAGE;
	int		 rc, n, i, done;
	PGresult	*res;
	json_t		*chunks, *removed;

	if (path_id(r, args[0]) == -1)
		return;
	if ((rc = query_num(r, "after", 2147483647L, &a)) == -1)
		return;
	snprintf(after, sizeof(after), "%ld", a);
	if (query_num(r, "limit", OUTPUT_PAGE, &limit) == -1)
		return;
	if (limit < 1)
		limit = 1;
	snprintf(lim, sizeof(lim), "%ld", limit);

	p[0] = args[0];
	if ((res = http_query(r, STMT_OUTPUT_STATE, 1, p)) == NULL)
		return;
	if (PQntuples(res) == 0) {
		PQclear(res);
		resp_error_new(r, 404, "not_found", NULL, "no action %s", args[0]);
		return;
	}
	done = PQgetvalue(res, 0, 0)[0] != 't';
	removed = PQgetisnull(res, 0, 1) ? json_null() : json_pack("{s:s, s:I}",
	    "at", PQgetvalue(res, 0, 1), "after_days",
	    (json_int_t)strtoll(PQgetvalue(res, 0, 2), NULL, 10));
	PQclear(res);

	p[1] = after;
	p[2] = lim;
	if ((res = http_query(r, STMT_OUTPUT, 3, p)) == NULL) {
		json_decref(removed);
		return;
	}
	n = PQntuples(res);
	chunks = json_array();
	for (i = 0; i < n; i++) {
		json_array_append_new(chunks, json_pack("{s:I, s:s, s:s, s:s}",
		    "seq", (json_int_t)strtoll(PQgetvalue(res, i, 0), NULL, 10),
		    "stream", PQgetvalue(res, i, 1),
		    "data", PQgetvalue(res, i, 2),
		    "at", PQgetvalue(res, i, 3)));
		a = strtol(PQgetvalue(res, i, 0), NULL, 10);
	}
	PQclear(res);
	/* finished means nothing more after this page */
	resp_json_new(r, 200, json_pack("{s:I, s:o, s:I, s:b, s:o}", "action",
	    (json_int_t)strtoll(args[0], NULL, 10), "chunks", chunks,
	    "last_seq", (json_int_t)a, "finished", done && n < limit,
	    "output_removed", removed));
}

/* GET deployments/NAME/history?after=&limit= (oldest first) */
void
api_history(struct req *r, const char **args)
{
	const char	*p[3];
	char		 after[24], lim[24];
	long		 a, limit = PAGE_MAX;
	int		 rc, n, i;
	PGresult	*res;
	json_t		*list;

	if ((rc = query_num(r, "after", 999999999999999999L, &a)) == -1)
		return;
	p[0] = args[0];
	p[1] = NULL;
	if (rc == 1) {
		snprintf(after, sizeof(after), "%ld", a);
		p[1] = after;
	}
	if (query_num(r, "limit", PAGE_MAX, &limit) == -1)
		return;
	if (limit < 1)
		limit = 1;
	snprintf(lim, sizeof(lim), "%ld", limit);
	p[2] = lim;
	if ((res = http_query(r, STMT_HISTORY, 3, p)) == NULL)
		return;
	n = PQntuples(res);
	if (n == 0 && p[1] == NULL) {
		PQclear(res);
		resp_error_new(r, 404, "not_found", NULL,
		    "no deployment named \"%.63s\"", args[0]);
		return;
	}
	list = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(list, json_pack("{s:I, s:s?, s:s, s:s?,"
		    " s:s, s:s}",
		    "id", (json_int_t)strtoll(PQgetvalue(res, i, 5), NULL, 10),
		    "from", PQgetisnull(res, i, 0) ? NULL :
		    PQgetvalue(res, i, 0),
		    "to", PQgetvalue(res, i, 1),
		    "reason", PQgetisnull(res, i, 2) ? NULL :
		    PQgetvalue(res, i, 2),
		    "actor", PQgetvalue(res, i, 3),
		    "at", PQgetvalue(res, i, 4)));
	PQclear(res);
	resp_json_new(r, 200, json_pack("{s:o}", "history", list));
}
