/*
 * fcgi/resp_change.c: what every request that changes a deployment does
 * (resp_create.c, resp_update.c, resp_transition.c). Each validates,
 * then in one transaction locks the row, checks the state machine (design
 * section 4), writes the change, its history row and a queued action, and
 * notifies; it answers 202 with the deployment and the action. A refusal
 * changes nothing. config_check (create, update, restore) runs before that
 * transaction, bounded (chg_config_check_gate); the write then re-checks
 * that the deployment did not change meanwhile (409 version_conflict).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extern.h"

/*
 * Lock deployment name for this transaction. Returns 1 and fills *l, 0
 * when there is none, -1 on a database error (res in *err, caller clears).
 */
int
chg_lock(PGconn *c, const char *name, struct locked *l)
{
	const char	*p[1] = { name };
	PGresult	*res = db_exec(c, STMT_DEP_LOCK, 1, p);
	int		 rc;

	if (!db_accept(c, res, PGRES_TUPLES_OK, NULL))
		rc = -1;
	else if (PQntuples(res) == 0)
		rc = 0;
	else {
		strlcpy_(l->id, PQgetvalue(res, 0, 0), sizeof(l->id));
		strlcpy_(l->status, PQgetvalue(res, 0, 1), sizeof(l->status));
		l->version = strtol(PQgetvalue(res, 0, 2), NULL, 10);
		strlcpy_(l->tag, PQgetvalue(res, 0, 3), sizeof(l->tag));
		l->busy = PQgetvalue(res, 0, 4)[0] == 't';
		rc = 1;
	}
	PQclear(res);
	return rc;
}

int
chg_history(PGconn *c, const char *id, const char *name, const char *from,
    const char *to, const char *reason, const char *actor)
{
	const char *p[6] = { id, name, from, to, reason, actor };

	return db_cmd(c, STMT_HISTORY_INSERT, 6, p, NULL);
}

/*
 * Queue an action in the current transaction, with the history row
 * from -> to of its change (none when to is NULL), and notify the runners
 * and the listeners (the action's and the deployment's events): one
 * statement. request is the snapshot to keep. The new id goes to
 * idbuf. Returns 0 or -1.
 */
int
chg_queue_action_new(PGconn *c, const char *depid, const char *name,
    const char *from, const char *to, const char *kind, const char *actor,
    json_t *request, char *idbuf, size_t idlen)
{
	const char	*p[9];
	char		*snap;
	PGresult	*res;
	int		 ok;

	snap = json_dumps(request, JSON_COMPACT);
	json_decref(request);
	if (snap == NULL)
		return -1;
	p[0] = depid;
	p[1] = name;
	p[2] = kind;
	p[3] = actor;
	p[4] = snap;
	p[5] = CHAN_EVENTS;
	p[6] = CHAN_QUEUE;
	p[7] = from;
	p[8] = to;
	res = db_exec(c, STMT_ACTION_QUEUE, 9, p);
	free(snap);
	ok = db_accept(c, res, PGRES_TUPLES_OK, NULL) && PQntuples(res) == 1;
	if (ok)
		strlcpy_(idbuf, PQgetvalue(res, 0, 0), idlen);
	PQclear(res);
	return ok ? 0 : -1;
}

/* Overrides as a snapshot for the action record: secret values masked. */
json_t *
chg_masked(json_t *arr)
{
	json_t	*out = json_array(), *o, *m;
	size_t	 i;

	json_array_foreach(arr, i, o) {
		m = json_deep_copy(o);
		if (json_is_true(json_object_get(m, "secret")))
			json_object_set_new(m, "value", json_string("***"));
		json_array_append_new(out, m);
	}
	return out;
}

/* Deployment name as the API's object (caller decrefs), or NULL. */
json_t *
chg_deployment_read(PGconn *c, const char *name)
{
	const char	*p[1] = { name };
	PGresult	*res = db_exec(c, STMT_DEP_BY_NAME, 1, p);
	json_t		*dep = NULL;

	if (db_accept(c, res, PGRES_TUPLES_OK, NULL) && PQntuples(res) == 1)
		dep = deployment_json(res, 0);
	PQclear(res);
	return dep;
}

