/*
 * t/unit/spawn_poll.c: spawn_run (fcgi/spawn.c) when poll(2) fails with
 * something other than EINTR: the script's timeout and kill still apply
 * (before, the loop ended and the script was waited for with no timeout).
 * Linked with -Wl,--wrap=poll (Makefile): __wrap_poll fails while
 * poll_fails is set.
 */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "extern.h"

static int	poll_fails, poll_calls;

int	__real_poll(struct pollfd *, nfds_t, int);
int	__wrap_poll(struct pollfd *, nfds_t, int);

int
__wrap_poll(struct pollfd *fds, nfds_t n, int ms)
{
	if (poll_fails) {
		poll_calls++;
		errno = ENOMEM;
		return -1;
	}
	return __real_poll(fds, n, ms);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
test_poll_fails(void **state)
{
	char *const		 argv[] = { "/bin/sleep", "12", NULL };
	struct spawn_opts		 o;
	struct spawn_result	 res;
	double			 t0, took;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.timeout = 1;
	o.grace = 1;
	poll_fails = 1;
	t0 = now();
	assert_int_equal(spawn_run(&o, &res), 0);
	took = now() - t0;
	poll_fails = 0;
	assert_true(poll_calls > 0);
	assert_int_equal(res.started, 1);
	assert_int_equal(res.timed_out, 1);
	assert_int_equal(res.signaled, SIGTERM);
	assert_true(took < 6.0);
}

static void
test_poll_works(void **state)
{
	char *const		 argv[] = { "/bin/sh", "-c", "exit 3", NULL };
	struct spawn_opts		 o;
	struct spawn_result	 res;

	(void)state;
	memset(&o, 0, sizeof(o));
	o.argv = argv;
	o.timeout = 5;
	o.grace = 1;
	assert_int_equal(spawn_run(&o, &res), 0);
	assert_int_equal(res.exit_code, 3);
	assert_int_equal(res.timed_out, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_poll_works),
		cmocka_unit_test(test_poll_fails),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
