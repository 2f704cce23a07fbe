/*
 * t/unit/pgconn.c: how the programs build their connection (lib/pgconn.c):
 * the keywords for libpq, a multi-host conninfo cut into one host an
 * attempt for the notifier, libpq's messages in one line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "octopod.h"
#include "pgconn.h"

/* the value of keyword k in kw/val, or NULL */
static const char *
kv(const char **kw, const char **val, const char *k)
{
	int i;

	for (i = 0; kw[i] != NULL; i++)
		if (strcmp(kw[i], k) == 0)
			return val[i];
	return NULL;
}

static void
test_params(void **state)
{
	const char *kw[PGC_NKW], *val[PGC_NKW];

	(void)state;
	pgc_params("octopod-x", kw, val);
	/* connect_timeout before the conninfo (which may override it) */
	assert_string_equal(kw[0], "connect_timeout");
	assert_string_equal(val[0], "5");
	assert_string_equal(kw[1], "dbname");
	assert_string_equal(val[1], setting_str("DATABASE_URL"));
	assert_string_equal(kw[2], "application_name");
	assert_string_equal(val[2], "octopod-x");
	assert_null(kw[3]);
}

static void
test_hosts(void **state)
{
	const char **kw, **val;

	(void)state;
	assert_int_equal(pgc_hosts(), 2);
	assert_int_equal(pgc_timeout(), 3);
	assert_int_equal(pgc_host_params(0, "n", &kw, &val), 0);
	assert_string_equal(kv(kw, val, "host"), "a.example");
	assert_string_equal(kv(kw, val, "port"), "6001");
	assert_string_equal(kv(kw, val, "target_session_attrs"), "read-write");
	assert_string_equal(kv(kw, val, "sslmode"), "verify-full");
	assert_string_equal(kv(kw, val, "user"), "octopod");
	assert_string_equal(kv(kw, val, "application_name"), "n");
	assert_null(kv(kw, val, "hostaddr"));
	assert_int_equal(pgc_host_params(1, "n", &kw, &val), 0);
	assert_string_equal(kv(kw, val, "host"), "b.example");
	assert_string_equal(kv(kw, val, "port"), "6002");
	assert_string_equal(kv(kw, val, "dbname"), "octopod");
}

static void
test_oneline(void **state)
{
	char buf[256], small[16];

	(void)state;
	assert_string_equal(pgc_oneline("connection to server at \"a\", port 1 "
	    "failed: Connection refused\n\tIs the server running on that host "
	    "and accepting TCP/IP connections?\nconnection to server at \"b\", "
	    "port 2 failed: timeout expired\n", buf, sizeof(buf)),
	    "connection to server at \"a\", port 1 failed: Connection refused; "
	    "connection to server at \"b\", port 2 failed: timeout expired");
	assert_string_equal(pgc_oneline("", buf, sizeof(buf)), "unknown error");
	assert_string_equal(pgc_oneline(NULL, buf, sizeof(buf)), "unknown error");
	assert_string_equal(pgc_oneline("0123456789abcdefghij\n", small,
	    sizeof(small)), "0123456789abcde");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_params),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_oneline),
	};
	char err[256];

	setenv("DATABASE_URL", "host=a.example,b.example port=6001,6002 "
	    "user=octopod dbname=octopod connect_timeout=3 sslmode=verify-full "
	    "target_session_attrs=read-write", 1);
	if (settings_load(err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
