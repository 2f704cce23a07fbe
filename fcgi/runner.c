/*
 * fcgi/runner.c: the runner process (placeholder until the runner lands):
 * it waits for SIGTERM. Queued actions stay queued.
 */
#include <signal.h>
#include <unistd.h>

#include "extern.h"

static volatile sig_atomic_t runner_quit;

static void
runner_sig(int sig)
{
	(void)sig;
	runner_quit = 1;
}

int
runner_main(void)
{
	signal(SIGTERM, runner_sig);
	signal(SIGINT, runner_sig);
	while (!runner_quit)
		pause();
	return 0;
}
