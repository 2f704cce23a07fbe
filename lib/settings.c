/*
 * lib/settings.c: the settings of design section 7, read once from the
 * environment at start. A secret setting X may come from the file named by
 * X_FILE instead. A bad value stops start-up with one clear line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "octopod.h"

static struct setting settings[] = {
	{ .name = "DATABASE_URL", .type = SET_STR,
	  .def = "", .secret = 1 },
	{ .name = "PROJECT_NAME", .type = SET_STR,
	  .def = "octopod" },
	{ .name = "BASE_DOMAIN", .type = SET_STR,
	  .def = "localhost" },
	{ .name = "NAMESPACE", .type = SET_STR,
	  .def = "default" },
	{ .name = "CONTROL_SCRIPTS_DIR", .type = SET_STR },
	{ .name = "CONTROL_SCRIPT_ARGS", .type = SET_ENUM,
	  .def = "v1", .choices = "v1|v2" },
	{ .name = "CONTROL_SCRIPT_TIMEOUT", .type = SET_INT,
	  .def = "1800", .min = 1, .max = 86400 },
	{ .name = "STATUS_UPDATE_TIMEOUT", .type = SET_INT,
	  .def = "600", .min = 1, .max = 86400 },
	{ .name = "STATUS_CHECK_INTERVAL", .type = SET_INT,
	  .def = "15", .min = 1, .max = 86400 },
	{ .name = "CHECK_CONCURRENCY", .type = SET_INT,
	  .def = "8", .min = 1, .max = 256 },
	{ .name = "ACTION_CONCURRENCY", .type = SET_INT,
	  .def = "8", .min = 1, .max = 256 },
	{ .name = "ARCHIVE_RETENTION", .type = SET_INT,
	  .def = "1209600", .min = 0, .max = 315360000 },
	{ .name = "RESPONDERS", .type = SET_INT,
	  .def = "2", .min = 1, .max = 64 },
	{ .name = "THREADS", .type = SET_INT,
	  .def = "4", .min = 1, .max = 64 },
	{ .name = "FCGI_SOCKET", .type = SET_STR,
	  .def = "/tmp/octopod-fcgi.sock" },
	{ .name = "NOTIFIER_SOCKET", .type = SET_STR,
	  .def = "/tmp/octopod-notifier.sock" },
	{ .name = "NOTIFIER_QUEUE_BYTES", .type = SET_INT,
	  .def = "1048576", .min = 65536, .max = 1073741824 },
	{ .name = "NOTIFIER_QUEUE_MSGS", .type = SET_INT,
	  .def = "1000", .min = 16, .max = 1000000 },
	{ .name = "MIGRATIONS_DIR", .type = SET_STR,
	  .def = "sql" },
	{ .name = "BODY_MAX", .type = SET_INT,
	  .def = "1048576", .min = 1024, .max = 67108864 },
	{ .name = "OUTPUT_MAX", .type = SET_INT,
	  .def = "4194304", .min = 1024, .max = 1073741824 },
	{ .name = "LOG_FORMAT", .type = SET_ENUM,
	  .def = "text", .choices = "text|json" },
	/* roles (docs/API.md): files of "name role" lines, and the defaults */
	{ .name = "UI_ROLES_FILE", .type = SET_STR },
	{ .name = "UI_DEFAULT_ROLE", .type = SET_ENUM,
	  .def = "deployer", .choices = "viewer|deployer|admin" },
	{ .name = "POWER_ROLES_FILE", .type = SET_STR },
	{ .name = "POWER_DEFAULT_ROLE", .type = SET_ENUM,
	  .def = "deployer", .choices = "viewer|deployer|admin" },
	/* sign-in on the ui door (docs/deployment.md "Sign-in with OIDC") */
	{ .name = "UI_AUTH", .type = SET_ENUM,
	  .def = "basic", .choices = "basic|oidc" },
	{ .name = "OIDC_ISSUER", .type = SET_STR },
	{ .name = "OIDC_CLIENT_ID", .type = SET_STR },
	{ .name = "OIDC_CLIENT_SECRET", .type = SET_STR,
	  .secret = 1 },
	{ .name = "OIDC_REDIRECT_URL", .type = SET_STR },
	{ .name = "OIDC_SCOPES", .type = SET_STR,
	  .def = "openid email profile" },
	{ .name = "OIDC_ALLOWED_DOMAINS", .type = SET_STR,
	  .def = "" },
	{ .name = "OIDC_ALLOWED_GROUPS", .type = SET_STR,
	  .def = "" },
	{ .name = "OIDC_GROUPS_CLAIM", .type = SET_STR,
	  .def = "groups" },
	{ .name = "OIDC_ROLE_MAP", .type = SET_STR,
	  .def = "" },
	{ .name = "OIDC_CA_FILE", .type = SET_STR },
	{ .name = "OIDC_HTTP_TIMEOUT", .type = SET_INT,
	  .def = "10", .min = 1, .max = 120 },
	{ .name = "SESSION_TTL", .type = SET_INT,
	  .def = "43200", .min = 60, .max = 604800 },
	/* the runner (docs/runner.md) */
	{ .name = "CREATE_COMMAND", .type = SET_STR },
	{ .name = "UPDATE_COMMAND", .type = SET_STR },
	{ .name = "ARCHIVE_COMMAND", .type = SET_STR },
	{ .name = "RESTORE_COMMAND", .type = SET_STR },
	{ .name = "CLEANUP_COMMAND", .type = SET_STR },
	{ .name = "CHECK_COMMAND", .type = SET_STR },
	{ .name = "ARCHIVE_CHECK_COMMAND", .type = SET_STR },
	{ .name = "CONFIG_CHECK_COMMAND", .type = SET_STR },
	{ .name = "INFO_COMMAND", .type = SET_STR },
	{ .name = "NOTIFICATIONS_COMMAND", .type = SET_STR },
	{ .name = "APP_KEYS_COMMAND", .type = SET_STR },
	{ .name = "DEPLOYMENT_KEYS_COMMAND", .type = SET_STR },
	{ .name = "APP_OVERRIDES_COMMAND", .type = SET_STR },
	{ .name = "DEPLOYMENT_OVERRIDES_COMMAND", .type = SET_STR },
	/* Octopod's names of the same settings (docs/control-scripts.md) */
	{ .name = "CREATION_COMMAND", .type = SET_STR },
	{ .name = "UNARCHIVE_COMMAND", .type = SET_STR },
	{ .name = "CHECKING_COMMAND", .type = SET_STR },
	{ .name = "ARCHIVE_CHECKING_COMMAND", .type = SET_STR },
	{ .name = "CONFIG_CHECKING_COMMAND", .type = SET_STR },
	{ .name = "TAG_CHECKING_COMMAND", .type = SET_STR },
	{ .name = "NOTIFICATION_COMMAND", .type = SET_STR },
	{ .name = "DEPLOYMENT_CONFIG_COMMAND", .type = SET_STR },
	{ .name = "APPLICATION_KEYS_COMMAND", .type = SET_STR },
	{ .name = "APPLICATION_CONFIG_COMMAND", .type = SET_STR },
	/* secret overrides: in a 0600 file (file) or, as Octopod, in argv */
	{ .name = "CONTROL_SCRIPT_SECRETS", .type = SET_ENUM,
	  .def = "file", .choices = "file|argv" },
	{ .name = "CONFIG_CHECK_TIMEOUT", .type = SET_INT,
	  .def = "30", .min = 1, .max = 3600 },
	{ .name = "CHECK_TIMEOUT", .type = SET_INT,
	  .def = "300", .min = 1, .max = 86400 },
	{ .name = "KILL_GRACE", .type = SET_INT,
	  .def = "10", .min = 0, .max = 600 },
	{ .name = "HEARTBEAT_INTERVAL", .type = SET_INT,
	  .def = "3", .min = 1, .max = 600 },
	{ .name = "KEYS_CACHE_TTL", .type = SET_INT,
	  .def = "60", .min = 0, .max = 86400 },
	/* expiry (docs/runner.md): 0 = deployments never expire */
	{ .name = "DEFAULT_TTL", .type = SET_INT,
	  .def = "0", .min = 0, .max = 315360000 },
	{ .name = "EXPIRY_WARNING", .type = SET_INT,
	  .def = "3600", .min = 0, .max = 315360000 },
	/* output retention (docs/runner.md): 0 = keep output for ever */
	{ .name = "OUTPUT_RETENTION", .type = SET_INT,
	  .def = "2592000", .min = 0, .max = 315360000 },
	{ .name = "OUTPUT_SWEEP_INTERVAL", .type = SET_INT,
	  .def = "300", .min = 1, .max = 86400 },
	{ .name = "OUTPUT_SWEEP_BATCH", .type = SET_INT,
	  .def = "50", .min = 1, .max = 10000 },
	/* security (docs/deployment.md "Security") */
	{ .name = "SOCKET_GROUP", .type = SET_STR },
	{ .name = "ALLOWED_ORIGINS", .type = SET_STR,
	  .def = "" },
	{ .name = "NOTIFIER_MAX_CLIENTS", .type = SET_INT,
	  .def = "4096", .min = 1, .max = 1000000 },
	{ .name = "CONFIG_CHECK_MAX_BYTES", .type = SET_INT,
	  .def = "65536", .min = 1024, .max = 67108864 },
	{ .name = "CONFIG_CHECK_CONCURRENCY", .type = SET_INT,
	  .def = "2", .min = 1, .max = 64 },
	{ .name = "CONFIG_CHECK_WAIT", .type = SET_INT,
	  .def = "2", .min = 0, .max = 60 },
	/* read by nginx (scripts/stack.sh renders them), checked here */
	{ .name = "WS_PER_CLIENT", .type = SET_INT,
	  .def = "32", .min = 1, .max = 1000000 },
	{ .name = "LOGIN_BURST", .type = SET_INT,
	  .def = "20", .min = 0, .max = 1000000 },
	{ .name = "LOGIN_RATE", .type = SET_INT,
	  .def = "2", .min = 1, .max = 1000000 },
};
#define NSETTINGS (sizeof(settings) / sizeof(settings[0]))

