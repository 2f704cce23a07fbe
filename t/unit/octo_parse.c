/*
 * t/unit/octo_parse.c: octo's parsers: K=V flags, durations, the
 * server's error shape and the exit code an answer maps to.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "octopod.h"
#include "extern.h"

static void
kv(void **state)
{
	char		 key[16];
	const char	*v;

	assert_int_equal(octo_parse_kv("A=1", key, sizeof(key), &v), 0);
	assert_string_equal(key, "A");
	assert_string_equal(v, "1");
	/* only the first '=' splits; an empty value is a value */
	assert_int_equal(octo_parse_kv("url=a=b", key, sizeof(key), &v), 0);
	assert_string_equal(key, "url");
	assert_string_equal(v, "a=b");
	assert_int_equal(octo_parse_kv("E=", key, sizeof(key), &v), 0);
	assert_string_equal(v, "");
	assert_int_equal(octo_parse_kv("noequals", key, sizeof(key), &v), -1);
	assert_int_equal(octo_parse_kv("=v", key, sizeof(key), &v), -1);
	assert_int_equal(octo_parse_kv("0123456789abcdef=v", key, sizeof(key),
	    &v), -1);
	assert_int_equal(octo_parse_kv(NULL, key, sizeof(key), &v), -1);
}

static void
duration(void **state)
{
	long	 s;

	assert_int_equal(octo_parse_duration("3600", &s), 0);
	assert_int_equal(s, 3600);
	assert_int_equal(octo_parse_duration("14d", &s), 0);
	assert_int_equal(s, 14 * 86400);
	assert_int_equal(octo_parse_duration("12h", &s), 0);
	assert_int_equal(s, 12 * 3600);
	assert_int_equal(octo_parse_duration("30m", &s), 0);
	assert_int_equal(s, 1800);
	assert_int_equal(octo_parse_duration("90s", &s), 0);
	assert_int_equal(s, 90);
	assert_int_equal(octo_parse_duration("1h30m", &s), 0);
	assert_int_equal(s, 5400);
	assert_int_equal(octo_parse_duration("0", &s), 0);
	assert_int_equal(s, 0);
	assert_int_equal(octo_parse_duration("", &s), -1);
	assert_int_equal(octo_parse_duration("-5", &s), -1);
	assert_int_equal(octo_parse_duration("5w", &s), -1);
	assert_int_equal(octo_parse_duration("1h30", &s), -1);
	assert_int_equal(octo_parse_duration("h", &s), -1);
	assert_int_equal(octo_parse_duration(" 5", &s), -1);
	assert_int_equal(octo_parse_duration("99999999999999999999", &s), -1);
	assert_int_equal(octo_parse_duration("999999999999999d", &s), -1);
}

static void
error_shape(void **state)
{
	char		 code[32], msg[64];
	const char	*b;

	b = "{\"error\":{\"code\":\"busy\",\"message\":\"deployment \\\"x\\\" is"
	    " busy\",\"details\":{\"status\":\"UpdatePending\"}}}";
	assert_int_equal(octo_parse_error(409, b, strlen(b), code,
	    sizeof(code), msg, sizeof(msg)), 0);
	assert_string_equal(code, "busy");
	assert_string_equal(msg, "deployment \"x\" is busy");
	/* config_check's lines are kept, its last newline and CR are not;
	 * other control characters (an escape) become '?' */
	b = "{\"error\":{\"code\":\"config_check_refused\",\"message\":"
	    "\"no\\r\\nway\\n\\u001b]0;x\\u0007\\tend\\n\\n\"}}";
	assert_int_equal(octo_parse_error(422, b, strlen(b), code,
	    sizeof(code), msg, sizeof(msg)), 0);
	assert_string_equal(msg, "no\nway\n?]0;x?\tend");
	/* cut to the buffer */
	b = "{\"error\":{\"code\":\"invalid\",\"message\":\"0123456789012345"
	    "67890123456789012345678901234567890123456789012345678901234567"
	    "89\"}}";
	assert_int_equal(octo_parse_error(400, b, strlen(b), code,
	    sizeof(code), msg, sizeof(msg)), 0);
	assert_int_equal(strlen(msg), sizeof(msg) - 1);
	/* not octopod's shape: say the status */
	b = "<html>502 Bad Gateway</html>";
	assert_int_equal(octo_parse_error(502, b, strlen(b), code,
	    sizeof(code), msg, sizeof(msg)), -1);
	assert_string_equal(code, "http_502");
	assert_non_null(strstr(msg, "HTTP 502"));
	b = "{\"error\":\"just a string\"}";
	assert_int_equal(octo_parse_error(400, b, strlen(b), code,
	    sizeof(code), msg, sizeof(msg)), -1);
	assert_int_equal(octo_parse_error(500, NULL, 0, code, sizeof(code),
	    msg, sizeof(msg)), -1);
	/* a length shorter than the text: only that much is read */
	b = "{\"error\":{\"code\":\"x\",\"message\":\"y\"}}garbage";
	assert_int_equal(octo_parse_error(400, b, strlen(b) - 7, code,
	    sizeof(code), msg, sizeof(msg)), 0);
}

