/*
 * fcgi/run_held.c: a set of ids that several threads change and one reads,
 * under its own lock: the actions (run_main.c, run_action.c) and the checks
 * (run_checks.c) this runner holds, whose heartbeats and claims the main
 * thread renews.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

/* Add id to h; 0, or -1 when out of memory (h unchanged). */
int
held_add(struct held *h, long long id)
{
	int rc = 0;

	pthread_mutex_lock(&h->mu);
	if (h->n == h->cap) {
		size_t		 cap = h->cap ? h->cap * 2 : 16;
		long long	*n = realloc(h->ids, cap * sizeof(*n));

		if (n == NULL)
			rc = -1;
		else {
			h->ids = n;
			h->cap = cap;
		}
	}
	if (rc == 0)
		h->ids[h->n++] = id;
	pthread_mutex_unlock(&h->mu);
	return rc;
}

/* Remove id from h, if there. */
void
held_del(struct held *h, long long id)
{
	size_t i;

	pthread_mutex_lock(&h->mu);
	for (i = 0; i < h->n; i++)
		if (h->ids[i] == id) {
			h->ids[i] = h->ids[--h->n];
			break;
		}
	pthread_mutex_unlock(&h->mu);
}

/*
 * The ids of h as a PostgreSQL array literal "{1,2,3}" in out (its
 * previous text replaced; the caller frees it with sbuf_free). Returns
 * how many ids, counted under the lock (the other threads change it),
 * or -1 when out of memory.
 */
int
held_array(struct held *h, struct sbuf *out)
{
	char	 num[32];
	size_t	 i, n;
	int	 rc = 0;

	out->len = 0;
	pthread_mutex_lock(&h->mu);
	n = h->n;
	if (sbuf_addc(out, '{') == -1)
		rc = -1;
	for (i = 0; i < n && rc == 0; i++) {
		snprintf(num, sizeof(num), "%s%lld", i ? "," : "", h->ids[i]);
		rc = sbuf_add(out, num, strlen(num));
	}
	pthread_mutex_unlock(&h->mu);
	if (rc == 0)
		rc = sbuf_addc(out, '}');
	return rc == -1 ? -1 : (int)n;
}

/* Empty h and free its memory (when no other thread uses it). */
void
held_free(struct held *h)
{
	pthread_mutex_lock(&h->mu);
	free(h->ids);
	h->ids = NULL;
	h->n = h->cap = 0;
	pthread_mutex_unlock(&h->mu);
}
