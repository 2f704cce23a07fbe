/*
 * bench/stamp.c: a control script that notes when it started, and the
 * bare fork+exec beside it.
 *
 * Installed (copied) under a control script's name (create, check, ...):
 * appends "SCRIPT NAME REALTIME_MS" to $BENCH_STAMPS with one write (NAME
 * is the value of --name); `check` then sleeps $BENCH_CHECK_MS (100) ms.
 * Exits 0.
 *
 *	stamp bare N SCRIPT	fork+execve SCRIPT N times (argv like the
 *				runner's: --name bare-I), each time from just
 *				before fork() to the stamp; prints p50 p99 ms
 */
#include <sys/wait.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "stats.h"

extern char **environ;

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}


static int
bare(int n, const char *script)
{
	char		 path[] = "/tmp/stamp-bare.XXXXXX", nm[32], line[256];
	char		*av[4];
	double		*t0, *lat, t;
	FILE		*f;
	pid_t		 pid;
	int		 i, fd;

	if ((fd = mkstemp(path)) == -1)
		err(1, "mkstemp");
	close(fd);
	setenv("BENCH_STAMPS", path, 1);
	if ((t0 = calloc(n, sizeof(*t0))) == NULL ||
	    (lat = calloc(n, sizeof(*lat))) == NULL)
		err(1, "calloc");
	for (i = 0; i < n; i++) {
		snprintf(nm, sizeof(nm), "bare-%d", i);
		av[0] = (char *)script;
		av[1] = "--name";
		av[2] = nm;
		av[3] = NULL;
		t0[i] = now_ms();
		if ((pid = fork()) == -1)
			err(1, "fork");
		if (pid == 0) {
			execve(script, av, environ);
			_exit(127);
		}
		waitpid(pid, NULL, 0);
	}
	if ((f = fopen(path, "r")) == NULL)
		err(1, "%s", path);
	for (i = 0; i < n && fgets(line, sizeof(line), f) != NULL; i++) {
		if (sscanf(line, "%*s %*s %lf", &t) != 1)
			errx(1, "bad stamp: %s", line);
		lat[i] = t - t0[i];
	}
	fclose(f);
	unlink(path);
	if (i != n)
		errx(1, "%d stamps, not %d", i, n);
	stats_sort(lat, n);
	printf("%.3f %.3f\n", lat[n / 2], lat[(int)(n * 0.99)]);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char	*me, *name = "-", *out, *ms;
	char		 line[512];
	double		 t = now_ms();
	struct timespec	 ts;
	int		 i, fd, len;

	me = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	if (strcmp(me, "stamp") == 0) {
		if (argc == 4 && strcmp(argv[1], "bare") == 0)
			return bare(atoi(argv[2]), argv[3]);
		errx(2, "usage: stamp bare N SCRIPT");
	}
	for (i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--name") == 0)
			name = argv[i + 1];
	if ((out = getenv("BENCH_STAMPS")) != NULL &&
	    (fd = open(out, O_WRONLY | O_APPEND | O_CREAT, 0644)) != -1) {
		len = snprintf(line, sizeof(line), "%s %s %.3f\n", me, name, t);
		if (write(fd, line, len) != len)
			return 1;
		close(fd);
	}
	if (strcmp(me, "check") == 0) {
		ms = getenv("BENCH_CHECK_MS");
		i = ms != NULL ? atoi(ms) : 100;
		ts.tv_sec = i / 1000;
		ts.tv_nsec = (i % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	return 0;
}
