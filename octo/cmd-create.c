/*
 * octo/cmd-create.c: create and update, which share the override flags:
 * -e app, -o deployment, --secret-app, --secret-deployment, under
 * Octopod's long names too (1.x: --set-app-env-override,
 * --set-deployment-override, -a/--set-app-env-private-override,
 * -s/--set-deployment-private-override; 2.x: --set-app-config,
 * --set-deployment-config). A secret's value may come from a file
 * (K=@FILE) or stdin (K=-) instead of argv (octo/secret.c). update sends
 * only the change: PATCH with set/unset, so no override it was not told
 * about is lost.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "octopod.h"
#include "extern.h"

static int	cmd_create_exec(const struct cmd_entry *, int, char **);
static int	cmd_update_exec(const struct cmd_entry *, int, char **);

#define OVERRIDE_HELP \
"  -e, --app-env-override K=V      set an app override (also Octopod's\n" \
"                                  --set-app-env-override, --set-app-config)\n" \
"  -o, --deployment-override K=V   set a deployment override (also\n" \
"                                  --set-deployment-override,\n" \
"                                  --set-deployment-config)\n" \
"  -a, --secret-app K=V            set a secret app override (write-only;\n" \
"                                  also --set-app-env-private-override)\n" \
"  -s, --secret-deployment K=V     set a secret deployment override (also\n" \
"                                  --set-deployment-private-override)\n" \
"                                  a secret's V may be @FILE (read from FILE,\n" \
"                                  mode 0600 or less) or - (read from stdin),\n" \
"                                  so that it is not on the command line\n" \
"  -e image.tag=T                  the tag, as Octopod 2 passes it (= -t T)\n"

const struct cmd_entry cmd_create_entry = {
	.name = "create",
	.usage =
	    "-n NAME -t TAG [-e K=V]... [-o K=V]... [-a K=V|K=@FILE|K=-]... "
	    "[-s K=V|K=@FILE|K=-]...",
	.summary = "create a deployment",
	.help =
	"  -n, --name NAME                 the deployment (a DNS label)\n"
	"  -t, --tag TAG                   the image tag\n"
	OVERRIDE_HELP
	"  --ttl DUR                       expire after DUR (30s, 15m, 2h, 7d;\n"
	"                                  0: never); default: the server's\n"
	"  --pinned                        never expire while pinned\n",
	.needs_server = 1,
	.exec = cmd_create_exec,
};

const struct cmd_entry cmd_update_entry = {
	.name = "update",
	.usage =
	    "-n NAME [-t TAG] [-e K=V]... [-o K=V]... [-E KEY]... [-O KEY]... "
	    "[-a K=V|K=@FILE|K=-]... [-s K=V|K=@FILE|K=-]...",
	.summary =
	    "change a deployment's tag or overrides (only what is named)",
	.help =
	"  -n, --name NAME                 the deployment\n"
	"  -t, --tag TAG                   a new image tag\n"
	OVERRIDE_HELP
	"  -E, --unset-app-env-override KEY       remove an app override\n"
	"  -O, --unset-deployment-override KEY    remove a deployment override\n"
	"  --ttl DUR                       a new time to live (30s, 15m, 2h, 7d; 0:\n"
	"                                  never); every update restarts the expiry\n"
	"  --version N                     only if the deployment is at version N\n",
	.needs_server = 1,
	.exec = cmd_update_exec,
};

enum { OPT_IF_VERSION = 0x200, OPT_TTL, OPT_PINNED };

static const struct option change_opts[] = {
	{ "name", required_argument, NULL, 'n' },
	{ "tag", required_argument, NULL, 't' },
	{ "app-env-override", required_argument, NULL, 'e' },
	{ "deployment-override", required_argument, NULL, 'o' },
	{ "unset-app-env-override", required_argument, NULL, 'E' },
	{ "unset-deployment-override", required_argument, NULL, 'O' },
	{ "secret-app", required_argument, NULL, 'a' },
	{ "secret-deployment", required_argument, NULL, 's' },
	/* Octopod 1.x's names (octo-cli/src/Octopod/CLI/Args.hs) */
	{ "set-app-env-override", required_argument, NULL, 'e' },
	{ "set-deployment-override", required_argument, NULL, 'o' },
	{ "set-app-env-private-override", required_argument, NULL, 'a' },
	{ "set-deployment-private-override", required_argument, NULL, 's' },
	/* Octopod 2.x's */
	{ "set-app-config", required_argument, NULL, 'e' },
	{ "set-deployment-config", required_argument, NULL, 'o' },
	{ "version", required_argument, NULL, OPT_IF_VERSION },
	{ "ttl", required_argument, NULL, OPT_TTL },
	{ "pinned", no_argument, NULL, OPT_PINNED },
	OCTO_COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

