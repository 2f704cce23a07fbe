/*
 * t/unit/shape.c: JSON shaping of database rows (fcgi/resp_rowjson.c and
 * deployment_json in fcgi/resp_deployments.c) on results built in memory with
 * libpq's PQmakeEmptyPGresult/PQsetvalue, no server needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "extern.h"

/* A one-row result of ncols text columns; NULL values stay SQL NULL. */
static PGresult *
fake_row(int ncols, const char *const *vals)
{
	PGresult	*res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc	*attrs = calloc(ncols, sizeof(*attrs));
	int		 i;

	assert_non_null(res);
	for (i = 0; i < ncols; i++) {
		attrs[i].name = (char *)"c";
		attrs[i].typid = 25;	/* text */
		attrs[i].typlen = -1;
	}
	assert_int_equal(PQsetResultAttrs(res, ncols, attrs), 1);
	free(attrs);
	for (i = 0; i < ncols; i++)
		assert_int_equal(PQsetvalue(res, 0, i, (char *)vals[i],
		    vals[i] ? (int)strlen(vals[i]) : -1), 1);
	return res;
}

static void
test_row_types(void **state)
{
	static const struct col cols[] = {
		{ "s", COL_STR }, { "i", COL_INT }, { "b", COL_BOOL },
		{ "j", COL_JSON }, { "n", COL_STR }, { "skip", COL_SKIP },
		{ "bad", COL_JSON }, { NULL, 0 },
	};
	const char *vals[] = { "text \"q\"", "42", "t", "[1,{\"a\":null}]",
	    NULL, "hidden", "{not json" };
	PGresult	*res = fake_row(7, vals);
	json_t		*o;
	char		*s;

	(void)state;
	o = row_json(res, 0, cols);
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	assert_string_equal(s, "{\"b\":true,\"bad\":null,\"i\":42,"
	    "\"j\":[1,{\"a\":null}],\"n\":null,\"s\":\"text \\\"q\\\"\"}");
	free(s);
	json_decref(o);
	PQclear(res);
}

static void
test_deployment_shape(void **state)
{
	const char *vals[] = { "pr-1", "v1", "Running", NULL, "f", "7",
	    "[{\"name\":\"app\",\"url\":\"https://x\"}]",
	    /* length-prefixed (DEP_COLUMNS): app A=1, app S secret, dep D=2 */
	    "af1:A1:1at1:Sdf1:D1:2",
	    /* the times as queries.h DEP_TIME gives them */
	    "\"2026-11-25T09:20:45.786543\"", "\"2026-11-25T09:20:46\"", NULL,
	    "\"2026-11-25T09:20:45.7\"", NULL, "alice", "bob", "11" };
	PGresult	*res = fake_row(16, vals);
	json_t		*d, *app, *dep;
	char		*s;

	(void)state;
	d = deployment_json(res, 0);
	assert_non_null(d);
	assert_null(json_object_get(d, "overrides"));
	assert_null(json_object_get(d, "id"));
	assert_string_equal(json_string_value(json_object_get(d, "name")),
	    "pr-1");
	assert_int_equal(json_integer_value(json_object_get(d, "version")), 7);
	assert_true(json_is_false(json_object_get(d, "busy")));
	assert_true(json_is_null(json_object_get(d, "failure_reason")));
	assert_true(json_is_null(json_object_get(d, "archived_at")));
	/* as octopod_iso() shows them: milliseconds cut, UTC */
	assert_string_equal(json_string_value(json_object_get(d,
	    "created_at")), "2026-11-25T09:20:45.786Z");
	assert_string_equal(json_string_value(json_object_get(d,
	    "updated_at")), "2026-11-25T09:20:46.000Z");
	assert_string_equal(json_string_value(json_object_get(d,
	    "status_changed_at")), "2026-11-25T09:20:45.700Z");
	app = json_object_get(d, "app_overrides");
	dep = json_object_get(d, "deployment_overrides");
	s = json_dumps(app, JSON_COMPACT | JSON_SORT_KEYS);
	/* the secret has no value key at all, and no scope is left */
	assert_string_equal(s, "[{\"key\":\"A\",\"secret\":false,\"value\":\"1\"},"
	    "{\"key\":\"S\",\"secret\":true}]");
	free(s);
	s = json_dumps(dep, JSON_COMPACT);
	assert_string_equal(s, "[{\"key\":\"D\",\"value\":\"2\",\"secret\":false}]");
	free(s);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(d, "links"), 0), "url")), "https://x");
	json_decref(d);
	PQclear(res);
}

