/*
 * notifier/pg.c: the one PostgreSQL connection. It LISTENs on
 * octopod_events and runs the notifier's few queries, one at a time,
 * without blocking: a dup() of its socket is adopted into the lws loop
 * (ENV-NOTES), results and notifications are read when it is readable.
 * A lost connection is retried with backoff (an lws_sul timer); after
 * every connect the clients are told to resync, as notifications sent
 * meanwhile are lost.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"

#define BACKOFF_MIN_US	((lws_usec_t)100000)
#define BACKOFF_MAX_US	(5 * LWS_USEC_PER_SEC)
#define NOTIFY_BATCH	64	/* relayed per loop pass; 1 under pressure */

struct pgq {
	TAILQ_ENTRY(pgq)	 entry;
	const char		*sql;		/* a constant */
	int			 n;
	char			*params[4];
	pg_done_fn		 done;
	void			*arg;
};
TAILQ_HEAD(pgqq, pgq);

static PGconn			*conn;
static struct lws		*pgwsi;
static struct pgqq		 queue = TAILQ_HEAD_INITIALIZER(queue);
static struct pgq		*inflight;
static PGresult			*inres;
static PGnotify			*held;	/* next to relay, not yet */
static lws_sorted_usec_list_t	 sul_retry;
static lws_sorted_usec_list_t	 sul_flush;	/* a query to push out */
static int			 more;	/* notifications wait for a pass */
static lws_usec_t		 backoff;
static int			 stopping;

static const char SQL_LISTEN[] = "LISTEN " CHANNEL;

static void	pg_connect(lws_sorted_usec_list_t *);
static void	pg_flush(lws_sorted_usec_list_t *);

static void
pgq_free(struct pgq *q)
{
	int i;

	for (i = 0; i < q->n; i++)
		free(q->params[i]);
	free(q);
}

/* The first line of libpq's error message, for one-line logs. */
static const char *
pg_why(char *buf, size_t len)
{
	const char	*m = conn ? PQerrorMessage(conn) : "no connection";
	size_t		 n;

	strlcpy_(buf, m, len);
	n = strcspn(buf, "\n");
	buf[n] = '\0';
	return buf;
}

/* Fail every query (their owners get a NULL result) and drop conn. */
static void
pg_drop(const char *why)
{
	struct pgq	*q;

	if (stopping)
		log_info("closing the database connection");
	else
		log_warn("lost the database connection: %s", why);
	if (inres != NULL) {
		PQclear(inres);
		inres = NULL;
	}
	if (held != NULL) {
		PQfreemem(held);
		held = NULL;
	}
	if (conn != NULL) {
		PQfinish(conn);
		conn = NULL;
	}
	while ((q = inflight) != NULL || (q = TAILQ_FIRST(&queue)) != NULL) {
		if (q == inflight)
			inflight = NULL;
		else
			TAILQ_REMOVE(&queue, q, entry);
		q->done(q->arg, NULL);
		pgq_free(q);
	}
	if (!stopping) {
		backoff = BACKOFF_MIN_US;
		lws_sul_schedule(ctx, 0, &sul_retry, pg_connect, backoff);
	}
}