/* What the flags asked for. */
struct change {
	const char	*name, *tag;
	char		*lifted_tag;	/* from -e image.tag=T */
	json_t		*app_set, *dep_set, *app_unset, *dep_unset;
	long		 version;
	long		 ttl;		/* -1: not given */
	int		 pinned;
};

/* "90", "30s", "15m", "2h", "7d" as seconds; 0 or -1 */
static int
parse_duration(const char *s, long *out)
{
	char	*end;
	long	 n, mul = 1;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	n = strtol(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		switch (*end) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		default: return -1;
		}
		if (end[1] != '\0')
			return -1;
	}
	if (n > TTL_MAX / mul)
		return -1;
	*out = n * mul;
	return 0;
}

static void
change_free(struct change *c)
{
	free(c->lifted_tag);
	json_decref(c->app_set);
	json_decref(c->dep_set);
	json_decref(c->app_unset);
	json_decref(c->dep_unset);
}

/*
 * Octopod 2 has no tag flag: the tag is the app config key image.tag.
 * An app override image.tag=T becomes the tag (and no override); with
 * -t as well, both must agree. Returns 0, or EXIT_USAGE after printing
 * why.
 */
static int
lift_tag(struct change *c)
{
	json_t		*o;
	size_t		 i;
	const char	*v;

	json_array_foreach(c->app_set, i, o) {
		if (strcmp(jstr(o, "key", ""), "image.tag") != 0)
			continue;
		v = jstr(o, "value", "");
		if (json_is_true(json_object_get(o, "secret"))) {
			octo_warnx("image.tag is the tag: it cannot be secret");
			return EXIT_USAGE;
		}
		if (c->tag != NULL && strcmp(c->tag, v) != 0) {
			octo_warnx("-t %s and -e image.tag=%s disagree: give "
			    "one of them", c->tag, v);
			return EXIT_USAGE;
		}
		free(c->lifted_tag);
		if ((c->lifted_tag = strdup(v)) == NULL) {
			octo_warnx("out of memory");
			return EXIT_CONN;
		}
		c->tag = c->lifted_tag;
		json_array_remove(c->app_set, i);
		return lift_tag(c);	/* a second one must agree too */
	}
	return 0;
}

/*
 * Parse the flags of create (update = 0) or update into c. Returns 0, or
 * EXIT_USAGE after printing why.
 */
static int
change_parse(const struct cmd_entry *e, int update, int argc, char **argv,
    struct change *c)
{
	const char	*opts = update ? "n:t:e:o:E:O:a:s:" : "n:t:e:o:a:s:";
	char		 err[512];
	int		 ch, rc, stdin_used = 0;

	memset(c, 0, sizeof(*c));
	c->ttl = -1;
	c->app_set = json_array();
	c->dep_set = json_array();
	c->app_unset = json_array();
	c->dep_unset = json_array();
	while ((ch = getopt_long(argc, argv, opts, change_opts, NULL)) != -1) {
		rc = 0;
		switch (ch) {
		case 'n':
			c->name = optarg;
			break;
		case 't':
			c->tag = optarg;
			break;
		case 'e':
			rc = octo_override_add(c->app_set, optarg, 0, err,
			    sizeof(err));
			break;
		case 'o':
			rc = octo_override_add(c->dep_set, optarg, 0, err,
			    sizeof(err));
			if (rc == -1 && strchr(optarg, '=') == NULL)
				snprintf(err, sizeof(err), "-o takes a "
				    "deployment override KEY=VALUE here; for "
				    "JSON output use --output %s", optarg);
			break;
		case 'a':
			rc = octo_secret_add(c->app_set, optarg, &stdin_used,
			    err, sizeof(err));
			break;
		case 's':
			rc = octo_secret_add(c->dep_set, optarg, &stdin_used,
			    err, sizeof(err));
			break;
		case 'E':
			json_array_append_new(c->app_unset,
			    json_string(optarg));
			break;
		case 'O':
			json_array_append_new(c->dep_unset,
			    json_string(optarg));
			break;
		case OPT_TTL:
			if ((rc = parse_duration(optarg, &c->ttl)) == -1)
				snprintf(err, sizeof(err), "--ttl takes a "
				    "duration such as 3600, 30s, 15m, 2h or 7d "
				    "(at most ten years)");
			break;
		case OPT_PINNED:
			if (update) {
				octo_warnx("--pinned is for create; use "
				    "octo pin");
				return EXIT_USAGE;
			}
			c->pinned = 1;
			break;
		case OPT_IF_VERSION:
			if (!update || octo_parse_long(optarg, 1,
			    (long)1 << 52, &c->version) == -1) {
				snprintf(err, sizeof(err), "--version takes "
				    "a positive number");
				rc = -1;
			}
			break;
		default:
			if ((rc = octo_common_opt(ch, optarg)) == 0)
				break;
			return cmd_usage(e);
		}
		if (rc == -1) {
			octo_warnx("%s", err);
			return EXIT_USAGE;
		}
	}
	if ((rc = octo_name_arg(e, &c->name, argc - optind, argv + optind))
	    != 0)
		return rc;
	if ((rc = lift_tag(c)) != 0)
		return rc;
	if (!update && (c->tag == NULL || *c->tag == '\0')) {
		octo_warnx("create needs a tag (-t TAG, or -e image.tag=TAG)");
		return cmd_usage(e);
	}
	if (update && c->tag == NULL && c->ttl < 0 &&
	    json_array_size(c->app_set) == 0 &&
	    json_array_size(c->dep_set) == 0 &&
	    json_array_size(c->app_unset) == 0 &&
	    json_array_size(c->dep_unset) == 0) {
		octo_warnx("nothing to update: give -t, --ttl, -e, -o, -E or -O");
		return cmd_usage(e);
	}
	return 0;
}