/* DEP_TIME's text to the API's time; anything else shown as it came. */
static void
test_time_json(void **state)
{
	static const struct {
		const char	*in, *out;
	} cases[] = {
		{ "\"2026-01-02T03:04:05.123456\"", "2026-01-02T03:04:05.123Z" },
		{ "\"2026-01-02T03:04:05.999999\"", "2026-01-02T03:04:05.999Z" },
		{ "\"2026-01-02T03:04:05.12\"", "2026-01-02T03:04:05.120Z" },
		{ "\"2026-01-02T03:04:05\"", "2026-01-02T03:04:05.000Z" },
		{ "2026-01-02T03:04:05.5", "2026-01-02T03:04:05.500Z" },
		{ "\"infinity\"", "infinity" },
		{ "\"12026-01-02T03:04:05\"", "12026-01-02T03:04:05" },
		{ "\"2026-01-02T03:04:05.\"", "2026-01-02T03:04:05." },
		{ "\"2026-01-02T03:04:05.1234567\"", "2026-01-02T03:04:05.1234567" },
		{ "\"2026-01-02 03:04:05\"", "2026-01-02 03:04:05" },
		{ "\"2026-01-02T03:04:0x\"", "2026-01-02T03:04:0x" },
		{ "\"2026-01-02T03:04:05.1x\"", "2026-01-02T03:04:05.1x" },
		{ "\"", "\"" },
		{ "", "" },
	};
	size_t	 i;
	json_t	*v;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = time_json(cases[i].in, strlen(cases[i].in));
		assert_non_null(v);
		assert_string_equal(json_string_value(v), cases[i].out);
		json_decref(v);
	}
	assert_null(time_json("\"\xff\"", 3));
}

/* Values with digits, colons, quotes and UTF-8; malformed columns. */
static void
test_overrides_column(void **state)
{
	const char *vals[] = { "pr-1", "v1", "Running", NULL, "f", "7", "[]",
	    NULL, NULL, NULL, NULL, NULL, NULL, "a", "b", "0" };
	static const struct {
		const char	*col, *app, *dep;
	} cases[] = {
		{ "", "[]", "[]" },
		{ "af2:K19:3:x\"y\\z\xc3\xa9", "[{\"key\":\"K1\",\"value\":"
		    "\"3:x\\\"y\\\\z\xc3\xa9\",\"secret\":false}]", "[]" },
		{ "df1:E0:", "[]", "[{\"key\":\"E\",\"value\":\"\","
		    "\"secret\":false}]" },
		/* malformed: what came before stays, nothing after */
		{ "af1:A1:1af9:B", "[{\"key\":\"A\",\"value\":\"1\","
		    "\"secret\":false}]", "[]" },
		{ "xf1:A1:1", "[]", "[]" },
		{ "af1:A", "[]", "[]" },
		{ "af99999999999:A", "[]", "[]" },
		{ "af1:\xff" "1:1", "[]", "[]" },
	};
	size_t		 i;
	PGresult	*res;
	json_t		*d;
	char		*s;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		vals[7] = cases[i].col;
		res = fake_row(16, vals);
		d = deployment_json(res, 0);
		assert_non_null(d);
		s = json_dumps(json_object_get(d, "app_overrides"),
		    JSON_COMPACT);
		assert_string_equal(s, cases[i].app);
		free(s);
		s = json_dumps(json_object_get(d, "deployment_overrides"),
		    JSON_COMPACT);
		assert_string_equal(s, cases[i].dep);
		free(s);
		json_decref(d);
		PQclear(res);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_row_types),
		cmocka_unit_test(test_deployment_shape),
		cmocka_unit_test(test_time_json),
		cmocka_unit_test(test_overrides_column),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
