/*
 * fcgi/resp_deployments.c: reading deployments: ping, project, the list with
 * filters and cursor pagination, one deployment.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define LIST_DEFAULT	50
#define LIST_MAX	500

/* The columns of DEP_SELECT, in order; overrides (7) by overrides_add. */
static const struct col dep_cols[] = {
	{ "name", COL_STR }, { "tag", COL_STR }, { "status", COL_STR },
	{ "failure_reason", COL_STR }, { "busy", COL_BOOL },
	{ "version", COL_INT }, { "links", COL_JSON },
	{ "overrides", COL_SKIP }, { "created_at", COL_TIME },
	{ "updated_at", COL_TIME }, { "archived_at", COL_TIME },
	{ "status_changed_at", COL_TIME }, { "checked_at", COL_TIME },
	{ "created_by", COL_STR }, { "updated_by", COL_STR },
	{ "ttl", COL_INT }, { "expires_at", COL_TIME }, { "pinned", COL_BOOL },
	{ "id", COL_SKIP }, { NULL, 0 },
};
#define DEP_NCOLS	19
#define DEP_COL_OVERRIDES	7

/*
 * Read "<bytes>:" at *pp (at most e): the byte count, and *pp past the
 * colon; -1 when malformed or longer than what is left.
 */
static long
lp_len(const char **pp, const char *e)
{
	const char	*p = *pp;
	long		 n = 0;

	if (p >= e || *p < '0' || *p > '9')
		return -1;
	while (p < e && *p >= '0' && *p <= '9' && n < 100000000L)
		n = n * 10 + (*p++ - '0');
	if (p >= e || *p != ':' || n > e - p - 1)
		return -1;
	*pp = p + 1;
	return n;
}

/* A new JSON string of s[0..len), or NULL when it is not UTF-8. */
static json_t *
lp_string(const char *s, long len)
{
	return utf8_valid(s, (size_t)len) ? json_stringn_nocheck(s,
	    (size_t)len) : NULL;
}

/*
 * Append the overrides of the length-prefixed column s (see DEP_COLUMNS
 * in queries.h) to app and dep as {"key","value","secret"} objects, a
 * secret without its value, a removed default as {"key","deleted":true}.
 * Returns 0, or -1 when s is malformed (what came before stays).
 */
static int
overrides_add(const char *s, size_t len, json_t *app, json_t *dep)
{
	const char	*p = s, *e = s + len;
	json_t		*o, *k, *v;
	long		 n;
	char		 scope;
	int		 secret, deleted;

	while (p < e) {
		if (e - p < 2 || (p[0] != 'a' && p[0] != 'd') ||
		    (p[1] != 't' && p[1] != 'f' && p[1] != 'x'))
			return -1;
		scope = p[0];
		secret = p[1] == 't';
		deleted = p[1] == 'x';
		p += 2;
		if ((n = lp_len(&p, e)) == -1 || (k = lp_string(p, n)) == NULL)
			return -1;
		p += n;
		v = NULL;
		if (!secret && !deleted && ((n = lp_len(&p, e)) == -1 ||
		    (v = lp_string(p, n)) == NULL)) {
			json_decref(k);
			return -1;
		}
		p += secret || deleted ? 0 : n;
		if ((o = json_object()) == NULL) {
			json_decref(k);
			json_decref(v);
			return -1;
		}
		json_object_set_new_nocheck(o, "key", k);
		if (v != NULL)
			json_object_set_new_nocheck(o, "value", v);
		json_object_set_new_nocheck(o, "secret", json_boolean(secret));
		if (deleted)
			json_object_set_new_nocheck(o, "deleted", json_true());
		json_array_append_new(scope == 'a' ? app : dep, o);
	}
	return 0;
}

/*
 * A row of DEP_SELECT as the API's deployment object (caller decrefs;
 * NULL when out of memory): overrides split into app_overrides and
 * deployment_overrides, secret values absent.
 */
json_t *
deployment_json(PGresult *res, int row)
{
	json_t	*d = row_json(res, row, dep_cols), *app, *dep;

	if (d == NULL)
		return NULL;
	app = json_array();
	dep = json_array();
	if (app != NULL && dep != NULL &&
	    overrides_add(PQgetvalue(res, row, DEP_COL_OVERRIDES),
	    (size_t)PQgetlength(res, row, DEP_COL_OVERRIDES), app, dep) == -1)
		log_err("a deployment's overrides column is malformed");
	json_object_set_new_nocheck(d, "app_overrides", app);
	json_object_set_new_nocheck(d, "deployment_overrides", dep);
	return d;
}

