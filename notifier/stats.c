/*
 * notifier/stats.c: every STATS_PERIOD this notifier reports its number
 * of websocket clients into notifier_stats (keyed host:pid), through the
 * loop's own query queue; GET /metrics sums the fresh reports.
 */
#include <stdio.h>
#include <unistd.h>

#include "extern.h"

#define STATS_PERIOD	(5 * LWS_US_PER_SEC)

static const char SQL_STATS[] =
	"INSERT INTO notifier_stats (instance, clients, seen_at)"
	" VALUES ($1, $2, now()) ON CONFLICT (instance)"
	" DO UPDATE SET clients = EXCLUDED.clients, seen_at = now()";

static lws_sorted_usec_list_t	 sul_stats;
static char			 instance[300];

static void
stats_done(void *arg, PGresult *r)
{
	(void)arg;
	if (r != NULL && PQresultStatus(r) != PGRES_COMMAND_OK)
		log_warn("could not report the client count: %s",
		    PQresultErrorMessage(r));
}

static void
stats_tick(lws_sorted_usec_list_t *sul)
{
	char		 n[24];
	const char	*p[2] = { instance, n };

	(void)sul;
	if (pg_up()) {
		snprintf(n, sizeof(n), "%zu", nclients);
		(void)pg_query(SQL_STATS, 2, p, stats_done, NULL);
	}
	lws_sul_schedule(ctx, 0, &sul_stats, stats_tick, STATS_PERIOD);
}

/* Start reporting (after the context exists). */
void
stats_start(void)
{
	char host[256];

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(instance, sizeof(instance), "%s:%d", host, (int)getpid());
	lws_sul_schedule(ctx, 0, &sul_stats, stats_tick, LWS_US_PER_SEC);
}
