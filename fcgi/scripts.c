/*
 * fcgi/scripts.c: one run of a control script prepared for a deployment
 * (scripts_call: its effective configs from keys.c in the v2 style, the
 * argv from args.c), what the runner reads of a deployment for it, and
 * config_check, which runs inside a create/update/restore request (from
 * any responder thread: no state here but what the caller passes).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"

#define CONFIG_CHECK_OUT_MAX	65536

/*
 * Prepare control script "script" at path for deployment d (args_call),
 * with d's effective configs in the v2 style. Returns 0, or -1 when out
 * of memory (c is empty then).
 */
int
scripts_call(const char *script, const char *path, const struct dep *d,
    json_t *depl, const char *const *extra, struct call *c)
{
	json_t	*ed = NULL, *ea = NULL;
	int	 rc;

	if (d != NULL && strcmp(script, "notifications") != 0 &&
	    strcmp(setting_str("CONTROL_SCRIPT_ARGS"), "v2") == 0) {
		ed = keys_effective_depl(d->depl);
		ea = keys_effective_app(d->tag, d->app, ed);
	}
	rc = args_call(script, path, d, ea, ed, depl, extra, c);
	json_decref(ea);
	json_decref(ed);
	return rc;
}


/*
 * A status as Octopod names it to notifications: Failure is told by its
 * kind (GenericFailure, TagMismatch, PartialAvailability), the others
 * as they are. Returns a static string or status itself.
 */
const char *
scripts_status_name(const char *status, const char *reason)
{
	if (status == NULL || strcmp(status, "Failure") != 0)
		return status;
	if (reason != NULL && strcmp(reason, "TagMismatch") == 0)
		return "TagMismatch";
	if (reason != NULL && strcmp(reason, "PartialAvailability") == 0)
		return "PartialAvailability";
	return "GenericFailure";
}

/* The secret values of app and depl, a new JSON array of strings. */
static json_t *
secrets_of(json_t *app, json_t *depl)
{
	json_t	*s = json_array(), *v;
	size_t	 i;

	json_array_foreach(app, i, v)
		if (json_is_true(json_object_get(v, "secret")))
			json_array_append(s, json_object_get(v, "value"));
	json_array_foreach(depl, i, v)
		if (json_is_true(json_object_get(v, "secret")))
			json_array_append(s, json_object_get(v, "value"));
	return s;
}

json_t *
scripts_secrets(const struct dep *d)
{
	return secrets_of(d->app, d->depl);
}

void
scripts_dep_free(struct dep *d)
{
	free(d->name);
	free(d->tag);
	free(d->status);
	json_decref(d->app);
	json_decref(d->depl);
	memset(d, 0, sizeof(*d));
}

/*
 * Fill d from the DEP_SCRIPT_NCOLS columns of DEP_SCRIPT_COLUMNS that
 * start at column col of row of r. Returns 1 when loaded, 0 when the
 * columns are NULL (no such deployment: a LEFT JOIN found none), -1 when
 * out of memory (logged). Free d with scripts_dep_free.
 */
int
scripts_dep_row(PGresult *r, int row, int col, struct dep *d)
{
	json_t		*o, *v;
	json_error_t	 e;
	size_t		 i;

	memset(d, 0, sizeof(*d));
	if (PQgetisnull(r, row, col))
		return 0;
	d->id = strtoll(PQgetvalue(r, row, col), NULL, 10);
	d->name = strdup(PQgetvalue(r, row, col + 1));
	d->tag = strdup(PQgetvalue(r, row, col + 2));
	d->status = strdup(PQgetvalue(r, row, col + 3));
	d->version = strtoll(PQgetvalue(r, row, col + 4), NULL, 10);
	d->app = json_array();
	d->depl = json_array();
	if (d->name == NULL || d->tag == NULL || d->status == NULL ||
	    d->app == NULL || d->depl == NULL)
		goto fail;
	if (PQgetisnull(r, row, col + 5))
		return 1;	/* no overrides */
	/* [[scope, key, value, secret, deleted], ...] */
	o = json_loads(PQgetvalue(r, row, col + 5), 0, &e);
	if (!json_is_array(o)) {
		log_err("runner: overrides of \"%s\": %s", d->name, o == NULL ?
		    e.text : "not an array");
		json_decref(o);
		goto fail;
	}
	json_array_foreach(o, i, v) {
		const char	*scope = json_string_value(json_array_get(v, 0));
		const char	*key = json_string_value(json_array_get(v, 1));
		const char	*val = json_string_value(json_array_get(v, 2));

		if (scope == NULL || key == NULL || val == NULL)
			continue;
		json_array_append_new(strcmp(scope, "app") == 0 ? d->app :
		    d->depl, json_is_true(json_array_get(v, 4)) ?
		    json_pack("{s:s, s:b}", "key", key, "deleted", 1) :
		    json_pack("{s:s, s:s, s:b}", "key", key, "value", val,
		    "secret", json_is_true(json_array_get(v, 3))));
	}
	json_decref(o);
	return 1;
fail:
	scripts_dep_free(d);
	return -1;
}

/* The path of config_check (or of its v1 name tag_check) when it exists. */
static char *
config_check_path(void)
{
	char		*p;
	struct stat	 st;

	if ((p = spawn_script_path("config_check")) != NULL &&
	    stat(p, &st) == 0)
		return p;
	free(p);
	if ((p = spawn_script_path("tag_check")) != NULL && stat(p, &st) == 0)
		return p;
	free(p);
	return NULL;
}

/* Trim trailing white space of s in place. */
static void
rtrim(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' ||
	    s[n - 1] == ' ' || s[n - 1] == '\t'))
		s[--n] = '\0';
}

/*
 * config_check inside a create/update/restore request (see extern.h).
 * Thread-safe: the script is spawned and only its own pid waited for.
 */
int
scripts_config_check(const char *kind, const char *name, const char *tag,
    json_t *app_overrides, json_t *deployment_overrides, char **msg)
{
	struct spawn_result	 res;
	struct call		 c;
	struct dep		 d;
	char			*path, *out = NULL;
	char			 why[512];
	int			 rc = -1;

	*msg = NULL;
	memset(&c, 0, sizeof(c));
	if ((path = config_check_path()) == NULL)
		return 0;
	memset(&d, 0, sizeof(d));
	d.name = (char *)name;
	d.tag = (char *)tag;
	d.app = app_overrides;
	d.depl = deployment_overrides;
	if (scripts_call("config_check", path, &d, NULL, NULL, &c) == -1) {
		*msg = strdup("out of memory");
		goto out;
	}
	if (spawn_capture(c.argv, c.envp, (int)setting_int("CONFIG_CHECK_TIMEOUT"),
	    CONFIG_CHECK_OUT_MAX, &out, &res) == -1 || !res.started ||
	    res.timed_out) {
		spawn_describe(&res, "config_check", why, sizeof(why));
		log_err("%s %s: %s", kind, name, why);
		*msg = strdup(why);
		goto out;
	}
	if (res.exit_code == 0) {
		rc = 0;
		goto out;
	}
	rc = 1;
	rtrim(out);
	if (*out == '\0') {
		snprintf(why, sizeof(why), "the configuration was refused "
		    "(config_check exited with code %d)", res.exit_code);
		*msg = strdup(why);
	} else
		*msg = mask_string(c.secrets, out);
out:
	if (rc == -1 && *msg == NULL)
		*msg = strdup("config_check failed");
	free(out);
	free(path);
	args_call_free(&c);
	return rc;
}
