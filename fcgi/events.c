/*
 * fcgi/events.c: the events of docs/events.md, written in the transaction
 * of the change they describe.
 */
#include <stdlib.h>

#include "extern.h"

/*
 * One statement each: the row of $1 as its event (row_to_json writes what
 * json_dumps(JSON_COMPACT) would), notified on channel $2.
 */
#define SQL_EVENT_DEP \
	"SELECT pg_notify($2, row_to_json(e)::text) FROM (SELECT d.name," \
	" d.status, d.version, EXISTS (SELECT 1 FROM actions a" \
	" WHERE a.deployment_id = d.id AND a.state IN ('queued', 'running'))" \
	" AS busy, d.failure_reason, 'deployment' AS type FROM deployments d" \
	" WHERE d.id = $1) e"
#define SQL_EVENT_ACT \
	"SELECT pg_notify($2, row_to_json(e)::text) FROM (SELECT id," \
	" deployment_name AS deployment, kind, state, exit_code," \
	" 'action' AS type FROM actions WHERE id = $1) e"

/* Notify the event of row id; 0, or -1 (no such row, database error). */
static int
event_row(PGconn *c, const char *sql, const char *id)
{
	const char	*p[2] = { id, CHAN_EVENTS };
	PGresult	*res = db_exec(c, sql, 2, p);
	int		 ok;

	ok = db_ok(res, PGRES_TUPLES_OK) && PQntuples(res) == 1;
	PQclear(res);
	return ok ? 0 : -1;
}

/* Notify the state of deployment id (text); 0 or -1. */
int
event_deployment(PGconn *c, const char *id)
{
	return event_row(c, SQL_EVENT_DEP, id);
}

/* Notify the state of action id (text); 0 or -1. */
int
event_action(PGconn *c, const char *id)
{
	return event_row(c, SQL_EVENT_ACT, id);
}

/* Notify that deployment name is gone; 0 or -1. */
int
event_removed(PGconn *c, const char *name)
{
	return db_event(c, json_pack("{s:s, s:s}", "type",
	    "deployment_removed", "name", name));
}
