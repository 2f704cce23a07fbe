/*
 * fcgi/run_main.c: the runner process (docs/runner.md). Its main thread
 * LISTENs on octopod_queue, claims queued actions (FOR UPDATE SKIP
 * LOCKED, oldest first) and due status checks, keeps the heartbeat of
 * the actions it holds, and finds actions whose runner died. The work
 * itself is done by two pools of threads (actions, checks), each thread
 * with its own connection. Nothing is held in memory that another runner
 * would need: a runner may die at any point and another one resolves
 * what it held.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"

#define QUEUE_POLL	5.0		/* claim even without a notify */

/*
 * The actions this runner's threads hold (run_action.c adds and removes
 * them): only these get heartbeats, so an action whose thread gave up
 * (no database) goes stale and is resolved like one of a dead runner.
 */
static struct held	 held = HELD_INIT;
static struct sbuf	 held_ids;	/* "{1,2,3}" built on demand */

/* ---- the main thread ------------------------------------------------------- */

/*
 * Resolve the running actions whose runner stopped sending heartbeats:
 * interrupted, their deployments out of pending. Never re-run.
 */
static void
reap_stale(PGconn *db)
{
	char	 secs[32];

	snprintf(secs, sizeof(secs), "%ld", 3 * setting_int("HEARTBEAT_INTERVAL"));
	for (;;) {
		PGresult	*r;
		const char	*q[2];
		char		 ids[32], why[512];
		json_t		*changes = json_array();
		long long	 id;
		int		 ok;

		q[0] = secs;
		if (db_begin(db) == -1) {
			json_decref(changes);
			return;
		}
		r = db_exec(db, STMT_ACTION_STALE, 1, q);
		if (!db_accept(db, r, PGRES_TUPLES_OK, "find stale actions") ||
		    PQntuples(r) == 0) {
			PQclear(r);
			db_end(db, 0);
			json_decref(changes);
			return;
		}
		id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
		snprintf(why, sizeof(why), "interrupted: runner %s stopped "
		    "sending heartbeats", PQgetvalue(r, 0, 1));
		PQclear(r);
		snprintf(ids, sizeof(ids), "%lld", id);
		q[0] = ids;
		q[1] = "octopod: the runner of this action stopped; the "
		    "action was not finished and will not run again\n";
		ok = db_cmd(db, STMT_OUTPUT_ADD_NOTE, 2, q,
		    "store the interruption note") == 0 &&
		    fsm_action_end(db, id, ACT_INTERRUPTED, -1, why,
		    "interrupted", NULL, NULL, changes) >= 0;
		if (db_end(db, ok) == -1) {
			json_decref(changes);
			return;
		}
		log_warn("action %lld: %s", id, why);
		notify_changes_new(changes);
	}
}

static void
heartbeat(PGconn *db)
{
	const char	*q[2] = { run_name(), NULL };

	if (held_array(&held, &held_ids) <= 0)
		return;
	q[1] = held_ids.p;
	db_cmd(db, STMT_ACTION_HEARTBEAT, 2, q, "send the heartbeat");
}

#define DUE_CHECK	0x1
#define DUE_EXPIRY	0x2
#define ROUND_MAX	5.0	/* seconds between rounds with nothing due */
/*
 * What a round may find (SQL_RUNNER_DUE): DUE_CHECK, DUE_EXPIRY, or both
 * when the question itself fails (the round's statements then say why).
 * *wait: the seconds until the next round, 1 to ROUND_MAX (1 when
 * anything is due, or the question fails); ROUND_MAX
 * bounds how late the round sees what changed without a notify on
 * octopod_queue (another replica unpinned a deployment past its expiry).
 */
static int
due_now(PGconn *db, double *wait)
{
	PGresult	*r;
	char		 interval[32], warning[32];
	const char	*q[2] = { interval, warning };
	int		 due = DUE_CHECK | DUE_EXPIRY;

	*wait = 1.0;
	snprintf(interval, sizeof(interval), "%ld",
	    setting_int("STATUS_CHECK_INTERVAL"));
	snprintf(warning, sizeof(warning), "%ld",
	    setting_int("EXPIRY_WARNING"));
	r = db_exec(db, STMT_RUNNER_DUE, 2, q);
	if (db_accept(db, r, PGRES_TUPLES_OK, "ask what is due") &&
	    PQntuples(r) == 1) {
		due = (strcmp(PQgetvalue(r, 0, 0), "t") == 0 ? DUE_CHECK : 0) |
		    (strcmp(PQgetvalue(r, 0, 1), "t") == 0 ? DUE_EXPIRY : 0);
		*wait = PQgetisnull(r, 0, 2) ? ROUND_MAX :
		    strtod(PQgetvalue(r, 0, 2), NULL);
		if (!(*wait >= 1.0))	/* also NaN */
			*wait = 1.0;
		else if (*wait > ROUND_MAX)
			*wait = ROUND_MAX;
	}
	PQclear(r);
	return due;
}

