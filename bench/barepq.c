/*
 * bench/barepq.c: the limits beside the list figure, without a server.
 * A bare libpq client timing PQexecParams of the list's own SQL
 * (SQL_LIST_NAME_ASC from fcgi/queries.h) with the parameters GET
 * deployments?archived=false&limit=L gives it (limit+1 rows: the
 * responder asks one more for the cursor). With "page", each run also
 * makes the page as the responder does, with its own code
 * (deployment_json of fcgi/resp_deployments.c for each row, jansson's
 * json_dumpb into a kept buffer), timed as the responder's Server-Timing
 * is: up to the last byte encoded. What the responder adds to that is
 * FastCGI, the request's parsing and its checks; what "page" adds to the
 * bare call is building and encoding the JSON.
 *
 *	barepq N LIMIT [page]	prints p50 p99 in ms over N runs (after 50
 *				warm-up runs); DATABASE_URL is the database
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "stats.h"
#include "../fcgi/extern.h"
#include "../fcgi/queries.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/*
 * The page of the first limit rows of r, encoded into buf[0..cap);
 * returns it, for the caller to free once the time is taken (as the
 * responder frees it after its Server-Timing).
 */
static json_t *
page_make(PGresult *r, int limit, char *buf, size_t cap)
{
	json_t	*list, *page;
	size_t	 n;
	int	 j;

	if ((list = json_array()) == NULL)
		errx(1, "out of memory");
	for (j = 0; j < limit; j++)
		json_array_append_new(list, deployment_json(r, j));
	page = json_pack("{s:o, s:s}", "deployments", list, "next_cursor",
	    "n642d31301f3130");
	/* json_dumpb writes at most cap bytes and says how many it needed */
	if (page == NULL || (n = json_dumpb(page, buf, cap, JSON_COMPACT)) == 0 ||
	    n > cap)
		errx(1, "the page could not be encoded in %zu bytes", cap);
	return page;
}

int
main(int argc, char *argv[])
{
	PGconn		*c;
	PGresult	*r;
	json_t		*pg = NULL;
	char		 lim[16], *buf = NULL;
	const char	*p[6] = { NULL, NULL, "false", NULL, NULL, lim };
	double		*lat, t0;
	size_t		 cap = 1 << 20;
	int		 n, i, limit, page;

	if (argc < 3 || argc > 4 || (n = atoi(argv[1])) < 1 ||
	    (limit = atoi(argv[2])) < 1 ||
	    (argc == 4 && strcmp(argv[3], "page") != 0))
		errx(2, "usage: barepq N LIMIT [page]");
	page = argc == 4;
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	c = PQconnectdb(getenv("DATABASE_URL") ? getenv("DATABASE_URL") : "");
	if (PQstatus(c) != CONNECTION_OK)
		errx(1, "could not connect: %s", PQerrorMessage(c));
	if ((lat = calloc(n, sizeof(*lat))) == NULL ||
	    (page && (buf = malloc(cap)) == NULL))
		err(1, "malloc");
	for (i = -50; i < n; i++) {
		t0 = now_ms();
		r = PQexecParams(c, SQL_LIST_NAME_ASC, 6, NULL, p, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			errx(1, "list: %s", PQerrorMessage(c));
		if (PQntuples(r) != limit + 1)
			errx(1, "list: %d rows, not %d", PQntuples(r), limit + 1);
		if (page)
			pg = page_make(r, limit, buf, cap);
		PQclear(r);
		if (i >= 0)
			lat[i] = now_ms() - t0;
		json_decref(pg);
		pg = NULL;
	}
	stats_sort(lat, n);
	printf("%.3f %.3f\n", lat[n / 2], lat[(int)(n * 0.99)]);
	free(buf);
	PQfinish(c);
	return 0;
}
