/*
 * notifier/output.c: live output of actions. A watch per action that
 * some client follows; an output event (or the action's end) marks it
 * dirty and one query reads the chunks after the lowest seq any of its
 * clients has, FETCH_ROWS at a time, together with the action's state.
 * Each client gets the chunks past its own last seq. Once the state is
 * terminal and no chunk is left, the clients get output_end: the runner
 * stores the last chunks before it commits the end of the action, so a
 * query that sees the terminal state sees all of them.
 */
#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define STR_(x)	#x
#define STR(x)	STR_(x)

static const char SQL_FETCH[] =
	"SELECT a.state, a.exit_code, o.seq, o.stream, o.data "
	"FROM actions a LEFT JOIN LATERAL (SELECT seq, stream, data "
	"  FROM action_output WHERE action_id = a.id AND seq > $2 "
	"  ORDER BY seq LIMIT " STR(FETCH_ROWS) ") o ON true "
	"WHERE a.id = $1 ORDER BY o.seq";

struct watch {
	TAILQ_ENTRY(watch)	 entry;
	long long		 action;
	int			 nsubs;
	int			 busy;		/* a query is queued or running */
	int			 dirty;		/* fetch again when it ends */
	int			 stalled;	/* more to read, clients full */
};
static TAILQ_HEAD(, watch)	 watches = TAILQ_HEAD_INITIALIZER(watches);

static void	fetched(void *, PGresult *);

static struct watch *
watch_find(long long action)
{
	struct watch *w;

	TAILQ_FOREACH(w, &watches, entry)
		if (w->action == action)
			return w;
	return NULL;
}

static void
watch_free(struct watch *w)
{
	TAILQ_REMOVE(&watches, w, entry);
	free(w);
}

static struct osub *
osub_of(struct client *c, long long action)
{
	int i;

	for (i = 0; i < OUTS_MAX; i++)
		if (c->outs[i].action == action)
			return &c->outs[i];
	return NULL;
}

/* Start a query for w, or mark it for one when a query is running. */
static void
fetch(struct watch *w)
{
	struct client	*c;
	struct osub	*s;
	long long	 from = -1;
	char		 id[32], after[32];
	const char	*p[2] = { id, after };

	if (w->busy) {
		w->dirty = 1;
		return;
	}
	TAILQ_FOREACH(c, &clients, entry)
		if ((s = osub_of(c, w->action)) != NULL &&
		    (from < 0 || s->last < from))
			from = s->last;
	if (from < 0)
		return;
	snprintf(id, sizeof(id), "%lld", w->action);
	snprintf(after, sizeof(after), "%lld", from);
	if (pg_query(SQL_FETCH, 2, p, fetched, w) == -1) {
		w->dirty = 1;
		return;
	}
	w->busy = 1;
	w->dirty = 0;
	w->stalled = 0;
}

/* Chunks rows from..n-1 of r with seq > after, as a JSON array. */
static json_t *
chunks_after(PGresult *r, int n, long long after, long long *last)
{
	json_t		*a = json_array();
	long long	 seq;
	int		 i;

	for (i = 0; a != NULL && i < n; i++) {
		seq = strtoll(PQgetvalue(r, i, 2), NULL, 10);
		if (seq <= after)
			continue;
		json_array_append_new(a, json_pack("{s:I, s:s, s:s}", "seq",
		    (json_int_t)seq, "stream", PQgetvalue(r, i, 3), "data",
		    PQgetvalue(r, i, 4)));
		*last = seq;
	}
	return a;
}

static json_t *
output_msg(long long action, json_t *chunks)
{
	return json_pack("{s:s, s:I, s:o}", "type", "output", "action",
	    (json_int_t)action, "chunks", chunks);
}

/*
 * The answer to a fetch: send the chunks, then output_end when the
 * action is over, else fetch again if more came meanwhile.
 */