void
api_ping(struct req *r, const char **args)
{
	PGresult *res;

	(void)args;
	res = db_exec(r->db, STMT_PING, 0, NULL);
	if (!db_accept(r->db, res, PGRES_TUPLES_OK, NULL))
		resp_db_error(r);
	else
		resp_json_new(r, 200, json_pack("{s:b, s:s}", "ok", 1, "version",
		    OCTOPOD_VERSION));
	PQclear(res);
}

void
api_project(struct req *r, const char **args)
{
	(void)args;
	resp_json_new(r, 200, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s,"
	    " s:{s:s, s:s}, s:s, s:s, s:{s:i, s:i, s:i, s:i}, s:{s:i, s:i, s:i, s:i, s:i}}",
	    "name", setting_str("PROJECT_NAME"),
	    "base_domain", setting_str("BASE_DOMAIN"),
	    "namespace", setting_str("NAMESPACE"),
	    "version", OCTOPOD_VERSION,
	    "args_style", setting_str("CONTROL_SCRIPT_ARGS"),
	    "actor", r->actor,
	    "you", "name", r->actor, "role", role_name(r->role),
	    "door", r->door == DOOR_POWER ? "power" : "ui",
	    /* how the ui door knows people: basic or oidc (Sign out) */
	    "auth", r->door == DOOR_POWER ? "certificate" :
	    setting_str("UI_AUTH"),
	    "settings",
	    "status_check_interval", (int)setting_int("STATUS_CHECK_INTERVAL"),
	    "status_update_timeout", (int)setting_int("STATUS_UPDATE_TIMEOUT"),
	    "archive_retention", (int)setting_int("ARCHIVE_RETENTION"),
	    "control_script_timeout", (int)setting_int("CONTROL_SCRIPT_TIMEOUT"),
	    "limits",
	    "name", NAME_MAX_LEN, "tag", TAG_MAX_LEN, "key", KEY_MAX_LEN,
	    "value", VALUE_MAX_LEN, "overrides", OVERRIDES_MAX));
}

void
api_get(struct req *r, const char **args)
{
	const char	*p[1] = { args[0] };
	PGresult	*res;

	res = db_exec(r->db, STMT_DEP_BY_NAME, 1, p);
	if (!db_accept(r->db, res, PGRES_TUPLES_OK, NULL))
		resp_db_error(r);
	else if (PQntuples(res) == 0)
		resp_error_new(r, 404, "not_found", NULL,
		    "no deployment named \"%.63s\"", args[0]);
	else {
		json_t *d = deployment_json(res, 0);

		PQclear(res);
		/* last_check_failure: what the last failing check said */
		res = db_exec(r->db, STMT_DEP_CHECK_FAILURE, 1, p);
		if (!db_accept(r->db, res, PGRES_TUPLES_OK, NULL)) {
			json_decref(d);
			resp_db_error(r);
		} else if (d != NULL) {
			json_object_set_new(d, "last_check_failure",
			    PQntuples(res) == 0 ? json_null() : json_pack(
			    "{s:s, s:i, s:s}", "output", PQgetvalue(res, 0, 0),
			    "exit_code", atoi(PQgetvalue(res, 0, 1)), "at",
			    PQgetvalue(res, 0, 2)));
			resp_json_new(r, 200, d);
		} else
			resp_json_new(r, 200, d);
	}
	PQclear(res);
}

static const char *const statuses[] = { "CreatePending", "Running",
    "Failure", "UpdatePending", "ArchivePending", "Archived",
    "CleanupFailed", NULL };

/* a C0 control character or DEL in s */
static int
has_ctrl(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/* "Running,Failure" -> "{Running,Failure}"; 0, or -1 for an unknown one */
static int
status_array(const char *in, char *out, size_t outlen)
{
	char		 buf[256], *tok, *save = NULL;
	size_t		 i;
	int		 first = 1;

	if (strlcpy_(buf, in, sizeof(buf)) >= sizeof(buf))
		return -1;
	strlcpy_(out, "{", outlen);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; statuses[i] != NULL; i++)
			if (strcmp(statuses[i], tok) == 0)
				break;
		if (statuses[i] == NULL)
			return -1;
		if (!first)
			strncat(out, ",", outlen - strlen(out) - 1);
		strncat(out, tok, outlen - strlen(out) - 1);
		first = 0;
	}
	if (first)
		return -1;
	strncat(out, "}", outlen - strlen(out) - 1);
	return 0;
}

/*
 * A cursor is opaque to clients: the sort letter, then the hex of
 * "key\x1fid". Decode into key and id; 0, or -1 when malformed.
 */
