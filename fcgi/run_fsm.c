/*
 * fcgi/run_fsm.c: the runner's side of the state machine of design section 4.
 * Every function here runs inside the caller's transaction and writes
 * the change, its status_history row and its pg_notify events together.
 * Status changes are collected in a JSON array "changes" ({name, tag,
 * old, new}) for the notifications script, run after the commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

static const char *const end_states[] = { "succeeded", "failed",
    "timed_out", "interrupted" };

/* The "deployment" event of deployment id as it is now; 0 or -1. */
static int
event_dep_id(PGconn *db, long long id)
{
	char ids[32];

	snprintf(ids, sizeof(ids), "%lld", id);
	return event_deployment(db, ids);
}

/* One status_history row. Returns 0 or -1. */
int
fsm_history(PGconn *db, long long id, const char *name, const char *from,
    const char *to, const char *reason, const char *actor)
{
	char		 ids[32];
	const char	*p[6];

	snprintf(ids, sizeof(ids), "%lld", id);
	p[0] = id > 0 ? ids : NULL;
	p[1] = name;
	p[2] = from;
	p[3] = to;
	p[4] = reason;
	p[5] = actor;
	return db_cmd(db, STMT_HISTORY_INSERT, 6, p, "write the status history");
}

/* A change for notifications; the reasons say which Failure (or NULL). */
static void
change_add(json_t *changes, const char *name, const char *tag,
    const char *from, const char *to, const char *from_reason,
    const char *to_reason)
{
	if (changes != NULL)
		json_array_append_new(changes, json_pack("{s:s, s:s, s:s, s:s, "
		    "s:s*, s:s*}", "name", name, "tag", tag, "old", from, "new",
		    to, "old_reason", from_reason, "new_reason", to_reason));
}

/*
 * Move deployment id to status "to" (reason is its failure_reason, NULL
 * but for Failure/CleanupFailed): bumps version, writes history, notifies.
 * Appends the change to changes (may be NULL). Returns 1 when changed,
 * 0 when there is no such deployment, -1 on error.
 */
static int
set_status(PGconn *db, long long id, const char *to, const char *reason,
    const char *actor, json_t *changes)
{
	PGresult	*r;
	char		 ids[32];
	const char	*p[3] = { ids, to, reason };
	int		 rc;

	snprintf(ids, sizeof(ids), "%lld", id);
	r = db_exec(db, STMT_DEP_SET_STATUS, 3, p);
	if (!db_accept(db, r, PGRES_TUPLES_OK, "set the status")) {
		PQclear(r);
		return -1;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	rc = fsm_history(db, id, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1), to,
	    reason, actor);
	change_add(changes, PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 2),
	    PQgetvalue(r, 0, 1), to, PQgetisnull(r, 0, 3) ? NULL :
	    PQgetvalue(r, 0, 3), reason);
	PQclear(r);
	if (rc == -1 || event_dep_id(db, id) == -1)
		return -1;
	return 1;
}

int
fsm_set_status(PGconn *db, long long id, const char *to, const char *reason,
    const char *actor, json_t *changes)
{
	return set_status(db, id, to, reason, actor, changes);
}

/*
 * Finish running action "action" as "end" and resolve its deployment,
 * in the caller's transaction. runner, when not NULL, must be the one
 * that holds it (else someone declared it dead meanwhile: nothing is
 * changed). links (borrowed, may be NULL) are stored on success.
 * Returns 1 when finished here, 0 when it was no longer ours, -1 on
 * error (roll back).
 */
int
fsm_action_end(PGconn *db, long long action, enum act_end end,
    int exit_code, const char *error, const char *reason, json_t *links,
    const char *runner, json_t *changes)
{
	PGresult	*r;
	char		 ids[32], codes[16], depids[32], kind[16], *linkstr = NULL;
	char		 name[NAME_MAX_LEN + 1];
	const char	*p[5];
	long long	 dep;
	int		 rc = -1;

	snprintf(ids, sizeof(ids), "%lld", action);
	snprintf(codes, sizeof(codes), "%d", exit_code);
	p[0] = ids;
	p[1] = end_states[end];
	p[2] = exit_code >= 0 ? codes : NULL;
	p[3] = error;
	p[4] = runner;
	r = db_exec(db, STMT_ACTION_END, 5, p);
	if (!db_accept(db, r, PGRES_TUPLES_OK, "record the end of the action")) {
		PQclear(r);
		return -1;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 0;
	}
	dep = PQgetisnull(r, 0, 1) ? 0 : strtoll(PQgetvalue(r, 0, 1), NULL, 10);
	strlcpy_(name, PQgetvalue(r, 0, 2), sizeof(name));
	strlcpy_(kind, PQgetvalue(r, 0, 3), sizeof(kind));
	if (event_action(db, ids) == -1) {
		PQclear(r);
		return -1;
	}
	PQclear(r);
	if (dep == 0)
		return 1;	/* the deployment was forgotten meanwhile */

	snprintf(depids, sizeof(depids), "%lld", dep);
	p[0] = depids;
	r = db_exec(db, STMT_DEP_LOCK_ID, 1, p);
	if (!db_accept(db, r, PGRES_TUPLES_OK, "lock the deployment")) {
		PQclear(r);
		return -1;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 1;
	}

	if (end == ACT_OK && strcmp(kind, "cleanup") == 0) {
		const char *from = PQgetvalue(r, 0, 0);

		if (fsm_history(db, 0, name, from, "Removed", "cleanup",
		    "runner") == -1 || db_cmd(db, STMT_DEP_DELETE, 1, p,
		    "delete the deployment") == -1 ||
		    event_removed(db, name) == -1)
			goto out;
		rc = 1;
	} else if (end == ACT_OK) {
		if (links != NULL &&
		    (linkstr = json_dumps(links, JSON_COMPACT)) == NULL)
			goto out;
		p[1] = linkstr;
		p[2] = kind;
		if (db_cmd(db, STMT_DEP_ACTION_DONE, 3, p,
		    "record the action on the deployment") == -1 ||
		    event_dep_id(db, dep) == -1)
			goto out;
		rc = 1;
	} else {
		const char *to = strcmp(kind, "cleanup") == 0 ?
		    "CleanupFailed" : "Failure";

		if (strcmp(PQgetvalue(r, 0, 0), to) != 0) {
			if (set_status(db, dep, to, reason, "runner",
			    changes) == -1)
				goto out;
		} else {
			p[1] = reason;
			if (db_cmd(db, STMT_DEP_SET_REASON, 2, p,
			    "set the failure reason") == -1 ||
			    event_dep_id(db, dep) == -1)
				goto out;
		}
		rc = 1;
	}
out:
	PQclear(r);
	free(linkstr);
	return rc;
}
