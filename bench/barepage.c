/*
 * bench/barepage.c: the second limit beside the list figure: the page
 * made in-process, without a server. PQexecParams of the list's SQL (as
 * barepq), then the page as the responder makes it, with its own code
 * (deployment_json of fcgi/resp_deployments.c for each row, jansson's
 * json_dumpb into a kept buffer), timed as the responder's Server-Timing
 * is: up to the last byte encoded. What the responder adds to this is
 * FastCGI, the request's parsing and its checks; what this adds to barepq
 * is building and encoding the JSON.
 *
 *	barepage N LIMIT	prints p50 p99 in ms over N runs (after 50
 *				warm-up runs); DATABASE_URL is the database
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
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

int
main(int argc, char *argv[])
{
	PGconn		*c;
	PGresult	*r;
	json_t		*list, *page;
	char		 lim[16], *buf;
	const char	*p[6] = { NULL, NULL, "false", NULL, NULL, lim };
	double		*lat, t0;
	size_t		 cap = 1 << 20;
	int		 n, i, j, limit;

	if (argc != 3 || (n = atoi(argv[1])) < 1 || (limit = atoi(argv[2])) < 1)
		errx(2, "usage: barepage N LIMIT");
	snprintf(lim, sizeof(lim), "%d", limit + 1);
	c = PQconnectdb(getenv("DATABASE_URL") ? getenv("DATABASE_URL") : "");
	if (PQstatus(c) != CONNECTION_OK)
		errx(1, "could not connect: %s", PQerrorMessage(c));
	if ((lat = calloc(n, sizeof(*lat))) == NULL ||
	    (buf = malloc(cap)) == NULL)
		err(1, "malloc");
	for (i = -50; i < n; i++) {
		t0 = now_ms();
		r = PQexecParams(c, SQL_LIST_NAME_ASC, 6, NULL, p, NULL, NULL, 0);
		if (PQresultStatus(r) != PGRES_TUPLES_OK)
			errx(1, "list: %s", PQerrorMessage(c));
		if (PQntuples(r) != limit + 1)
			errx(1, "list: %d rows, not %d", PQntuples(r), limit + 1);
		if ((list = json_array()) == NULL)
			errx(1, "out of memory");
		for (j = 0; j < limit; j++)
			json_array_append_new(list, deployment_json(r, j));
		PQclear(r);
		page = json_pack("{s:o, s:s}", "deployments", list,
		    "next_cursor", "n642d31301f3130");
		if (page == NULL || json_dumpb(page, buf, cap, JSON_COMPACT) == 0)
			errx(1, "the page could not be encoded");
		if (i >= 0)
			lat[i] = now_ms() - t0;
		json_decref(page);
	}
	stats_sort(lat, n);
	printf("%.3f %.3f\n", lat[n / 2], lat[(int)(n * 0.99)]);
	PQfinish(c);
	return 0;
}
