/*
 * fcgi/db.c: the database handle of a responder thread. Every query goes
 * through db_exec (PQexecParams, text parameters) or, for the hot reads,
 * db_exec_stmt (prepared once per connection, PQexecPrepared); a
 * connection lost between statements is re-established once,
 * transparently.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "pgconn.h"
#include "queries.h"

/* The prepared statements: a name on the server and the SQL. */
static const struct {
	const char	*name;
	const char	*sql;
} stmts[STMT__MAX] = {
	[STMT_DEP_BY_NAME] = { "dep_by_name", SQL_DEP_BY_NAME },
	[STMT_DEP_LOCK] = { "dep_lock", SQL_DEP_LOCK },
	[STMT_DEP_INSERT] = { "dep_insert", SQL_DEP_INSERT },
	[STMT_OVERRIDE_UPSERT] = { "override_upsert", SQL_OVERRIDE_UPSERT },
	[STMT_ACTION_QUEUE] = { "action_queue", SQL_ACTION_QUEUE },
	[STMT_ACTION_BY_ID] = { "action_by_id", SQL_ACTION_BY_ID },
	[STMT_LIST_NAME_ASC] = { "list_name_asc", SQL_LIST_NAME_ASC },
	[STMT_LIST_NAME_DESC] = { "list_name_desc", SQL_LIST_NAME_DESC },
	[STMT_LIST_CREATED_ASC] = { "list_created_asc", SQL_LIST_CREATED_ASC },
	[STMT_LIST_CREATED_DESC] = { "list_created_desc",
	    SQL_LIST_CREATED_DESC },
	[STMT_LIST_UPDATED_ASC] = { "list_updated_asc", SQL_LIST_UPDATED_ASC },
	[STMT_LIST_UPDATED_DESC] = { "list_updated_desc",
	    SQL_LIST_UPDATED_DESC },
	[STMT_LIST_COUNT] = { "list_count", SQL_LIST_COUNT },
};

/*
 * Which statements this thread prepared, on which connection (a PGconn
 * and its server process: PQreset keeps the one and changes the other).
 */
static __thread const PGconn	*prep_conn;
static __thread int		 prep_pid;
static __thread unsigned char	 prep_done[STMT__MAX];

/*
 * This thread's connection lost the server in its last statement although
 * libpq may still call it CONNECTION_OK (a FATAL of a shutdown, an error
 * libpq made itself): answer 503, and reconnect before the next request.
 */
static __thread int	 db_lost;

/* Whether res failed because the server went away. */
static int
db_res_lost(const PGresult *res)
{
	const char *st;

	if (res == NULL)
		return 1;
	if (PQresultStatus(res) != PGRES_FATAL_ERROR)
		return 0;
	st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	/* no SQLSTATE: libpq's own (connection) error */
	return st == NULL || strncmp(st, "08", 2) == 0 ||
	    strncmp(st, "57P", 3) == 0;
}

