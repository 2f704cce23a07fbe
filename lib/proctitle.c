/*
 * lib/proctitle.c: the process title that ps shows, set as nginx and
 * PostgreSQL set theirs (glibc has no setproctitle): the strings of argv
 * and, where they follow it in memory, of environ are copied to the
 * heap, and the area they took is overwritten with the title, the rest
 * of it zeroed. The short name (comm, what top shows by default) is set
 * with prctl(PR_SET_NAME). /proc/PID/environ then shows the title's
 * area, not the environment, as with those servers.
 */
#include <sys/prctl.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "octopod.h"

extern char	**environ;

static char	*area;		/* argv[0] in the original layout */
static size_t	 area_len;	/* bytes there, the last NUL included */
static char	**copy;		/* the argv handed out: kept for good */

/*
 * Take over the argv and environ area; call first in main, before
 * anything keeps a pointer into argv or the environment (getopt's
 * optarg, getenv). Returns the argv to use from now on (a heap copy),
 * or argv itself when memory ran out (then titles stay as they are).
 */
char **
proctitle_init(int argc, char **argv)
{
	char	**nargv, **nenv, *end = NULL;
	int	  i, n;

	if (argc < 1 || argv[0] == NULL)
		return argv;
	for (i = 0; i < argc; i++)
		if (i == 0 || argv[i] == end + 1)
			end = argv[i] + strlen(argv[i]);
	for (n = 0; environ[n] != NULL; n++)
		if (environ[n] == end + 1)
			end = environ[n] + strlen(environ[n]);
	nargv = calloc((size_t)argc + 1, sizeof(*nargv));
	nenv = calloc((size_t)n + 1, sizeof(*nenv));
	if (nargv == NULL || nenv == NULL)
		goto fail;
	for (i = 0; i < argc; i++)
		if ((nargv[i] = strdup(argv[i])) == NULL)
			goto fail;
	for (i = 0; i < n; i++)
		if ((nenv[i] = strdup(environ[i])) == NULL)
			goto fail;
	environ = nenv;
	copy = nargv;
	area = argv[0];
	area_len = (size_t)(end - argv[0]) + 1;
	return nargv;
fail:
	/* the copies made so far are left: a start-up that is failing */
	free(nargv);
	free(nenv);
	return argv;
}

/*
 * Set the title to the formatted text (cut to the area) and, when comm
 * is not NULL, the short name to comm (15 bytes at most kept).
 */
void
proctitle_set(const char *comm, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (comm != NULL)
		prctl(PR_SET_NAME, comm, 0, 0, 0);
	if (area == NULL || area_len < 2)
		return;
	va_start(ap, fmt);
	n = vsnprintf(area, area_len, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n < area_len)
		memset(area + n, 0, area_len - (size_t)n);
}
