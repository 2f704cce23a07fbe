/*
 * fcgi/run_state.c: what every thread of the runner may ask of it, in one
 * small module so that the action and check jobs need not call back into
 * the main loop (run_main.c): whether the runner is stopping, and its
 * name. The main thread names it before the pools start; the stop watch
 * marks the stop; every thread reads.
 */
#include <stdio.h>
#include <unistd.h>

#include "extern.h"

static int	 quit;
static char	 self[300];	/* host:pid */

/* Name this runner host:pid (the main thread, before its threads). */
void
run_state_init(void)
{
	char host[256];

	if (gethostname(host, sizeof(host)) == -1)
		strlcpy_(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	snprintf(self, sizeof(self), "%s:%d", host, (int)getpid());
}

/* Mark the stop: what the threads run ends, nothing new starts. */
void
run_state_stop(void)
{
	__atomic_store_n(&quit, 1, __ATOMIC_RELEASE);
}

/* Whether the runner was told to stop: its threads end what they run. */
int
run_stopping(void)
{
	return __atomic_load_n(&quit, __ATOMIC_ACQUIRE);
}

/* This runner's name in actions.runner: host:pid. */
const char *
run_name(void)
{
	return self;
}
