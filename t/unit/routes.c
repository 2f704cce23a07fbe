/*
 * t/unit/routes.c: route_lookup (fcgi/resp_routes.c) with and without room for
 * the Allow list, and lib/octopod.h beside <syslog.h> (whose LOG_* macros
 * the log levels once collided with).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "extern.h"

static void
test_allow_listed(void **state)
{
	const char	*args[ROUTE_ARGS + 1] = { NULL };
	char		 buf[256], allow[128];

	(void)state;
	assert_int_equal(route_lookup("PUT", "deployments/pr-1", buf,
	    sizeof(buf), args, allow, sizeof(allow)), -2);
	assert_non_null(strstr(allow, "GET"));
	assert_non_null(strstr(allow, "PATCH"));
	assert_int_equal(route_lookup("PUT", "no/such/thing", buf,
	    sizeof(buf), args, allow, sizeof(allow)), -1);
	assert_string_equal(allow, "");
}

/* no room for Allow: the buffer is never read (it holds no NUL here) */
static void
test_allow_no_room(void **state)
{
	const char	*args[ROUTE_ARGS + 1] = { NULL };
	char		 buf[256], *allow;

	(void)state;
	allow = malloc(4);
	assert_non_null(allow);
	memset(allow, 'x', 4);
	assert_int_equal(route_lookup("PUT", "deployments/pr-1", buf,
	    sizeof(buf), args, allow, 0), -2);
	assert_memory_equal(allow, "xxxx", 4);
	assert_true(route_lookup("GET", "deployments/pr-1", buf,
	    sizeof(buf), args, allow, 0) >= 0);
	free(allow);
}

static void
test_log_levels(void **state)
{
	(void)state;
	/* both sets of names in one unit: syslog's macros and ours */
	assert_int_equal(LOG_ERR, 3);
	assert_int_equal(LVL__MAX, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allow_listed),
		cmocka_unit_test(test_allow_no_room),
		cmocka_unit_test(test_log_levels),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
