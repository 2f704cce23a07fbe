/*
 * fcgi/run_pool.c: the runner's pools of threads. Each thread opens its own
 * database connection as it starts or when a job first needs it
 * (db_keep) and keeps it; jobs run in the order queued.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"

struct job {
	void		(*fn)(PGconn **, void *);
	void		 *arg;
	struct job	 *next;
};

struct pool {
	const char	*what;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	struct job	*head, *tail;
	int		 nthreads, ahead, busy, queued, stopping, wakefd;
	int		 connect;
	pthread_t	*th;
};

static void *
pool_thread(void *arg)
{
	struct pool	*p = arg;
	PGconn		*db = NULL;
	struct job	*j;

	if (p->connect)
		db_keep(&db);	/* else the first job does */
	for (;;) {
		pthread_mutex_lock(&p->mu);
		while (p->head == NULL && !p->stopping)
			pthread_cond_wait(&p->cv, &p->mu);
		if ((j = p->head) == NULL) {
			pthread_mutex_unlock(&p->mu);
			break;
		}
		if ((p->head = j->next) == NULL)
			p->tail = NULL;
		p->queued--;
		p->busy++;
		pthread_mutex_unlock(&p->mu);

		j->fn(&db, j->arg);
		free(j);

		pthread_mutex_lock(&p->mu);
		p->busy--;
		pthread_mutex_unlock(&p->mu);
		if (p->wakefd != -1 && write(p->wakefd, "x", 1) == -1 &&
		    errno != EAGAIN)
			log_warn("runner: wake: %s", strerror(errno));
	}
	PQfinish(db);
	return NULL;
}

/*
 * A pool of nthreads threads (signals blocked in them) that takes up to
 * ahead more jobs queued for its threads (so that a thread that ends a job
 * starts the next one without waiting for the caller); a byte is written
 * to wakefd (may be -1) after each job. With connect, each thread opens
 * its connection as it starts, not at its first job. Returns NULL on
 * failure.
 */
struct pool *
pool_new(const char *what, int nthreads, int ahead, int connect, int wakefd)
{
	struct pool	*p;
	sigset_t	 all, old;
	int		 i;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->th = calloc(nthreads, sizeof(pthread_t))) == NULL) {
		free(p);
		return NULL;
	}
	p->what = what;
	p->ahead = ahead;
	p->connect = connect;
	p->wakefd = wakefd;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < nthreads; i++) {
		if (pthread_create(&p->th[i], NULL, pool_thread, p) != 0)
			break;
		p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p->nthreads == 0) {
		free(p->th);
		free(p);
		return NULL;
	}
	return p;
}

/* Queue fn(db, arg) on p; returns 0, or -1 (arg is not taken). */
int
pool_push(struct pool *p, void (*fn)(PGconn **, void *), void *arg)
{
	struct job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return -1;
	j->fn = fn;
	j->arg = arg;
	pthread_mutex_lock(&p->mu);
	if (p->tail)
		p->tail->next = j;
	else
		p->head = j;
	p->tail = j;
	p->queued++;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

/* How many more jobs p takes now: free threads and room ahead. */
int
pool_free_slots(struct pool *p)
{
	int n;

	pthread_mutex_lock(&p->mu);
	n = p->nthreads + p->ahead - p->busy - p->queued;
	pthread_mutex_unlock(&p->mu);
	return n < 0 ? 0 : n;
}

/* How many threads p runs. */
int
pool_threads(struct pool *p)
{
	return p->nthreads;
}

/* Whether p has nothing running or queued. */
int
pool_idle(struct pool *p)
{
	int idle;

	pthread_mutex_lock(&p->mu);
	idle = p->busy == 0 && p->queued == 0;
	pthread_mutex_unlock(&p->mu);
	return idle;
}

/* Finish the queued jobs, then join and free p. */
void
pool_stop(struct pool *p)
{
	int i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stopping = 1;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->th[i], NULL);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->cv);
	free(p->th);
	free(p);
}
