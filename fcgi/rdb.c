/*
 * fcgi/rdb.c: the runner's database helpers. Every thread of the runner
 * holds its own connection, opened here; none is shared or inherited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "pgconn.h"

#define PREP_MAX	64

/*
 * The statements prepared on the connection of this thread (each thread
 * of the runner has one): the SQL constants by their address, statement
 * i named "octopod_rI". Forgotten with the connection.
 */
static __thread struct {
	PGconn		*c;
	int		 pid;		/* its backend: another after a reset */
	const char	*sql[PREP_MAX];
	int		 n;
} prep;

static void
prep_forget(PGconn *c)
{
	prep.c = c;
	prep.pid = c != NULL ? PQbackendPID(c) : 0;
	prep.n = 0;
}

/*
 * The name of the prepared statement of sql on c, prepared now on its
 * first use (one more round trip, once per connection), into buf; or
 * NULL: run it unprepared (BEGIN, COMMIT, ROLLBACK: nothing to plan; a
 * full table; a failed prepare, whose error the run reports).
 */
static const char *
prep_name(PGconn *c, const char *sql, int nparams, char *buf, size_t len)
{
	PGresult	*r;
	int		 i, ok;

	if (strchr(sql, ' ') == NULL)
		return NULL;
	if (prep.c != c || prep.pid != PQbackendPID(c))
		prep_forget(c);
	for (i = 0; i < prep.n; i++)
		if (prep.sql[i] == sql)
			break;
	snprintf(buf, len, "octopod_r%d", i);
	if (i < prep.n)
		return buf;
	if (i == PREP_MAX)
		return NULL;
	r = PQprepare(c, buf, sql, nparams, NULL);
	ok = r != NULL && PQresultStatus(r) == PGRES_COMMAND_OK;
	PQclear(r);
	if (!ok)
		return NULL;
	prep.sql[prep.n++] = sql;
	return buf;
}

/*
 * A new connection to DATABASE_URL, made as the responders make theirs
 * (lib/pgconn.c: connect_timeout, application_name), or NULL (logged
 * once, pgc_failed). The caller PQfinish()es.
 */
PGconn *
rdb_connect(void)
{
	const char	*kw[PGC_NKW], *val[PGC_NKW];
	PGconn		*c;

	pgc_params("octopod-runner", kw, val);
	c = PQconnectdbParams(kw, val, 1);
	if (c == NULL || PQstatus(c) != CONNECTION_OK) {
		pgc_failed("runner", c ? PQerrorMessage(c) : "out of memory");
		PQfinish(c);
		return NULL;
	}
	pgc_connected("runner");
	prep_forget(c);
	return c;
}

/*
 * Reconnect *c when it is gone (or left in pipeline mode by a failure).
 * Returns 0 when *c is usable.
 */
int
rdb_ensure(PGconn **c)
{
	if (*c != NULL && PQstatus(*c) == CONNECTION_OK &&
	    PQpipelineStatus(*c) == PQ_PIPELINE_OFF)
		return 0;
	if (*c != NULL) {
		PQreset(*c);
		prep_forget(*c);
		if (PQstatus(*c) == CONNECTION_OK) {
			pgc_connected("runner");
			return 0;
		}
		PQfinish(*c);
	}
	*c = rdb_connect();
	return *c == NULL ? -1 : 0;
}

/*
 * Prepare sql (a string constant) on c ahead of its first use: the
 * parsing and the catalog lookups happen now. Returns 0, or -1.
 */
int
rdb_prepare(PGconn *c, const char *sql, int nparams)
{
	char buf[32];

	return prep_name(c, sql, nparams, buf, sizeof(buf)) == NULL ? -1 : 0;
}

/*
 * Run sql with text parameters, as a statement prepared on c (sql must
 * be a string constant: it is known by its address); the caller
 * PQclear()s.
 */
PGresult *
rdb_exec(PGconn *c, const char *sql, int n, const char *const *params)
{
	char		 buf[32];
	const char	*name = prep_name(c, sql, n, buf, sizeof(buf));

	if (name != NULL)
		return PQexecPrepared(c, name, n, params, NULL, NULL, 0);
	return PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
}

/*
 * Send sql (prepared, as rdb_exec) without waiting for its answer, which
 * the caller reads with PQgetResult before the next statement. Returns
 * 0, or -1 (logged under what).
 */
int
rdb_send(PGconn *c, const char *sql, int n, const char *const *params,
    const char *what)
{
	char		 buf[32];
	const char	*name = prep_name(c, sql, n, buf, sizeof(buf));

	if ((name != NULL ? PQsendQueryPrepared(c, name, n, params, NULL,
	    NULL, 0) : PQsendQueryParams(c, sql, n, NULL, params, NULL, NULL,
	    0)) == 1)
		return 0;
	metrics_db_error();
	log_err("runner: %s: %s", what, PQerrorMessage(c));
	return -1;
}

/*
 * Whether r has status want; if not, log it under "what". r is not
 * cleared.
 */
int
rdb_ok(PGresult *r, ExecStatusType want, const char *what)
{
	if (r != NULL && PQresultStatus(r) == want)
		return 1;
	metrics_db_error();
	/* libpq gives no result when it could not send (a lost connection) */
	log_err("runner: %s: %s", what, r ? PQresultErrorMessage(r) :
	    "no result: the connection is lost (or memory ran out)");
	return 0;
}

