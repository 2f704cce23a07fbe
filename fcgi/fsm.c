/*
 * fcgi/fsm.c: the runner's side of the state machine of design section 4.
 * Every function here runs inside the caller's transaction and writes
 * the change, its status_history row and its pg_notify events together.
 * Status changes are collected in a JSON array "changes" ({name, tag,
 * old, new}) for the notifications script, run after the commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

static const char SQL_DEP_EVENT[] =
	"SELECT d.name, d.status, d.version, d.failure_reason, "
	"  EXISTS (SELECT 1 FROM actions a WHERE a.deployment_id = d.id "
	"    AND a.state IN ('queued', 'running')), d.tag "
	"FROM deployments d WHERE d.id = $1";
static const char SQL_SET_STATUS[] =
	"WITH old AS (SELECT id, status, failure_reason FROM deployments "
	"    WHERE id = $1 "
	"    FOR UPDATE) "
	"UPDATE deployments d SET status = $2, failure_reason = $3, "
	"  status_changed_at = now(), version = d.version + 1, "
	"  archived_at = CASE WHEN $2 = 'Archived' THEN now() "
	"    WHEN $2 IN ('CreatePending', 'Running') THEN NULL "
	"    ELSE d.archived_at END "
	"FROM old WHERE d.id = old.id "
	"RETURNING d.name, old.status, d.tag, old.failure_reason";
static const char SQL_HISTORY[] =
	"INSERT INTO status_history (deployment_id, deployment_name, "
	"  from_status, to_status, reason, actor) "
	"VALUES ($1, $2, $3, $4, $5, $6)";
static const char SQL_ACTION_END[] =
	"UPDATE actions SET state = $2, exit_code = $3, error = $4, "
	"  finished_at = now() "
	"WHERE id = $1 AND state = 'running' AND ($5::text IS NULL OR "
	"  runner = $5) "
	"RETURNING id, deployment_id, deployment_name, kind, state, exit_code";
static const char SQL_DEP_LOCK[] =
	"SELECT status, failure_reason FROM deployments WHERE id = $1 "
	"FOR UPDATE";
static const char SQL_DEP_DONE[] =
	"UPDATE deployments SET checked_at = NULL, check_claimed_until = NULL, "
	"  links = COALESCE($2::jsonb, links), "
	"  archived_at = CASE WHEN $3 = 'restore' THEN NULL "
	"    ELSE archived_at END "
	"WHERE id = $1";
static const char SQL_DEP_REASON[] =
	"UPDATE deployments SET failure_reason = $2 WHERE id = $1";
static const char SQL_DEP_DELETE[] =
	"DELETE FROM deployments WHERE id = $1";

static const char *const end_states[] = { "succeeded", "failed",
    "timed_out", "interrupted" };

/*
 * The "deployment" event of deployment id as it is now in this
 * transaction: a new JSON object, or NULL (gone or error).
 */
json_t *
fsm_event_deployment(PGconn *db, long long id)
{
	PGresult	*r;
	char		 ids[32];
	const char	*p[1] = { ids };
	json_t		*e = NULL;

	snprintf(ids, sizeof(ids), "%lld", id);
	r = rdb_exec(db, SQL_DEP_EVENT, 1, p);
	if (rdb_ok(r, PGRES_TUPLES_OK, "deployment event") &&
	    PQntuples(r) == 1)
		e = json_pack("{s:s, s:s, s:s, s:I, s:b, s:o}", "type",
		    "deployment", "name", PQgetvalue(r, 0, 0), "status",
		    PQgetvalue(r, 0, 1), "version",
		    (json_int_t)strtoll(PQgetvalue(r, 0, 2), NULL, 10), "busy",
		    *PQgetvalue(r, 0, 4) == 't', "failure_reason",
		    PQgetisnull(r, 0, 3) ? json_null() :
		    json_string(PQgetvalue(r, 0, 3)));
	PQclear(r);
	return e;
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
	return rdb_cmd(db, SQL_HISTORY, 6, p, "status history");
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
	r = rdb_exec(db, SQL_SET_STATUS, 3, p);
	if (!rdb_ok(r, PGRES_TUPLES_OK, "set status")) {
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
	if (rc == -1 || rdb_notify(db, CHAN_EVENTS,
	    fsm_event_deployment(db, id)) == -1)
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
	r = rdb_exec(db, SQL_ACTION_END, 5, p);
	if (!rdb_ok(r, PGRES_TUPLES_OK, "finish action")) {
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
	if (rdb_notify(db, CHAN_EVENTS, json_pack("{s:s, s:I, s:s, s:s, s:s, "
	    "s:o}", "type", "action", "id", (json_int_t)action, "deployment",
	    name, "kind", kind, "state", end_states[end], "exit_code",
	    exit_code >= 0 ? json_integer(exit_code) : json_null())) == -1) {
		PQclear(r);
		return -1;
	}
	PQclear(r);
	if (dep == 0)
		return 1;	/* the deployment was forgotten meanwhile */

	snprintf(depids, sizeof(depids), "%lld", dep);
	p[0] = depids;
	r = rdb_exec(db, SQL_DEP_LOCK, 1, p);
	if (!rdb_ok(r, PGRES_TUPLES_OK, "lock deployment")) {
		PQclear(r);
		return -1;
	}
	if (PQntuples(r) == 0) {
		PQclear(r);
		return 1;
	}

	if (end == ACT_OK && strcmp(kind, "cleanup") == 0) {
		const char *from = PQgetvalue(r, 0, 0);

		/* the event is made only when it is sent: rdb_notify takes it */
		if (fsm_history(db, 0, name, from, "Removed", "cleanup",
		    "runner") == -1 || rdb_cmd(db, SQL_DEP_DELETE, 1, p,
		    "delete deployment") == -1 || rdb_notify(db, CHAN_EVENTS,
		    json_pack("{s:s, s:s}", "type", "deployment_removed",
		    "name", name)) == -1)
			goto out;
		rc = 1;
	} else if (end == ACT_OK) {
		if (links != NULL &&
		    (linkstr = json_dumps(links, JSON_COMPACT)) == NULL)
			goto out;
		p[1] = linkstr;
		p[2] = kind;
		if (rdb_cmd(db, SQL_DEP_DONE, 3, p, "action done") == -1 ||
		    rdb_notify(db, CHAN_EVENTS,
		    fsm_event_deployment(db, dep)) == -1)
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
			if (rdb_cmd(db, SQL_DEP_REASON, 2, p, "reason") == -1 ||
			    rdb_notify(db, CHAN_EVENTS,
			    fsm_event_deployment(db, dep)) == -1)
				goto out;
		}
		rc = 1;
	}
out:
	PQclear(r);
	free(linkstr);
	return rc;
}
