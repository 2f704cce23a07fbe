/*
 * fcgi/args.c: the argument contract of the control scripts (design
 * section 5) in both styles: argv, the environment and the config file
 * of one run of a script, the secrets kept out of argv (no state here
 * but what the caller passes).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "extern.h"

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

/*
 * What each script gets besides the common options (design section 5,
 * docs/control-scripts.md): exactly what Octopod gave it in each style,
 * because Octopod's own scripts parse argv strictly.
 */
enum script_class {
	SC_CONFIG,	/* create, update, restore: v1 tag + overrides */
	SC_TAG,		/* check, config_check, tag_check: v1 tag only */
	SC_BARE,	/* archive, archive_check, cleanup, info: v1 nothing */
	SC_NOTIFY,	/* notifications */
	SC_KEYS_APP,	/* app_keys, app_overrides: v2 deployment config */
	SC_KEYS_DEP,	/* deployment_keys, deployment_overrides */
	SC__MAX
};

static const struct script_kind {
	const char		*name;
	enum script_class	 class;
} script_kinds[] = {
	{ .name = "create", .class = SC_CONFIG },
	{ .name = "update", .class = SC_CONFIG },
	{ .name = "restore", .class = SC_CONFIG },
	{ .name = "check", .class = SC_TAG },
	{ .name = "config_check", .class = SC_TAG },
	{ .name = "tag_check", .class = SC_TAG },
	{ .name = "archive", .class = SC_BARE },
	{ .name = "archive_check", .class = SC_BARE },
	{ .name = "cleanup", .class = SC_BARE },
	{ .name = "info", .class = SC_BARE },
	{ .name = "notifications", .class = SC_NOTIFY },
	{ .name = "app_keys", .class = SC_KEYS_APP },
	{ .name = "app_overrides", .class = SC_KEYS_APP },
	{ .name = "deployment_keys", .class = SC_KEYS_DEP },
	{ .name = "deployment_overrides", .class = SC_KEYS_DEP },
};

static enum script_class
script_class(const char *script)
{
	size_t i;

	for (i = 0; i < sizeof(script_kinds) / sizeof(script_kinds[0]); i++)
		if (strcmp(script_kinds[i].name, script) == 0)
			return script_kinds[i].class;
	return SC_BARE;
}

