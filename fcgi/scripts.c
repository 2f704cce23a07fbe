/*
 * fcgi/scripts.c: the argument contract of the control scripts (design
 * section 5) in both styles, and config_check, which runs inside a
 * create/update/restore request (from any responder thread: no state
 * here but what the caller passes).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"

#define CONFIG_CHECK_OUT_MAX	65536


void
argv_free(char **av)
{
	size_t i;

	if (av == NULL)
		return;
	for (i = 0; av[i] != NULL; i++)
		free(av[i]);
	free(av);
}

struct args {
	char	**v;
	size_t	  n, cap;
	json_t	 *masked;
	int	  oom;
};

static void
arg_add(struct args *a, const char *s, const char *shown)
{
	if (a->oom)
		return;
	if (a->n + 2 > a->cap) {
		size_t	 cap = a->cap ? a->cap * 2 : 32;
		char	**nv = realloc(a->v, cap * sizeof(char *));

		if (nv == NULL) {
			a->oom = 1;
			return;
		}
		a->v = nv;
		a->cap = cap;
	}
	if ((a->v[a->n] = strdup(s)) == NULL) {
		a->oom = 1;
		return;
	}
	a->v[++a->n] = NULL;
	json_array_append_new(a->masked, json_string(shown ? shown : s));
}

static void
arg_kv(struct args *a, const char *flag, const char *k, const char *v,
    int secret)
{
	char *kv, *shown;

	arg_add(a, flag, NULL);
	if (asprintf(&kv, "%s=%s", k, v) < 0) {
		a->oom = 1;
		return;
	}
	if (asprintf(&shown, "%s=%s", k, secret ? "***" : v) < 0) {
		free(kv);
		a->oom = 1;
		return;
	}
	arg_add(a, kv, shown);
	free(kv);
	free(shown);
}

/* Whether script takes the tag and the overrides. */
static int
with_config(const char *script)
{
	static const char *const s[] = { "create", "update", "restore",
	    "check", "config_check", "tag_check", NULL };
	size_t i;

	for (i = 0; s[i] != NULL; i++)
		if (strcmp(s[i], script) == 0)
			return 1;
	return 0;
}

/*
 * The effective v2 config of one scope: the defaults of the
 * *_overrides script, then (app scope) image.tag, then the overrides.
 * Returns a new object key -> [value, secret].
 */
static json_t *
effective(const char *defaults_script, const char *tag, json_t *ovr)
{
	json_t	*o = json_object(), *defs, *v;
	char	*err = NULL;
	size_t	 i;

	if ((defs = keys_get(defaults_script, &err)) == NULL) {
		if (err != NULL)
			log_warn("runner: no defaults from \"%s\": %s",
			    defaults_script, err);
		free(err);
	}
	json_array_foreach(defs, i, v)
		json_object_set_new(o, json_string_value(json_object_get(v,
		    "key")), json_pack("[O,b]", json_object_get(v, "value"),
		    0));
	json_decref(defs);
	if (tag != NULL)
		json_object_set_new(o, "image.tag", json_pack("[s,b]", tag, 0));
	json_array_foreach(ovr, i, v) {
		const char *k = json_string_value(json_object_get(v, "key"));

		if (k == NULL || json_object_get(v, "value") == NULL)
			continue;
		json_object_set_new(o, k, json_pack("[O,b]",
		    json_object_get(v, "value"),
		    json_is_true(json_object_get(v, "secret"))));
	}
	return o;
}

/*
 * The argv of control script "script" at path for deployment name (NULL
 * for the key scripts), in the CONTROL_SCRIPT_ARGS style, followed by
 * extra (NULL-terminated, may be NULL). app and depl are arrays of
 * {key,value,secret}. Returns a NULL-terminated malloc'd array (free
 * with argv_free) and, when masked is not NULL, a new JSON array of the
 * same argv with secret values as "***".
 */