/* Run a statement returning no rows. Returns 0, or -1 (logged). */
int
rdb_cmd(PGconn *c, const char *sql, int n, const char *const *params,
    const char *what)
{
	PGresult	*r = rdb_exec(c, sql, n, params);
	int		 ok;

	ok = r != NULL && (PQresultStatus(r) == PGRES_COMMAND_OK ||
	    PQresultStatus(r) == PGRES_TUPLES_OK);
	if (!ok)
		rdb_ok(r, PGRES_COMMAND_OK, what);
	PQclear(r);
	return ok ? 0 : -1;
}

/* BEGIN; 0, or -1 (logged). */
int
rdb_begin(PGconn *c)
{
	return rdb_cmd(c, "BEGIN", 0, NULL, "begin");
}

/* COMMIT when ok, else ROLLBACK; 0 when committed, else -1 (logged). */
int
rdb_end(PGconn *c, int ok)
{
	if (ok)
		return rdb_cmd(c, "COMMIT", 0, NULL, "commit");
	rdb_cmd(c, "ROLLBACK", 0, NULL, "rollback");
	return -1;
}

/*
 * SELECT pg_notify(chan, payload) in the current transaction; payload
 * is a JSON value (decref'd here) or, for CHAN_QUEUE, a string.
 */
int
rdb_notify(PGconn *c, const char *chan, json_t *payload)
{
	const char	*p[2];
	char		*s;
	int		 rc;

	if (payload == NULL)
		return -1;
	s = json_is_string(payload) ? strdup(json_string_value(payload)) :
	    json_dumps(payload, JSON_COMPACT);
	json_decref(payload);
	if (s == NULL)
		return -1;
	p[0] = chan;
	p[1] = s;
	rc = rdb_cmd(c, "SELECT pg_notify($1, $2)", 2, p, "pg_notify");
	free(s);
	return rc;
}

/*
 * Run the statements q[0..n-1] in one round trip (libpq's pipeline mode,
 * one sync at the end; the first RDB_BATCH_MAX as prepared statements,
 * see rdb_exec): q[i].r gets the result of q[i] (NULL when it was
 * not sent); the caller frees them with rdb_batch_clear. An explicit
 * BEGIN may open a transaction that a later batch ends. Returns 0 when
 * every statement had the status q[i].want, else -1: the first failure
 * is logged under its q[i].what, the statements after it in the batch
 * were skipped (PGRES_PIPELINE_ABORTED) and an open transaction is left
 * failed for the caller to roll back.
 */
int
rdb_batch(PGconn *c, struct rdb_q *q, size_t n)
{
	PGresult	*r;
	char		 names[RDB_BATCH_MAX][32];
	const char	*name[RDB_BATCH_MAX];
	size_t		 i, sent = 0;
	int		 ok = 1, logged = 0;

	for (i = 0; i < n; i++) {
		q[i].r = NULL;
		if (i < RDB_BATCH_MAX)	/* past them: sent unprepared */
			name[i] = prep_name(c, q[i].sql, q[i].n, names[i],
			    sizeof(names[i]));
	}
	if (PQenterPipelineMode(c) == 0) {
		metrics_db_error();
		log_err("runner: %s: %s", q[0].what, PQerrorMessage(c));
		return -1;
	}
	for (sent = 0; sent < n; sent++)
		if ((sent < RDB_BATCH_MAX && name[sent] != NULL ?
		    PQsendQueryPrepared(c, name[sent], q[sent].n,
		    q[sent].params, NULL, NULL, 0) :
		    PQsendQueryParams(c, q[sent].sql, q[sent].n, NULL,
		    q[sent].params, NULL, NULL, 0)) == 0)
			break;
	if (sent < n || PQpipelineSync(c) == 0) {
		ok = 0;
		logged = 1;
		metrics_db_error();
		log_err("runner: %s: %s", q[sent < n ? sent : 0].what,
		    PQerrorMessage(c));
	}
	for (i = 0; i < sent; i++) {
		if ((q[i].r = PQgetResult(c)) == NULL)
			break;		/* the connection is gone */
		while ((r = PQgetResult(c)) != NULL)	/* the NULL ending q[i] */
			PQclear(r);
		if (ok && PQresultStatus(q[i].r) != q[i].want) {
			ok = 0;
			if (!logged)
				rdb_ok(q[i].r, q[i].want, q[i].what);
			logged = 1;
		}
	}
	if (i < sent && ok) {
		ok = 0;
		rdb_ok(NULL, PGRES_COMMAND_OK, q[i].what);
	}
	/* the sync's own result, then out of pipeline mode */
	while (PQpipelineStatus(c) != PQ_PIPELINE_OFF &&
	    (r = PQgetResult(c)) != NULL) {
		ExecStatusType st = PQresultStatus(r);

		PQclear(r);
		if (st == PGRES_PIPELINE_SYNC)
			break;
	}
	if (PQexitPipelineMode(c) == 0 && ok) {
		ok = 0;
		metrics_db_error();
		log_err("runner: %s: %s", q[0].what, PQerrorMessage(c));
	}
	return ok ? 0 : -1;
}

/* Free the results of a batch. */
void
rdb_batch_clear(struct rdb_q *q, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		PQclear(q[i].r);
		q[i].r = NULL;
	}
}