static int
cursor_decode(const char *cur, char sort, char *key, size_t keylen,
    char *id, size_t idlen)
{
	char	 raw[512], *sep;
	size_t	 n, i;

	n = strlen(cur);
	if (n < 3 || cur[0] != sort || (n - 1) % 2 != 0 ||
	    (n - 1) / 2 >= sizeof(raw))
		return -1;
	for (i = 0; i < (n - 1) / 2; i++) {
		unsigned v;
		if (sscanf(cur + 1 + 2 * i, "%2x", &v) != 1 || v == 0)
			return -1;
		raw[i] = (char)v;
	}
	raw[i] = '\0';
	if ((sep = strchr(raw, '\x1f')) == NULL)
		return -1;
	*sep++ = '\0';
	if (*sep == '\0' || strspn(sep, "0123456789") != strlen(sep) ||
	    strlen(sep) > 18)
		return -1;
	if (strlcpy_(key, raw, keylen) >= keylen ||
	    strlcpy_(id, sep, idlen) >= idlen)
		return -1;
	return 0;
}

static json_t *
cursor_encode(char sort, const char *key, const char *id)
{
	char	 out[1100];
	size_t	 o = 0;
	const char *p;

	out[o++] = sort;
	for (p = key; *p && o + 3 < sizeof(out) - 40; p++, o += 2)
		snprintf(out + o, 3, "%02x", (unsigned char)*p);
	o += snprintf(out + o, sizeof(out) - o, "1f");
	for (p = id; *p && o + 3 < sizeof(out); p++, o += 2)
		snprintf(out + o, 3, "%02x", (unsigned char)*p);
	out[o] = '\0';
	return json_string(out);
}

/*
 * GET deployments?status=&q=&archived=&sort=name|created|updated
 *   &order=asc|desc&limit=&cursor=
 */
