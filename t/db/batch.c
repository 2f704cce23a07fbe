/*
 * t/db/batch.c: db_batch (fcgi/db.c) with more statements than the old
 * runner's batch named (16): every one runs, prepared, in order, twice
 * (the second round finds them prepared). The statement is the table's
 * STMT_EXISTS_NAME: deployment b<i> exists for odd i (t/db-batch.t makes
 * them), so the answers show the order. Needs DATABASE_URL; exits 0 when
 * every check holds and prints what failed otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define N	21

int
main(void)
{
	struct db_q	 q[N];
	char		 names[N][16], err[256];
	const char	*params[N][1];
	PGconn		*c;
	size_t		 i;
	int		 bad = 0, round;

	if (settings_load(err, sizeof(err)) == -1) {
		fprintf(stderr, "settings: %s\n", err);
		return 2;
	}
	if ((c = db_connect("runner")) == NULL) {
		fprintf(stderr, "could not connect\n");
		return 2;
	}
	for (round = 0; round < 2; round++) {
		memset(q, 0, sizeof(q));
		for (i = 0; i < N; i++) {
			snprintf(names[i], sizeof(names[i]), "b%zu", i);
			params[i][0] = names[i];
			q[i].s = STMT_EXISTS_NAME;
			q[i].n = 1;
			q[i].params = params[i];
			q[i].want = PGRES_TUPLES_OK;
			q[i].what = "batch statement";
		}
		if (db_batch(c, q, N) == -1) {
			fprintf(stderr, "round %d: db_batch failed\n", round);
			bad = 1;
		}
		for (i = 0; i < N; i++) {
			int want = (int)(i % 2);

			if (q[i].r == NULL || PQntuples(q[i].r) != want) {
				fprintf(stderr, "round %d: statement %zu: want "
				    "%d row(s), got %d\n", round, i, want,
				    q[i].r ? PQntuples(q[i].r) : -1);
				bad = 1;
			}
		}
		db_batch_clear(q, N);
	}
	PQfinish(c);
	return bad;
}
