/*
 * fcgi/db.c: the one database layer of octopod-fcgi, for the responders,
 * the runner and migrate alike (sqlbox's way: every statement declared up
 * front). Each statement is a row of stmts[], its SQL a named constant of
 * queries.h, prepared once per connection on its first use (stmt_ready,
 * the one PQprepare) and run with text parameters. One helper runs a
 * statement and checks its result (db_run, psql's AcceptResult: the
 * status it must have, one PostgreSQL-style line when it has not). Each
 * thread has its own connection; none is shared or inherited. Nothing
 * here answers HTTP: a failure is a status (db_is_down says whether the
 * server went away) that resp_http.c maps to 503 or 500.
 */
#include <sys/mman.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"
#include "pgconn.h"
#include "queries.h"

static const struct stmt_def {
	const char	*name;		/* prepared as */
	const char	*sql;
	int		 plain;		/* never prepared: nothing to plan */
} stmts[STMT__MAX] = {
	[STMT_DEP_BY_NAME] = { .name = "dep_by_name", .sql = SQL_DEP_BY_NAME },
	[STMT_DEP_CHECK_FAILURE] = { .name = "dep_check_failure",
	    .sql = SQL_DEP_CHECK_FAILURE },
	[STMT_DEP_LOCK] = { .name = "dep_lock", .sql = SQL_DEP_LOCK },
	[STMT_LIST_COUNT] = { .name = "list_count", .sql = SQL_LIST_COUNT },
	[STMT_LIST_NAME_ASC] = { .name = "list_name_asc",
	    .sql = SQL_LIST_NAME_ASC },
	[STMT_LIST_NAME_DESC] = { .name = "list_name_desc",
	    .sql = SQL_LIST_NAME_DESC },
	[STMT_LIST_CREATED_ASC] = { .name = "list_created_asc",
	    .sql = SQL_LIST_CREATED_ASC },
	[STMT_LIST_CREATED_DESC] = { .name = "list_created_desc",
	    .sql = SQL_LIST_CREATED_DESC },
	[STMT_LIST_UPDATED_ASC] = { .name = "list_updated_asc",
	    .sql = SQL_LIST_UPDATED_ASC },
	[STMT_LIST_UPDATED_DESC] = { .name = "list_updated_desc",
	    .sql = SQL_LIST_UPDATED_DESC },
	[STMT_SEARCH_NAME_ASC] = { .name = "search_name_asc",
	    .sql = SQL_SEARCH_NAME_ASC },
	[STMT_SEARCH_NAME_DESC] = { .name = "search_name_desc",
	    .sql = SQL_SEARCH_NAME_DESC },
	[STMT_DEP_INSERT] = { .name = "dep_insert", .sql = SQL_DEP_INSERT },
	[STMT_DEP_EXPIRY_RESET] = { .name = "dep_expiry_reset",
	    .sql = SQL_DEP_EXPIRY_RESET },
	[STMT_DEP_PIN] = { .name = "dep_pin", .sql = SQL_DEP_PIN },
	[STMT_OVERRIDE_UPSERT] = { .name = "override_upsert",
	    .sql = SQL_OVERRIDE_UPSERT },
	[STMT_OVERRIDE_REMOVE_DEFAULT] = { .name = "override_remove_default",
	    .sql = SQL_OVERRIDE_REMOVE_DEFAULT },
	[STMT_OVERRIDE_DELETE] = { .name = "override_delete",
	    .sql = SQL_OVERRIDE_DELETE },
	[STMT_OVERRIDES_ALL] = { .name = "overrides_all",
	    .sql = SQL_OVERRIDES_ALL },
	[STMT_DEP_CHANGE] = { .name = "dep_change", .sql = SQL_DEP_CHANGE },
	[STMT_HISTORY_INSERT] = { .name = "history_insert",
	    .sql = SQL_HISTORY_INSERT },
	[STMT_DEP_DELETE] = { .name = "dep_delete", .sql = SQL_DEP_DELETE },
	[STMT_ACTION_QUEUE] = { .name = "action_queue",
	    .sql = SQL_ACTION_QUEUE },
	[STMT_ACTION_BY_ID] = { .name = "action_by_id",
	    .sql = SQL_ACTION_BY_ID },
	[STMT_ACTIONS_OF] = { .name = "actions_of", .sql = SQL_ACTIONS_OF },
	[STMT_OUTPUT] = { .name = "output", .sql = SQL_OUTPUT },
	[STMT_OUTPUT_SWEEP] = { .name = "output_sweep",
	    .sql = SQL_OUTPUT_SWEEP },
	[STMT_OUTPUT_STATE] = { .name = "output_state",
	    .sql = SQL_OUTPUT_STATE },
	[STMT_HISTORY] = { .name = "history", .sql = SQL_HISTORY },
	[STMT_EXISTS_NAME] = { .name = "exists_name", .sql = SQL_EXISTS_NAME },
	[STMT_CLEAN_CANDIDATES] = { .name = "clean_candidates",
	    .sql = SQL_CLEAN_CANDIDATES },
	[STMT_ACTION_CLAIM] = { .name = "action_claim",
	    .sql = SQL_ACTION_CLAIM },
	[STMT_OUTPUT_ADD] = { .name = "output_add", .sql = SQL_OUTPUT_ADD },
	[STMT_ACTION_OUTPUT_BYTES] = { .name = "action_output_bytes",
	    .sql = SQL_ACTION_OUTPUT_BYTES },
	[STMT_ACTION_ARGV] = { .name = "action_argv", .sql = SQL_ACTION_ARGV },
	[STMT_ACTION_HEARTBEAT] = { .name = "action_heartbeat",
	    .sql = SQL_ACTION_HEARTBEAT },
	[STMT_ACTION_STALE] = { .name = "action_stale",
	    .sql = SQL_ACTION_STALE },
	[STMT_OUTPUT_ADD_NOTE] = { .name = "output_add_note",
	    .sql = SQL_OUTPUT_ADD_NOTE },
	[STMT_RUNNER_DUE] = { .name = "runner_due", .sql = SQL_RUNNER_DUE },
	[STMT_CHECK_CLAIM] = { .name = "check_claim", .sql = SQL_CHECK_CLAIM },
	[STMT_CHECK_LOCK] = { .name = "check_lock", .sql = SQL_CHECK_LOCK },
	[STMT_CHECK_DONE] = { .name = "check_done", .sql = SQL_CHECK_DONE },
	[STMT_CHECK_OUTPUT] = { .name = "check_output",
	    .sql = SQL_CHECK_OUTPUT },
	[STMT_CHECK_RELEASE] = { .name = "check_release",
	    .sql = SQL_CHECK_RELEASE },
	[STMT_CHECK_RENEW] = { .name = "check_renew", .sql = SQL_CHECK_RENEW },
	[STMT_DEP_SET_STATUS] = { .name = "dep_set_status",
	    .sql = SQL_DEP_SET_STATUS },
	[STMT_ACTION_END] = { .name = "action_end", .sql = SQL_ACTION_END },
	[STMT_DEP_LOCK_ID] = { .name = "dep_lock_id", .sql = SQL_DEP_LOCK_ID },
	[STMT_DEP_ACTION_DONE] = { .name = "dep_action_done",
	    .sql = SQL_DEP_ACTION_DONE },
	[STMT_DEP_SET_REASON] = { .name = "dep_set_reason",
	    .sql = SQL_DEP_SET_REASON },
	[STMT_EXPIRY_DUE] = { .name = "expiry_due", .sql = SQL_EXPIRY_DUE },
	[STMT_EXPIRY_ARCHIVE] = { .name = "expiry_archive",
	    .sql = SQL_EXPIRY_ARCHIVE },
	[STMT_EXPIRY_ACTION] = { .name = "expiry_action",
	    .sql = SQL_EXPIRY_ACTION },
	[STMT_EXPIRY_WARN] = { .name = "expiry_warn", .sql = SQL_EXPIRY_WARN },
	[STMT_CHECK_LATENCY] = { .name = "check_latency",
	    .sql = SQL_CHECK_LATENCY },
	[STMT_M_DEPLOYMENTS] = { .name = "m_deployments",
	    .sql = SQL_M_DEPLOYMENTS },
	[STMT_M_ACTIONS] = { .name = "m_actions", .sql = SQL_M_ACTIONS },
	[STMT_M_DURATION] = { .name = "m_duration", .sql = SQL_M_DURATION },
	[STMT_M_WS] = { .name = "m_ws", .sql = SQL_M_WS },
	[STMT_M_CHECKS] = { .name = "m_checks", .sql = SQL_M_CHECKS },
	[STMT_EVENT_DEP] = { .name = "event_dep", .sql = SQL_EVENT_DEP },
	[STMT_EVENT_ACT] = { .name = "event_act", .sql = SQL_EVENT_ACT },
	[STMT_BEGIN] = { .name = "begin", .sql = SQL_BEGIN, .plain = 1 },
	[STMT_COMMIT] = { .name = "commit", .sql = SQL_COMMIT, .plain = 1 },
	[STMT_ROLLBACK] = { .name = "rollback",
	    .sql = SQL_ROLLBACK, .plain = 1 },
	[STMT_PING] = { .name = "ping", .sql = SQL_PING, .plain = 1 },
	[STMT_NOTIFY] = { .name = "notify", .sql = SQL_NOTIFY },
	[STMT_LISTEN_QUEUE] = { .name = "listen_queue",
	    .sql = SQL_LISTEN_QUEUE, .plain = 1 },
	[STMT_MIGRATE_LOCK] = { .name = "migrate_lock",
	    .sql = SQL_MIGRATE_LOCK, .plain = 1 },
	[STMT_MIGRATE_TABLE] = { .name = "migrate_table",
	    .sql = SQL_MIGRATE_TABLE, .plain = 1 },
	[STMT_MIGRATE_APPLIED] = { .name = "migrate_applied",
	    .sql = SQL_MIGRATE_APPLIED, .plain = 1 },
	[STMT_MIGRATE_RECORD] = { .name = "migrate_record",
	    .sql = SQL_MIGRATE_RECORD, .plain = 1 },
	[STMT_LOGIN_GC] = { .name = "login_gc", .sql = SQL_LOGIN_GC },
	[STMT_LOGIN_INSERT] = { .name = "login_insert",
	    .sql = SQL_LOGIN_INSERT },
	[STMT_LOGIN_TAKE] = { .name = "login_take", .sql = SQL_LOGIN_TAKE },
	[STMT_SESSION_GC] = { .name = "session_gc", .sql = SQL_SESSION_GC },
	[STMT_SESSION_INSERT] = { .name = "session_insert",
	    .sql = SQL_SESSION_INSERT },
	[STMT_SESSION_GET] = { .name = "session_get",
	    .sql = SQL_SESSION_GET },
	[STMT_SESSION_DELETE] = { .name = "session_delete",
	    .sql = SQL_SESSION_DELETE },
};

