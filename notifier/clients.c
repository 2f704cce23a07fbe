/*
 * notifier/clients.c: the connected clients, what they follow, and their
 * send queues. A message is built once and shared (refcounted) by every
 * queue it is put on; each client drains its queue at its own pace, one
 * write per writeable callback. A client whose queue passes
 * NOTIFIER_QUEUE_BYTES or NOTIFIER_QUEUE_MSGS is dropped: it never holds
 * the others back.
 */
#include <stdlib.h>
#include <string.h>

#include "extern.h"

struct clientq	 clients = TAILQ_HEAD_INITIALIZER(clients);
size_t		 nclients;
static size_t	 ndropped;
static size_t	 npressed;	/* clients with a long queue */

/* A message holding a copy of s (len bytes); refs 1, or NULL. */
struct msg *
msg_new(const char *s, size_t len)
{
	struct msg *m;

	if ((m = malloc(sizeof(*m) + LWS_PRE + len)) == NULL)
		return NULL;
	m->refs = 1;
	m->len = len;
	memcpy(m->buf + LWS_PRE, s, len);
	return m;
}

/* A message of j, compact; j stays the caller's. NULL on failure. */
struct msg *
msg_json(json_t *j)
{
	struct msg	*m;
	size_t		 n;

	if (j == NULL || (n = json_dumpb(j, NULL, 0, JSON_COMPACT)) == 0)
		return NULL;
	if ((m = malloc(sizeof(*m) + LWS_PRE + n)) == NULL)
		return NULL;
	m->refs = 1;
	m->len = json_dumpb(j, (char *)m->buf + LWS_PRE, n, JSON_COMPACT);
	return m;
}

/* As msg_json, and releases j. */
struct msg *
msg_json_new(json_t *j)
{
	struct msg *m = msg_json(j);

	json_decref(j);
	return m;
}

void
msg_unref(struct msg *m)
{
	if (m != NULL && --m->refs == 0)
		free(m);
}

/* Keep npressed: c's queue is long past an eighth of a bound. */
static void
cl_pressed(struct client *c)
{
	int p = !c->dropped && (c->qlen > queue_max_msgs / 8 ||
	    c->qbytes > queue_max_bytes / 8);

	if (p != c->pressed) {
		c->pressed = p;
		if (p)
			npressed++;
		else
			npressed--;
	}
}

/* Whether some client has a long queue (pg.c then relays slower). */
int
cl_pressure(void)
{
	return npressed > 0;
}

static void
cl_queue_free(struct client *c)
{
	while (c->qlen > 0) {
		msg_unref(c->q[c->qhead]);
		c->qhead = (c->qhead + 1) % c->qcap;
		c->qlen--;
	}
	free(c->q);
	c->q = NULL;
	c->qhead = c->qcap = c->qbytes = 0;
	cl_pressed(c);
}

/* A new client (c is lws's zeroed per-session data): say hello. */
void
cl_open(struct client *c, struct lws *wsi)
{
	c->wsi = wsi;
	TAILQ_INSERT_TAIL(&clients, c, entry);
	c->linked = 1;
	nclients++;
	cl_send_json_new(c, json_pack("{s:s, s:I, s:I, s:b}", "type", "hello",
	    "seq", (json_int_t)ev_seq, "epoch", (json_int_t)epoch,
	    "listening", pg_up()));
}

/* The client is gone: release everything it holds (not c itself). */
void
cl_close(struct client *c)
{
	int i;

	if (!c->linked)
		return;
	TAILQ_REMOVE(&clients, c, entry);
	c->linked = 0;
	nclients--;
	cl_queue_free(c);
	for (i = 0; i < DEPS_MAX; i++) {
		free(c->deps[i]);
		c->deps[i] = NULL;
	}
	out_client_gone(c);
}