/*
 * The thread that waits for SIGTERM or SIGINT (blocked in every other
 * thread): it tells the loop to stop, wakes it, and ends the process
 * STOP_DEADLINE seconds later if the stop has not ended it by then (a
 * statement that hangs on a stopped database would hold it forever;
 * another runner finds the unrecorded actions by their stale heartbeat).
 */
struct stop_watch {
	sigset_t	 set;
	int		 wakefd;
	struct pool	*actions;
};

static void *
stop_watch(void *arg)
{
	struct stop_watch	*w = arg;
	int			 sig;

	if (sigwait(&w->set, &sig) != 0)
		return NULL;
	/* the wake before the flag: the loop that sees it closes the pipe */
	if (write(w->wakefd, "x", 1) == -1 && errno != EAGAIN)
		log_warn("runner: wake: %s", strerror(errno));
	run_state_stop();
	sleep(STOP_DEADLINE);
	log_warn("runner %s: still stopping %d s after the signal, %d "
	    "action(s) not recorded: exiting without them", run_name(),
	    STOP_DEADLINE, pool_threads(w->actions) -
	    pool_free_slots(w->actions));
	_exit(1);
}

/*
 * Drain notifications, first reading the socket when consume is set;
 * returns how many there were, or -1 when the connection is lost.
 */
static int
drain_notifies(PGconn *db, int consume)
{
	PGnotify	*n;
	int		 count = 0;

	if (consume && PQconsumeInput(db) == 0)
		return -1;
	while ((n = PQnotifies(db)) != NULL) {
		count++;
		PQfreemem(n);
	}
	return count;
}

/*
 * The runner process: returns its exit status. Runs until SIGTERM or
 * SIGINT; then stops claiming, stops its scripts (their actions end
 * interrupted) and returns.
 */