/* After the commit: answer 202 {deployment, action}. */
static void
answer_accepted(struct req *r, const char *name, const char *actid)
{
	const char	*p[1];
	PGresult	*res;
	json_t		*dep = chg_deployment_read(r->db, name), *act = NULL;

	if (actid != NULL) {
		p[0] = actid;
		res = db_exec(r->db, STMT_ACTION_BY_ID, 1, p);
		if (db_accept(r->db, res, PGRES_TUPLES_OK, NULL) && PQntuples(res) == 1)
			act = action_json(res, 0);
		PQclear(res);
	}
	resp_json_new(r, 202, json_pack("{s:o*, s:o*}", "deployment", dep,
	    "action", act));
}

/*
 * The end of every accepted change, in its transaction: the history row
 * (when to is not NULL), the queued action (its snapshot snap), the
 * deployment's event and the commit; then the 202 answer. Returns 0, or
 * -1 when the database failed: nothing is answered, the caller rolls back
 * and answers.
 */
int
chg_finish_new(struct req *r, const char *id, const char *name,
    const char *from, const char *to, const char *kind, json_t *snap)
{
	char	actid[24];

	if (chg_queue_action_new(r->db, id, name, from, to, kind, r->actor, snap,
	    actid, sizeof(actid)) == -1 ||
	    db_commit(r->db) == -1)
		return -1;
	log_info("%s: %s of %s queued as action %s", r->actor, kind, name,
	    actid);
	answer_accepted(r, name, actid);
	return 0;
}

void
chg_refuse_invalid(struct req *r, struct verr *e)
{
	resp_error_new(r, 400, "invalid", json_pack("{s:s}", "field", e->field),
	    "%s", e->msg);
}

static void
refuse_config(struct req *r, int rc, char *msg)
{
	if (rc == 1)
		resp_error_new(r, 422, "config_check_refused", NULL, "%s",
		    msg && *msg ? msg : "the configuration was refused");
	else
		resp_error_new(r, 500, "config_check_failed", NULL,
		    "config_check could not run: %s", msg ? msg : "unknown");
	free(msg);
}

/* config_checks running and waiting in this responder process */
static pthread_mutex_t	 cc_mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	 cc_cond = PTHREAD_COND_INITIALIZER;
static long		 cc_running, cc_waiting;

/*
 * Take a config_check slot: at most cap run at once; a request finding
 * them taken waits up to CONFIG_CHECK_WAIT seconds for one, if fewer than
 * max(THREADS - 1, cap + 1) threads are running or waiting already (so
 * that, with THREADS above CONFIG_CHECK_CONCURRENCY + 1, a thread always
 * stays free for other requests). Returns 0 with a slot, -1 without.
 */
static int
cc_enter(long cap, long threads)
{
	struct timespec	 until;
	long		 room = threads - 1 > cap + 1 ? threads - 1 : cap + 1;
	int		 rc = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += setting_int("CONFIG_CHECK_WAIT");
	pthread_mutex_lock(&cc_mutex);
	if (cc_running >= cap && cc_running + cc_waiting >= room)
		rc = -1;
	else {
		cc_waiting++;
		while (cc_running >= cap && rc == 0)
			if (pthread_cond_timedwait(&cc_cond, &cc_mutex,
			    &until) != 0 && cc_running >= cap)
				rc = -1;
		cc_waiting--;
		if (rc == 0)
			cc_running++;
	}
	pthread_mutex_unlock(&cc_mutex);
	return rc;
}

static void
cc_leave(void)
{
	pthread_mutex_lock(&cc_mutex);
	cc_running--;
	pthread_cond_signal(&cc_cond);
	pthread_mutex_unlock(&cc_mutex);
}

/* The bytes of the keys and values of the overrides in arr. */
static size_t
overrides_bytes(json_t *arr)
{
	json_t	*o;
	size_t	 i, n = 0;

	json_array_foreach(arr, i, o)
		n += json_string_length(json_object_get(o, "key")) +
		    json_string_length(json_object_get(o, "value"));
	return n;
}

