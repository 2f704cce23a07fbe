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
	{ "DATABASE_URL", SET_STR, "", 0, 0, NULL, 1, NULL, 0 },
	{ "PROJECT_NAME", SET_STR, "octopod", 0, 0, NULL, 0, NULL, 0 },
	{ "BASE_DOMAIN", SET_STR, "localhost", 0, 0, NULL, 0, NULL, 0 },
	{ "NAMESPACE", SET_STR, "default", 0, 0, NULL, 0, NULL, 0 },
	{ "CONTROL_SCRIPTS_DIR", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "CONTROL_SCRIPT_ARGS", SET_ENUM, "v1", 0, 0, "v1|v2", 0, NULL, 0 },
	{ "CONTROL_SCRIPT_TIMEOUT", SET_INT, "1800", 1, 86400, NULL, 0, NULL, 0 },
	{ "STATUS_UPDATE_TIMEOUT", SET_INT, "600", 1, 86400, NULL, 0, NULL, 0 },
	{ "STATUS_CHECK_INTERVAL", SET_INT, "15", 1, 86400, NULL, 0, NULL, 0 },
	{ "CHECK_CONCURRENCY", SET_INT, "8", 1, 256, NULL, 0, NULL, 0 },
	{ "ACTION_CONCURRENCY", SET_INT, "8", 1, 256, NULL, 0, NULL, 0 },
	{ "ARCHIVE_RETENTION", SET_INT, "1209600", 0, 315360000, NULL, 0, NULL, 0 },
	{ "RESPONDERS", SET_INT, "2", 1, 64, NULL, 0, NULL, 0 },
	{ "THREADS", SET_INT, "4", 1, 64, NULL, 0, NULL, 0 },
	{ "FCGI_SOCKET", SET_STR, "/tmp/octopod-fcgi.sock", 0, 0, NULL, 0, NULL, 0 },
	{ "NOTIFIER_SOCKET", SET_STR, "/tmp/octopod-notifier.sock", 0, 0, NULL, 0, NULL, 0 },
	{ "NOTIFIER_QUEUE_BYTES", SET_INT, "1048576", 65536, 1073741824, NULL, 0, NULL, 0 },
	{ "NOTIFIER_QUEUE_MSGS", SET_INT, "1000", 16, 1000000, NULL, 0, NULL, 0 },
	{ "MIGRATIONS_DIR", SET_STR, "sql", 0, 0, NULL, 0, NULL, 0 },
	{ "BODY_MAX", SET_INT, "1048576", 1024, 67108864, NULL, 0, NULL, 0 },
	{ "OUTPUT_MAX", SET_INT, "4194304", 1024, 1073741824, NULL, 0, NULL, 0 },
	{ "LOG_FORMAT", SET_ENUM, "text", 0, 0, "text|json", 0, NULL, 0 },
	/* roles (docs/API.md): files of "name role" lines, and the defaults */
	{ "UI_ROLES_FILE", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "UI_DEFAULT_ROLE", SET_ENUM, "deployer", 0, 0, "viewer|deployer|admin", 0, NULL, 0 },
	{ "POWER_ROLES_FILE", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "POWER_DEFAULT_ROLE", SET_ENUM, "deployer", 0, 0, "viewer|deployer|admin", 0, NULL, 0 },
	/* sign-in on the ui door (docs/deployment.md "Sign-in with OIDC") */
	{ "UI_AUTH", SET_ENUM, "basic", 0, 0, "basic|oidc", 0, NULL, 0 },
	{ "OIDC_ISSUER", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "OIDC_CLIENT_ID", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "OIDC_CLIENT_SECRET", SET_STR, NULL, 0, 0, NULL, 1, NULL, 0 },
	{ "OIDC_REDIRECT_URL", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "OIDC_SCOPES", SET_STR, "openid email profile", 0, 0, NULL, 0, NULL, 0 },
	{ "OIDC_ALLOWED_DOMAINS", SET_STR, "", 0, 0, NULL, 0, NULL, 0 },
	{ "OIDC_ALLOWED_GROUPS", SET_STR, "", 0, 0, NULL, 0, NULL, 0 },
	{ "OIDC_GROUPS_CLAIM", SET_STR, "groups", 0, 0, NULL, 0, NULL, 0 },
	{ "OIDC_ROLE_MAP", SET_STR, "", 0, 0, NULL, 0, NULL, 0 },
	{ "OIDC_CA_FILE", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "OIDC_HTTP_TIMEOUT", SET_INT, "10", 1, 120, NULL, 0, NULL, 0 },
	{ "SESSION_TTL", SET_INT, "43200", 60, 604800, NULL, 0, NULL, 0 },
	/* the runner (docs/runner.md) */
	{ "CREATE_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "UPDATE_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "ARCHIVE_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "RESTORE_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "CLEANUP_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "CHECK_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "ARCHIVE_CHECK_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "CONFIG_CHECK_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "INFO_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "NOTIFICATIONS_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "APP_KEYS_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "DEPLOYMENT_KEYS_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "APP_OVERRIDES_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "DEPLOYMENT_OVERRIDES_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	/* Octopod's names of the same settings (docs/control-scripts.md) */
	{ "CREATION_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "UNARCHIVE_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "CHECKING_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "ARCHIVE_CHECKING_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "CONFIG_CHECKING_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "TAG_CHECKING_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "NOTIFICATION_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "DEPLOYMENT_CONFIG_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "APPLICATION_KEYS_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "APPLICATION_CONFIG_COMMAND", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	/* secret overrides: in a 0600 file (file) or, as Octopod, in argv */
	{ "CONTROL_SCRIPT_SECRETS", SET_ENUM, "file", 0, 0, "file|argv", 0, NULL, 0 },
	{ "CONFIG_CHECK_TIMEOUT", SET_INT, "30", 1, 3600, NULL, 0, NULL, 0 },
	{ "CHECK_TIMEOUT", SET_INT, "300", 1, 86400, NULL, 0, NULL, 0 },
	{ "KILL_GRACE", SET_INT, "10", 0, 600, NULL, 0, NULL, 0 },
	{ "HEARTBEAT_INTERVAL", SET_INT, "3", 1, 600, NULL, 0, NULL, 0 },
	{ "KEYS_CACHE_TTL", SET_INT, "60", 0, 86400, NULL, 0, NULL, 0 },
	/* expiry (docs/runner.md): 0 = deployments never expire */
	{ "DEFAULT_TTL", SET_INT, "0", 0, 315360000, NULL, 0, NULL, 0 },
	{ "EXPIRY_WARNING", SET_INT, "3600", 0, 315360000, NULL, 0, NULL, 0 },
	/* output retention (docs/runner.md): 0 = keep output for ever */
	{ "OUTPUT_RETENTION", SET_INT, "2592000", 0, 315360000, NULL, 0, NULL, 0 },
	{ "OUTPUT_SWEEP_INTERVAL", SET_INT, "300", 1, 86400, NULL, 0, NULL, 0 },
	{ "OUTPUT_SWEEP_BATCH", SET_INT, "50", 1, 10000, NULL, 0, NULL, 0 },
	/* security (docs/deployment.md "Security") */
	{ "SOCKET_GROUP", SET_STR, NULL, 0, 0, NULL, 0, NULL, 0 },
	{ "ALLOWED_ORIGINS", SET_STR, "", 0, 0, NULL, 0, NULL, 0 },
	{ "NOTIFIER_MAX_CLIENTS", SET_INT, "4096", 1, 1000000, NULL, 0, NULL, 0 },
	{ "CONFIG_CHECK_MAX_BYTES", SET_INT, "65536", 1024, 67108864, NULL, 0, NULL, 0 },
	{ "CONFIG_CHECK_CONCURRENCY", SET_INT, "2", 1, 64, NULL, 0, NULL, 0 },
	{ "CONFIG_CHECK_WAIT", SET_INT, "2", 0, 60, NULL, 0, NULL, 0 },
	/* read by nginx (scripts/stack.sh renders them), checked here */
	{ "WS_PER_CLIENT", SET_INT, "32", 1, 1000000, NULL, 0, NULL, 0 },
	{ "LOGIN_BURST", SET_INT, "20", 0, 1000000, NULL, 0, NULL, 0 },
	{ "LOGIN_RATE", SET_INT, "2", 1, 1000000, NULL, 0, NULL, 0 },
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