/* Send the next queued query when none is running. */
static void
pg_next(void)
{
	struct pgq	*q;
	char		 why[256];

	if (conn == NULL || pgwsi == NULL || inflight != NULL ||
	    (q = TAILQ_FIRST(&queue)) == NULL)
		return;
	TAILQ_REMOVE(&queue, q, entry);
	inflight = q;
	if (!PQsendQueryParams(conn, q->sql, q->n, NULL,
	    (const char *const *)q->params, NULL, NULL, 0)) {
		pg_why(why, sizeof(why));
		lws_set_timeout(pgwsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		pgwsi = NULL;
		pg_drop(why);
		return;
	}
	if (PQflush(conn) == 1)
		lws_sul_schedule(ctx, 0, &sul_flush, pg_flush, 1000);
}

/*
 * Queue a query (sql must be a constant; params are copied). done(arg,
 * result) is called once: with the result (which done must not keep:
 * it is cleared after), or with NULL when the connection was lost.
 * Returns 0, or -1 (out of memory; done is not called).
 */
int
pg_query(const char *sql, int n, const char *const *params, pg_done_fn done,
    void *arg)
{
	struct pgq	*q;
	int		 i;

	if (n > 4 || (q = calloc(1, sizeof(*q))) == NULL)
		return -1;
	q->sql = sql;
	q->done = done;
	q->arg = arg;
	for (i = 0; i < n; i++) {
		if ((q->params[i] = strdup(params[i])) == NULL) {
			q->n = i;
			pgq_free(q);
			return -1;
		}
	}
	q->n = n;
	TAILQ_INSERT_TAIL(&queue, q, entry);
	pg_next();
	return 0;
}

/*
 * Relay pending notifications: a batch per loop pass, so that a burst
 * is paced by the clients' writes (each writes one message a pass)
 * instead of filling every queue at once; one a pass while some client
 * has a long queue. The rest waits in libpq for the next pass.
 */
static void
pg_notifies(void)
{
	static unsigned long	 done_pass;
	PGnotify		*n;
	int			 budget = cl_pressure() ? 1 : NOTIFY_BATCH;

	if (done_pass == loop_pass && done_pass != 0)
		budget = 0;	/* one batch a pass */
	done_pass = loop_pass;
	while (conn != NULL && budget-- > 0) {
		if ((n = held) != NULL)
			held = NULL;
		else if ((n = PQnotifies(conn)) == NULL)
			return;
		if (strcmp(n->relname, CHANNEL) == 0)
			ev_payload(n->extra, strlen(n->extra));
		PQfreemem(n);
	}
	if (conn != NULL && pgwsi != NULL &&
	    (held != NULL || (held = PQnotifies(conn)) != NULL)) {
		/* wake the next poll: LWS_CALLBACK_EVENT_WAIT_CANCELLED */
		more = 1;
		lws_cancel_service(ctx);
	}
}

/* Collect the running query's result without blocking. */
static void
pg_results(void)
{
	PGresult	*r;
	struct pgq	*q;

	while (conn != NULL && inflight != NULL && !PQisBusy(conn)) {
		if ((r = PQgetResult(conn)) != NULL) {
			if (inres == NULL)
				inres = r;
			else
				PQclear(r);	/* one statement: not reached */
			continue;
		}
		q = inflight;
		r = inres;
		inflight = NULL;
		inres = NULL;
		q->done(q->arg, r);
		PQclear(r);
		pgq_free(q);
		pg_notifies();
		pg_next();
	}
}

/* A query did not go out at once (full socket buffer): push on. */
static void
pg_flush(lws_sorted_usec_list_t *sul)
{
	if (conn != NULL && pgwsi != NULL && PQflush(conn) == 1)
		lws_sul_schedule(ctx, 0, &sul_flush, pg_flush, 1000);
}

/* lws callback of the adopted PostgreSQL socket. */
int
pg_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	char why[256];

	switch (reason) {
	case LWS_CALLBACK_RAW_RX_FILE:
		if (wsi != pgwsi || conn == NULL)
			return -1;
		if (!PQconsumeInput(conn)) {
			pg_why(why, sizeof(why));
			pgwsi = NULL;
			pg_drop(why);
			return -1;
		}
		pg_notifies();
		pg_results();
		pg_notifies();
		if (conn != NULL && PQstatus(conn) == CONNECTION_BAD) {
			pg_why(why, sizeof(why));
			pgwsi = NULL;
			pg_drop(why);
			return -1;
		}
		break;
	case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
		/* a pass went by since the last batch: the next one */
		if (more) {
			more = 0;
			pg_notifies();
		}
		break;
	case LWS_CALLBACK_RAW_CLOSE_FILE:
		if (wsi == pgwsi) {
			pgwsi = NULL;
			if (conn != NULL)
				pg_drop("the socket was closed");
		}
		break;
	default:
		break;
	}
	return 0;
}

/* Connect, LISTEN and adopt the socket; on failure retry later. */
static void
pg_connect(lws_sorted_usec_list_t *sul)
{
	static const char *const kw[] = { "dbname", "connect_timeout",
	    "application_name", NULL };
	const char		*val[] = { setting_str("DATABASE_URL"), "5",
	    "octopod-notifier", NULL };
	lws_sock_file_fd_type	 fd;
	PGresult		*r;
	char			 why[256];

	conn = PQconnectdbParams(kw, val, 1);
	if (PQstatus(conn) != CONNECTION_OK)
		goto fail;
	r = PQexec(conn, SQL_LISTEN);
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		PQclear(r);
		goto fail;
	}
	PQclear(r);
	if (PQsetnonblocking(conn, 1) == -1)
		goto fail;
	if ((fd.filefd = dup(PQsocket(conn))) == -1)
		goto fail;
	pgwsi = lws_adopt_descriptor_vhost(vhost, LWS_ADOPT_RAW_FILE_DESC, fd,
	    "pg", NULL);
	if (pgwsi == NULL)	/* lws closed the dup */
		goto fail;
	log_info("listening on channel %s", CHANNEL);
	backoff = 0;
	cl_resync();
	out_kick_all();
	pg_next();
	/* anything that arrived with the LISTEN's answer */
	pg_notifies();
	return;
fail:
	pg_why(why, sizeof(why));
	if (backoff == BACKOFF_MIN_US || backoff == 0)
		log_warn("could not connect to the database: %s", why);
	PQfinish(conn);
	conn = NULL;
	backoff = backoff == 0 ? BACKOFF_MIN_US : backoff * 2;
	if (backoff > BACKOFF_MAX_US)
		backoff = BACKOFF_MAX_US;
	if (!stopping)
		lws_sul_schedule(ctx, 0, &sul_retry, pg_connect, backoff);
}

int
pg_up(void)
{
	return conn != NULL && pgwsi != NULL;
}

void
pg_start(void)
{
	pg_connect(&sul_retry);
}

void
pg_stop(void)
{
	stopping = 1;
	lws_sul_cancel(&sul_retry);
	lws_sul_cancel(&sul_flush);
	if (conn != NULL) {
		if (pgwsi != NULL)
			lws_set_timeout(pgwsi, PENDING_TIMEOUT_USER_OK,
			    LWS_TO_KILL_SYNC);
		pgwsi = NULL;
		if (conn != NULL)
			pg_drop("stopping");
	}
}