/* Drop a client that does not keep up. */
static void
cl_drop(struct client *c)
{
	log_warn("dropped a slow client (%s): %zu messages, %zu bytes queued",
	    *c->actor ? c->actor : "-", c->qlen, c->qbytes);
	c->dropped = 1;
	ndropped++;
	cl_queue_free(c);
	lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

size_t
cl_drops(void)
{
	return ndropped;
}

/*
 * Queue m for c (takes a reference of its own). Returns 0, or -1 when c
 * is (now) dropped or memory ran out.
 */
int
cl_send(struct client *c, struct msg *m)
{
	struct msg	**nq;
	size_t		  i, ncap;

	if (c->dropped || m == NULL)
		return -1;
	if (c->qlen > 0 && (c->qlen + 1 > queue_max_msgs ||
	    c->qbytes + m->len > queue_max_bytes)) {
		cl_drop(c);
		return -1;
	}
	if (c->qlen == c->qcap) {
		ncap = c->qcap ? c->qcap * 2 : 8;
		if ((nq = malloc(ncap * sizeof(*nq))) == NULL) {
			cl_drop(c);
			return -1;
		}
		for (i = 0; i < c->qlen; i++)
			nq[i] = c->q[(c->qhead + i) % c->qcap];
		free(c->q);
		c->q = nq;
		c->qcap = ncap;
		c->qhead = 0;
	}
	c->q[(c->qhead + c->qlen) % c->qcap] = m;
	c->qlen++;
	c->qbytes += m->len;
	m->refs++;
	cl_pressed(c);
	lws_callback_on_writable(c->wsi);
	return 0;
}

/* Queue j (released) for c; 0 or -1. */
int
cl_send_json_new(struct client *c, json_t *j)
{
	struct msg	*m = msg_json_new(j);
	int		 rc = cl_send(c, m);

	msg_unref(m);
	return rc;
}

/* Write the next queued message; 0, or -1 to close the connection. */
int
cl_writeable(struct client *c)
{
	struct msg *m;

	if (c->dropped)
		return -1;
	if (c->qlen == 0)
		return 0;
	m = c->q[c->qhead];
	if (lws_write(c->wsi, m->buf + LWS_PRE, m->len, LWS_WRITE_TEXT) <
	    (int)m->len)
		return -1;
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qlen--;
	c->qbytes -= m->len;
	msg_unref(m);
	cl_pressed(c);
	if (c->qlen > 0)
		lws_callback_on_writable(c->wsi);
	if (c->qbytes < queue_max_bytes / 4)
		out_drained(c);
	return 0;
}

/* An error frame: {"type":"error","error":{"code","message"}}. */
void
cl_error(struct client *c, const char *code, const char *message)
{
	cl_send_json_new(c, json_pack("{s:s, s:{s:s, s:s}}", "type", "error",
	    "error", "code", code, "message", message));
}

static int
cl_follows(struct client *c, const char *name)
{
	int i;

	if (c->list)
		return 1;
	if (name == NULL)
		return 0;
	for (i = 0; i < DEPS_MAX; i++)
		if (c->deps[i] != NULL && strcmp(c->deps[i], name) == 0)
			return 1;
	return 0;
}

/*
 * Send j (the caller's) to every client that follows the list, or the
 * deployment name (NULL: list followers only).
 */
void
cl_broadcast(json_t *j, const char *name)
{
	struct client	*c;
	struct msg	*m = NULL;

	TAILQ_FOREACH(c, &clients, entry) {
		if (c->dropped || !cl_follows(c, name))
			continue;
		if (m == NULL && (m = msg_json(j)) == NULL)
			return;
		cl_send(c, m);
	}
	msg_unref(m);
}

/* Tell every client to re-read: events may have been lost. */
void
cl_resync(void)
{
	struct client	*c;
	struct msg	*m;

	if (TAILQ_EMPTY(&clients))
		return;
	m = msg_json_new(json_pack("{s:s, s:I}", "type", "resync", "seq",
	    (json_int_t)ev_seq));
	TAILQ_FOREACH(c, &clients, entry)
		cl_send(c, m);
	msg_unref(m);
	log_info("told %zu clients to resync", nclients);
}

/* ---- client messages ------------------------------------------------ */

static int
dep_follow(struct client *c, const char *name, int on)
{
	int i, free_slot = -1;

	for (i = 0; i < DEPS_MAX; i++) {
		if (c->deps[i] == NULL) {
			if (free_slot < 0)
				free_slot = i;
		} else if (strcmp(c->deps[i], name) == 0) {
			if (!on) {
				free(c->deps[i]);
				c->deps[i] = NULL;
			}
			return 0;
		}
	}
	if (!on)
		return 0;
	if (free_slot < 0 || (c->deps[free_slot] = strdup(name)) == NULL)
		return -1;
	return 0;
}

/*
 * One message from a client (p, len: untrusted): a subscription change,
 * answered with an ack or an error frame.
 */
void
cl_message(struct client *c, const char *p, size_t len)
{
	struct cmsg	 m;
	json_t		*ack;
	const char	*code, *what;
	char		 why[256];

	if ((code = cmsg_parse(p, len, &m, why, sizeof(why))) != NULL) {
		cl_error(c, code, why);
		return;
	}
	what = cmsg_what(m.what);
	switch (m.what) {
	case CMSG_LIST:
		c->list = m.on;
		ack = json_pack("{s:s}", m.on ? "subscribe" : "unsubscribe",
		    what);
		break;
	case CMSG_DEPLOYMENT:
		if (dep_follow(c, m.name, m.on) == -1) {
			cl_error(c, "too_many", "too many deployments followed");
			return;
		}
		ack = json_pack("{s:s, s:s}", m.on ? "subscribe" :
		    "unsubscribe", what, "name", m.name);
		break;
	default:
		ack = json_pack("{s:s, s:I}", m.on ? "subscribe" :
		    "unsubscribe", what, "action", (json_int_t)m.action);
		break;
	}
	if (ack == NULL)
		return;
	json_object_set_new(ack, "type", json_string(m.on ? "subscribed" :
	    "unsubscribed"));
	json_object_set_new(ack, "seq", json_integer(ev_seq));
	if (m.what == CMSG_OUTPUT) {
		if (!m.on) {
			out_unsubscribe(c, m.action);
			cl_send_json_new(c, ack);
		} else {
			/* the ack goes before the first chunks */
			struct msg *msg = msg_json_new(ack);

			if (out_subscribe(c, m.action, m.after) == -1)
				cl_error(c, "too_many", "too many outputs "
				    "followed");
			else if (cl_send(c, msg) == 0)
				out_kick(m.action);
			msg_unref(msg);
		}
	} else
		cl_send_json_new(c, ack);
}