char **
scripts_argv(const char *script, const char *path, const char *name,
    const char *tag, json_t *app, json_t *depl, const char *const *extra,
    json_t **masked)
{
	struct args	 a;
	int		 v2 = strcmp(setting_str("CONTROL_SCRIPT_ARGS"), "v2") == 0;
	size_t		 i;
	json_t		*v;

	memset(&a, 0, sizeof(a));
	a.masked = json_array();
	arg_add(&a, path, NULL);
	arg_add(&a, "--project-name", NULL);
	arg_add(&a, setting_str("PROJECT_NAME"), NULL);
	arg_add(&a, "--base-domain", NULL);
	arg_add(&a, setting_str("BASE_DOMAIN"), NULL);
	arg_add(&a, "--namespace", NULL);
	arg_add(&a, setting_str("NAMESPACE"), NULL);
	if (name != NULL) {
		arg_add(&a, "--name", NULL);
		arg_add(&a, name, NULL);
	}
	if (with_config(script) && !v2) {
		arg_add(&a, "--tag", NULL);
		arg_add(&a, tag ? tag : "", NULL);
		json_array_foreach(app, i, v)
			arg_kv(&a, "--app-env-override", json_string_value(
			    json_object_get(v, "key")), json_string_value(
			    json_object_get(v, "value")), json_is_true(
			    json_object_get(v, "secret")));
		json_array_foreach(depl, i, v)
			arg_kv(&a, "--deployment-override", json_string_value(
			    json_object_get(v, "key")), json_string_value(
			    json_object_get(v, "value")), json_is_true(
			    json_object_get(v, "secret")));
	} else if (with_config(script)) {
		json_t		*eff;
		const char	*k;

		eff = effective("app_overrides", tag, app);
		json_object_foreach(eff, k, v)
			arg_kv(&a, "--application-config", k,
			    json_string_value(json_array_get(v, 0)),
			    json_is_true(json_array_get(v, 1)));
		json_decref(eff);
		eff = effective("deployment_overrides", NULL, depl);
		json_object_foreach(eff, k, v)
			arg_kv(&a, "--deployment-config", k,
			    json_string_value(json_array_get(v, 0)),
			    json_is_true(json_array_get(v, 1)));
		json_decref(eff);
	} else if (strcmp(script, "notifications") == 0 && !v2 && tag) {
		arg_add(&a, "--tag", NULL);
		arg_add(&a, tag, NULL);
	}
	for (i = 0; extra != NULL && extra[i] != NULL; i++)
		arg_add(&a, extra[i], NULL);
	if (a.oom) {
		argv_free(a.v);
		json_decref(a.masked);
		return NULL;
	}
	if (masked != NULL)
		*masked = a.masked;
	else
		json_decref(a.masked);
	return a.v;
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
	/* [[scope, key, value, secret], ...] */
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
		    d->depl, json_pack("{s:s, s:s, s:b}", "key", key, "value",
		    val, "secret", json_is_true(json_array_get(v, 3))));
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

	if ((p = run_script_path("config_check")) != NULL &&
	    stat(p, &st) == 0)
		return p;
	free(p);
	if ((p = run_script_path("tag_check")) != NULL && stat(p, &st) == 0)
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
	struct run_result	 res;
	char			*path, **av = NULL, *out = NULL;
	char			 why[512];
	json_t			*secrets = NULL;
	int			 rc = -1;

	*msg = NULL;
	if ((path = config_check_path()) == NULL)
		return 0;
	av = scripts_argv("config_check", path, name, tag, app_overrides,
	    deployment_overrides, NULL, NULL);
	if (av == NULL) {
		*msg = strdup("out of memory");
		goto out;
	}
	secrets = secrets_of(app_overrides, deployment_overrides);
	if (run_capture(av, (int)setting_int("CONFIG_CHECK_TIMEOUT"),
	    CONFIG_CHECK_OUT_MAX, &out, &res) == -1 || !res.started ||
	    res.timed_out) {
		run_describe(&res, "config_check", why, sizeof(why));
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
		*msg = mask_string(secrets, out);
out:
	if (rc == -1 && *msg == NULL)
		*msg = strdup("config_check failed");
	free(out);
	free(path);
	argv_free(av);
	json_decref(secrets);
	return rc;
}
