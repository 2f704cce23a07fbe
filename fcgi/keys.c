/*
 * fcgi/keys.c: override key suggestions (app_keys, deployment_keys) and
 * default overrides (app_overrides, deployment_overrides) from their
 * control scripts, kept in memory for KEYS_CACHE_TTL seconds per process
 * (per deployment config, for the v2 app-level scripts).
 * One lock guards the cache and is held while a script runs, so that a
 * burst of requests runs a script once. A script that fails leaves the
 * last good answer in place.
 */
#include <sys/stat.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "extern.h"

#define KEYS_OUT_MAX	(1024 * 1024)

static const char *const key_scripts[] = { "app_keys", "deployment_keys",
    "app_overrides", "deployment_overrides" };
#define NKEYS (sizeof(key_scripts) / sizeof(key_scripts[0]))

/*
 * The answers kept: per script, for the deployment config it was run
 * with (v2 app_keys and app_overrides get one: the deployments that
 * differ there each have their own answer), KEYS_SLOTS in all, the
 * oldest replaced first.
 */
#define KEYS_SLOTS	64
static struct keys_slot {
	size_t		 script;	/* index in key_scripts */
	char		*args;		/* the depl it was for, or NULL */
	json_t		*v;		/* NULL: a free slot */
	time_t		 at;
} keys_slots[KEYS_SLOTS];
static pthread_mutex_t	 keys_lock = PTHREAD_MUTEX_INITIALIZER;

static int
keys_same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL &&
	    strcmp(a, b) == 0);
}

/* The slot of script with args, else NULL (keys_lock held). */
static struct keys_slot *
keys_find(size_t script, const char *args)
{
	size_t i;

	for (i = 0; i < KEYS_SLOTS; i++)
		if (keys_slots[i].v != NULL && keys_slots[i].script == script &&
		    keys_same(keys_slots[i].args, args))
			return &keys_slots[i];
	return NULL;
}

/* Keep v and args for script (keys_lock held). */
static void
keys_keep_new(size_t script, char *args, json_t *v, time_t now)
{
	struct keys_slot	*k = keys_find(script, args);
	size_t			 i;

	if (k == NULL)
		for (i = 0, k = &keys_slots[0]; i < KEYS_SLOTS; i++) {
			if (keys_slots[i].v == NULL) {
				k = &keys_slots[i];
				break;
			}
			if (keys_slots[i].at < k->at)
				k = &keys_slots[i];
		}
	json_decref(k->v);
	if (k->args != args)
		free(k->args);
	k->script = script;
	k->args = args;
	k->v = v;
	k->at = now;
}