static void
fetched(void *arg, PGresult *r)
{
	struct watch	*w = arg;
	struct client	*c;
	struct osub	*s;
	struct msg	*all = NULL, *end;
	long long	 first = 0, last;
	int		 n = 0, more, over, full = 0;
	char		 state[32], msg[128];
	json_t		*exit_code;

	w->busy = 0;
	if (w->nsubs == 0) {
		watch_free(w);
		return;
	}
	if (r == NULL) {		/* connection lost: after reconnect */
		w->dirty = 1;
		return;
	}
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		log_warn("could not read the output of action %lld: %s",
		    w->action, PQresultErrorMessage(r));
		return;
	}
	if (PQntuples(r) == 0) {
		snprintf(msg, sizeof(msg), "no action %lld", w->action);
		TAILQ_FOREACH(c, &clients, entry) {
			if ((s = osub_of(c, w->action)) == NULL)
				continue;
			cl_send_json_new(c, json_pack("{s:s, s:I, s:{s:s, s:s}}",
			    "type", "error", "action", (json_int_t)w->action,
			    "error", "code", "not_found", "message", msg));
			s->action = 0;
		}
		watch_free(w);
		return;
	}
	strlcpy_(state, PQgetvalue(r, 0, 0), sizeof(state));
	exit_code = PQgetisnull(r, 0, 1) ? json_null() :
	    json_integer(strtoll(PQgetvalue(r, 0, 1), NULL, 10));
	if (!PQgetisnull(r, 0, 2)) {
		n = PQntuples(r);
		first = strtoll(PQgetvalue(r, 0, 2), NULL, 10);
	}
	more = n == FETCH_ROWS;
	over = !more && strcmp(state, "queued") != 0 &&
	    strcmp(state, "running") != 0;
	end = over ? msg_json_new(json_pack("{s:s, s:I, s:s, s:O}", "type",
	    "output_end", "action", (json_int_t)w->action, "state", state,
	    "exit_code", exit_code)) : NULL;

	TAILQ_FOREACH(c, &clients, entry) {
		if ((s = osub_of(c, w->action)) == NULL)
			continue;
		if (n > 0 && s->last < first) {
			if (all == NULL)
				all = msg_json_new(output_msg(w->action,
				    chunks_after(r, n, s->last, &last)));
			cl_send(c, all);
			s->last = strtoll(PQgetvalue(r, n - 1, 2), NULL, 10);
		} else if (n > 0) {
			last = s->last;
			json_t *a = chunks_after(r, n, s->last, &last);

			if (json_array_size(a) > 0)
				cl_send_json_new(c, output_msg(w->action, a));
			else
				json_decref(a);
			s->last = last;
		}
		if (over) {
			cl_send(c, end);
			s->action = 0;
			w->nsubs--;
		} else if (c->qbytes > queue_max_bytes / 2)
			full = 1;
	}
	msg_unref(all);
	msg_unref(end);
	json_decref(exit_code);
	if (over || w->nsubs == 0) {
		watch_free(w);
		return;
	}
	if (more && full)
		w->stalled = 1;
	else if (more || w->dirty)
		fetch(w);
}

/*
 * Follow the output of action from chunk seq after on (the caller then
 * calls out_kick). Returns 0, or -1 when c follows too many.
 */
int
out_subscribe(struct client *c, long long action, long long after)
{
	struct osub	*s;
	struct watch	*w;

	if ((s = osub_of(c, action)) != NULL) {
		s->last = after;
		return 0;
	}
	if ((s = osub_of(c, 0)) == NULL)
		return -1;
	if ((w = watch_find(action)) == NULL) {
		if ((w = calloc(1, sizeof(*w))) == NULL)
			return -1;
		w->action = action;
		TAILQ_INSERT_TAIL(&watches, w, entry);
	}
	s->action = action;
	s->last = after;
	w->nsubs++;
	return 0;
}

void
out_unsubscribe(struct client *c, long long action)
{
	struct osub	*s;
	struct watch	*w;

	if ((s = osub_of(c, action)) == NULL)
		return;
	s->action = 0;
	if ((w = watch_find(action)) == NULL)
		return;
	if (--w->nsubs == 0 && !w->busy)
		watch_free(w);
}

void
out_client_gone(struct client *c)
{
	int i;

	for (i = 0; i < OUTS_MAX; i++)
		if (c->outs[i].action != 0)
			out_unsubscribe(c, c->outs[i].action);
}

/* New output or the end of action: read it if someone follows it. */
void
out_kick(long long action)
{
	struct watch *w;

	if ((w = watch_find(action)) != NULL)
		fetch(w);
}

/* After a reconnect: read everything followed. */
void
out_kick_all(void)
{
	struct watch *w;

	TAILQ_FOREACH(w, &watches, entry)
		fetch(w);
}

/* c's queue has room again: resume the fetches it held back. */
void
out_drained(struct client *c)
{
	struct watch	*w;
	int		 i;

	for (i = 0; i < OUTS_MAX; i++)
		if (c->outs[i].action != 0 &&
		    (w = watch_find(c->outs[i].action)) != NULL && w->stalled)
			fetch(w);
}
