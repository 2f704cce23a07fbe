/*
 * fcgi/db_events.c: the events of docs/events.md, written in the transaction
 * of the change they describe.
 */
#include <stdlib.h>

#include "extern.h"

/* Notify the event of row id; 0, or -1 (no such row, database error). */
static int
event_row(PGconn *c, enum stmt s, const char *id)
{
	const char	*p[2] = { id, CHAN_EVENTS };
	PGresult	*res = db_exec(c, s, 2, p);
	int		 ok;

	ok = db_accept(c, res, PGRES_TUPLES_OK, NULL) && PQntuples(res) == 1;
	PQclear(res);
	return ok ? 0 : -1;
}

/* Notify the state of deployment id (text); 0 or -1. */
int
event_deployment(PGconn *c, const char *id)
{
	return event_row(c, STMT_EVENT_DEP, id);
}

/* Notify the state of action id (text); 0 or -1. */
int
event_action(PGconn *c, const char *id)
{
	return event_row(c, STMT_EVENT_ACT, id);
}

/* Notify that deployment name is gone; 0 or -1. */
int
event_removed(PGconn *c, const char *name)
{
	return db_event_new(c, json_pack("{s:s, s:s}", "type",
	    "deployment_removed", "name", name));
}