/* Parse a script's stdout: keys one a line, or "key,value" lines. */
static json_t *
keys_parse(const char *script, char *out)
{
	json_t	*a = json_array();
	char	*line, *save = NULL;
	int	 pairs = strstr(script, "_overrides") != NULL;

	for (line = strtok_r(out, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		size_t	 n = strlen(line);
		char	*comma;

		if (n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0)
			continue;
		if (!pairs) {
			if (valid_key(line, n) == NULL)
				json_array_append_new(a, json_string(line));
			continue;
		}
		if ((comma = strchr(line, ',')) == NULL)
			continue;
		*comma = '\0';
		if (valid_key(line, strlen(line)) != NULL ||
		    !utf8_valid(comma + 1, strlen(comma + 1)))
			continue;
		json_array_append_new(a, json_pack("{s:s, s:s}", "key", line,
		    "value", comma + 1));
	}
	return a;
}

/*
 * Add what a failed script said on stderr (err, NUL-terminated) to why,
 * as one line: line breaks become "; ", other control characters go.
 */
static void
keys_why(char *why, size_t len, const char *err)
{
	size_t	 n = strlen(why);
	int	 gap = 0;

	while (*err == '\n' || *err == '\r' || *err == ' ')
		err++;
	if (*err == '\0' || n + 3 >= len)
		return;
	why[n++] = ':';
	why[n++] = ' ';
	for (; *err != '\0' && n + 3 < len; err++) {
		unsigned char	 ch = (unsigned char)*err;

		if (ch == '\n' || ch == '\r') {
			gap = 1;
			continue;
		}
		if (ch < 0x20 || ch == 0x7f)
			continue;
		if (gap) {
			why[n++] = ';';
			why[n++] = ' ';
			gap = 0;
		}
		why[n++] = (char)ch;
	}
	why[n] = '\0';
}

/*
 * defs (an array of {key,value}, may be NULL) with the entries of ovr
 * ({key,value,secret}) on top, in the defaults' order, then the new
 * keys; an entry of ovr with "deleted" removes the key. Returns a new
 * array of {key,value,secret}.
 */
static json_t *
merge(json_t *defs, const char *tag, json_t *ovr)
{
	json_t		*o = json_object(), *out = json_array(), *v;
	const char	*k;
	size_t		 i;

	json_array_foreach(defs, i, v)
		if ((k = json_string_value(json_object_get(v, "key"))) != NULL &&
		    json_is_string(json_object_get(v, "value")))
			json_object_set_new(o, k, json_pack("{s:s, s:O, s:b}",
			    "key", k, "value", json_object_get(v, "value"),
			    "secret", 0));
	if (tag != NULL)
		json_object_set_new(o, "image.tag", json_pack("{s:s, s:s, s:b}",
		    "key", "image.tag", "value", tag, "secret", 0));
	json_array_foreach(ovr, i, v) {
		if ((k = json_string_value(json_object_get(v, "key"))) == NULL)
			continue;
		if (json_is_true(json_object_get(v, "deleted"))) {
			json_object_del(o, k);
			continue;
		}
		if (!json_is_string(json_object_get(v, "value")))
			continue;
		json_object_set_new(o, k, json_pack("{s:s, s:O, s:b}", "key", k,
		    "value", json_object_get(v, "value"), "secret",
		    json_is_true(json_object_get(v, "secret"))));
	}
	json_object_foreach(o, k, v)
		json_array_append(out, v);
	json_decref(o);
	return out;
}

/* The output of defaults script (a new array, empty when none). */
static json_t *
defaults_of(const char *script, json_t *depl)
{
	json_t	*defs;
	char	*err = NULL;

	if ((defs = keys_get(script, depl, &err)) == NULL) {
		if (err != NULL)
			log_warn("no defaults from \"%s\": %s", script, err);
		free(err);
		defs = json_array();
	}
	return defs;
}

json_t *
keys_effective_depl(json_t *depl)
{
	json_t *defs = defaults_of("deployment_overrides", NULL), *eff;

	eff = merge(defs, NULL, depl);
	json_decref(defs);
	return eff;
}

json_t *
keys_effective_app(const char *tag, json_t *app, json_t *eff_depl)
{
	json_t *defs = defaults_of("app_overrides", eff_depl), *eff;

	eff = merge(defs, tag, app);
	json_decref(defs);
	return eff;
}

/*
 * The parsed output of key script "script", run with the effective
 * deployment config depl (app_keys and app_overrides in the v2 style; may
 * be NULL): a new reference, or NULL when it is not configured (*err
 * NULL) or failed with no earlier answer (*err malloc'd, the caller
 * frees). The answer is kept for the same depl.
 */
json_t *
keys_get(const char *script, json_t *depl, char **err)
{
	struct spawn_result	 res;
	struct stat		 st;
	struct call		 c;
	struct keys_slot	*k;
	char			*path = NULL, *out = NULL, *args = NULL;
	char			 why[512];
	json_t			*v = NULL;
	size_t			 i;
	time_t			 now = time(NULL);

	*err = NULL;
	memset(&c, 0, sizeof(c));
	for (i = 0; i < NKEYS; i++)
		if (strcmp(key_scripts[i], script) == 0)
			break;
	if (i == NKEYS)
		return NULL;
	if (depl != NULL && strncmp(script, "app_", 4) == 0 &&
	    (args = json_dumps(depl, JSON_COMPACT)) == NULL)
		return NULL;
	pthread_mutex_lock(&keys_lock);
	if ((k = keys_find(i, args)) != NULL &&
	    now - k->at < setting_int("KEYS_CACHE_TTL")) {
		v = json_incref(k->v);
		goto out;
	}
	if ((path = spawn_script_path(script)) == NULL || stat(path, &st) == -1)
		goto out;
	if (args_call(script, path, NULL, NULL, NULL, args != NULL ? depl :
	    NULL, NULL, &c) == -1)
		goto out;
	if (spawn_capture(c.argv, c.envp, (int)setting_int("CONFIG_CHECK_TIMEOUT"),
	    KEYS_OUT_MAX, &out, &res) == 0 && res.exit_code == 0 &&
	    !res.timed_out) {
		v = keys_parse(script, out);
		keys_keep_new(i, args, json_incref(v), now);
		args = NULL;
		goto out;
	}
	spawn_describe(&res, script, why, sizeof(why));
	keys_why(why, sizeof(why), res.err);
	log_warn("%s", why);
	if (k != NULL)
		v = json_incref(k->v);
	else
		*err = strdup(why);
out:
	pthread_mutex_unlock(&keys_lock);
	args_call_free(&c);
	free(args);
	free(path);
	free(out);
	return v;
}

/* The scope parameter: "app" or "deployment", else NULL (answered). */
static const char *
keys_scope(struct req *r, char *buf, size_t len)
{
	buf[0] = '\0';
	query_get(r->query, "scope", buf, len);
	if (strcmp(buf, "app") == 0 || strcmp(buf, "deployment") == 0)
		return buf;
	resp_error_new(r, 400, "invalid", NULL,
	    "scope must be \"app\" or \"deployment\"");
	return NULL;
}

static void
keys_answer(struct req *r, const char *what, const char *scope,
    const char *suffix)
{
	char	 script[64], *err = NULL;
	json_t	*v, *depl = NULL;

	snprintf(script, sizeof(script), "%s%s", scope, suffix);
	/* v2: the app-level scripts get the deployment defaults */
	if (strcmp(scope, "app") == 0 &&
	    strcmp(setting_str("CONTROL_SCRIPT_ARGS"), "v2") == 0)
		depl = keys_effective_depl(NULL);
	v = keys_get(script, depl, &err);
	json_decref(depl);
	if (v == NULL && err != NULL) {
		/* not 502: nginx says that when no responder answers */
		resp_error_new(r, 500, "script_failed", NULL, "%s", err);
		free(err);
		return;
	}
	resp_json_new(r, 200, json_pack("{s:o}", what, v ? v : json_array()));
}

/* GET override_keys?scope=app|deployment -> {"keys": [...]} */
void
api_override_keys(struct req *r, const char **args)
{
	char		 buf[32];
	const char	*scope;

	(void)args;
	if ((scope = keys_scope(r, buf, sizeof(buf))) != NULL)
		keys_answer(r, "keys", scope, "_keys");
}

/* GET default_overrides?scope= -> {"overrides": [{"key","value"}]} */
void
api_default_overrides(struct req *r, const char **args)
{
	char		 buf[32];
	const char	*scope;

	(void)args;
	if ((scope = keys_scope(r, buf, sizeof(buf))) != NULL)
		keys_answer(r, "overrides", scope, "_overrides");
}