int
runner_main(void)
{
	struct sigaction	 sa;
	struct pool		*actions = NULL, *checks = NULL;
	struct stop_watch	 watch;
	pthread_t		 watch_tid;
	PGconn			*db = NULL;
	int			 wake[2] = { -1, -1 }, wakec[2] = { -1, -1 };
	int			 listening = 0, checks_behind = 0, batch;
	double			 last_claim = 0, last_beat = 0, next_round = 0,
				 last_sweep = 0, last_output_sweep = 0;
	double			 hb = (double)setting_int("HEARTBEAT_INTERVAL");
	int			 nchecks = (int)setting_int("CHECK_CONCURRENCY");

	/* SIGTERM and SIGINT are for the stop watch alone */
	sigemptyset(&watch.set);
	sigaddset(&watch.set, SIGTERM);
	sigaddset(&watch.set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &watch.set, NULL);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);	/* waitpid must see our children */
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	run_state_init();

	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) == -1 ||
	    pipe2(wakec, O_CLOEXEC | O_NONBLOCK) == -1) {
		log_err("runner: pipe: %s", strerror(errno));
		return 1;
	}
	/* connected from the start: no first action waits for a connection */
	actions = pool_new("actions", (int)setting_int("ACTION_CONCURRENCY"),
	    0, 1, wake[1]);
	/* as many checks again queued ahead: a thread never waits for us */
	checks = pool_new("checks", nchecks, nchecks, 1, wakec[1]);
	if (actions == NULL || checks == NULL || notify_start() == -1) {
		log_err("runner: could not start its threads");
		return 1;
	}
	watch.wakefd = wake[1];
	watch.actions = actions;
	if (pthread_create(&watch_tid, NULL, stop_watch, &watch) != 0) {
		log_err("runner: could not start its stop watch");
		return 1;
	}
	batch = pool_threads(checks) / 2 > 0 ? pool_threads(checks) / 2 : 1;
	log_info("runner %s: %ld action(s) and %ld check(s) at a time",
	    run_name(), setting_int("ACTION_CONCURRENCY"),
	    setting_int("CHECK_CONCURRENCY"));

	while (!run_stopping()) {
		struct pollfd	 pfd[3];
		double		 now = mono_now();
		int		 claim = 0, room;
		char		 buf[256];

		if (!listening) {
			if (db_keep(&db) == -1) {
				sleep(1);
				continue;
			}
			listening = db_cmd(db, STMT_LISTEN_QUEUE, 0, NULL,
			    "listen on octopod_queue") == 0;
			if (!listening) {
				PQfinish(db);
				db = NULL;
				sleep(1);
				continue;
			}
			claim = 1;
		}
		if (now - last_beat >= hb) {
			heartbeat(db);
			chk_heartbeat(db);
			reap_stale(db);
			last_beat = now;
		}
		if (now - last_claim >= QUEUE_POLL)
			claim = 1;
		/* read by libpq during our own statements: not on the socket */
		if (drain_notifies(db, 0) > 0)
			claim = 1;
		pfd[0].fd = PQsocket(db);
		pfd[1].fd = wake[0];
		pfd[2].fd = wakec[0];
		pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
		if (!claim && poll(pfd, 3, 1000) > 0) {
			if (pfd[0].revents) {
				int got = drain_notifies(db, 1);

				if (got < 0) {
					log_warn("runner: lost the database "
					    "connection: %s", PQerrorMessage(db));
					listening = 0;
					continue;
				}
				claim = got > 0;
			}
			if (pfd[1].revents) {
				while (read(wake[0], buf, sizeof(buf)) > 0)
					;
				claim = 1;
			}
			if (pfd[2].revents)
				while (read(wakec[0], buf, sizeof(buf)) > 0)
					;
		}
		if (PQstatus(db) != CONNECTION_OK) {
			listening = 0;
			continue;
		}
		if (claim && !run_stopping()) {
			act_claim(db, actions, &held);
			last_claim = mono_now();
			/*
			 * a notify or an action's end: what is due may be new;
			 * asked within a second, as before, not at once: under
			 * a stream of actions the rounds stay one a second
			 */
			if (next_round > last_claim + 1.0)
				next_round = last_claim + 1.0;
		}
		/*
		 * Claim due checks once a second while any may be due, up
		 * to the pool's room (due_now: otherwise at the time the
		 * first one falls due, at most ROUND_MAX seconds on); while
		 * the last claim got all it asked for (more are due), claim
		 * again as soon as half a pool's worth of room is free: the
		 * checks queued ahead keep every thread busy meanwhile.
		 */
		room = pool_free_slots(checks);
		if (!run_stopping() && (mono_now() >= next_round ||
		    (checks_behind && room >= batch))) {
			double	wait = 1.0;
			/* behind: more checks are due, no need to ask */
			int	due = checks_behind ? DUE_CHECK | DUE_EXPIRY :
			    due_now(db, &wait);

			/* expiry: at most once a second, when one may be due */
			if (mono_now() - last_sweep >= 1.0) {
				last_sweep = mono_now();
				if ((due & DUE_EXPIRY) && exp_sweep(db) > 0)
					act_claim(db, actions, &held);
			}
			if (mono_now() - last_output_sweep >=
			    setting_int("OUTPUT_SWEEP_INTERVAL")) {
				last_output_sweep = mono_now();
				ret_sweep(db);
			}
			if (room > 0 && (due & DUE_CHECK))
				checks_behind = chk_claim(db, checks, room) ==
				    room;
			/* 1 s when something is due (due_now's wait is then 1) */
			next_round = mono_now() + wait;
		}
	}

	log_info("runner %s: stopping", run_name());
	/* keep the heartbeat while the scripts stop (stop_watch bounds it) */
	while (!pool_idle(actions)) {
		if (db != NULL && mono_now() - last_beat >= hb) {
			heartbeat(db);
			last_beat = mono_now();
		}
		poll(NULL, 0, 100);
	}
	pool_stop(actions);
	pool_stop(checks);
	chk_free();
	notify_stop();
	PQfinish(db);
	sbuf_free(&held_ids);
	held_free(&held);
	close(wake[0]);
	close(wake[1]);
	close(wakec[0]);
	close(wakec[1]);
	log_info("runner: stopped");
	return 0;
}