/*
 * Run config_check on the overrides a change would leave (app, dep),
 * outside any transaction, within bounds: the overrides may hold at most
 * CONFIG_CHECK_MAX_BYTES (413 past it), and at most
 * CONFIG_CHECK_CONCURRENCY run at once in this process, never all of its
 * THREADS; a request waits a little for a slot (cc_enter), else 503 with
 * Retry-After: slow checks cannot hold every thread. Returns 0 when the change may go on, -1 when answered
 * (413, 503, 422, 500).
 */
int
chg_config_check_gate(struct req *r, const char *kind, const char *name,
    const char *tag, json_t *app, json_t *dep)
{
	long	 cap = setting_int("CONFIG_CHECK_CONCURRENCY");
	long	 threads = setting_int("THREADS");
	size_t	 max = (size_t)setting_int("CONFIG_CHECK_MAX_BYTES"), n;
	char	*msg = NULL;
	int	 rc;

	n = overrides_bytes(app) + overrides_bytes(dep);
	if (n > max) {
		resp_error_new(r, 413, "overrides_too_large", json_pack("{s:I, s:I}",
		    "bytes", (json_int_t)n, "max", (json_int_t)max),
		    "the overrides hold %zu bytes of keys and values, more "
		    "than %zu", n, max);
		return -1;
	}
	if (threads > 1 && cap > threads - 1)
		cap = threads - 1;
	if (cc_enter(cap, threads) == -1) {
		r->retry_after = 5;
		resp_error_new(r, 503, "config_check_busy", NULL, "%ld "
		    "config_checks are running already; try again shortly",
		    cap);
		return -1;
	}
	rc = scripts_config_check(kind, name, tag, app, dep, &msg);
	cc_leave();
	if (rc != 0) {
		refuse_config(r, rc, msg);
		return -1;
	}
	free(msg);
	return 0;
}

/* Add the overrides of arr under scope; 0 or -1. */
int
chg_insert_overrides(PGconn *c, const char *id, const char *scope,
    json_t *arr)
{
	const char	*p[5];
	PGresult	*res;
	json_t		*o;
	size_t		 i;

	json_array_foreach(arr, i, o) {
		p[0] = id;
		p[1] = scope;
		p[2] = json_string_value(json_object_get(o, "key"));
		p[3] = json_string_value(json_object_get(o, "value"));
		p[4] = json_is_true(json_object_get(o, "secret")) ? "t" : "f";
		res = db_exec(c, STMT_OVERRIDE_UPSERT, 5, p);
		if (!db_accept(c, res, PGRES_COMMAND_OK, NULL)) {
			PQclear(res);
			return -1;
		}
		PQclear(res);
	}
	return 0;
}

/* The version the client expects: If-Match, else body "version"; 0: none */
long
chg_expected_version(struct req *r, json_t *b, int *bad)
{
	const char	*h = http_header(r, "HTTP_IF_MATCH");
	char		 buf[32], *end;
	size_t		 n;
	long		 v;

	*bad = 0;
	if (h != NULL && *h != '\0') {
		if (strncmp(h, "W/", 2) == 0)
			h += 2;
		n = strlcpy_(buf, h[0] == '"' ? h + 1 : h, sizeof(buf));
		if (n >= sizeof(buf)) {
			*bad = 1;
			return 0;
		}
		if (n > 0 && buf[n - 1] == '"')
			buf[n - 1] = '\0';
		errno = 0;
		v = strtol(buf, &end, 10);
		if (errno != 0 || *end != '\0' || end == buf || v < 1) {
			*bad = 1;
			return 0;
		}
		return v;
	}
	if (b != NULL && json_is_integer(json_object_get(b, "version")))
		return (long)json_integer_value(json_object_get(b, "version"));
	return 0;
}

/*
 * Check a locked deployment against the transition: one of the allowed
 * statuses, not busy, the expected version. Answers 409 and returns -1
 * when refused.
 */
