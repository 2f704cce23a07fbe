/*
 * fcgi/run_retention.c: the runner's output sweep (docs/runner.md). The stored
 * output of an action finished more than OUTPUT_RETENTION seconds ago is
 * removed, OUTPUT_SWEEP_BATCH actions a statement, each statement its own
 * short transaction (rows taken with SKIP LOCKED: several runners may
 * sweep, and nothing a request takes is held); the action keeps its record
 * and says when its output went and under which retention. 0 keeps output
 * for ever.
 */
#include <stdio.h>
#include <stdlib.h>

#include "extern.h"
#include "queries.h"

/* at most this many batches a sweep: the runner's loop goes on between */
#define SWEEP_BATCHES	20

/*
 * Remove what is due, in batches. Returns how many actions lost their
 * output, or -1 on a database error (logged; what was removed stays so).
 */
int
ret_sweep(PGconn *db)
{
	const char	*p[2];
	char		 secs[24], batch[24];
	long long	 keep = setting_int("OUTPUT_RETENTION");
	int		 total = 0, i, n;
	PGresult	*r;

	if (keep == 0)
		return 0;
	snprintf(secs, sizeof(secs), "%lld", keep);
	snprintf(batch, sizeof(batch), "%lld",
	    (long long)setting_int("OUTPUT_SWEEP_BATCH"));
	p[0] = secs;
	p[1] = batch;
	for (i = 0; i < SWEEP_BATCHES; i++) {
		r = db_exec(db, STMT_OUTPUT_SWEEP, 2, p);
		if (!db_accept(db, r, PGRES_COMMAND_OK, "sweep old output")) {
			PQclear(r);
			return -1;
		}
		n = atoi(PQcmdTuples(r));
		PQclear(r);
		total += n;
		if (n < atoi(batch))
			break;
	}
	if (total > 0)
		log_info("output of %d action(s) finished over %lld s ago "
		    "removed", total, keep);
	return total;
}