/*
 * The failed statements and lost connections of every process of this
 * master (octopod_db_errors_total), in a page of memory the master maps
 * before it forks (db_errors_init), shared by all its children.
 */
static unsigned long	*db_errors;

/* Map the shared counter (the master, before forking); 0 or -1. */
int
db_errors_init(void)
{
	void *p = mmap(NULL, sizeof(*db_errors), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	db_errors = p;
	return 0;
}

/* One more database error (a failed statement or a lost connection). */
static void
db_error_count(void)
{
	if (db_errors != NULL)
		__atomic_fetch_add(db_errors, 1, __ATOMIC_RELAXED);
}

/* The database errors so far, of every process of this master. */
unsigned long
db_errors_total(void)
{
	return db_errors != NULL ?
	    __atomic_load_n(db_errors, __ATOMIC_RELAXED) : 0UL;
}

/*
 * Which statements this thread prepared, on which connection (a PGconn
 * and its server process: PQreset keeps the one and changes the other).
 */
static __thread const PGconn	*prep_conn;
static __thread int		 prep_pid;
static __thread unsigned char	 prep_done[STMT__MAX];

/*
 * A responder thread (db_ensure) runs a statement once more on a fresh
 * connection when the connection dropped outside a transaction; the
 * runner's threads reconnect between jobs instead (db_keep), and its
 * main thread must see the loss (its LISTEN goes with the connection).
 */
static __thread int	 retry_lost;

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

static int
res_state_is(const PGresult *res, const char *state)
{
	const char *st = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return st != NULL && strcmp(st, state) == 0;
}

/*
 * A new connection from DATABASE_URL (lib/pgconn.c: connect_timeout,
 * application_name), for a responder (role NULL) or the runner (role
 * "runner"), or NULL (logged once, pgc_failed). The caller PQfinish()es.
 */
PGconn *
db_connect(const char *role)
{
	const char	*kw[PGC_NKW], *val[PGC_NKW];
	PGconn		*c;

	pgc_params(role == NULL ? "octopod-fcgi" : "octopod-runner", kw, val);
	c = PQconnectdbParams(kw, val, 1);
	if (c == NULL) {
		pgc_failed(role, "out of memory");
		return NULL;
	}
	if (PQstatus(c) != CONNECTION_OK) {
		pgc_failed(role, PQerrorMessage(c));
		PQfinish(c);
		return NULL;
	}
	pgc_connected(role);
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

/*
 * Make sure the connection of responder thread w is up; returns 0, or -1
 * when it cannot be.
 */
int
db_ensure(struct worker *w)
{
	retry_lost = 1;
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
	w->db = db_connect(NULL);
	db_try_end(w->db != NULL);
	return w->db != NULL ? 0 : -1;
}

/*
 * A runner thread's connection: reconnect *c when it is gone (or left in
 * pipeline mode by a failure). Returns 0 when *c is usable.
 */
int
db_keep(PGconn **c)
{
	if (*c != NULL && PQstatus(*c) == CONNECTION_OK &&
	    PQpipelineStatus(*c) == PQ_PIPELINE_OFF)
		return 0;
	if (*c != NULL) {
		PQreset(*c);
		if (PQstatus(*c) == CONNECTION_OK) {
			pgc_connected("runner");
			return 0;
		}
		PQfinish(*c);
	}
	*c = db_connect("runner");
	return *c == NULL ? -1 : 0;
}

/* Whether c lost its server (no connection, or the last statement said so). */
int
db_is_down(PGconn *c)
{
	return c == NULL || PQstatus(c) == CONNECTION_BAD || db_lost;
}

/*
 * The name statement s is prepared as on c, preparing it now when this
 * connection has not yet (one more round trip, once per connection): the
 * one PQprepare of octopod-fcgi. NULL when it could not be prepared (the
 * run then goes unprepared, and reports the error itself).
 */
static const char *
stmt_ready(PGconn *c, enum stmt s, int n)
{
	PGresult	*res;
	int		 ok;

	if (c != prep_conn || PQbackendPID(c) != prep_pid) {
		memset(prep_done, 0, sizeof(prep_done));
		prep_conn = c;
		prep_pid = PQbackendPID(c);
	}
	if (prep_done[s])
		return stmts[s].name;
	res = PQprepare(c, stmts[s].name, stmts[s].sql, n, NULL);
	/* 42P05: prepared already (by an earlier life of this session) */
	ok = res != NULL && (PQresultStatus(res) == PGRES_COMMAND_OK ||
	    res_state_is(res, "42P05"));
	PQclear(res);
	if (!ok)
		return NULL;
	prep_done[s] = 1;
	return stmts[s].name;
}

/* Run s once: prepared unless text or the table says plain. */
static PGresult *
exec_once(PGconn *c, enum stmt s, int text, int n,
    const char *const *params)
{
	PGresult	*res;
	const char	*name;
	int		 again;

	for (again = 1; ; again = 0) {
		if (text || stmts[s].plain ||
		    (name = stmt_ready(c, s, n)) == NULL)
			return PQexecParams(c, stmts[s].sql, n, NULL, params,
			    NULL, NULL, 0);
		res = PQexecPrepared(c, name, n, params, NULL, NULL, 0);
		/* 26000: not prepared after all (DISCARD, a new session) */
		if (!again || PQresultStatus(res) != PGRES_FATAL_ERROR ||
		    !res_state_is(res, "26000"))
			return res;
		PQclear(res);
		prep_done[s] = 0;
	}
}

/*
 * exec_once, and on a responder thread, when it failed because the
 * connection dropped outside a transaction, once more on a fresh
 * connection. Returns the result (caller PQclears; may be NULL).
 */
static PGresult *
exec_retry(PGconn *c, enum stmt s, int text, int n,
    const char *const *params)
{
	PGTransactionStatusType	 ts = PQtransactionStatus(c);
	PGresult		*res;

	res = exec_once(c, s, text, n, params);
	if (retry_lost && PQstatus(c) == CONNECTION_BAD &&
	    ts == PQTRANS_IDLE) {
		db_error_count();	/* the connection was lost */
		PQclear(res);
		PQreset(c);
		if (PQstatus(c) != CONNECTION_OK)
			return NULL;
		res = exec_once(c, s, text, n, params);
	}
	if (retry_lost && db_res_lost(res))
		db_lost = 1;
	return res;
}

/* Run statement s with n text parameters; the caller PQclears. */
PGresult *
db_exec(PGconn *c, enum stmt s, int n, const char *const *params)
{
	return exec_retry(c, s, 0, n, params);
}

/*
 * Run the text of statement s unprepared, planned with its parameters
 * (the list's search: a generic plan cannot use the trigram index).
 */
PGresult *
db_exec_text(PGconn *c, enum stmt s, int n, const char *const *params)
{
	return exec_retry(c, s, 1, n, params);
}

/*
 * psql's AcceptResult: whether r has status want (with any, a command's
 * or a query's). If not, the error is counted and logged in one line,
 * "could not WHAT: MESSAGE", unless a responder's server went away (its
 * 503 says so, lib/pgconn.c logged the loss once). r is not cleared.
 */
static int
accept_res(PGconn *c, PGresult *r, ExecStatusType want, int any,
    const char *what)
{
	ExecStatusType	 st;
	const char	*msg;
	size_t		 len;

	st = r != NULL ? PQresultStatus(r) : PGRES_FATAL_ERROR;
	if (r != NULL && (st == want || (any && (st == PGRES_COMMAND_OK ||
	    st == PGRES_TUPLES_OK))))
		return 1;
	db_error_count();
	if (retry_lost && db_is_down(c))
		return 0;
	/* libpq gives no result when it could not send (a lost connection) */
	msg = r == NULL ? "no result: the connection is lost (or memory ran "
	    "out)" : *PQresultErrorMessage(r) != '\0' ?
	    PQresultErrorMessage(r) : PQresStatus(st);
	len = strlen(msg);
	while (len > 0 && msg[len - 1] == '\n')
		len--;
	log_err("could not %s: %.*s", what, (int)len, msg);
	return 0;
}

/* accept_res of a result of statement s (what: NULL, the statement's name). */
int
db_accept(PGconn *c, PGresult *r, ExecStatusType want, const char *what)
{
	return accept_res(c, r, want, 0, what != NULL ? what : "run a query");
}

/*
 * The checked run: statement s with n text parameters, its result
 * checked against want (db_accept). Returns the result (caller PQclears),
 * or NULL (cleared, logged under what, or the statement's name when what
 * is NULL).
 */
PGresult *
db_run(PGconn *c, enum stmt s, ExecStatusType want, int n,
    const char *const *params, const char *what)
{
	PGresult	*r = db_exec(c, s, n, params);
	char		 buf[64];

	if (what == NULL) {
		snprintf(buf, sizeof(buf), "run %s", stmts[s].name);
		what = buf;
	}
	if (accept_res(c, r, want, 0, what))
		return r;
	PQclear(r);
	return NULL;
}

/* db_run of a statement whose rows are not read. Returns 0, or -1. */
int
db_cmd(PGconn *c, enum stmt s, int n, const char *const *params,
    const char *what)
{
	PGresult	*r = db_exec(c, s, n, params);
	char		 buf[64];
	int		 ok;

	if (what == NULL) {
		snprintf(buf, sizeof(buf), "run %s", stmts[s].name);
		what = buf;
	}
	ok = accept_res(c, r, PGRES_COMMAND_OK, 1, what);
	PQclear(r);
	return ok ? 0 : -1;
}

/*
 * Prepare statement s on c ahead of its first use: the parsing and the
 * catalog lookups happen now. Returns 0, or -1.
 */
int
db_prepare(PGconn *c, enum stmt s, int n)
{
	return stmt_ready(c, s, n) == NULL ? -1 : 0;
}

/*
 * Send statement s (prepared, as db_exec) without waiting for its answer,
 * which the caller reads with PQgetResult before the next statement.
 * Returns 0, or -1 (logged under what).
 */
int
db_send(PGconn *c, enum stmt s, int n, const char *const *params,
    const char *what)
{
	const char	*name = stmts[s].plain ? NULL : stmt_ready(c, s, n);

	if ((name != NULL ? PQsendQueryPrepared(c, name, n, params, NULL,
	    NULL, 0) : PQsendQueryParams(c, stmts[s].sql, n, NULL, params,
	    NULL, NULL, 0)) == 1)
		return 0;
	db_error_count();
	log_err("could not %s: %s", what, PQerrorMessage(c));
	return -1;
}

int
db_begin(PGconn *c)
{
	return db_cmd(c, STMT_BEGIN, 0, NULL, "begin a transaction");
}

int
db_commit(PGconn *c)
{
	return db_cmd(c, STMT_COMMIT, 0, NULL, "commit");
}

/* Roll the open transaction of c back, if there is one. */
void
db_rollback(PGconn *c)
{
	PGTransactionStatusType ts;

	if (c == NULL || PQstatus(c) != CONNECTION_OK || db_lost)
		return;
	ts = PQtransactionStatus(c);
	if (ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR)
		db_cmd(c, STMT_ROLLBACK, 0, NULL, "roll back");
}

/* COMMIT when ok, else ROLLBACK; 0 when committed, else -1 (logged). */
int
db_end(PGconn *c, int ok)
{
	if (ok)
		return db_commit(c);
	db_rollback(c);
	return -1;
}

/* pg_notify(chan, payload) in the current transaction; 0 or -1. */
int
db_notify(PGconn *c, const char *chan, const char *payload)
{
	const char *p[2] = { chan, payload };

	return db_cmd(c, STMT_NOTIFY, 2, p, "notify");
}

/* An event (docs/events.md) on octopod_events; 0 or -1. */
int
db_event_new(PGconn *c, json_t *ev)
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
 * Run the statements q[0..n-1] in one round trip (libpq's pipeline mode,
 * one sync at the end; each prepared first, as db_exec): q[i].r gets the
 * result of q[i] (NULL when it was not sent); the caller frees them with
 * db_batch_clear. An explicit BEGIN may open a transaction that a later
 * batch ends. Returns 0 when every statement had the status q[i].want,
 * else -1: the first failure is logged under its q[i].what, the
 * statements after it in the batch were skipped (PGRES_PIPELINE_ABORTED)
 * and an open transaction is left failed for the caller to roll back.
 */
int
db_batch(PGconn *c, struct db_q *q, size_t n)
{
	PGresult	*r;
	const char	*name;
	size_t		 i, sent = 0;
	int		 ok = 1, logged = 0;

	for (i = 0; i < n; i++) {
		q[i].r = NULL;
		/* before the pipeline: a prepare is a round trip of its own */
		if (!stmts[q[i].s].plain)
			stmt_ready(c, q[i].s, q[i].n);
	}
	if (PQenterPipelineMode(c) == 0) {
		db_error_count();
		log_err("could not %s: %s", q[0].what, PQerrorMessage(c));
		return -1;
	}
	for (sent = 0; sent < n; sent++) {
		enum stmt s = q[sent].s;

		name = !stmts[s].plain && prep_done[s] ? stmts[s].name : NULL;
		if ((name != NULL ? PQsendQueryPrepared(c, name, q[sent].n,
		    q[sent].params, NULL, NULL, 0) : PQsendQueryParams(c,
		    stmts[s].sql, q[sent].n, NULL, q[sent].params, NULL, NULL,
		    0)) == 0)
			break;
	}
	if (sent < n || PQpipelineSync(c) == 0) {
		ok = 0;
		logged = 1;
		db_error_count();
		log_err("could not %s: %s", q[sent < n ? sent : 0].what,
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
				accept_res(c, q[i].r, q[i].want, 0, q[i].what);
			logged = 1;
		}
	}
	if (i < sent && ok) {
		ok = 0;
		accept_res(c, NULL, PGRES_COMMAND_OK, 0, q[i].what);
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
		db_error_count();
		log_err("could not %s: %s", q[0].what, PQerrorMessage(c));
	}
	return ok ? 0 : -1;
}

/* Free the results of a batch. */
void
db_batch_clear(struct db_q *q, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		PQclear(q[i].r);
		q[i].r = NULL;
	}
}
