/*
 * fcgi/spawn.c: running one control script. posix_spawn with an argv
 * array (never a shell), stdin from /dev/null, stdout and stderr on pipes
 * read as the output comes, its own process group, no descriptor of ours
 * but 0-2, default signal dispositions, a timeout (SIGTERM to the group,
 * SIGKILL after a grace period). Only the pid started here is waited for,
 * so it is safe in any thread of a responder or of the runner.
 */
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "extern.h"

extern char **environ;

#define STOP_GRACE	2	/* seconds from SIGTERM to SIGKILL at shutdown */

/*
 * The settings that name each script: ours first, then Octopod's own
 * name of the same setting (CREATION_COMMAND ...), so that an Octopod
 * configuration works unchanged.
 */
static const struct script_setting {
	const char	*script;
	const char	*ours;
	const char	*octopods;
} script_settings[] = {
	{ .script = "create", .ours = "CREATE_COMMAND",
	  .octopods = "CREATION_COMMAND" },
	{ .script = "update", .ours = "UPDATE_COMMAND",
	  .octopods = "UPDATE_COMMAND" },
	{ .script = "archive", .ours = "ARCHIVE_COMMAND",
	  .octopods = "ARCHIVE_COMMAND" },
	{ .script = "restore", .ours = "RESTORE_COMMAND",
	  .octopods = "UNARCHIVE_COMMAND" },
	{ .script = "cleanup", .ours = "CLEANUP_COMMAND",
	  .octopods = "CLEANUP_COMMAND" },
	{ .script = "check", .ours = "CHECK_COMMAND",
	  .octopods = "CHECKING_COMMAND" },
	{ .script = "archive_check", .ours = "ARCHIVE_CHECK_COMMAND",
	  .octopods = "ARCHIVE_CHECKING_COMMAND" },
	{ .script = "config_check", .ours = "CONFIG_CHECK_COMMAND",
	  .octopods = "CONFIG_CHECKING_COMMAND" },
	{ .script = "tag_check", .ours = "CONFIG_CHECK_COMMAND",
	  .octopods = "TAG_CHECKING_COMMAND" },
	{ .script = "info", .ours = "INFO_COMMAND",
	  .octopods = "INFO_COMMAND" },
	{ .script = "notifications", .ours = "NOTIFICATIONS_COMMAND",
	  .octopods = "NOTIFICATION_COMMAND" },
	{ .script = "app_keys", .ours = "APP_KEYS_COMMAND",
	  .octopods = "APPLICATION_KEYS_COMMAND" },
	{ .script = "deployment_keys", .ours = "DEPLOYMENT_KEYS_COMMAND",
	  .octopods = "DEPLOYMENT_KEYS_COMMAND" },
	{ .script = "app_overrides", .ours = "APP_OVERRIDES_COMMAND",
	  .octopods = "APPLICATION_CONFIG_COMMAND" },
	{ .script = "deployment_overrides",
	  .ours = "DEPLOYMENT_OVERRIDES_COMMAND",
	  .octopods = "DEPLOYMENT_CONFIG_COMMAND" },
};
#define NSCRIPT_SETTINGS \
	(sizeof(script_settings) / sizeof(script_settings[0]))

