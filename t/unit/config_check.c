/*
 * t/unit/config_check.c: config_check inside a request: accepted,
 * refused with its stdout (secrets masked), v1 name tag_check, a hang
 * cut by CONFIG_CHECK_TIMEOUT, a missing script; v2 arguments with the
 * defaults of app_overrides; many threads at once.
 */
#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "extern.h"

static char dir[] = "/tmp/octopod-cc.XXXXXX";

static void
script(const char *name, const char *body)
{
	char	 path[256];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	if (body == NULL)
		return;
	assert_non_null(f = fopen(path, "w"));
	fputs(body, f);
	fclose(f);
	chmod(path, 0755);
}

static void
load(const char *style)
{
	char err[256];

	setenv("CONTROL_SCRIPTS_DIR", dir, 1);
	setenv("CONTROL_SCRIPT_ARGS", style, 1);
	setenv("PROJECT_NAME", "proj", 1);
	setenv("BASE_DOMAIN", "example.test", 1);
	setenv("NAMESPACE", "ns", 1);
	setenv("CONFIG_CHECK_TIMEOUT", "1", 1);
	setenv("KEYS_CACHE_TTL", "0", 1);
	assert_int_equal(settings_load(err, sizeof(err)), 0);
}

static json_t *
ovr(const char *k, const char *v, int secret)
{
	return json_pack("[{s:s, s:s, s:b}]", "key", k, "value", v, "secret",
	    secret);
}

/*
 * v1: config_check gets the four options and --tag only (as Octopod's
 * tag_check); the overrides, secrets included, are in the 0600 file
 * named by OCTOPOD_CONFIG_FILE, the secret ones named in
 * OCTOPOD_SECRET_KEYS.
 */
static const char V1_CHECK[] = "#!/bin/sh\n"
    "want='--project-name proj --base-domain example.test --namespace ns "
    "--name pr-1 --tag v1'\n"
    "[ \"$*\" = \"${want%pr-1 --tag v1}$8 --tag v1\" ] || "
    "{ echo \"bad argv: $*\"; exit 9; }\n"
    "[ \"$OCTOPOD_SECRET_KEYS\" = app:PW ] || { echo \"keys: "
    "$OCTOPOD_SECRET_KEYS\"; exit 9; }\n"
    "[ \"$(stat -c %a \"$OCTOPOD_CONFIG_FILE\")\" = 600 ] || "
    "{ echo 'config file not 0600'; exit 9; }\n"
    "[ \"$8\" = pr-1 ] && exit 0\n"
    "echo refused:; cat \"$OCTOPOD_CONFIG_FILE\"; exit 1\n";

static void
test_accept_refuse_v1(void **state)
{
	json_t	*app = ovr("PW", "hunter2", 1), *depl = ovr("R", "2", 0);
	char	*msg = NULL;

	(void)state;
	load("v1");
	script("config_check", V1_CHECK);
	assert_int_equal(scripts_config_check("create", "pr-1", "v1", app,
	    depl, &msg), 0);
	assert_null(msg);
	assert_int_equal(scripts_config_check("create", "pr-2", "v1", app,
	    depl, &msg), 1);
	/* the config file's lines, the secret masked */
	assert_non_null(strstr(msg, "refused:"));
	assert_null(strstr(msg, "hunter2"));
	assert_non_null(strstr(msg, "--app-env-override PW=***"));
	assert_non_null(strstr(msg, "--deployment-override R=2"));
	free(msg);
	json_decref(app);
	json_decref(depl);
}

