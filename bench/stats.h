/*
 * bench/stats.h: what the bench programs share: sorting their samples
 * (milliseconds, as doubles) to read percentiles off them.
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

#include <stdlib.h>

static int
stats_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Sort v[0..n) in place; then v[n * p / 100] is the p-th percentile. */
static inline void
stats_sort(double *v, int n)
{
	qsort(v, n, sizeof(*v), stats_cmp);
}

#endif