/* The answer to a change: {"deployment", "action"}. */
static void
print_queued(json_t *ans)
{
	json_t	*a = json_object_get(ans, "action");
	json_t	*d = json_object_get(ans, "deployment");

	if (octo.json) {
		out_json(ans);
		return;
	}
	printf("%s of \"%s\" queued as action %lld; deployment is %s\n",
	    jstr(a, "kind", "action"), jstr(d, "name", "?"),
	    (long long)json_integer_value(json_object_get(a, "id")),
	    jstr(d, "status", "?"));
	printf("follow it: octo logs -f -a %lld; wait for it: octo wait -n %s\n",
	    (long long)json_integer_value(json_object_get(a, "id")),
	    jstr(d, "name", "?"));
}

static int
cmd_create_exec(const struct cmd_entry *e, int argc, char **argv)
{
	struct change	 c;
	struct octo_resp r = { 0 };
	json_t		*body = NULL;
	int		 rc;

	if ((rc = change_parse(e, 0, argc, argv, &c)) != 0 ||
	    (rc = octo_http_init()) != 0)
		goto out;
	body = json_pack("{s:s, s:s, s:O, s:O}", "name", c.name, "tag", c.tag,
	    "app_overrides", c.app_set, "deployment_overrides", c.dep_set);
	if (c.ttl >= 0)
		json_object_set_new(body, "ttl", json_integer(c.ttl));
	if (c.pinned)
		json_object_set_new(body, "pinned", json_true());
	if ((rc = octo_call("POST", "deployments", body, 0, &r)) == 0)
		print_queued(r.body);
out:
	octo_resp_free(&r);
	json_decref(body);
	change_free(&c);
	return rc;
}

/* {"set": [...], "unset": [...]} with only the non-empty parts. */
static json_t *
scope_change(json_t *set, json_t *unset)
{
	json_t	*s = json_object();

	if (json_array_size(set) > 0)
		json_object_set(s, "set", set);
	if (json_array_size(unset) > 0)
		json_object_set(s, "unset", unset);
	return s;
}

static int
cmd_update_exec(const struct cmd_entry *e, int argc, char **argv)
{
	struct change	 c;
	struct octo_resp r = { 0 };
	json_t		*body = NULL;
	char		*name = NULL, *path = NULL;
	int		 rc;

	if ((rc = change_parse(e, 1, argc, argv, &c)) != 0 ||
	    (rc = octo_http_init()) != 0)
		goto out;
	body = json_object();
	if (c.tag != NULL)
		json_object_set_new(body, "tag", json_string(c.tag));
	if (c.ttl >= 0)
		json_object_set_new(body, "ttl", json_integer(c.ttl));
	if (json_array_size(c.app_set) + json_array_size(c.app_unset) > 0)
		json_object_set_new(body, "app_overrides",
		    scope_change(c.app_set, c.app_unset));
	if (json_array_size(c.dep_set) + json_array_size(c.dep_unset) > 0)
		json_object_set_new(body, "deployment_overrides",
		    scope_change(c.dep_set, c.dep_unset));
	if (c.version > 0)
		json_object_set_new(body, "version", json_integer(c.version));
	name = octo_escape(c.name);
	if (name == NULL || asprintf(&path, "deployments/%s", name) == -1) {
		path = NULL;
		rc = EXIT_CONN;
		goto out;
	}
	if ((rc = octo_call("PATCH", path, body, 0, &r)) == 0)
		print_queued(r.body);
out:
	octo_resp_free(&r);
	json_decref(body);
	change_free(&c);
	free(name);
	free(path);
	return rc;
}
