/*
 * fcgi/main.c: octopod-fcgi. The master process opens the FastCGI socket,
 * forks RESPONDERS responder processes and one runner process, restarts
 * any that dies, and on SIGTERM stops them all. ps shows them as
 * "octopod-fcgi: master", "octopod-fcgi: responder N" (N its slot, kept
 * across restarts) and "octopod-fcgi: runner".
 *
 *	octopod-fcgi [-dnmR] [-s socket]
 *	  -d  stay in the foreground, log to stderr (the default here)
 *	  -n  check the settings, print them (secrets masked) and exit
 *	  -m  apply the migrations in MIGRATIONS_DIR and exit
 *	  -R  no runner process (responders only)
 *	  -s  the FastCGI socket (FCGI_SOCKET)
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"

enum child_kind { CHILD_RESPONDER, CHILD_RUNNER };

struct child {
	pid_t		 pid;
	enum child_kind	 kind;
	time_t		 started;
	int		 fails;		/* quick deaths in a row */
};

static volatile sig_atomic_t	 got_term, got_chld;
static struct child		*children;
static int			 nchildren;
static int			 listenfd = -1;

static void
usage(void)
{
	fprintf(stderr, "usage: octopod-fcgi [-dnmR] [-s socket]\n");
	exit(2);
}

static void
master_sig(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else
		got_term = 1;
}

/* Fork one child of the given kind; returns its pid or -1. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WITH_LSAN 1
#endif
#endif
#ifdef WITH_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/*
 * A child ends with _exit (not exit: the master's atexit handlers and
 * stdio buffers are not its own), which skips LeakSanitizer's check at
 * exit: in a sanitizer build, run it here, so that the suite's sanitizer
 * run sees the responders' and the runner's leaks too.
 */
static void
child_leak_check(void)
{
#ifdef WITH_LSAN
	__lsan_do_leak_check();
#endif
}

static pid_t
child_start(struct child *c)
{
	pid_t pid, master = getpid();

	if ((pid = fork()) == -1) {
		log_err("could not fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		int	 rc, n;
		char	 comm[32];	/* the kernel keeps 15 bytes */
		sigset_t none;

		/* the master's handlers go before its mask does */
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/*
		 * A master killed with SIGKILL must not leave its children
		 * behind: a new master would run beside them. SIGTERM is
		 * the graceful stop (requests finish, scripts are stopped
		 * and their actions recorded as interrupted).
		 */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 ||
		    getppid() != master)
			_exit(1);
		if (c->kind == CHILD_RUNNER) {
			proctitle_set("octopod-runner", "octopod-fcgi: runner");
			close(listenfd);
			rc = runner_main();
		} else {
			/*
			 * its number: the slot it fills, the same after a
			 * restart; no space in comm (/proc/PID/stat is read
			 * by fields)
			 */
			n = (int)(c - children) + 1;
			snprintf(comm, sizeof(comm), "octopod-resp-%d", n);
			proctitle_set(comm, "octopod-fcgi: responder %d", n);
			rc = responder_main(listenfd);
		}
		if (rc == 0)	/* a clean stop: all its threads joined */
			child_leak_check();
		_exit(rc);
	}
	c->pid = pid;
	c->started = time(NULL);
	log_info("started %s %d", c->kind == CHILD_RUNNER ? "runner" :
	    "responder", (int)pid);
	return pid;
}

/* Reap dead children and note them; they are restarted by the loop. */
static void
reap(void)
{
	pid_t	pid;
	int	status, i;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (i = 0; i < nchildren; i++) {
			if (children[i].pid != pid)
				continue;
			children[i].pid = 0;
			if (time(NULL) - children[i].started < 5)
				children[i].fails++;
			else
				children[i].fails = 0;
			if (!got_term) {
				if (WIFSIGNALED(status))
					log_warn("%s %d killed by signal %d",
					    children[i].kind == CHILD_RUNNER ?
					    "runner" : "responder", (int)pid,
					    WTERMSIG(status));
				else
					log_warn("%s %d exited with %d",
					    children[i].kind == CHILD_RUNNER ?
					    "runner" : "responder", (int)pid,
					    WEXITSTATUS(status));
			}
		}
	}
}

