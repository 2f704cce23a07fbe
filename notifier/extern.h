/*
 * notifier/extern.h: what the files of octopod-notifier share.
 *
 *	main.c		options, settings, the lws context, signals, the loop
 *	pg.c		the one PostgreSQL connection: LISTEN, reconnect, queries
 *	ws.c		the websocket protocol: connections, client messages
 *	clients.c	clients: subscriptions, bounded send queues, broadcast
 *	output.c	live output of actions: fetch new chunks, output_end
 *	cmsg.c		client messages parsed (pure, fuzzed)
 *	events.c	octopod_events payloads in, sequenced events out
 */
#ifndef NOTIFIER_EXTERN_H
#define NOTIFIER_EXTERN_H

#include <sys/queue.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <libwebsockets.h>

#include "octopod.h"

#define CHANNEL		"octopod_events"
#define RX_MAX		4096	/* largest client message, bytes */
#define DEPS_MAX	16	/* deployments one client may follow */
#define OUTS_MAX	8	/* actions' output one client may follow */
#define FETCH_ROWS	16	/* output chunks per query (16 KiB each at most) */

/* A message to send: shared by every client it goes to (refcounted). */
struct msg {
	int		 refs;
	size_t		 len;
	unsigned char	 buf[];		/* LWS_PRE bytes, then len bytes */
};

struct watch;

/* One output subscription of a client. */
struct osub {
	long long	 action;	/* 0: slot free */
	long long	 last;		/* last chunk seq sent */
};

/* A websocket client: lws's per-session data. */
struct client {
	struct lws		*wsi;
	TAILQ_ENTRY(client)	 entry;
	int			 linked;
	struct msg		**q;	/* ring of queued messages */
	size_t			 qhead, qlen, qcap;
	size_t			 qbytes;
	int			 dropped;
	int			 pressed;	/* counted in npressed */
	int			 list;	/* all deployment and action events */
	char			*deps[DEPS_MAX];
	struct osub		 outs[OUTS_MAX];
	char			 rx[RX_MAX + 1];
	size_t			 rxlen;
	int			 rxbad;	/* rest of this message is dropped */
	char			 actor[ACTOR_MAX_LEN + 1];
	/* UI_AUTH=oidc: closed when the session ends (ws.c) */
	lws_sorted_usec_list_t	 sul_expire;
	int			 expired;
};
TAILQ_HEAD(clientq, client);

/* A client's message, parsed (cmsg.c). */
enum cmsg_what { CMSG_LIST, CMSG_DEPLOYMENT, CMSG_OUTPUT, CMSG__MAX };
struct cmsg {
	int		 on;		/* subscribe (1) or unsubscribe (0) */
	enum cmsg_what	 what;
	char		 name[NAME_MAX_LEN + 1];	/* CMSG_DEPLOYMENT */
	long long	 action, after;			/* CMSG_OUTPUT */
};

/* main.c */
extern struct lws_context	*ctx;
extern struct lws_vhost		*vhost;
extern long long		 epoch;
extern size_t			 queue_max_bytes;
extern size_t			 queue_max_msgs;
extern unsigned long		 loop_pass;	/* lws_service calls */

/* msg (clients.c) */
struct msg	*msg_new(const char *, size_t);
struct msg	*msg_json(json_t *);
struct msg	*msg_json_new(json_t *);
void		 msg_unref(struct msg *);

/* clients.c */
extern struct clientq	 clients;
extern size_t		 nclients;
void		 cl_open(struct client *, struct lws *);
void		 cl_close(struct client *);
int		 cl_send(struct client *, struct msg *);
int		 cl_send_json_new(struct client *, json_t *);
int		 cl_writeable(struct client *);
void		 cl_error(struct client *, const char *, const char *);
void		 cl_message(struct client *, const char *, size_t);
void		 cl_broadcast(json_t *, const char *);
void		 cl_resync(void);
size_t		 cl_drops(void);
int		 cl_pressure(void);

/* cmsg.c */
const char	*cmsg_parse(const char *, size_t, struct cmsg *, char *, size_t);
const char	*cmsg_what(enum cmsg_what);

/* events.c */
extern long long	 ev_seq;
void		 ev_payload(const char *, size_t);

/* output.c */
int		 out_subscribe(struct client *, long long, long long);
void		 out_unsubscribe(struct client *, long long);
void		 out_client_gone(struct client *);
void		 out_kick(long long);
void		 out_kick_all(void);
void		 out_drained(struct client *);

/* pg.c */
/* stats.c: the client count, reported for /metrics */
void		 stats_start(void);

typedef void	(*pg_done_fn)(void *, PGresult *);
void		 pg_start(void);
void		 pg_stop(void);
int		 pg_up(void);
int		 pg_query(const char *, int, const char *const *, pg_done_fn,
		    void *);
int		 pg_callback(struct lws *, enum lws_callback_reasons, void *,
		    void *, size_t);

/* ws.c */
int		 ws_callback(struct lws *, enum lws_callback_reasons, void *,
		    void *, size_t);

#endif
