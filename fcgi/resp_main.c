/*
 * fcgi/resp_main.c: a responder process: THREADS threads, each accepting
 * FastCGI requests with FCGX_Accept_r on the shared socket and holding its
 * own PGconn. SIGTERM lets the current requests finish, then exits.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"

static int	resp_listenfd = -1;

/* SIGUSR1 only interrupts accept(); FCGX_ShutdownPending ends the loop. */
static void
responder_wake(int sig)
{
	(void)sig;
}

/* The loop of one thread: accept, answer, finish, until shut down. */
static void *
responder_thread(void *arg)
{
	struct worker	*w = arg;
	struct req	 r;

	if (FCGX_InitRequest(&w->fr, resp_listenfd, 0) != 0) {
		log_err("could not initialise a request");
		return NULL;
	}
	while (FCGX_Accept_r(&w->fr) >= 0) {
		memset(&r, 0, sizeof(r));
		clock_gettime(CLOCK_MONOTONIC, &r.t0);
		r.w = w;
		if (http_read(&r, &w->fr) == 0) {
			if (db_ensure(w) == 0)
				r.db = w->db;
			route(&r);
		}
		http_free(&r);
		FCGX_Finish_r(&w->fr);
	}
	FCGX_Free(&w->fr, 1);
	free(w->obuf);
	w->obuf = NULL;
	if (w->db != NULL) {
		PQfinish(w->db);
		w->db = NULL;
	}
	return NULL;
}

/*
 * Run the threads until SIGTERM or SIGINT; returns the exit status. The
 * main thread waits for the signal, then interrupts every thread's
 * accept() (libfcgi gives up on EINTR once shutdown is pending) and joins
 * them; requests in flight finish first.
 */
int
responder_main(int listenfd)
{
	struct sigaction	 sa;
	struct worker		*ws;
	pthread_t		*tids;
	char			*done;
	sigset_t		 set;
	int			 i, sig, left, n = (int)setting_int("THREADS");
	struct timespec		 ts, t0;

	resp_listenfd = listenfd;
	if (FCGX_Init() != 0)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = responder_wake;	/* no SA_RESTART */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	ws = calloc(n, sizeof(*ws));
	tids = calloc(n, sizeof(*tids));
	done = calloc(n, 1);
	if (ws == NULL || tids == NULL || done == NULL)
		return 1;
	for (i = 0; i < n; i++) {
		ws[i].id = i;
		if (pthread_create(&tids[i], NULL, responder_thread, &ws[i])
		    != 0) {
			log_err("could not start a thread: %s", strerror(errno));
			return 1;
		}
	}
	sigwait(&set, &sig);
	FCGX_ShutdownPending();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (left = n; left > 0; ) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec - t0.tv_sec >= STOP_DEADLINE) {
			/* no join: the threads end with the process */
			log_warn("responder: %d of %d thread(s) still busy %d s "
			    "after SIGTERM: exiting without them", left, n,
			    STOP_DEADLINE);
			return 1;
		}
		for (i = 0; i < n; i++) {
			if (done[i])
				continue;
			pthread_kill(tids[i], SIGUSR1);
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_nsec += 20 * 1000 * 1000;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			if (pthread_timedjoin_np(tids[i], NULL, &ts) == 0) {
				done[i] = 1;
				left--;
			}
		}
	}
	free(ws);
	free(tids);
	free(done);
	return 0;
}