static char *file_values[NSETTINGS];

static struct setting *
setting_find(const char *name)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		if (strcmp(settings[i].name, name) == 0)
			return &settings[i];
	return NULL;
}

/*
 * The setting called name, which must be in the table: a name the table
 * lacks is a bug in the caller (t/settings-names.t looks for them), and
 * it stops the program here rather than answering a quiet 0 or NULL.
 */
static struct setting *
setting_known(const char *name)
{
	struct setting *s = setting_find(name);

	if (s == NULL) {
		log_err("unknown setting \"%s\" asked for: a bug", name);
		abort();
	}
	return s;
}

/* Read a secret from a file; returns a malloc'd string without the final newline. */
static char *
read_secret_file(const char *path, char *errbuf, size_t errlen)
{
	FILE	*f;
	char	*buf;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(errbuf, errlen, "could not open \"%s\": %s", path,
		    strerror(errno));
		return NULL;
	}
	if ((buf = malloc(8192)) == NULL) {
		fclose(f);
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	n = fread(buf, 1, 8191, f);
	fclose(f);
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	return buf;
}

/*
 * Load every setting from the environment. Returns 0, or -1 with the
 * reason in errbuf.
 */
int
settings_load(char *errbuf, size_t errlen)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++) {
		struct setting	*s = &settings[i];
		const char	*v = getenv(s->name);
		char		 fname[128], *end;

		if (s->secret) {
			snprintf(fname, sizeof(fname), "%s_FILE", s->name);
			if ((v == NULL || *v == '\0') && getenv(fname) != NULL) {
				free(file_values[i]);
				file_values[i] = read_secret_file(getenv(fname),
				    errbuf, errlen);
				if (file_values[i] == NULL)
					return -1;
				v = file_values[i];
			}
		}
		if (v == NULL || (*v == '\0' && s->type != SET_STR))
			v = s->def;
		s->str = v;
		if (v == NULL)
			continue;
		if (s->type == SET_INT) {
			errno = 0;
			s->num = strtol(v, &end, 10);
			if (errno != 0 || end == v || *end != '\0' ||
			    s->num < s->min || s->num > s->max) {
				snprintf(errbuf, errlen, "invalid setting %s="
				    "\"%s\": must be an integer from %ld to %ld",
				    s->name, v, s->min, s->max);
				return -1;
			}
		} else if (s->type == SET_ENUM) {
			const char *c = s->choices;
			size_t vl = strlen(v);
			int ok = 0;

			while (c != NULL && *c != '\0') {
				const char *bar = strchr(c, '|');
				size_t cl = bar ? (size_t)(bar - c) : strlen(c);
				if (cl == vl && strncmp(c, v, vl) == 0)
					ok = 1;
				c = bar ? bar + 1 : NULL;
			}
			if (!ok) {
				snprintf(errbuf, errlen, "invalid setting %s="
				    "\"%s\": must be one of %s", s->name, v,
				    s->choices);
				return -1;
			}
		}
	}
	return 0;
}

/* The value of a setting, or NULL when unset; the pointer stays valid. */
const char *
setting_str(const char *name)
{
	return setting_known(name)->str;
}

long
setting_int(const char *name)
{
	return setting_known(name)->num;
}

/* Log every setting, secrets masked (for -n). */
void
settings_dump(void)
{
	size_t i;

	for (i = 0; i < NSETTINGS; i++)
		printf("%s=%s\n", settings[i].name, settings[i].str == NULL ?
		    "(unset)" : settings[i].secret && *settings[i].str ?
		    "***" : settings[i].str);
}