static void
fmt_duration(void **state)
{
	char	 b[32];

	assert_string_equal(octo_fmt_duration(0, b, sizeof(b)), "0s");
	assert_string_equal(octo_fmt_duration(59, b, sizeof(b)), "59s");
	assert_string_equal(octo_fmt_duration(3600, b, sizeof(b)), "1h");
	assert_string_equal(octo_fmt_duration(90061, b, sizeof(b)),
	    "1d1h1m1s");
	assert_string_equal(octo_fmt_duration(1209600, b, sizeof(b)), "14d");
	/* cut to the buffer, still a string */
	assert_string_equal(octo_fmt_duration(90061, b, 5), "1d1h");
}

static void
exit_codes(void **state)
{
	assert_int_equal(octo_exit_for(200, ""), EXIT_OK);
	assert_int_equal(octo_exit_for(202, ""), EXIT_OK);
	assert_int_equal(octo_exit_for(409, "busy"), EXIT_REFUSED);
	assert_int_equal(octo_exit_for(404, "not_found"), EXIT_REFUSED);
	assert_int_equal(octo_exit_for(400, "invalid"), EXIT_REFUSED);
	assert_int_equal(octo_exit_for(422, "config_check_refused"),
	    EXIT_REFUSED);
	assert_int_equal(octo_exit_for(403, "power_only"), EXIT_REFUSED);
	assert_int_equal(octo_exit_for(401, "certificate_required"),
	    EXIT_CONN);
	assert_int_equal(octo_exit_for(503, "database_unavailable"),
	    EXIT_CONN);
	assert_int_equal(octo_exit_for(502, "unavailable"), EXIT_CONN);
	assert_int_equal(octo_exit_for(0, NULL), EXIT_CONN);
}

static void
overrides(void **state)
{
	json_t	*l = json_array();
	char	 err[128];

	assert_int_equal(octo_override_add(l, "A=1", 0, err, sizeof(err)), 0);
	assert_int_equal(octo_override_add(l, "T=s=x", 1, err, sizeof(err)),
	    0);
	assert_int_equal(octo_override_add(l, "bad", 0, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "\"bad\" is not KEY=VALUE"));
	assert_int_equal(json_array_size(l), 2);
	assert_string_equal(jstr(json_array_get(l, 1), "value", ""), "s=x");
	assert_true(json_is_true(json_object_get(json_array_get(l, 1),
	    "secret")));
	assert_true(json_is_false(json_object_get(json_array_get(l, 0),
	    "secret")));
	json_decref(l);
}

static void
times(void **state)
{
	char	 b[32];

	assert_string_equal(octo_time("2026-11-25T09:20:45.786Z", b,
	    sizeof(b)), "2026-11-25 09:20:45");
	assert_string_equal(octo_time(NULL, b, sizeof(b)), "-");
	assert_string_equal(octo_time("soon", b, sizeof(b)), "soon");
}

static void
numbers(void **state)
{
	long	 v;

	assert_int_equal(octo_parse_long("42", 1, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(octo_parse_long("0", 1, 100, &v), -1);
	assert_int_equal(octo_parse_long("101", 1, 100, &v), -1);
	assert_int_equal(octo_parse_long("4x", 1, 100, &v), -1);
	assert_int_equal(octo_parse_long("", 1, 100, &v), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(kv),
		cmocka_unit_test(duration),
		cmocka_unit_test(error_shape),
		cmocka_unit_test(exit_codes),
		cmocka_unit_test(fmt_duration),
		cmocka_unit_test(overrides),
		cmocka_unit_test(times),
		cmocka_unit_test(numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
