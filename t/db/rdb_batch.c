/*
 * t/db/rdb_batch.c: rdb_batch (fcgi/rdb.c) with more statements than it
 * prepares (RDB_BATCH_MAX): every one runs, in order, and the ones past
 * the prepared set go as plain statements. Needs DATABASE_URL (t/rdb-batch.t
 * starts a throw-away cluster); exits 0 when every check holds and prints
 * what failed otherwise.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

#define N	(RDB_BATCH_MAX + 5)

int
main(void)
{
	struct rdb_q	 q[N];
	char		 vals[N][16], err[256];
	const char	*params[N][1];
	PGconn		*c;
	size_t		 i;
	int		 bad = 0, round;

	if (settings_load(err, sizeof(err)) == -1) {
		fprintf(stderr, "settings: %s\n", err);
		return 2;
	}
	if ((c = rdb_connect()) == NULL) {
		fprintf(stderr, "could not connect\n");
		return 2;
	}
	/* twice: the second round finds the first RDB_BATCH_MAX prepared */
	for (round = 0; round < 2; round++) {
		memset(q, 0, sizeof(q));
		for (i = 0; i < N; i++) {
			snprintf(vals[i], sizeof(vals[i]), "%zu", i * 7);
			params[i][0] = vals[i];
			q[i].sql = i % 2 ? "SELECT $1::int + 1" :
			    "SELECT $1::int * 2";
			q[i].n = 1;
			q[i].params = params[i];
			q[i].want = PGRES_TUPLES_OK;
			q[i].what = "batch statement";
		}
		if (rdb_batch(c, q, N) == -1) {
			fprintf(stderr, "round %d: rdb_batch failed\n", round);
			bad = 1;
		}
		for (i = 0; i < N; i++) {
			long	 want = i % 2 ? (long)i * 7 + 1 : (long)i * 14;

			if (q[i].r == NULL || PQntuples(q[i].r) != 1 ||
			    atol(PQgetvalue(q[i].r, 0, 0)) != want) {
				fprintf(stderr, "round %d: statement %zu: want "
				    "%ld, got %s\n", round, i, want, q[i].r &&
				    PQntuples(q[i].r) == 1 ?
				    PQgetvalue(q[i].r, 0, 0) : "no row");
				bad = 1;
			}
		}
		rdb_batch_clear(q, N);
	}
	PQfinish(c);
	return bad;
}