/* sleep ms milliseconds (not through poll: see spawn_run) */
static void
nap(int ms)
{
	struct timespec	 ts = { 0, (long)ms * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* The *_COMMAND setting (ours, else Octopod's) of script, or NULL. */
static const char *
script_command(const char *script)
{
	const char	*cmd;
	size_t		 i;

	for (i = 0; i < NSCRIPT_SETTINGS; i++) {
		if (strcmp(script_settings[i].script, script) != 0)
			continue;
		if ((cmd = setting_str(script_settings[i].ours)) != NULL &&
		    *cmd != '\0')
			return cmd;
		if ((cmd = setting_str(script_settings[i].octopods)) != NULL &&
		    *cmd != '\0')
			return cmd;
	}
	return NULL;
}

/*
 * Where the control script "script" is: its *_COMMAND setting (ours or
 * Octopod's), else CONTROL_SCRIPTS_DIR/script; restore is also found as
 * Octopod 2's "unarchive" there. Returns a malloc'd path, or NULL when
 * nothing is set. The file may not exist: spawn_run says so.
 */
char *
spawn_script_path(const char *script)
{
	const char	*cmd, *dir;
	char		*p;
	struct stat	 st;

	if ((cmd = script_command(script)) != NULL)
		return strdup(cmd);
	if ((dir = setting_str("CONTROL_SCRIPTS_DIR")) == NULL || *dir == '\0')
		return NULL;
	if (asprintf(&p, "%s/%s", dir, script) < 0)
		return NULL;
	if (strcmp(script, "restore") == 0 && stat(p, &st) == -1) {
		char *u;

		if (asprintf(&u, "%s/unarchive", dir) < 0)
			return p;
		if (stat(u, &st) == 0) {
			free(p);
			return u;
		}
		free(u);
	}
	return p;
}

/*
 * Whether script is configured: a *_COMMAND setting, or a file of that
 * name in CONTROL_SCRIPTS_DIR (for restore also "unarchive"). For the
 * check of the settings (octopod-fcgi -n).
 */
int
spawn_script_set(const char *script)
{
	char		*p;
	struct stat	 st;
	int		 ok;

	if (script_command(script) != NULL)
		return 1;
	if ((p = spawn_script_path(script)) == NULL)
		return 0;
	ok = stat(p, &st) == 0;
	free(p);
	return ok;
}

static void
kill_group(pid_t pid, int sig)
{
	if (kill(-pid, sig) == -1 && errno == ESRCH)
		kill(pid, sig);
}

/*
 * Run opts->argv and wait for it. Returns 0 when the script ran (whatever
 * its exit), -1 when it could not start (res->errnum). Output goes to
 * opts->on_data as it is read; after the script exits the pipes are
 * drained for at most a second more (a background child of the script
 * may hold them).
 */
int
spawn_run(const struct spawn_opts *opts, struct spawn_result *res)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 at;
	sigset_t			 none, dfl;
	int				 po[2] = { -1, -1 }, pe[2] = { -1, -1 };
	int				 fds[SPAWN__MAX], status, rc, done = 0;
	int				 sent_term = 0, sent_kill = 0;
	int				 pidfd, poll_failed = 0;
	double				 start, term_at = 0, exited_at = 0;
	char				 buf[65536];
	struct stat			 st;
	pid_t				 pid;

	memset(res, 0, sizeof(*res));
	res->exit_code = -1;

	/* a clear reason for the usual mistakes, before forking anything */
	if (stat(opts->argv[0], &st) == -1) {
		res->errnum = errno;
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		res->errnum = EISDIR;
		return -1;
	}
	if (access(opts->argv[0], X_OK) == -1) {
		res->errnum = errno;
		return -1;
	}

	if (pipe2(po, O_CLOEXEC) == -1 || pipe2(pe, O_CLOEXEC) == -1) {
		res->errnum = errno;
		goto fail;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, po[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pe[1], 2);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);

	posix_spawnattr_init(&at);
	sigemptyset(&none);
	sigfillset(&dfl);
	sigdelset(&dfl, SIGKILL);
	sigdelset(&dfl, SIGSTOP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

	rc = posix_spawn(&pid, opts->argv[0], &fa, &at, opts->argv,
	    opts->envp != NULL ? opts->envp : environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	if (rc != 0) {
		res->errnum = rc;
		goto fail;
	}
	res->started = 1;
	res->pid = pid;
	if (opts->on_start != NULL)
		opts->on_start(opts->arg);
	fds[SPAWN_STDOUT] = po[0];
	fds[SPAWN_STDERR] = pe[0];
	start = mono_now();
	/* readable when the script has exited: no polling for its end */
	pidfd = pidfd_open(pid, 0);

	for (;;) {
		struct pollfd	 pfd[SPAWN__MAX + 1];
		int		 n = 0, np, i, map[SPAWN__MAX];
		double		 now;

		for (i = 0; i < SPAWN__MAX; i++)
			if (fds[i] != -1) {
				pfd[n].fd = fds[i];
				pfd[n].events = POLLIN;
				map[n++] = i;
			}
		if (n == 0 && done)
			break;
		np = n;
		if (!done && pidfd != -1) {
			pfd[np].fd = pidfd;
			pfd[np++].events = POLLIN;
		}
		if (np > 0 && poll(pfd, np, 100) == -1) {
			/*
			 * Not a reason to stop watching: the timeout and the
			 * kill below still apply. Nothing is readable now.
			 */
			if (errno != EINTR && !poll_failed++)
				log_err("could not wait for script output: %s",
				    strerror(errno));
			for (i = 0; i < np; i++)
				pfd[i].revents = 0;
			if (errno != EINTR)
				nap(20);
		}
		if (np == 0)
			nap(20);	/* no pidfd: look again soon */
		for (i = 0; i < n; i++) {
			ssize_t	 got;

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			got = read(pfd[i].fd, buf, sizeof(buf));
			if (got > 0) {
				if (opts->on_data != NULL)
					opts->on_data(opts->arg, map[i], buf,
					    (size_t)got);
			} else if (got == 0 || (errno != EINTR &&
			    errno != EAGAIN)) {
				close(fds[map[i]]);
				fds[map[i]] = -1;
			}
		}
		now = mono_now();
		if (!done && waitpid(pid, &status, WNOHANG) == pid) {
			done = 1;
			exited_at = now;
			if (WIFEXITED(status))
				res->exit_code = WEXITSTATUS(status);
			else if (WIFSIGNALED(status)) {
				res->signaled = WTERMSIG(status);
				res->exit_code = 128 + res->signaled;
			}
		}
		if (done && now - exited_at > 1.0) {
			/* a child of the script holds the pipes open */
			for (i = 0; i < SPAWN__MAX; i++)
				if (fds[i] != -1) {
					close(fds[i]);
					fds[i] = -1;
				}
			break;
		}
		if (opts->on_tick != NULL && opts->on_tick(opts->arg) != 0 &&
		    !sent_term)
			res->stopped = 1;
		if (opts->stop != NULL && opts->stop() && !sent_term)
			res->stopped = 1;
		if (!sent_term && !done && opts->timeout > 0 &&
		    now - start >= opts->timeout)
			res->timed_out = 1;
		if (!sent_term && (res->stopped || res->timed_out)) {
			kill_group(pid, SIGTERM);
			sent_term = 1;
			term_at = now;
		}
		if (sent_term && !sent_kill && now - term_at >= (res->stopped &&
		    opts->grace > STOP_GRACE ? STOP_GRACE : opts->grace)) {
			/* the group, even when the script itself has gone */
			kill_group(pid, SIGKILL);
			sent_kill = 1;
		}
	}
	if (pidfd != -1)
		close(pidfd);
	if (sent_term)		/* leave nothing of the group behind */
		kill(-pid, SIGKILL);
	for (rc = 0; rc < SPAWN__MAX; rc++)
		if (fds[rc] != -1)
			close(fds[rc]);
	if (!done) {
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		if (WIFEXITED(status))
			res->exit_code = WEXITSTATUS(status);
		else if (WIFSIGNALED(status)) {
			res->signaled = WTERMSIG(status);
			res->exit_code = 128 + res->signaled;
		}
	}
	return 0;
fail:
	if (po[0] != -1)
		close(po[0]);
	if (po[1] != -1)
		close(po[1]);
	if (pe[0] != -1)
		close(pe[0]);
	if (pe[1] != -1)
		close(pe[1]);
	return -1;
}

struct capture {
	struct sbuf	 out;
	size_t		 max;
	char		 name[64];
	struct spawn_result *res;	/* its err gets the start of stderr */
};

static void
capture_data(void *arg, enum spawn_stream s, const char *p, size_t n)
{
	struct capture *c = arg;

	if (s == SPAWN_STDERR) {
		/* stderr of short scripts goes to the log, a line at most */
		size_t	 have = strlen(c->res->err), room;

		log_debug("%s: stderr: %.*s", c->name, (int)(n > 512 ? 512 : n),
		    p);
		room = sizeof(c->res->err) - 1 - have;
		memcpy(c->res->err + have, p, n < room ? n : room);
		c->res->err[have + (n < room ? n : room)] = '\0';
		return;
	}
	if (c->out.len < c->max)
		sbuf_add(&c->out, p, n > c->max - c->out.len ?
		    c->max - c->out.len : n);
}

/*
 * Run argv (in environment envp, NULL: ours) with a timeout, its stdout kept (at most max bytes, more is
 * drained and dropped) in *out (malloc'd, NUL-terminated, the caller
 * frees), its stderr logged and its start kept in res->err. Returns as
 * spawn_run.
 */
int
spawn_capture(char *const *argv, char *const *envp, int timeout, size_t max,
    char **out, struct spawn_result *res)
{
	struct spawn_opts	 o;
	struct capture	 c;
	const char	*slash;
	int		 rc;

	memset(&o, 0, sizeof(o));
	memset(&c, 0, sizeof(c));
	slash = strrchr(argv[0], '/');
	strlcpy_(c.name, slash ? slash + 1 : argv[0], sizeof(c.name));
	c.max = max;
	o.argv = argv;
	o.envp = envp;
	o.timeout = timeout;
	o.grace = 5;
	o.on_data = capture_data;
	o.arg = &c;
	c.res = res;
	rc = spawn_run(&o, res);
	sbuf_addc(&c.out, '\0');
	if (c.out.p == NULL) {
		*out = NULL;
		return -1;
	}
	*out = c.out.p;
	return rc;
}

/*
 * Describe how a script ended, in PostgreSQL's message style, into buf.
 * Returns 0 when it exited 0.
 */
int
spawn_describe(const struct spawn_result *r, const char *script, char *buf,
    size_t len)
{
	if (!r->started)
		snprintf(buf, len, "could not run control script \"%s\": %s",
		    script, strerror(r->errnum));
	else if (r->timed_out)
		snprintf(buf, len, "control script \"%s\" timed out and was "
		    "killed", script);
	else if (r->stopped)
		snprintf(buf, len, "control script \"%s\" was stopped: the "
		    "runner is shutting down", script);
	else if (r->signaled)
		snprintf(buf, len, "control script \"%s\" was terminated by "
		    "signal %d", script, r->signaled);
	else if (r->exit_code != 0)
		snprintf(buf, len, "control script \"%s\" exited with code %d",
		    script, r->exit_code);
	else {
		snprintf(buf, len, "control script \"%s\" succeeded", script);
		return 0;
	}
	return 1;
}