static void
test_tag_check_and_missing(void **state)
{
	char *msg = (char *)1;

	(void)state;
	load("v1");
	script("config_check", NULL);
	script("tag_check", NULL);
	assert_int_equal(scripts_config_check("create", "a", "v1", NULL, NULL,
	    &msg), 0);
	assert_null(msg);
	script("tag_check", "#!/bin/sh\necho \"no tag ${10}\"; exit 3\n");
	assert_int_equal(scripts_config_check("update", "a", "v9", NULL, NULL,
	    &msg), 1);
	assert_string_equal(msg, "no tag v9");
	free(msg);
	script("tag_check", "#!/bin/sh\nexit 3\n");
	assert_int_equal(scripts_config_check("update", "a", "v9", NULL, NULL,
	    &msg), 1);
	assert_non_null(strstr(msg, "exited with code 3"));
	free(msg);
	script("tag_check", NULL);
}

static void
test_timeout(void **state)
{
	char	*msg = NULL;
	time_t	 t0 = time(NULL);

	(void)state;
	load("v1");
	script("config_check", "#!/bin/sh\nsleep 30\n");
	assert_int_equal(scripts_config_check("create", "a", "v1", NULL, NULL,
	    &msg), -1);
	assert_non_null(strstr(msg, "timed out"));
	assert_true(time(NULL) - t0 <= 10);
	free(msg);
	script("config_check", "not executable");
	{
		char path[256];

		snprintf(path, sizeof(path), "%s/config_check", dir);
		chmod(path, 0644);
	}
	assert_int_equal(scripts_config_check("create", "a", "v1", NULL, NULL,
	    &msg), -1);
	assert_non_null(strstr(msg, "Permission denied"));
	free(msg);
	script("config_check", NULL);
}

static void
test_v2(void **state)
{
	json_t	*app = ovr("LOG", "debug", 0), *depl = json_array(), *k;
	char	*msg = NULL, *err = NULL;

	(void)state;
	load("v2");
	script("app_overrides", "#!/bin/sh\necho LOG,info\necho X,1\n");
	script("config_check", "#!/bin/sh\n"
	    "want='--project-name proj --base-domain example.test --namespace "
	    "ns --name a --application-config LOG=debug --application-config "
	    "X=1 --application-config image.tag=v3'\n"
	    "[ \"$*\" = \"$want\" ] || { echo \"bad argv: $*\"; exit 9; }\n");
	assert_int_equal(scripts_config_check("create", "a", "v3", app, depl,
	    &msg), 0);
	assert_null(msg);
	k = keys_get("app_overrides", NULL, &err);
	assert_non_null(k);
	assert_int_equal(json_array_size(k), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(k, 1), "key")), "X");
	json_decref(k);
	assert_null(keys_get("deployment_keys", NULL, &err));
	assert_null(err);
	script("app_keys", "#!/bin/sh\necho A\necho 'bad key!'\necho B\n");
	k = keys_get("app_keys", NULL, &err);
	assert_int_equal(json_array_size(k), 2);
	json_decref(k);
	script("app_overrides", NULL);
	script("config_check", NULL);
	json_decref(app);
	json_decref(depl);
}

static void *
many(void *arg)
{
	char	*msg = NULL;
	int	 i, *fails = arg;

	for (i = 0; i < 10; i++) {
		if (scripts_config_check("create", "pr-1", "v1", NULL, NULL,
		    &msg) != 0)
			(*fails)++;
		free(msg);
		msg = NULL;
		if (scripts_config_check("create", "pr-2", "v1", NULL, NULL,
		    &msg) != 1 || msg == NULL || strcmp(msg, "no") != 0)
			(*fails)++;
		free(msg);
		msg = NULL;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	pthread_t	 th[8];
	int		 fails[8] = { 0 }, i;

	(void)state;
	load("v1");
	script("config_check", "#!/bin/sh\n[ \"$8\" = pr-1 ] && exit 0\n"
	    "echo no; exit 1\n");
	for (i = 0; i < 8; i++)
		pthread_create(&th[i], NULL, many, &fails[i]);
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(fails[i], 0);
	}
	script("config_check", NULL);
}

static int
setup(void **state)
{
	(void)state;
	log_init("config_check", 0);
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_refuse_v1),
		cmocka_unit_test(test_tag_check_and_missing),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_threads),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
