/*
 * fcgi/run_expiry.c: the runner's expiry sweep (docs/runner.md). A deployment
 * with a ttl expires at its last create, update or restore + ttl; then,
 * unless it is pinned or busy, and only from Running or Failure, the
 * runner requests its archive as the user "expiry" would: status
 * ArchivePending, a history row and a queued archive action, in one
 * transaction, through the normal state machine. EXPIRY_WARNING seconds
 * before, the notifications script is told once (expiry_warned_at).
 * Several runners may sweep at once: rows are taken with SKIP LOCKED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

/* A pool job: run notifications --event expiry-warning (frees arg). */
static void
warn_job(PGconn **db, void *arg)
{
	json_t		*w = arg;
	const char	*name = json_string_value(json_object_get(w, "name"));
	const char	*extra[5];
	char		 why[512];

	(void)db;
	extra[0] = "--event";
	extra[1] = "expiry-warning";
	extra[2] = "--expires-at";
	extra[3] = json_string_value(json_object_get(w, "expires_at"));
	extra[4] = NULL;
	if (notify_script(name, json_string_value(json_object_get(w, "tag")),
	    extra, why, sizeof(why)) == 0)
		log_info("%s expires at %s: warned: %s", name, extra[3], why);
	json_decref(w);
}

/* Mark and warn the deployments whose expiry is near. */
static void
exp_warn(PGconn *db)
{
	PGresult	*r;
	char		 secs[24];
	const char	*p[1] = { secs };
	json_t		*w;
	int		 i;

	snprintf(secs, sizeof(secs), "%ld", setting_int("EXPIRY_WARNING"));
	r = db_exec(db, STMT_EXPIRY_WARN, 1, p);
	if (!db_accept(db, r, PGRES_TUPLES_OK, "find the expiry warnings")) {
		PQclear(r);
		return;
	}
	for (i = 0; i < PQntuples(r); i++) {
		w = json_pack("{s:s, s:s, s:s, s:s}", "name",
		    PQgetvalue(r, i, 0), "tag", PQgetvalue(r, i, 1), "status",
		    PQgetvalue(r, i, 2), "expires_at", PQgetvalue(r, i, 3));
		if (w != NULL && notify_push(warn_job, w) == -1)
			json_decref(w);
	}
	PQclear(r);
}

/* Request the archive of one locked, expired row i of r; 0 or -1. */
static int
exp_one(PGconn *db, PGresult *r, int i)
{
	const char	*id = PQgetvalue(r, i, 0), *name = PQgetvalue(r, i, 1);
	const char	*p[4];
	PGresult	*a;
	char		 actid[24];
	long long	 lid = strtoll(id, NULL, 10);

	p[0] = id;
	if (db_cmd(db, STMT_EXPIRY_ARCHIVE, 1, p,
	    "archive an expired deployment") == -1 ||
	    fsm_history(db, lid, name, PQgetvalue(r, i, 2), "ArchivePending",
	    "expiry", "expiry") == -1)
		return -1;
	p[1] = name;
	p[2] = PQgetvalue(r, i, 3);
	p[3] = PQgetvalue(r, i, 4);
	a = db_exec(db, STMT_EXPIRY_ACTION, 4, p);
	if (!db_accept(db, a, PGRES_TUPLES_OK, "queue the expiry archive") ||
	    PQntuples(a) != 1) {
		PQclear(a);
		return -1;
	}
	strlcpy_(actid, PQgetvalue(a, 0, 0), sizeof(actid));
	PQclear(a);
	if (event_action(db, actid) == -1 || event_deployment(db, id) == -1 ||
	    db_notify(db, CHAN_QUEUE, actid) == -1)
		return -1;
	log_info("%s expired at %s: archive requested (action %s)", name,
	    p[3], actid);
	return 0;
}

/*
 * Warn, then archive what has expired. Returns how many archive actions
 * were queued (the caller claims them), or -1 on a database error.
 */
int
exp_sweep(PGconn *db)
{
	PGresult	*r;
	int		 i, n, ok = 1;

	exp_warn(db);
	if (db_begin(db) == -1)
		return -1;
	r = db_exec(db, STMT_EXPIRY_DUE, 0, NULL);
	if (!db_accept(db, r, PGRES_TUPLES_OK, "find expired deployments")) {
		PQclear(r);
		db_rollback(db);
		return -1;
	}
	n = PQntuples(r);
	for (i = 0; i < n && ok; i++)
		ok = exp_one(db, r, i) == 0;
	PQclear(r);
	if (!ok || n == 0) {
		db_rollback(db);
		return ok ? 0 : -1;
	}
	if (db_commit(db) == -1)
		return -1;
	return n;
}
