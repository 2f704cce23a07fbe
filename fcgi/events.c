/*
 * fcgi/events.c: the events of docs/events.md, written in the transaction
 * of the change they describe.
 */
#include <stdlib.h>

#include "extern.h"

#define SQL_EVENT_DEP \
	"SELECT d.name, d.status, d.version, EXISTS (SELECT 1 FROM actions a" \
	" WHERE a.deployment_id = d.id AND a.state IN ('queued', 'running'))," \
	" d.failure_reason FROM deployments d WHERE d.id = $1"
#define SQL_EVENT_ACT \
	"SELECT id, deployment_name, kind, state, exit_code FROM actions" \
	" WHERE id = $1"

static const struct col dep_event_cols[] = {
	{ "name", COL_STR }, { "status", COL_STR }, { "version", COL_INT },
	{ "busy", COL_BOOL }, { "failure_reason", COL_STR }, { NULL, 0 },
};
static const struct col act_event_cols[] = {
	{ "id", COL_INT }, { "deployment", COL_STR }, { "kind", COL_STR },
	{ "state", COL_STR }, { "exit_code", COL_INT }, { NULL, 0 },
};

static int
event_row(PGconn *c, const char *sql, const char *id, const char *type,
    const struct col *cols)
{
	const char	*p[1] = { id };
	PGresult	*res = db_exec(c, sql, 1, p);
	json_t		*ev;

	if (!db_ok(res, PGRES_TUPLES_OK) || PQntuples(res) != 1) {
		PQclear(res);
		return -1;
	}
	ev = row_json(res, 0, cols);
	PQclear(res);
	if (ev == NULL)
		return -1;
	json_object_set_new(ev, "type", json_string(type));
	return db_event(c, ev);
}

/* Notify the state of deployment id (text); 0 or -1. */
int
event_deployment(PGconn *c, const char *id)
{
	return event_row(c, SQL_EVENT_DEP, id, "deployment", dep_event_cols);
}

/* Notify the state of action id (text); 0 or -1. */
int
event_action(PGconn *c, const char *id)
{
	return event_row(c, SQL_EVENT_ACT, id, "action", act_event_cols);
}

/* Notify that deployment name is gone; 0 or -1. */
int
event_removed(PGconn *c, const char *name)
{
	return db_event(c, json_pack("{s:s, s:s}", "type",
	    "deployment_removed", "name", name));
}
