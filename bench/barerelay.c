/*
 * bench/barerelay.c: the limit beside "commit -> ws client": a bare
 * NOTIFY -> websocket relay, the least a relay can do on the notifier's
 * path (one LISTEN connection adopted into a libwebsockets loop on a unix
 * socket, behind the same nginx). No sequences, subscriptions, queues
 * bounds, resync or JSON parsing: any client message is answered with
 * {"type":"subscribed"}, and each notification on octopod_events is sent
 * to every client as {"event":PAYLOAD}.
 *
 *	barerelay SOCKET	(DATABASE_URL is the database)
 */
#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <libwebsockets.h>

#define RING	1024		/* messages kept for slow clients */
#define MSGMAX	1024		/* bytes of one message */

struct msg {
	unsigned char	buf[LWS_PRE + MSGMAX];
	size_t		len;
};

struct pss {
	unsigned long	next;	/* the next message this client gets */
	int		ack;	/* owes a {"type":"subscribed"} */
};

static struct msg		 ring[RING];
static unsigned long		 head;	/* messages ever stored */
static struct lws_context	*ctx;
static PGconn			*conn;
static volatile sig_atomic_t	 quit;
static const struct lws_protocols *wsproto;	/* protocols[0] */

static void
put(const char *payload)
{
	struct msg	*m = &ring[head % RING];
	int		 n;

	n = snprintf((char *)m->buf + LWS_PRE, MSGMAX, "{\"event\":%s}",
	    payload);
	if (n < 0 || n >= MSGMAX)
		return;
	m->len = (size_t)n;
	head++;
}

static int
ws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	struct pss	*p = user;
	unsigned char	 ack[LWS_PRE + 32];
	struct msg	*m;

	(void)in;
	(void)len;
	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		p->next = head;
		p->ack = 0;
		break;
	case LWS_CALLBACK_RECEIVE:
		p->ack = 1;
		lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		if (p->ack) {
			memcpy(ack + LWS_PRE, "{\"type\":\"subscribed\"}", 21);
			p->ack = 0;
			p->next = head;
			if (lws_write(wsi, ack + LWS_PRE, 21, LWS_WRITE_TEXT) < 21)
				return -1;
		} else if (p->next < head) {
			if (head - p->next > RING)
				p->next = head - RING;
			m = &ring[p->next % RING];
			p->next++;
			if (lws_write(wsi, m->buf + LWS_PRE, m->len,
			    LWS_WRITE_TEXT) < (int)m->len)
				return -1;
		}
		if (p->ack || p->next < head)
			lws_callback_on_writable(wsi);
		break;
	default:
		break;
	}
	return 0;
}

static int
pg_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user,
    void *in, size_t len)
{
	PGnotify	*no;
	unsigned long	 was = head;

	(void)wsi;
	(void)user;
	(void)in;
	(void)len;
	if (reason != LWS_CALLBACK_RAW_RX_FILE)
		return 0;
	if (!PQconsumeInput(conn))
		errx(1, "%s", PQerrorMessage(conn));
	while ((no = PQnotifies(conn)) != NULL) {
		put(no->extra);
		PQfreemem(no);
	}
	if (head != was)
		lws_callback_on_writable_all_protocol(ctx, wsproto);
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "bare", ws_cb, sizeof(struct pss), 4096, 0, NULL, 0 },
	{ "pg", pg_cb, 0, 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void
on_signal(int sig)
{
	(void)sig;
	quit = 1;
	if (ctx != NULL)
		lws_cancel_service(ctx);
}

int
main(int argc, char *argv[])
{
	struct lws_context_creation_info	 info;
	struct lws_vhost			*vh;
	lws_sock_file_fd_type			 fd;
	PGresult				*r;
	const char				*url = getenv("DATABASE_URL");

	if (argc != 2)
		errx(2, "usage: barerelay SOCKET");
	wsproto = &protocols[0];
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	lws_set_log_level(LLL_ERR, NULL);

	conn = PQconnectdb(url != NULL ? url : "");
	if (PQstatus(conn) != CONNECTION_OK)
		errx(1, "could not connect: %s", PQerrorMessage(conn));
	r = PQexec(conn, "LISTEN octopod_events");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
		errx(1, "LISTEN: %s", PQerrorMessage(conn));
	PQclear(r);
	PQsetnonblocking(conn, 1);

	unlink(argv[1]);
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_UNIX_SOCK;
	info.iface = argv[1];
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.vhost_name = "default";
	if ((ctx = lws_create_context(&info)) == NULL)
		errx(1, "could not listen on %s", argv[1]);
	if ((vh = lws_get_vhost_by_name(ctx, "default")) == NULL)
		errx(1, "no vhost");
	if (chmod(argv[1], 0666) == -1)
		err(1, "chmod %s", argv[1]);
	if ((fd.filefd = dup(PQsocket(conn))) == -1)
		err(1, "dup");
	if (lws_adopt_descriptor_vhost(vh, LWS_ADOPT_RAW_FILE_DESC, fd, "pg",
	    NULL) == NULL)
		errx(1, "could not adopt the database socket");
	while (!quit)
		if (lws_service(ctx, 0) < 0)
			break;
	lws_context_destroy(ctx);
	PQfinish(conn);
	unlink(argv[1]);
	return 0;
}
