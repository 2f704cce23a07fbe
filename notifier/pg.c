/*
 * notifier/pg.c: the one PostgreSQL connection. It LISTENs on
 * octopod_events and runs the notifier's few queries, one at a time,
 * without blocking: a dup() of its socket is adopted into the lws loop
 * (ENV-NOTES), results and notifications are read when it is readable.
 * The connection itself is made the same way (PQconnectStartParams, then
 * PQconnectPoll whenever the socket is ready), so that a database that
 * does not answer never stalls the clients: one host of DATABASE_URL at
 * a time, each for the connect timeout (lib/pgconn.c), then the next.
 * A lost connection is retried with backoff (an lws_sul timer); after
 * every connect the clients are told to resync, as notifications sent
 * meanwhile are lost.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"
#include "pgconn.h"

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
static lws_sorted_usec_list_t	 sul_connect;	/* pgc_timeout() a host */
static lws_sorted_usec_list_t	 sul_write;	/* ask for POLLOUT, later */
static int			 connecting;	/* PQconnectPoll not done */
static int			 listening;	/* LISTEN answered */
static int			 pgsock = -1;	/* PQsocket() pgwsi watches */
static ino_t			 pgino;		/* and its inode */
static int			 more;	/* notifications wait for a pass */
static lws_usec_t		 backoff;
static int			 stopping;
static int			 hostn;		/* the host being tried */
static char			 fails[1024];	/* this round's, one line */

static const char SQL_LISTEN[] = "LISTEN " CHANNEL;

static void	pg_connect(lws_sorted_usec_list_t *);
static void	pg_flush(lws_sorted_usec_list_t *);
static void	pg_connect_fail(const char *);
static void	pg_attempt(lws_sorted_usec_list_t *);
static void	pg_connect_step(void);

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
	listening = 0;
	connecting = 0;
	lws_sul_cancel(&sul_connect);
	pgsock = -1;
	if (!stopping)
		proctitle_set(NULL, "octopod-notifier: connecting");
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

	if (conn == NULL || pgwsi == NULL || connecting || inflight != NULL ||
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
static int	pg_queue(const char *, int, const char *const *, pg_done_fn,
		    void *, int);

int
pg_query(const char *sql, int n, const char *const *params, pg_done_fn done,
    void *arg)
{
	return pg_queue(sql, n, params, done, arg, 0);
}

/* pg_query, at the head of the queue when first is set. */
static int
pg_queue(const char *sql, int n, const char *const *params, pg_done_fn done,
    void *arg, int first)
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
	if (first)
		TAILQ_INSERT_HEAD(&queue, q, entry);
	else
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
	case LWS_CALLBACK_RAW_WRITEABLE_FILE:
		if (wsi != pgwsi || conn == NULL)
			return -1;
		if (connecting) {
			pg_connect_step();
			break;
		}
		if (reason == LWS_CALLBACK_RAW_WRITEABLE_FILE)
			break;
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

/* The answer to LISTEN: from now on the events flow. */
static void
listen_done(void *arg, PGresult *r)
{
	(void)arg;
	if (r == NULL)
		return;		/* lost meanwhile: pg_drop retries */
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		char why[256];

		strlcpy_(why, PQresultErrorMessage(r), sizeof(why));
		why[strcspn(why, "\n")] = '\0';
		/* as a lost connection: dropped, tried again later */
		if (pgwsi != NULL)
			lws_set_timeout(pgwsi, PENDING_TIMEOUT_USER_OK,
			    LWS_TO_KILL_ASYNC);
		pgwsi = NULL;
		pg_drop(why);
		return;
	}
	pgc_connected(NULL);
	proctitle_set(NULL, "octopod-notifier: listening");
	log_info("listening on channel %s", CHANNEL);
	listening = 1;
	backoff = 0;
	cl_resync();
	out_kick_all();
}

/*
 * Ask for the socket's writability from outside any callback: lws drops
 * POLLOUT from a raw file's events right after its writable callback
 * returns, so a request made inside that callback (PQconnectPoll saying
 * PGRES_POLLING_WRITING twice in a row, as a TCP connect does: once when
 * connect() is under way, again once it is made, before the startup
 * packet) would be lost, and the connect would wait for ever.
 */
static void
pg_want_write(lws_sorted_usec_list_t *sul)
{
	(void)sul;
	if (pgwsi != NULL)
		lws_callback_on_writable(pgwsi);
}

/*
 * Watch libpq's socket in the loop: adopt a dup() of it (again when
 * libpq moved to another one, as it may while connecting: to the next
 * address of a host, often under the same descriptor number, hence the
 * inode), readable always, writable when asked (on the next loop pass,
 * see pg_want_write). Returns -1 on failure.
 */