void
api_list(struct req *r, const char **args)
{
	char		 status[256], arr[300], q[256], archived[8], sort[16],
			 order[8], lim[8], cur[1100], ckey[512], cid[24], tot[8];
	const char	*p[6];
	enum stmt	 st;
	char		 sortc;
	long		 limit = LIST_DEFAULT;
	int		 desc = 0, n, i, rc;
	PGresult	*res;
	json_t		*list, *next = json_null(), *total = NULL;
	int		 want_total;

	(void)args;
	p[0] = p[1] = p[2] = p[3] = p[4] = NULL;
	if ((rc = query_get(r->query, "status", status, sizeof(status))) == -1
	    || (rc == 1 && status[0] != '\0' &&
	    status_array(status, arr, sizeof(arr)) == -1)) {
		resp_error_new(r, 400, "invalid", json_pack("{s:s}", "field",
		    "status"), "status must be a comma-separated list of: "
		    "CreatePending, Running, Failure, UpdatePending, "
		    "ArchivePending, Archived, CleanupFailed");
		return;
	}
	if (rc == 1 && status[0] != '\0')
		p[0] = arr;
	/* no control characters: the search text keeps one field a line */
	if ((rc = query_get(r->query, "q", q, sizeof(q))) == -1 ||
	    (rc == 1 && has_ctrl(q))) {
		resp_error_new(r, 400, "invalid", json_pack("{s:s}", "field", "q"),
		    "q must be UTF-8 text of at most 255 bytes, without"
		    " control characters");
		return;
	}
	if (rc == 1 && q[0] != '\0')
		p[1] = q;
	if ((rc = query_get(r->query, "archived", archived,
	    sizeof(archived))) == -1 || (rc == 1 &&
	    strcmp(archived, "true") != 0 && strcmp(archived, "false") != 0)) {
		resp_error_new(r, 400, "invalid", json_pack("{s:s}", "field",
		    "archived"), "archived must be true or false");
		return;
	}
	if (rc == 1)
		p[2] = archived;
	if ((rc = query_get(r->query, "limit", lim, sizeof(lim))) == -1 ||
	    (rc == 1 && ((limit = strtol(lim, NULL, 10)) < 1 ||
	    limit > LIST_MAX || strspn(lim, "0123456789") != strlen(lim)))) {
		resp_error_new(r, 400, "invalid", json_pack("{s:s}", "field",
		    "limit"), "limit must be an integer from 1 to %d",
		    LIST_MAX);
		return;
	}
	if ((rc = query_get(r->query, "order", order, sizeof(order))) == -1 ||
	    (rc == 1 && strcmp(order, "asc") != 0 &&
	    strcmp(order, "desc") != 0)) {
		resp_error_new(r, 400, "invalid", json_pack("{s:s}", "field",
		    "order"), "order must be asc or desc");
		return;
	}
	desc = rc == 1 && strcmp(order, "desc") == 0;
	if ((rc = query_get(r->query, "sort", sort, sizeof(sort))) == -1)
		strlcpy_(sort, "?", sizeof(sort));
	else if (rc == 0)
		strlcpy_(sort, "name", sizeof(sort));
	if (strcmp(sort, "name") == 0) {
		sortc = 'n';
		st = desc ? STMT_LIST_NAME_DESC : STMT_LIST_NAME_ASC;
	} else if (strcmp(sort, "created") == 0) {
		sortc = 'c';
		st = desc ? STMT_LIST_CREATED_DESC : STMT_LIST_CREATED_ASC;
	} else if (strcmp(sort, "updated") == 0) {
		sortc = 'u';
		st = desc ? STMT_LIST_UPDATED_DESC : STMT_LIST_UPDATED_ASC;
	} else {
		resp_error_new(r, 400, "invalid", json_pack("{s:s}", "field",
		    "sort"), "sort must be name, created or updated");
		return;
	}
	if ((rc = query_get(r->query, "cursor", cur, sizeof(cur))) == -1 ||
	    (rc == 1 && cursor_decode(cur, sortc, ckey, sizeof(ckey), cid,
	    sizeof(cid)) == -1)) {
		resp_error_new(r, 400, "invalid", json_pack("{s:s}", "field",
		    "cursor"), "cursor is not one this list gave out (with the "
		    "same sort)");
		return;
	}
	if (rc == 1) {
		p[3] = ckey;
		p[4] = cid;
	}
	if ((rc = query_get(r->query, "total", tot, sizeof(tot))) == -1 ||
	    (rc == 1 && strcmp(tot, "true") != 0 && strcmp(tot, "false") != 0)) {
		resp_error_new(r, 400, "invalid", json_pack("{s:s}", "field",
		    "total"), "total must be true or false");
		return;
	}
	want_total = rc == 1 && strcmp(tot, "true") == 0;
	snprintf(lim, sizeof(lim), "%ld", limit + 1);
	p[5] = lim;

	/*
	 * The list runs unprepared: planned with its parameters, a search
	 * uses the trigram index (sql/004_search.sql) and a page its index
	 * in the list's order. A prepared statement soon settles on a generic
	 * plan (its $n IS NULL OR ... tests are then unknown) that cannot:
	 * a search scanned, and below ~10,000 deployments, where the generic
	 * plan's estimate comes near the custom one's, every page read and
	 * sorted all of them (1,000 deployments: 1.9 ms a page against 1.0 ms
	 * at 10,000).
	 */
	if (want_total) {
		res = db_exec_text(r->db, STMT_LIST_COUNT, 3, p);
		if (!db_accept(r->db, res, PGRES_TUPLES_OK, NULL)) {
			resp_db_error(r);
			PQclear(res);
			return;
		}
		total = json_integer(strtoll(PQgetvalue(res, 0, 0), NULL, 10));
		PQclear(res);
	}

	/* a search by name: the page from an index in name order (sql/009) */
	if (p[1] != NULL && sortc == 'n')
		res = db_exec_text(r->db, desc ? STMT_SEARCH_NAME_DESC :
		    STMT_SEARCH_NAME_ASC, 6, p);
	else
		res = db_exec_text(r->db, st, 6, p);
	/* a cursor key that is no timestamp: bad input, not a failure */
	if (res != NULL && PQresultStatus(res) == PGRES_FATAL_ERROR &&
	    !db_is_down(r->db) && p[3] != NULL &&
	    strcmp(PQresultErrorField(res, PG_DIAG_SQLSTATE) ?
	    PQresultErrorField(res, PG_DIAG_SQLSTATE) : "", "22007") == 0) {
		resp_error_new(r, 400, "invalid", json_pack("{s:s}", "field",
		    "cursor"), "cursor is not valid");
		PQclear(res);
		json_decref(total);
		return;
	}
	if (!db_accept(r->db, res, PGRES_TUPLES_OK, NULL)) {
		resp_db_error(r);
		PQclear(res);
		json_decref(total);
		return;
	}
	n = PQntuples(res);
	list = json_array();
	for (i = 0; i < n && i < limit; i++)
		json_array_append_new(list, deployment_json(res, i));
	if (n > limit)
		next = cursor_encode(sortc, PQgetvalue(res, (int)limit - 1,
		    DEP_NCOLS), PQgetvalue(res, (int)limit - 1, DEP_NCOLS - 1));
	PQclear(res);
	list = json_pack("{s:o, s:o}", "deployments", list, "next_cursor",
	    next);
	if (total != NULL)
		json_object_set_new(list, "total", total);
	resp_json_new(r, 200, list);
}
