/*
 * fcgi/resp_metrics.c: GET /metrics in the Prometheus text format, version
 * 0.0.4 (docs/API.md). What the database knows (deployments, actions,
 * checks) is counted there, so that every replica answers the same; what
 * only the processes know (database errors) db.c counts in a page of
 * memory shared by the master's children (db_errors_total).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

static const char *const statuses[] = { "CreatePending", "Running",
    "Failure", "UpdatePending", "ArchivePending", "Archived",
    "CleanupFailed" };
static const char *const kinds[] = { "create", "update", "archive",
    "restore", "cleanup" };
static const char *const results[] = { "succeeded", "failed",
    "interrupted", "timed_out" };
#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

/* the upper bounds of octopod_action_duration_seconds */
static const char *const dur_le[] = { "1", "5", "10", "30", "60", "300",
    "900", "1800", "3600" };

static void
add(struct sbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
add(struct sbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	 line[512];
	int	 n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		sbuf_add(b, line, (size_t)n < sizeof(line) ? (size_t)n :
		    sizeof(line) - 1);
}

/* The value of the row of res whose first ncols columns equal keys, or "0". */
static const char *
lookup(PGresult *res, int ncols, const char *const *keys, int col)
{
	int	 i, c;

	for (i = 0; i < PQntuples(res); i++) {
		for (c = 0; c < ncols; c++)
			if (strcmp(PQgetvalue(res, i, c), keys[c]) != 0)
				break;
		if (c == ncols)
			return PQgetvalue(res, i, col);
	}
	return "0";
}

/* GET /metrics (the metrics door only) */
void
api_metrics(struct req *r, const char **args)
{
	PGresult	*dep = NULL, *act = NULL, *dur = NULL, *chk = NULL,
			*ws = NULL;
	struct sbuf	 b = { NULL, 0, 0 };
	const char	*k[2];
	size_t		 i, j;
	int		 row, c;

	(void)args;
	dep = db_exec(r->db, STMT_M_DEPLOYMENTS, 0, NULL);
	act = db_exec(r->db, STMT_M_ACTIONS, 0, NULL);
	dur = db_exec(r->db, STMT_M_DURATION, 0, NULL);
	chk = db_exec(r->db, STMT_M_CHECKS, 0, NULL);
	ws = db_exec(r->db, STMT_M_WS, 0, NULL);
	if (!db_accept(r->db, dep, PGRES_TUPLES_OK, "count deployments") ||
	    !db_accept(r->db, act, PGRES_TUPLES_OK, "count actions") ||
	    !db_accept(r->db, dur, PGRES_TUPLES_OK, "count durations") ||
	    !db_accept(r->db, chk, PGRES_TUPLES_OK, "count checks") ||
	    !db_accept(r->db, ws, PGRES_TUPLES_OK, "count clients") ||
	    PQntuples(ws) != 1) {
		resp_db_error(r);
		goto out;
	}

	add(&b, "# HELP octopod_deployments Deployments by status.\n"
	    "# TYPE octopod_deployments gauge\n");
	for (i = 0; i < NITEMS(statuses); i++) {
		k[0] = statuses[i];
		add(&b, "octopod_deployments{status=\"%s\"} %s\n", k[0],
		    lookup(dep, 1, k, 1));
	}

	add(&b, "# HELP octopod_actions_total Finished actions by kind and "
	    "result.\n# TYPE octopod_actions_total counter\n");
	for (i = 0; i < NITEMS(kinds); i++)
		for (j = 0; j < NITEMS(results); j++) {
			k[0] = kinds[i];
			k[1] = results[j];
			add(&b, "octopod_actions_total{kind=\"%s\",result="
			    "\"%s\"} %s\n", k[0], k[1], lookup(act, 2, k, 2));
		}

	add(&b, "# HELP octopod_action_queue_length Actions waiting for a "
	    "runner.\n# TYPE octopod_action_queue_length gauge\n");
	{
		long long q = 0, running = 0;

		for (row = 0; row < PQntuples(act); row++) {
			long long n = strtoll(PQgetvalue(act, row, 2), NULL, 10);

			if (strcmp(PQgetvalue(act, row, 1), "queued") == 0)
				q += n;
			else if (strcmp(PQgetvalue(act, row, 1), "running") == 0)
				running += n;
		}
		add(&b, "octopod_action_queue_length %lld\n", q);
		add(&b, "# HELP octopod_actions_running Actions running now.\n"
		    "# TYPE octopod_actions_running gauge\n"
		    "octopod_actions_running %lld\n", running);
	}

	add(&b, "# HELP octopod_action_duration_seconds Duration of finished "
	    "actions.\n# TYPE octopod_action_duration_seconds histogram\n");
	for (i = 0; i < NITEMS(kinds); i++) {
		k[0] = kinds[i];
		for (row = 0; row < PQntuples(dur); row++)
			if (strcmp(PQgetvalue(dur, row, 0), k[0]) == 0)
				break;
		for (c = 0; c < (int)NITEMS(dur_le); c++)
			add(&b, "octopod_action_duration_seconds_bucket{kind="
			    "\"%s\",le=\"%s\"} %s\n", k[0], dur_le[c],
			    row < PQntuples(dur) ? PQgetvalue(dur, row, c + 1) :
			    "0");
		add(&b, "octopod_action_duration_seconds_bucket{kind=\"%s\","
		    "le=\"+Inf\"} %s\n", k[0], row < PQntuples(dur) ?
		    PQgetvalue(dur, row, 10) : "0");
		add(&b, "octopod_action_duration_seconds_sum{kind=\"%s\"} %s\n",
		    k[0], row < PQntuples(dur) ? PQgetvalue(dur, row, 11) : "0");
		add(&b, "octopod_action_duration_seconds_count{kind=\"%s\"} %s\n",
		    k[0], row < PQntuples(dur) ? PQgetvalue(dur, row, 10) : "0");
	}

	add(&b, "# HELP octopod_check_duration_seconds Latency of status "
	    "checks (check and archive_check).\n"
	    "# TYPE octopod_check_duration_seconds histogram\n");
	for (row = 0; row < PQntuples(chk); row++)
		add(&b, "octopod_check_duration_seconds_bucket{le=\"%s\"} %s\n",
		    PQgetvalue(chk, row, 0), PQgetvalue(chk, row, 1));
	for (row = 0; row < PQntuples(chk); row++)
		if (strcmp(PQgetvalue(chk, row, 0), "+Inf") == 0)
			add(&b, "octopod_check_duration_seconds_sum %s\n"
			    "octopod_check_duration_seconds_count %s\n",
			    PQgetvalue(chk, row, 2), PQgetvalue(chk, row, 1));

	add(&b, "# HELP octopod_websocket_clients Websocket clients of the "
	    "notifiers that reported in the last 30 s.\n"
	    "# TYPE octopod_websocket_clients gauge\n"
	    "octopod_websocket_clients %s\n"
	    "# HELP octopod_notifiers Notifiers that reported in the last 30 s.\n"
	    "# TYPE octopod_notifiers gauge\n"
	    "octopod_notifiers %s\n", PQgetvalue(ws, 0, 0), PQgetvalue(ws, 0, 1));
	add(&b, "# HELP octopod_db_errors_total Failed database statements "
	    "and lost connections of this octopod-fcgi (all its processes).\n"
	    "# TYPE octopod_db_errors_total counter\n"
	    "octopod_db_errors_total %lu\n", db_errors_total());
	if (b.p == NULL)
		resp_error_new(r, 503, "out_of_memory", NULL, "out of memory");
	else
		resp_text(r, 200, "text/plain; version=0.0.4; charset=utf-8",
		    b.p, b.len);
out:
	sbuf_free(&b);
	PQclear(dep);
	PQclear(act);
	PQclear(dur);
	PQclear(chk);
	PQclear(ws);
}