static int
check_transition(struct req *r, const char *name, struct locked *l,
    const char *const *allowed, long want)
{
	json_t	*al;
	size_t	 i;

	if (l->busy) {
		resp_error_new(r, 409, "busy", json_pack("{s:s}", "status",
		    l->status), "deployment \"%s\" is busy with another "
		    "action; try again when it is done", name);
		return -1;
	}
	if (want != 0 && want != l->version) {
		resp_error_new(r, 409, "version_conflict", json_pack("{s:I}",
		    "current_version", (json_int_t)l->version),
		    "deployment \"%s\" changed (version %ld, you had %ld); "
		    "reload and try again", name, l->version, want);
		return -1;
	}
	for (i = 0; allowed[i] != NULL; i++)
		if (strcmp(allowed[i], l->status) == 0)
			return 0;
	al = json_array();
	for (i = 0; allowed[i] != NULL; i++)
		json_array_append_new(al, json_string(allowed[i]));
	resp_error_new(r, 409, "forbidden_transition", json_pack("{s:s, s:o}",
	    "status", l->status, "allowed_from", al),
	    "not possible while deployment \"%s\" is %s", name, l->status);
	return -1;
}

/*
 * Open the transaction of a change: lock deployment name and check it
 * against the transition (check_transition). Returns 1 with l filled and
 * the transaction open; 0 when answered (404, 409) and rolled back; -1 on
 * a database error (the caller rolls back and answers).
 */
int
chg_begin(struct req *r, const char *name, struct locked *l,
    const char *const *allowed, long want)
{
	int	rc;

	if (db_begin(r->db) == -1 ||
	    (rc = chg_lock(r->db, name, l)) == -1)
		return -1;
	if (rc == 0) {
		db_rollback(r->db);
		resp_error_new(r, 404, "not_found", NULL,
		    "no deployment named \"%.63s\"", name);
		return 0;
	}
	if (check_transition(r, name, l, allowed, want) == -1) {
		db_rollback(r->db);
		return 0;
	}
	return 1;
}

/*
 * The current overrides of deployment id with the change applied, as
 * {"app": [...], "deployment": [...]} with secret values (for
 * config_check only). NULL on a database error.
 */
json_t *
chg_effective_overrides(PGconn *c, const char *id, json_t *b)
{
	const char	*p[1] = { id };
	const char	*scopes[2] = { "app", "deployment" };
	PGresult	*res = db_exec(c, STMT_OVERRIDES_ALL, 1, p);
	json_t		*eff, *arr, *chg, *o, *k;
	size_t		 i, j;
	int		 s, row;
	char		 field[32];

	if (!db_accept(c, res, PGRES_TUPLES_OK, NULL)) {
		PQclear(res);
		return NULL;
	}
	eff = json_object();
	for (s = 0; s < 2; s++) {
		arr = json_array();
		snprintf(field, sizeof(field), "%s_overrides", scopes[s]);
		chg = json_object_get(b, field);
		for (row = 0; row < PQntuples(res); row++) {
			const char *key = PQgetvalue(res, row, 1);
			int drop = 0;

			if (strcmp(PQgetvalue(res, row, 0), scopes[s]) != 0)
				continue;
			json_array_foreach(json_object_get(chg, "unset"), i, k)
				if (strcmp(json_string_value(k), key) == 0)
					drop = 1;
			json_array_foreach(json_object_get(chg, "set"), j, o)
				if (strcmp(json_string_value(json_object_get(o,
				    "key")), key) == 0)
					drop = 1;
			json_array_foreach(json_object_get(chg, "delete"), i, k)
				if (strcmp(json_string_value(k), key) == 0)
					drop = 1;
			if (!drop && PQgetvalue(res, row, 4)[0] == 't')
				json_array_append_new(arr, json_pack(
				    "{s:s, s:b}", "key", key, "deleted", 1));
			else if (!drop)
				json_array_append_new(arr, json_pack(
				    "{s:s, s:s, s:b}", "key", key, "value",
				    PQgetvalue(res, row, 2), "secret",
				    PQgetvalue(res, row, 3)[0] == 't'));
		}
		json_array_foreach(json_object_get(chg, "set"), j, o)
			json_array_append(arr, o);
		json_array_foreach(json_object_get(chg, "delete"), i, k)
			json_array_append_new(arr, json_pack("{s:O, s:b}", "key",
			    k, "deleted", 1));
		json_object_set_new(eff, scopes[s], arr);
	}
	PQclear(res);
	return eff;
}
