/*
 * octopod-notifier: relays the octopod_events notifications of PostgreSQL
 * to websocket clients, and streams the output of running actions.
 *
 *	octopod-notifier [-dn] [-s socket]
 *	  -d  stay in the foreground, log to stderr (the default here)
 *	  -n  check the settings, print them (secrets masked) and exit
 *	  -s  the unix socket to listen on (default NOTIFIER_SOCKET)
 *
 * One thread, one lws event loop: the clients' sockets and the one
 * PostgreSQL connection (adopted into the loop) are served there.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"

struct lws_context	*ctx;
struct lws_vhost	*vhost;
long long		 epoch;
size_t			 queue_max_bytes;
size_t			 queue_max_msgs;
unsigned long		 loop_pass;

static volatile sig_atomic_t	 quit;

static const struct lws_protocols protocols[] = {
	{ .name = "octopod-events", .callback = ws_callback,
	  .per_session_data_size = sizeof(struct client),
	  .rx_buffer_size = RX_MAX },
	{ .name = "pg", .callback = pg_callback },
	{ .name = NULL }
};

/* ping idle clients, drop the ones that stop answering */
static const lws_retry_bo_t retry = {
	.secs_since_valid_ping = 30,
	.secs_since_valid_hangup = 70,
};

static void
usage(void)
{
	fprintf(stderr, "usage: octopod-notifier [-dn] [-s socket]\n");
	exit(2);
}

static void
on_signal(int sig)
{
	quit = 1;
	if (ctx != NULL)
		lws_cancel_service(ctx);
}

static void
lws_logger(int level, const char *line)
{
	char	 buf[512];
	size_t	 n;

	strlcpy_(buf, line, sizeof(buf));
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (level & LLL_ERR)
		log_err("lws: %s", buf);
	else
		log_warn("lws: %s", buf);
}

int
main(int argc, char *argv[])
{
	struct lws_context_creation_info	 info;
	struct sigaction			 sa;
	char					 errbuf[512];
	const char				*sock = NULL;
	int					 ch, check = 0;

	/* before getopt and getenv point into the area it takes */
	argv = proctitle_init(argc, argv);
	while ((ch = getopt(argc, argv, "dns:")) != -1) {
		switch (ch) {
		case 'd':
			break;
		case 'n':
			check = 1;
			break;
		case 's':
			sock = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if (settings_load(errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);
	log_init("octopod-notifier",
	    strcmp(setting_str("LOG_FORMAT"), "json") == 0);
	if (sock == NULL)
		sock = setting_str("NOTIFIER_SOCKET");
	if (sock == NULL || *sock == '\0')
		errx(1, "invalid setting NOTIFIER_SOCKET: must name a unix socket");
	if (strlen(sock) >= 108)
		errx(1, "invalid setting NOTIFIER_SOCKET=\"%s\": the path is "
		    "too long for a unix socket", sock);
	queue_max_bytes = (size_t)setting_int("NOTIFIER_QUEUE_BYTES");
	queue_max_msgs = (size_t)setting_int("NOTIFIER_QUEUE_MSGS");
	if (check) {
		settings_dump();
		return 0;
	}

	lws_set_log_level(LLL_ERR | LLL_WARN, lws_logger);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (unlink(sock) == -1 && errno != ENOENT)
		errx(1, "could not remove the old socket \"%s\": %s", sock,
		    strerror(errno));
	memset(&info, 0, sizeof(info));
	info.options = LWS_SERVER_OPTION_UNIX_SOCK |
	    LWS_SERVER_OPTION_VALIDATE_UTF8;
	info.iface = sock;
	info.port = 0;
	info.protocols = protocols;
	info.gid = -1;
	info.uid = -1;
	info.retry_and_idle_policy = &retry;
	info.vhost_name = "default";
	if ((ctx = lws_create_context(&info)) == NULL)
		errx(1, "could not listen on \"%s\"", sock);
	if ((vhost = lws_get_vhost_by_name(ctx, "default")) == NULL)
		errx(1, "no vhost");
	/* nginx's workers, and nobody else, must be able to connect */
	if (sock_restrict(sock, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	epoch = (long long)time(NULL);
	log_info("listening on %s", sock);
	pg_start();
	stats_start();
	while (!quit) {
		loop_pass++;
		if (lws_service(ctx, 0) < 0)
			break;
	}
	log_info("stopping: %zu clients", nclients);
	pg_stop();
	lws_context_destroy(ctx);
	ctx = NULL;
	unlink(sock);
	return 0;
}