static int
pg_watch(int want_write)
{
	lws_sock_file_fd_type	 fd;
	struct stat		 st;
	int			 s = PQsocket(conn);

	if (s < 0 || fstat(s, &st) == -1)
		return -1;
	if (pgwsi != NULL && (s != pgsock || st.st_ino != pgino)) {
		lws_set_timeout(pgwsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		pgwsi = NULL;
	}
	if (pgwsi == NULL) {
		if ((fd.filefd = dup(s)) == -1)
			return -1;
		pgwsi = lws_adopt_descriptor_vhost(vhost,
		    LWS_ADOPT_RAW_FILE_DESC, fd, "pg", NULL);
		if (pgwsi == NULL)	/* lws closed the dup */
			return -1;
		pgsock = s;
		pgino = st.st_ino;
	}
	if (want_write)
		lws_sul_schedule(ctx, 0, &sul_write, pg_want_write, 1);
	return 0;
}

/* One step of the connection, when its socket is ready. */
static void
pg_connect_step(void)
{
	switch (PQconnectPoll(conn)) {
	case PGRES_POLLING_READING:
		if (pg_watch(0) == -1)
			pg_connect_fail(NULL);
		return;
	case PGRES_POLLING_WRITING:
		if (pg_watch(1) == -1)
			pg_connect_fail(NULL);
		return;
	case PGRES_POLLING_OK:
		break;
	default:
		pg_connect_fail(NULL);
		return;
	}
	connecting = 0;
	lws_sul_cancel(&sul_connect);
	if (PQsetnonblocking(conn, 1) == -1 || pg_watch(0) == -1 ||
	    pg_queue(SQL_LISTEN, 0, NULL, listen_done, NULL, 1) == -1) {
		pg_connect_fail(NULL);
		return;
	}
	pg_next();
}

/* The host being tried did not answer within pgc_timeout(). */
static void
pg_connect_late(lws_sorted_usec_list_t *sul)
{
	char why[256];

	(void)sul;
	if (!connecting)
		return;
	/* as libpq says it, which names the host */
	snprintf(why, sizeof(why), "connection to server at \"%s\", port %s "
	    "failed: no answer within %d s", PQhost(conn) ? PQhost(conn) : "",
	    PQport(conn) ? PQport(conn) : "", pgc_timeout());
	pg_connect_fail(why);
}

/*
 * Try host hostn of DATABASE_URL alone (pgc_host_params): libpq leaves
 * the timeout of a non-blocking connect to its caller and cannot be told
 * to skip to its next host, so each host is an attempt of its own, with
 * its own pgc_timeout(); the socket's readiness drives the rest.
 */
static void
pg_attempt(lws_sorted_usec_list_t *sul)
{
	const char	**kw, **val;
	int		  t = pgc_timeout();

	(void)sul;
	if (pgc_host_params(hostn, "octopod-notifier", &kw, &val) == -1) {
		pg_connect_fail("DATABASE_URL is not a valid conninfo");
		return;
	}
	conn = PQconnectStartParams(kw, val, 0);
	if (conn == NULL || PQstatus(conn) == CONNECTION_BAD) {
		pg_connect_fail(NULL);
		return;
	}
	connecting = 1;
	if (t > 0)
		lws_sul_schedule(ctx, 0, &sul_connect, pg_connect_late,
		    (lws_usec_t)t * LWS_USEC_PER_SEC);
	/* as after PGRES_POLLING_WRITING (libpq's documented start) */
	if (pg_watch(1) == -1)
		pg_connect_fail(NULL);
}

/* Start a round: every host of DATABASE_URL in turn, the first first. */
static void
pg_connect(lws_sorted_usec_list_t *sul)
{
	hostn = 0;
	fails[0] = '\0';
	pg_attempt(sul);
}

/*
 * An attempt failed (why: NULL for libpq's message): drop it and try the
 * next host at once; after the last, say why each failed (one line, once
 * an outage) and start again after the backoff.
 */
static void
pg_connect_fail(const char *reason)
{
	char	 why[512];
	size_t	 n;

	if (reason != NULL)
		strlcpy_(why, reason, sizeof(why));
	else
		pgc_oneline(conn != NULL ? PQerrorMessage(conn) :
		    "out of memory", why, sizeof(why));
	n = strlen(fails);
	snprintf(fails + n, sizeof(fails) - n, "%s%s", n > 0 ? "; " : "", why);
	connecting = 0;
	lws_sul_cancel(&sul_connect);
	lws_sul_cancel(&sul_write);
	if (pgwsi != NULL) {
		lws_set_timeout(pgwsi, PENDING_TIMEOUT_USER_OK,
		    LWS_TO_KILL_ASYNC);
		pgwsi = NULL;
	}
	pgsock = -1;
	PQfinish(conn);
	conn = NULL;
	if (stopping)
		return;
	if (++hostn < pgc_hosts()) {
		log_info("%s: trying the next host", why);
		/* from the loop, not from inside this socket's callback */
		lws_sul_schedule(ctx, 0, &sul_retry, pg_attempt, 1);
		return;
	}
	pgc_failed(NULL, fails);
	backoff = backoff == 0 ? BACKOFF_MIN_US : backoff * 2;
	if (backoff > BACKOFF_MAX_US)
		backoff = BACKOFF_MAX_US;
	lws_sul_schedule(ctx, 0, &sul_retry, pg_connect, backoff);
}

int
pg_up(void)
{
	return conn != NULL && pgwsi != NULL && listening;
}

void
pg_start(void)
{
	proctitle_set(NULL, "octopod-notifier: connecting");
	pg_connect(&sul_retry);
}

void
pg_stop(void)
{
	stopping = 1;
	lws_sul_cancel(&sul_retry);
	lws_sul_cancel(&sul_flush);
	lws_sul_cancel(&sul_connect);
	lws_sul_cancel(&sul_write);
	connecting = 0;
	if (conn != NULL) {
		if (pgwsi != NULL)
			lws_set_timeout(pgwsi, PENDING_TIMEOUT_USER_OK,
			    LWS_TO_KILL_SYNC);
		pgwsi = NULL;
		if (conn != NULL)
			pg_drop("stopping");
	}
}
