/*
 * bench/pgnotify.c: the physical limit beside the notifier's figures.
 *
 *	pgnotify bare N			a bare LISTEN/NOTIFY round trip, N times:
 *					from sending "SELECT pg_notify" (autocommit)
 *					on one connection to the notification read
 *					on another; prints p50/p99/max in ms
 *	pgnotify send N MS NAME		N deployment events named NAME on
 *					octopod_events, MS ms apart, each carrying
 *					"sent" (wall-clock ms) and "i" (0..N-1)
 *
 * The connection is DATABASE_URL.
 */
#include <err.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "stats.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static PGconn *
connect_db(void)
{
	const char	*url = getenv("DATABASE_URL");
	PGconn		*c = PQconnectdb(url ? url : "");

	if (PQstatus(c) != CONNECTION_OK)
		errx(1, "could not connect: %s", PQerrorMessage(c));
	return c;
}

static void
exec_ok(PGconn *c, const char *sql, int n, const char *const *p)
{
	PGresult *r = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);

	if (PQresultStatus(r) != PGRES_TUPLES_OK &&
	    PQresultStatus(r) != PGRES_COMMAND_OK)
		errx(1, "%s: %s", sql, PQerrorMessage(c));
	PQclear(r);
}


static int
bare(int n)
{
	PGconn		*l = connect_db(), *s = connect_db();
	double		*lat, t0;
	struct pollfd	 pfd;
	PGnotify	*no;
	int		 i, got;
	const char	*p[1] = { "x" };

	if ((lat = calloc(n, sizeof(*lat))) == NULL)
		err(1, "calloc");
	exec_ok(l, "LISTEN bench_bare", 0, NULL);
	for (i = 0; i < n; i++) {
		t0 = now_ms();
		exec_ok(s, "SELECT pg_notify('bench_bare', $1)", 1, p);
		for (got = 0; !got; ) {
			pfd.fd = PQsocket(l);
			pfd.events = POLLIN;
			if (poll(&pfd, 1, 5000) != 1)
				errx(1, "no notification within 5 s");
			if (!PQconsumeInput(l))
				errx(1, "%s", PQerrorMessage(l));
			while ((no = PQnotifies(l)) != NULL) {
				got = 1;
				PQfreemem(no);
			}
		}
		lat[i] = now_ms() - t0;
	}
	stats_sort(lat, n);
	printf("%.3f %.3f %.3f\n", lat[n / 2], lat[(int)(n * 0.99)],
	    lat[n - 1]);
	PQfinish(l);
	PQfinish(s);
	free(lat);
	return 0;
}

static int
send_events(int n, int ms, const char *name)
{
	PGconn		*s = connect_db();
	char		 payload[256];
	const char	*p[1] = { payload };
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };
	int		 i;

	for (i = 0; i < n; i++) {
		snprintf(payload, sizeof(payload), "{\"type\":\"deployment\","
		    "\"name\":\"%s\",\"status\":\"Running\",\"i\":%d,"
		    "\"sent\":%.3f}", name, i, now_ms());
		exec_ok(s, "SELECT pg_notify('octopod_events', $1)", 1, p);
		if (ms > 0)
			nanosleep(&ts, NULL);
	}
	PQfinish(s);
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc == 3 && strcmp(argv[1], "bare") == 0)
		return bare(atoi(argv[2]));
	if (argc == 5 && strcmp(argv[1], "send") == 0)
		return send_events(atoi(argv[2]), atoi(argv[3]), argv[4]);
	fprintf(stderr, "usage: pgnotify bare N | pgnotify send N MS NAME\n");
	return 2;
}