struct args {
	char	**v;
	size_t	  n, cap;
	json_t	 *masked;
	struct sbuf cfg;	/* the config file's lines */
	struct sbuf keys;	/* OCTOPOD_SECRET_KEYS */
	json_t	 *secrets;
	int	  in_argv;	/* CONTROL_SCRIPT_SECRETS=argv */
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

/*
 * One configuration entry k=v of scope under option flag: always a line
 * "flag k=v" of the config file; in argv when to_argv, unless it is
 * secret (and the secrets do not go in argv); its key in
 * OCTOPOD_SECRET_KEYS when secret.
 */
static void
arg_kv(struct args *a, const char *flag, const char *scope, const char *k,
    const char *v, int secret, int to_argv)
{
	char *kv, *shown;

	if (k == NULL || v == NULL)
		return;
	if (sbuf_add(&a->cfg, flag, strlen(flag)) == -1 ||
	    sbuf_addc(&a->cfg, ' ') == -1 ||
	    sbuf_add(&a->cfg, k, strlen(k)) == -1 ||
	    sbuf_addc(&a->cfg, '=') == -1 ||
	    sbuf_add(&a->cfg, v, strlen(v)) == -1 ||
	    sbuf_addc(&a->cfg, '\n') == -1)
		a->oom = 1;
	if (secret) {
		if ((a->keys.len > 0 && sbuf_addc(&a->keys, ' ') == -1) ||
		    sbuf_add(&a->keys, scope, strlen(scope)) == -1 ||
		    sbuf_addc(&a->keys, ':') == -1 ||
		    sbuf_add(&a->keys, k, strlen(k)) == -1)
			a->oom = 1;
		json_array_append_new(a->secrets, json_string(v));
		if (!a->in_argv)
			return;
	}
	if (!to_argv)
		return;
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

/* Each entry {key,value,secret} of arr under flag (see arg_kv). */
static void
arg_entries(struct args *a, const char *flag, const char *scope, json_t *arr,
    int to_argv)
{
	size_t	 i;
	json_t	*v;

	json_array_foreach(arr, i, v)
		if (!json_is_true(json_object_get(v, "deleted")))
			arg_kv(a, flag, scope, json_string_value(
			    json_object_get(v, "key")), json_string_value(
			    json_object_get(v, "value")), json_is_true(
			    json_object_get(v, "secret")), to_argv);
}


/* environ with ours added (each "NAME=value"; NULL ends ours). */
static char **
env_with(const char *const *ours)
{
	extern char	**environ;
	char		**e;
	size_t		  n = 0, m = 0, i, j;

	while (environ[n] != NULL)
		n++;
	while (ours[m] != NULL)
		m++;
	if ((e = calloc(n + m + 1, sizeof(*e))) == NULL)
		return NULL;
	for (i = 0, j = 0; i < n; i++) {
		if (strncmp(environ[i], "OCTOPOD_CONFIG_FILE=", 20) == 0 ||
		    strncmp(environ[i], "OCTOPOD_SECRET_KEYS=", 20) == 0)
			continue;	/* never a stale one of ours */
		if ((e[j++] = strdup(environ[i])) == NULL)
			goto fail;
	}
	for (i = 0; i < m; i++)
		if ((e[j++] = strdup(ours[i])) == NULL)
			goto fail;
	return e;
fail:
	argv_free(e);
	return NULL;
}

/*
 * The config file: the lines in a new file of mode 0600 (mkostemp) in
 * TMPDIR (else /tmp). Returns its malloc'd path, or NULL (logged).
 */
static char *
cfg_write(const struct sbuf *b)
{
	const char	*dir = getenv("TMPDIR");
	char		*path;
	int		 fd;
	size_t		 off = 0;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if (asprintf(&path, "%s/octopod-config.XXXXXX", dir) < 0)
		return NULL;
	if ((fd = mkostemp(path, O_CLOEXEC)) == -1) {
		log_err("could not create a config file in \"%s\": %s", dir,
		    strerror(errno));
		free(path);
		return NULL;
	}
	fchmod(fd, 0600);
	while (off < b->len) {
		ssize_t w = write(fd, b->p + off, b->len - off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			log_err("could not write \"%s\": %s", path,
			    strerror(errno));
			close(fd);
			unlink(path);
			free(path);
			return NULL;
		}
		off += (size_t)w;
	}
	close(fd);
	return path;
}

void
args_call_free(struct call *c)
{
	if (c->cfgfile != NULL)
		unlink(c->cfgfile);
	free(c->cfgfile);
	argv_free(c->argv);
	argv_free(c->envp);
	json_decref(c->masked);
	json_decref(c->secrets);
	memset(c, 0, sizeof(*c));
}

/*
 * Prepare control script "script" at path for deployment d (NULL for the
 * key scripts; d->app and d->depl are arrays of {key,value,secret}),
 * in the CONTROL_SCRIPT_ARGS style, followed by extra (NULL-terminated,
 * may be NULL). ea and ed are d's effective application and deployment
 * configs (v2, a deployment's script but notifications: defaults merged,
 * keys.c; else unused). depl is, for app_keys and app_overrides, the
 * effective deployment config (v2 only; may be NULL). Fills c (free it with
 * args_call_free, which removes the config file): argv, the
 * environment, the argv as stored (secret values "***") and the secret
 * values. Returns 0, or -1 when out of memory (c is empty then).
 */
int
args_call(const char *script, const char *path, const struct dep *d,
    json_t *ea, json_t *ed, json_t *depl, const char *const *extra,
    struct call *c)
{
	struct args		 a;
	enum script_class	 sc = script_class(script);
	int			 v2 = strcmp(setting_str("CONTROL_SCRIPT_ARGS"),
				    "v2") == 0;
	const char		*ours[8];
	char			*e_script = NULL, *e_style = NULL, *e_tag = NULL;
	char			*e_cfg = NULL, *e_keys = NULL;
	size_t			 i, n = 0;

	memset(c, 0, sizeof(*c));
	memset(&a, 0, sizeof(a));
	a.masked = json_array();
	a.secrets = json_array();
	a.in_argv = strcmp(setting_str("CONTROL_SCRIPT_SECRETS"), "argv") == 0;
	arg_add(&a, path, NULL);
	arg_add(&a, "--project-name", NULL);
	arg_add(&a, setting_str("PROJECT_NAME"), NULL);
	arg_add(&a, "--base-domain", NULL);
	arg_add(&a, setting_str("BASE_DOMAIN"), NULL);
	arg_add(&a, "--namespace", NULL);
	arg_add(&a, setting_str("NAMESPACE"), NULL);
	if (d != NULL) {
		arg_add(&a, "--name", NULL);
		arg_add(&a, d->name, NULL);
	}
	if (d != NULL && sc != SC_NOTIFY && !v2) {
		if (sc == SC_CONFIG || sc == SC_TAG) {
			arg_add(&a, "--tag", NULL);
			arg_add(&a, d->tag ? d->tag : "", NULL);
		}
		/* the others have them in the file only: a strict parser
		 * refuses them */
		arg_entries(&a, "--app-env-override", "app", d->app,
		    sc == SC_CONFIG);
		arg_entries(&a, "--deployment-override", "deployment", d->depl,
		    sc == SC_CONFIG);
	} else if (d != NULL && sc != SC_NOTIFY) {
		arg_entries(&a, "--application-config", "app", ea, 1);
		arg_entries(&a, "--deployment-config", "deployment", ed, 1);
	} else if (d != NULL && !v2 && d->tag != NULL) {
		arg_add(&a, "--tag", NULL);	/* notifications, v1 */
		arg_add(&a, d->tag, NULL);
	} else if (d == NULL && sc == SC_KEYS_APP && v2)
		arg_entries(&a, "--deployment-config", "deployment", depl, 1);
	for (i = 0; extra != NULL && extra[i] != NULL; i++)
		arg_add(&a, extra[i], NULL);

	if (a.cfg.len > 0 && (c->cfgfile = cfg_write(&a.cfg)) == NULL)
		a.oom = 1;
	if (asprintf(&e_script, "OCTOPOD_SCRIPT=%s", script) < 0)
		e_script = NULL, a.oom = 1;
	if (asprintf(&e_style, "OCTOPOD_ARGS_STYLE=%s", v2 ? "v2" : "v1") < 0)
		e_style = NULL, a.oom = 1;
	ours[n++] = e_script;
	ours[n++] = e_style;
	if (d != NULL && d->tag != NULL) {
		if (asprintf(&e_tag, "OCTOPOD_TAG=%s", d->tag) < 0)
			e_tag = NULL, a.oom = 1;
		ours[n++] = e_tag;
	}
	if (c->cfgfile != NULL) {
		if (asprintf(&e_cfg, "OCTOPOD_CONFIG_FILE=%s", c->cfgfile) < 0)
			e_cfg = NULL, a.oom = 1;
		ours[n++] = e_cfg;
	}
	if (asprintf(&e_keys, "OCTOPOD_SECRET_KEYS=%.*s", (int)a.keys.len,
	    a.keys.p ? a.keys.p : "") < 0)
		e_keys = NULL, a.oom = 1;
	ours[n++] = e_keys;
	ours[n] = NULL;
	for (i = 0; i < n; i++)
		if (ours[i] == NULL)
			a.oom = 1;
	if (!a.oom && (c->envp = env_with(ours)) == NULL)
		a.oom = 1;
	free(e_script);
	free(e_style);
	free(e_tag);
	free(e_cfg);
	free(e_keys);
	sbuf_free(&a.cfg);
	sbuf_free(&a.keys);
	c->argv = a.v;
	c->masked = a.masked;
	c->secrets = a.secrets;
	if (a.oom) {
		args_call_free(c);
		return -1;
	}
	return 0;
}