/* Stop every child: SIGTERM, then SIGKILL after grace seconds. */
static void
stop_all(int grace)
{
	int		 i, alive;
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	time_t		 deadline = time(NULL) + grace;

	for (i = 0; i < nchildren; i++)
		if (children[i].pid > 0)
			kill(children[i].pid, SIGTERM);
	for (;;) {
		reap();
		alive = 0;
		for (i = 0; i < nchildren; i++)
			if (children[i].pid > 0)
				alive++;
		if (alive == 0)
			return;
		if (time(NULL) >= deadline)
			break;
		nanosleep(&ts, NULL);
	}
	for (i = 0; i < nchildren; i++)
		if (children[i].pid > 0) {
			log_warn("killing %d after %d s", (int)children[i].pid,
			    grace);
			kill(children[i].pid, SIGKILL);
		}
	while (waitpid(-1, NULL, 0) > 0)
		;
}

int
main(int argc, char *argv[])
{
	char			 errbuf[512];
	const char		*sock;
	int			 ch, check = 0, mig = 0, norunner = 0, i, n;
	struct sigaction	 sa;
	sigset_t		 mask, omask;

	/* before getopt and getenv point into the area it takes */
	argv = proctitle_init(argc, argv);
	while ((ch = getopt(argc, argv, "dnmRs:")) != -1) {
		switch (ch) {
		case 'd':
			break;
		case 'n':
			check = 1;
			break;
		case 'm':
			mig = 1;
			break;
		case 'R':
			norunner = 1;
			break;
		case 's':
			setenv("FCGI_SOCKET", optarg, 1);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if (settings_load(errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);
	log_init("octopod-fcgi", strcmp(setting_str("LOG_FORMAT"), "json") == 0);
	if (oidc_init(errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);
	if (check) {
		static const char *const needed[] = { "create", "check" };
		int missing = 0;

		settings_dump();
		/* the two scripts octopod cannot work without */
		for (i = 0; i < 2; i++)
			if (!spawn_script_set(needed[i])) {
				warnx("no control script \"%s\" is set: set "
				    "CONTROL_SCRIPTS_DIR (a directory holding "
				    "\"%s\") or %s", needed[i], needed[i],
				    i == 0 ? "CREATE_COMMAND (Octopod's "
				    "CREATION_COMMAND)" : "CHECK_COMMAND "
				    "(Octopod's CHECKING_COMMAND)");
				missing = 1;
			}
		return missing;
	}
	if (mig)
		return migrate(setting_str("MIGRATIONS_DIR")) == 0 ? 0 : 1;

	if (FCGX_Init() != 0)
		errx(1, "could not initialise libfcgi");
	sock = setting_str("FCGI_SOCKET");
	if (sock[0] == '/')
		unlink(sock);
	if ((listenfd = FCGX_OpenSocket(sock, 1024)) == -1)
		errx(1, "could not listen on \"%s\"", sock);
	/* nginx's workers, and nobody else, can connect (docs/API.md) */
	if (sock[0] == '/' && sock_restrict(sock, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);

	if (db_errors_init() == -1)
		err(1, "could not map the shared counters");
	n = (int)setting_int("RESPONDERS");
	nchildren = n + (norunner ? 0 : 1);
	if ((children = calloc(nchildren, sizeof(*children))) == NULL)
		err(1, "calloc");
	for (i = 0; i < nchildren; i++)
		children[i].kind = i < n ? CHILD_RESPONDER : CHILD_RUNNER;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = master_sig;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &omask);

	proctitle_set(NULL, "octopod-fcgi: master");
	log_info("listening on %s, %d responders x %ld threads%s", sock, n,
	    setting_int("THREADS"), norunner ? ", no runner" : ", 1 runner");
	while (!got_term) {
		time_t now = time(NULL);
		int wait_more = 0;

		got_chld = 0;
		reap();
		for (i = 0; i < nchildren && !got_term; i++) {
			struct child *c = &children[i];
			/* back off a child that keeps dying at start */
			if (c->pid == 0 && c->fails > 0 &&
			    now - c->started < (c->fails > 5 ? 5 : c->fails)) {
				wait_more = 1;
				continue;
			}
			if (c->pid == 0)
				child_start(c);
		}
		if (got_term)
			break;
		if (wait_more) {
			struct timespec ts = { 0, 200 * 1000 * 1000 };
			sigprocmask(SIG_SETMASK, &omask, NULL);
			nanosleep(&ts, NULL);
			sigprocmask(SIG_BLOCK, &mask, NULL);
		} else if (!got_chld)
			sigsuspend(&omask);
	}
	log_info("shutting down");
	sigprocmask(SIG_SETMASK, &omask, NULL);
	stop_all(STOP_GRACE_MASTER);
	if (sock[0] == '/')
		unlink(sock);
	log_info("stopped");
	return 0;
}
