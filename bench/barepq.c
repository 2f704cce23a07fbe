/*
 * bench/barepq.c: the limit beside the list figure: a bare libpq client
 * timing PQexecParams of the list's own SQL (SQL_LIST_NAME_ASC from
 * fcgi/queries.h) with the parameters GET deployments?archived=false&
 * limit=L gives it (limit+1 rows: the responder asks one more for the
 * cursor).
 *
 *	barepq N LIMIT		prints p50 p99 in ms over N runs (after 50
 *				warm-up runs); DATABASE_URL is the database
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <libpq-fe.h>

#include "stats.h"
#include "../fcgi/queries.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}


int
main(int argc, char *argv[])
{
	PGconn		*c;
	PGresult	*r;
	char		 lim[16];
	const char	*p[6] = { NULL, NULL, "false", NULL, NULL, lim };
	double		*lat, t0;
	int		 n, i;

	if (argc != 3 || (n = atoi(argv[1])) < 1)
		errx(2, "usage: barepq N LIMIT");
	snprintf(lim, sizeof(lim), "%d", atoi(argv[2]) + 1);
	c = PQconnectdb(getenv("DATABASE_URL") ? getenv("DATABASE_URL") : "");
	if (PQstatus(c) != CONNECTION_OK)
		errx(1, "could not connect: %s", PQerrorMessage(c));
	if ((lat = calloc(n, sizeof(*lat))) == NULL)
		err(1, "calloc");
	for (i = -50; i < n; i++) {
		t0 = now_ms();
		r = PQexecParams(c, SQL_LIST_NAME_ASC, 6, NULL, p, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			errx(1, "list: %s", PQerrorMessage(c));
		if (PQntuples(r) != atoi(lim))
			errx(1, "list: %d rows, not %s", PQntuples(r), lim);
		PQclear(r);
		if (i >= 0)
			lat[i] = now_ms() - t0;
	}
	stats_sort(lat, n);
	printf("%.3f %.3f\n", lat[n / 2], lat[(int)(n * 0.99)]);
	PQfinish(c);
	return 0;
}