/* A new connection from DATABASE_URL, or NULL (logged once, pgc_failed). */
PGconn *
db_connect(void)
{
	const char	*kw[PGC_NKW], *val[PGC_NKW];
	PGconn		*c;

	pgc_params("octopod-fcgi", kw, val);
	c = PQconnectdbParams(kw, val, 1);
	if (c == NULL) {
		pgc_failed(NULL, "out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		pgc_failed(NULL, PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	pgc_connected(NULL);
	return c;
}

/*
 * This process's view of the database: once a connect has failed, one
 * thread at a time tries again while the others answer 503 at once, so
 * that a database that does not answer holds one request per responder
 * for its connect_timeout, not all of them; the next request after it
 * is back connects.
 */
static pthread_mutex_t	 down_mu = PTHREAD_MUTEX_INITIALIZER;
static int		 down;		/* the last connect failed */
static int		 probing;	/* a thread is trying meanwhile */

/* Whether this thread may try to connect now (then db_try_end). */
static int
db_try_begin(void)
{
	int may;

	pthread_mutex_lock(&down_mu);
	may = !down || !probing;
	if (may && down)
		probing = 1;
	pthread_mutex_unlock(&down_mu);
	return may;
}

static void
db_try_end(int ok)
{
	pthread_mutex_lock(&down_mu);
	probing = 0;
	down = !ok;
	pthread_mutex_unlock(&down_mu);
}

/* Make sure w->db is connected; returns 0, or -1 when it cannot be. */
int
db_ensure(struct worker *w)
{
	if (w->db != NULL && PQstatus(w->db) == CONNECTION_OK && !db_lost)
		return 0;
	if (!db_try_begin())
		return -1;
	db_lost = 0;
	if (w->db != NULL) {
		PQreset(w->db);
		if (PQstatus(w->db) == CONNECTION_OK) {
			pgc_connected(NULL);
			db_try_end(1);
			return 0;
		}
		/* one attempt a request: not a second connect_timeout */
		pgc_failed(NULL, PQerrorMessage(w->db));
		PQfinish(w->db);
		w->db = NULL;
		db_try_end(0);
		return -1;
	}
	w->db = db_connect();
	db_try_end(w->db != NULL);
	return w->db != NULL ? 0 : -1;
}

int
db_is_down(PGconn *c)
{
	return c == NULL || PQstatus(c) == CONNECTION_BAD || db_lost;
}

static int
res_state_is(const PGresult *res, const char *state)
{
	const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return st != NULL && strcmp(st, state) == 0;
}

/*
 * Run statement s once: prepare it first when this connection has not
 * yet. Returns the result (caller PQclears; may be NULL): the failed
 * PQprepare's when preparing failed.
 */
static PGresult *
exec_stmt_once(PGconn *c, enum stmt s, int n, const char *const *params)
{
	PGresult	*res;
	int		 again;

	if (c != prep_conn || PQbackendPID(c) != prep_pid) {
		memset(prep_done, 0, sizeof(prep_done));
		prep_conn = c;
		prep_pid = PQbackendPID(c);
	}
	for (again = 1; ; again = 0) {
		if (!prep_done[s]) {
			res = PQprepare(c, stmts[s].name, stmts[s].sql, n, NULL);
			/* 42P05: prepared already (by an earlier life) */
			if (PQresultStatus(res) != PGRES_COMMAND_OK &&
			    !res_state_is(res, "42P05"))
				return res;
			PQclear(res);
			prep_done[s] = 1;
		}
		res = PQexecPrepared(c, stmts[s].name, n, params, NULL, NULL, 0);
		/* 26000: not prepared after all (DISCARD, a new session) */
		if (!again || PQresultStatus(res) != PGRES_FATAL_ERROR ||
		    !res_state_is(res, "26000"))
			return res;
		PQclear(res);
		prep_done[s] = 0;
	}
}

/* The SQL text of statement s, to run it unprepared (db_exec). */
const char *
db_stmt_text(enum stmt s)
{
	return stmts[s].sql;
}

/* Run sql (s < 0) or the prepared statement s once. */
static PGresult *
exec_once(PGconn *c, int s, const char *sql, int n,
    const char *const *params)
{
	if (s < 0)
		return PQexecParams(c, sql, n, NULL, params, NULL, NULL, 0);
	return exec_stmt_once(c, (enum stmt)s, n, params);
}

/*
 * exec_once, and when it failed because the connection dropped outside
 * a transaction, once more on a fresh connection. Returns the result
 * (caller PQclears; may be NULL).
 */
static PGresult *
exec_retry(PGconn *c, int s, const char *sql, int n,
    const char *const *params)
{
	PGTransactionStatusType	 ts = PQtransactionStatus(c);
	PGresult		*res;

	res = exec_once(c, s, sql, n, params);
	if (PQstatus(c) == CONNECTION_BAD && ts == PQTRANS_IDLE) {
		metrics_db_error();	/* the connection was lost */
		PQclear(res);
		PQreset(c);
		if (PQstatus(c) != CONNECTION_OK)
			return NULL;
		res = exec_once(c, s, sql, n, params);
	}
	if (db_res_lost(res))
		db_lost = 1;
	return res;
}

/* Run sql with n text parameters (exec_retry). */
PGresult *
db_exec(PGconn *c, const char *sql, int n, const char *const *params)
{
	return exec_retry(c, -1, sql, n, params);
}

/* Run the prepared statement s with n text parameters (exec_retry). */
PGresult *
db_exec_stmt(PGconn *c, enum stmt s, int n, const char *const *params)
{
	return exec_retry(c, (int)s, NULL, n, params);
}

/* 1 when res has the wanted status; otherwise 0 (res is not cleared). */
int
db_ok(PGresult *res, ExecStatusType want)
{
	if (res == NULL || PQresultStatus(res) == PGRES_FATAL_ERROR)
		metrics_db_error();
	return res != NULL && PQresultStatus(res) == want;
}

static int
db_simple(PGconn *c, const char *sql)
{
	PGresult	*res = db_exec(c, sql, 0, NULL);
	int		 ok = db_ok(res, PGRES_COMMAND_OK);

	if (!ok && !db_is_down(c))
		log_err("%s: %s", sql, PQerrorMessage(c));
	PQclear(res);
	return ok ? 0 : -1;
}

int
db_begin(PGconn *c)
{
	return db_simple(c, "BEGIN");
}

int
db_commit(PGconn *c)
{
	return db_simple(c, "COMMIT");
}

void
db_rollback(PGconn *c)
{
	if (PQtransactionStatus(c) != PQTRANS_IDLE && !db_is_down(c)) {
		PGresult *res = PQexec(c, "ROLLBACK");
		PQclear(res);
	}
}

/* pg_notify(chan, payload) in the current transaction; 0 or -1. */
int
db_notify(PGconn *c, const char *chan, const char *payload)
{
	const char	*p[2] = { chan, payload };
	PGresult	*res;
	int		 ok;

	res = db_exec(c, "SELECT pg_notify($1, $2)", 2, p);
	ok = db_ok(res, PGRES_TUPLES_OK);
	PQclear(res);
	return ok ? 0 : -1;
}

/* An event (docs/events.md) on octopod_events; takes ev; 0 or -1. */
int
db_event(PGconn *c, json_t *ev)
{
	char	*s;
	int	 rc = -1;

	if (ev != NULL && (s = json_dumps(ev, JSON_COMPACT)) != NULL) {
		rc = db_notify(c, CHAN_EVENTS, s);
		free(s);
	}
	json_decref(ev);
	return rc;
}

/*
 * Run a query for request r: the result (caller PQclears), or NULL after
 * answering the database error (503 or 500).
 */
PGresult *
db_query(struct req *r, const char *sql, int n, const char *const *params)
{
	PGresult	*res = db_exec(r->db, sql, n, params);

	if (db_ok(res, PGRES_TUPLES_OK))
		return res;
	resp_db_error(r, res);
	PQclear(res);
	return NULL;
}
