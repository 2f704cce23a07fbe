/*
 * fcgi/changes.c: the requests that change a deployment. Each validates,
 * then in one transaction locks the row, checks the state machine (design
 * section 4), writes the change, its history row and a queued action, and
 * notifies; it answers 202 with the deployment and the action. A refusal
 * changes nothing. config_check (create, update, restore) runs before that
 * transaction, bounded (config_check_gate); the write then re-checks that
 * the deployment did not change meanwhile (409 version_conflict).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extern.h"

/* What a locked deployment row tells (SQL_DEP_LOCK). */
struct locked {
	char	id[24];
	char	status[32];
	long	version;
	char	tag[TAG_MAX_LEN + 1];
	int	busy;
};

/*
 * Lock deployment name for this transaction. Returns 1 and fills *l, 0
 * when there is none, -1 on a database error (res in *err, caller clears).
 */
static int
lock_deployment(PGconn *c, const char *name, struct locked *l)
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

static int
history(PGconn *c, const char *id, const char *name, const char *from,
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
static int
queue_action_new(PGconn *c, const char *depid, const char *name,
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
static json_t *
masked(json_t *arr)
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
static json_t *
deployment_read(PGconn *c, const char *name)
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
	json_t		*dep = deployment_read(r->db, name), *act = NULL;

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
static int
finish_change_new(struct req *r, const char *id, const char *name,
    const char *from, const char *to, const char *kind, json_t *snap)
{
	char	actid[24];

	if (queue_action_new(r->db, id, name, from, to, kind, r->actor, snap,
	    actid, sizeof(actid)) == -1 ||
	    db_commit(r->db) == -1)
		return -1;
	log_info("%s: %s of %s queued as action %s", r->actor, kind, name,
	    actid);
	answer_accepted(r, name, actid);
	return 0;
}

static void
refuse_invalid(struct req *r, struct verr *e)
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
static int
config_check_gate(struct req *r, const char *kind, const char *name,
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
static int
insert_overrides(PGconn *c, const char *id, const char *scope, json_t *arr)
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

/* POST deployments */
void
api_create(struct req *r, const char **args)
{
	json_t		*b = NULL, *app, *dep, *snap, *v;
	struct verr	 e;
	struct locked	 l;
	const char	*name, *tag, *p[5];
	char		 id[24], ttl[24];
	PGresult	*res;
	int		 rc;

	(void)args;
	if (json_body(r, &b) == -1)
		return;
	if (valid_create(b, &e) == -1 || ovr_create(b, &e) == -1) {
		refuse_invalid(r, &e);
		goto out;
	}
	name = json_string_value(json_object_get(b, "name"));
	tag = json_string_value(json_object_get(b, "tag"));
	app = json_object_get(b, "app_overrides");
	dep = json_object_get(b, "deployment_overrides");
	if (app == NULL)
		json_object_set_new(b, "app_overrides", app = json_array());
	if (dep == NULL)
		json_object_set_new(b, "deployment_overrides",
		    dep = json_array());

	/* a taken name is refused before config_check runs (and again by
	 * the insert, should another create win meanwhile) */
	if (db_begin(r->db) == -1 ||
	    (rc = lock_deployment(r->db, name, &l)) == -1)
		goto dberr;
	db_rollback(r->db);
	if (rc == 1) {
		resp_error_new(r, 409, "exists", NULL,
		    "a deployment named \"%s\" already exists", name);
		goto out;
	}
	if (config_check_gate(r, "create", name, tag, app, dep) == -1)
		goto out;

	if (db_begin(r->db) == -1)
		goto dberr;
	v = json_object_get(b, "ttl");
	snprintf(ttl, sizeof(ttl), "%lld", v != NULL ?
	    (long long)json_integer_value(v) :
	    (long long)setting_int("DEFAULT_TTL"));
	p[0] = name;
	p[1] = tag;
	p[2] = r->actor;
	p[3] = ttl;
	p[4] = json_is_true(json_object_get(b, "pinned")) ? "t" : "f";
	res = db_exec(r->db, STMT_DEP_INSERT, 5, p);
	if (!db_accept(r->db, res, PGRES_TUPLES_OK, NULL)) {
		PQclear(res);
		goto dberr;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		db_rollback(r->db);
		resp_error_new(r, 409, "exists", NULL,
		    "a deployment named \"%s\" already exists", name);
		goto out;
	}
	strlcpy_(id, PQgetvalue(res, 0, 0), sizeof(id));
	PQclear(res);

	if (insert_overrides(r->db, id, "app", app) == -1 ||
	    insert_overrides(r->db, id, "deployment", dep) == -1)
		goto dberr;
	snap = json_pack("{s:s, s:o, s:o}", "tag", tag, "app_overrides",
	    masked(app), "deployment_overrides", masked(dep));
	if (finish_change_new(r, id, name, NULL, "CreatePending", "create",
	    snap) == -1)
		goto dberr;
	goto out;
dberr:
	db_rollback(r->db);
	resp_db_error(r);
out:
	json_decref(b);
}

/* The version the client expects: If-Match, else body "version"; 0: none */
static long
expected_version(struct req *r, json_t *b, int *bad)
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
static int
begin_change(struct req *r, const char *name, struct locked *l,
    const char *const *allowed, long want)
{
	int	rc;

	if (db_begin(r->db) == -1 ||
	    (rc = lock_deployment(r->db, name, l)) == -1)
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
static json_t *
effective_overrides(PGconn *c, const char *id, json_t *b)
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

/* PATCH deployments/NAME */
void
api_update(struct req *r, const char **args)
{
	static const char *const allowed[] = { "Running", "Failure", NULL };
	const char	*name = args[0], *tag, *scopes[2] = { "app",
			    "deployment" }, *p[3];
	json_t		*b = NULL, *eff = NULL, *snap, *chg, *o;
	struct verr	 e;
	struct locked	 l;
	char		 field[32], ttl[24];
	long		 want;
	int		 rc, bad, s;
	size_t		 i;

	if (json_body(r, &b) == -1)
		return;
	if (valid_update(b, &e) == -1) {
		refuse_invalid(r, &e);
		goto out;
	}
	want = expected_version(r, b, &bad);
	if (bad) {
		resp_error_new(r, 400, "invalid", json_pack("{s:s}", "field",
		    "If-Match"), "If-Match must be the deployment's version");
		goto out;
	}
	tag = json_string_value(json_object_get(b, "tag"));

	/* read what config_check needs, let go of the row, check, then
	 * lock again: the version must be the one that was checked */
	if ((rc = begin_change(r, name, &l, allowed, want)) == -1)
		goto dberr;
	if (rc == 0)
		goto out;
	if ((rc = ovr_update(r->db, l.id, l.tag, b, &e)) == -2)
		goto dberr;
	if (rc == -1) {
		db_rollback(r->db);
		refuse_invalid(r, &e);
		goto out;
	}
	if ((eff = effective_overrides(r->db, l.id, b)) == NULL)
		goto dberr;
	db_rollback(r->db);
	if (config_check_gate(r, "update", name, tag ? tag : l.tag,
	    json_object_get(eff, "app"), json_object_get(eff, "deployment"))
	    == -1)
		goto out;
	if ((rc = begin_change(r, name, &l, allowed, l.version)) == -1)
		goto dberr;
	if (rc == 0)
		goto out;

	snap = json_object();
	if (tag != NULL)
		json_object_set_new(snap, "tag", json_string(tag));
	json_object_set_new(snap, "previous_tag", json_string(l.tag));
	for (s = 0; s < 2; s++) {
		snprintf(field, sizeof(field), "%s_overrides", scopes[s]);
		if ((chg = json_object_get(b, field)) == NULL)
			continue;
		if (insert_overrides(r->db, l.id, scopes[s],
		    json_object_get(chg, "set")) == -1) {
			json_decref(snap);
			goto dberr;
		}
		json_array_foreach(json_object_get(chg, "unset"), i, o) {
			p[0] = l.id;
			p[1] = scopes[s];
			p[2] = json_string_value(o);
			if (db_cmd(r->db, STMT_OVERRIDE_DELETE, 3, p, NULL) == -1) {
				json_decref(snap);
				goto dberr;
			}
		}
		/* a default's key removed: Octopod's deleted override */
		json_array_foreach(json_object_get(chg, "delete"), i, o) {
			p[0] = l.id;
			p[1] = scopes[s];
			p[2] = json_string_value(o);
			if (db_cmd(r->db, STMT_OVERRIDE_REMOVE_DEFAULT, 3, p, NULL) == -1) {
				json_decref(snap);
				goto dberr;
			}
		}
		json_object_set_new(snap, field, json_pack("{s:o, s:o, s:O*}",
		    "set", masked(json_object_get(chg, "set")), "unset",
		    json_object_get(chg, "unset") ? json_incref(
		    json_object_get(chg, "unset")) : json_array(), "delete",
		    json_object_get(chg, "delete")));
	}
	{
		const char *pc[4] = { l.id, "UpdatePending", r->actor, tag };
		const char *pt[2] = { l.id, NULL };
		json_t *v = json_object_get(b, "ttl");

		if (v != NULL) {
			snprintf(ttl, sizeof(ttl), "%lld",
			    (long long)json_integer_value(v));
			pt[1] = ttl;
			json_object_set_new(snap, "ttl", json_copy(v));
		}
		if (db_cmd(r->db, STMT_DEP_CHANGE, 4, pc, NULL)
		    == -1 || db_cmd(r->db, STMT_DEP_EXPIRY_RESET, 2, pt, NULL) == -1) {
			json_decref(snap);
			goto dberr;
		}
	}
	if (finish_change_new(r, l.id, name, l.status, "UpdatePending", "update",
	    snap) == -1)
		goto dberr;
	goto out;
dberr:
	db_rollback(r->db);
	resp_db_error(r);
out:
	json_decref(eff);
	json_decref(b);
}

/* The transitions that take no body. */
static const struct transition {
	const char	*kind;
	const char	*allowed[3];
	const char	*to;		/* NULL: status unchanged */
} transitions[] = {
	{ "archive", { "Running", "Failure", NULL }, "ArchivePending" },
	{ "restore", { "Archived", NULL, NULL }, "CreatePending" },
	{ "cleanup", { "Archived", "CleanupFailed", NULL }, NULL },
};

/* POST deployments/NAME/archive|restore|cleanup */
void
api_transition(struct req *r, const char **args)
{
	const struct transition	*t = NULL;
	const char		*name = args[0], *verb, *p[4];
	struct locked		 l;
	json_t			*eff = NULL;
	long			 want;
	int			 rc, bad;
	size_t			 i;

	verb = strrchr(r->path, '/') + 1;
	for (i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++)
		if (strcmp(transitions[i].kind, verb) == 0)
			t = &transitions[i];
	if (t == NULL) {
		resp_error_new(r, 404, "not_found", NULL, "no such route");
		return;
	}
	want = expected_version(r, NULL, &bad);
	if (bad) {
		resp_error_new(r, 400, "invalid", json_pack("{s:s}", "field",
		    "If-Match"), "If-Match must be the deployment's version");
		return;
	}
	if ((rc = begin_change(r, name, &l, t->allowed, want)) == -1)
		goto dberr;
	if (rc == 0)
		return;
	if (strcmp(t->kind, "restore") == 0) {
		/* as for an update: config_check with the row let go */
		json_t *none = json_object();

		eff = effective_overrides(r->db, l.id, none);
		json_decref(none);
		if (eff == NULL)
			goto dberr;
		db_rollback(r->db);
		rc = config_check_gate(r, "restore", name, l.tag,
		    json_object_get(eff, "app"),
		    json_object_get(eff, "deployment"));
		json_decref(eff);
		if (rc == -1)
			return;
		if ((rc = begin_change(r, name, &l, t->allowed, l.version))
		    == -1)
			goto dberr;
		if (rc == 0)
			return;
	}
	p[0] = l.id;
	p[1] = t->to;
	p[2] = r->actor;
	p[3] = NULL;
	if (db_cmd(r->db, STMT_DEP_CHANGE, 4, p, NULL) == -1)
		goto dberr;
	p[1] = NULL;	/* restore: the expiry starts again, same ttl */
	if (strcmp(t->kind, "restore") == 0 && db_cmd(r->db,
	    STMT_DEP_EXPIRY_RESET, 2, p, NULL) == -1)
		goto dberr;
	if (finish_change_new(r, l.id, name, l.status, t->to, t->kind,
	    json_pack("{s:s}", "tag", l.tag)) == -1)
		goto dberr;
	return;
dberr:
	db_rollback(r->db);
	resp_db_error(r);
}

/*
 * POST deployments/NAME/pin|unpin: keep a deployment from expiring (or
 * not). No action and no script: the answer is 200 {deployment}.
 */
void
api_pin(struct req *r, const char **args)
{
	const char	*name = args[0], *p[3];
	PGresult	*res;
	json_t		*dep;
	int		 pin;

	pin = strcmp(strrchr(r->path, '/') + 1, "pin") == 0;
	p[0] = name;
	p[1] = pin ? "t" : "f";
	p[2] = r->actor;
	if (db_begin(r->db) == -1)
		goto dberr;
	res = db_exec(r->db, STMT_DEP_PIN, 3, p);
	if (!db_accept(r->db, res, PGRES_TUPLES_OK, NULL)) {
		PQclear(res);
		goto dberr;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		db_rollback(r->db);
		resp_error_new(r, 404, "not_found", NULL,
		    "no deployment named \"%.63s\"", name);
		return;
	}
	if (event_deployment(r->db, PQgetvalue(res, 0, 0)) == -1) {
		PQclear(res);
		goto dberr;
	}
	PQclear(res);
	if (db_commit(r->db) == -1)
		goto dberr;
	log_info("%s %s %s", r->actor, pin ? "pinned" : "unpinned", name);
	if ((dep = deployment_read(r->db, name)) != NULL)
		resp_json_new(r, 200, json_pack("{s:o}", "deployment", dep));
	else
		resp_db_error(r);
	return;
dberr:
	db_rollback(r->db);
	resp_db_error(r);
}

/* DELETE deployments/NAME (power): forget the record, run no script. */
void
api_forget(struct req *r, const char **args)
{
	static const char *const any[] = { "CreatePending", "Running",
	    "Failure", "UpdatePending", "ArchivePending", "Archived",
	    "CleanupFailed", NULL };
	const char	*name = args[0], *p[1];
	struct locked	 l;
	long		 want;
	int		 rc;

	/* a bad If-Match counts as none here, as before */
	want = expected_version(r, NULL, &rc);
	if ((rc = begin_change(r, name, &l, any, want)) == -1)
		goto dberr;
	if (rc == 0)
		return;
	p[0] = l.id;
	if (history(r->db, l.id, name, l.status, "Forgotten", "forget",
	    r->actor) == -1 ||
	    db_cmd(r->db, STMT_DEP_DELETE, 1, p, NULL) == -1 ||
	    event_removed(r->db, name) == -1 ||
	    db_commit(r->db) == -1)
		goto dberr;
	log_info("%s forgot %s", r->actor, name);
	resp_json_new(r, 200, json_pack("{s:s}", "forgotten", name));
	return;
dberr:
	db_rollback(r->db);
	resp_db_error(r);
}

/*
 * POST clean_archive (power) {older_than?: seconds, dry_run?: bool}:
 * queue cleanup for every deployment archived longer than that.
 */
void
api_clean_archive(struct req *r, const char **args)
{
	json_t		*b = NULL, *v, *names = json_array(), *acts = json_array();
	long		 older = setting_int("ARCHIVE_RETENTION");
	int		 dry = 0, i, n;
	char		 obuf[24], actid[24];
	const char	*p[4];
	PGresult	*res = NULL;

	(void)args;
	if (r->bodylen > 0) {
		if (json_body(r, &b) == -1)
			goto out;
		v = json_object_get(b, "older_than");
		if (v != NULL && (!json_is_integer(v) ||
		    json_integer_value(v) < 0 ||
		    json_integer_value(v) > 315360000)) {
			resp_error_new(r, 400, "invalid", json_pack("{s:s}",
			    "field", "older_than"), "older_than must be a "
			    "number of seconds from 0 to 315360000");
			goto out;
		}
		if (v != NULL)
			older = (long)json_integer_value(v);
		v = json_object_get(b, "dry_run");
		if (v != NULL && !json_is_boolean(v)) {
			resp_error_new(r, 400, "invalid", json_pack("{s:s}",
			    "field", "dry_run"), "dry_run must be true or false");
			goto out;
		}
		dry = json_is_true(v);
	}
	snprintf(obuf, sizeof(obuf), "%ld", older);
	p[0] = obuf;
	if (db_begin(r->db) == -1)
		goto dberr;
	res = db_exec(r->db, STMT_CLEAN_CANDIDATES, 1, p);
	if (!db_accept(r->db, res, PGRES_TUPLES_OK, NULL))
		goto dberr;
	n = PQntuples(res);
	for (i = 0; i < n; i++) {
		const char *id = PQgetvalue(res, i, 0);
		const char *name = PQgetvalue(res, i, 1);

		json_array_append_new(names, json_string(name));
		if (dry)
			continue;
		p[0] = id;
		p[1] = NULL;
		p[2] = r->actor;
		p[3] = NULL;
		if (db_cmd(r->db, STMT_DEP_CHANGE, 4, p, NULL) == -1
		    || queue_action_new(r->db, id, name, NULL, NULL, "cleanup",
		    r->actor, json_pack("{s:s, s:I}", "set the failure reason",
		    "clean_archive", "older_than", (json_int_t)older), actid,
		    sizeof(actid)) == -1)
			goto dberr;
		json_array_append_new(acts, json_integer(strtoll(actid, NULL,
		    10)));
	}
	PQclear(res);
	res = NULL;
	if (dry)
		db_rollback(r->db);
	else if (db_commit(r->db) == -1)
		goto dberr;
	log_info("%s: clean_archive older than %ld s: %zu deployment(s)%s",
	    r->actor, older, json_array_size(names), dry ? " (dry run)" : "");
	resp_json_new(r, 200, json_pack("{s:b, s:I, s:O, s:O}", "dry_run", dry,
	    "older_than", (json_int_t)older, "deployments", names, "actions",
	    acts));
	goto out;
dberr:
	PQclear(res);
	db_rollback(r->db);
	resp_db_error(r);
out:
	json_decref(names);
	json_decref(acts);
	json_decref(b);
}
