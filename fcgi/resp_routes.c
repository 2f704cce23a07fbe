/*
 * fcgi/resp_routes.c: the table of routes (docs/API.md). A path is split on
 * '/'; a "*" segment matches anything and is passed to the handler.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "extern.h"

#define R_POWER		0x01	/* only on the power door */
#define R_NODB		0x02	/* answers without the database */
#define R_METRICS	0x04	/* only on the metrics door, which has no other */
#define R_DEPLOYER	0x08	/* needs the deployer role (else viewer) */
#define R_ADMIN		0x10	/* needs the admin role */
#define R_AUTH		0x20	/* sign-in (session.c): no role, no user */

struct route {
	const char	*method;
	const char	*pattern;
	int		 flags;
	void		(*fn)(struct req *, const char **);
};

static const struct route routes[] = {
	{ .method = "GET", .pattern = "ping",
	  .flags = 0, .fn = api_ping },
	{ .method = "GET", .pattern = "project",
	  .flags = 0, .fn = api_project },
	{ .method = "GET", .pattern = "deployments",
	  .flags = 0, .fn = api_list },
	{ .method = "POST", .pattern = "deployments",
	  .flags = R_DEPLOYER, .fn = api_create },
	{ .method = "GET", .pattern = "deployments/*",
	  .flags = 0, .fn = api_get },
	{ .method = "PATCH", .pattern = "deployments/*",
	  .flags = R_DEPLOYER, .fn = api_update },
	{ .method = "DELETE", .pattern = "deployments/*",
	  .flags = R_POWER | R_ADMIN, .fn = api_forget },
	{ .method = "POST", .pattern = "deployments/*/archive",
	  .flags = R_DEPLOYER, .fn = api_transition },
	{ .method = "POST", .pattern = "deployments/*/restore",
	  .flags = R_DEPLOYER, .fn = api_transition },
	{ .method = "POST", .pattern = "deployments/*/cleanup",
	  .flags = R_ADMIN, .fn = api_transition },
	{ .method = "POST", .pattern = "deployments/*/pin",
	  .flags = R_DEPLOYER, .fn = api_pin },
	{ .method = "POST", .pattern = "deployments/*/unpin",
	  .flags = R_DEPLOYER, .fn = api_pin },
	{ .method = "GET", .pattern = "deployments/*/actions",
	  .flags = 0, .fn = api_actions },
	{ .method = "GET", .pattern = "deployments/*/history",
	  .flags = 0, .fn = api_history },
	{ .method = "GET", .pattern = "actions/*",
	  .flags = 0, .fn = api_action },
	{ .method = "GET", .pattern = "actions/*/output",
	  .flags = 0, .fn = api_output },
	{ .method = "GET", .pattern = "override_keys",
	  .flags = 0, .fn = api_override_keys },
	{ .method = "GET", .pattern = "default_overrides",
	  .flags = 0, .fn = api_default_overrides },
	{ .method = "POST", .pattern = "clean_archive",
	  .flags = R_POWER | R_ADMIN, .fn = api_clean_archive },
	{ .method = "GET", .pattern = "metrics",
	  .flags = R_METRICS, .fn = api_metrics },
	{ .method = "GET", .pattern = "auth/login",
	  .flags = R_AUTH, .fn = api_auth_login },
	{ .method = "GET", .pattern = "auth/callback",
	  .flags = R_AUTH, .fn = api_auth_callback },
	{ .method = "POST", .pattern = "auth/logout",
	  .flags = R_AUTH, .fn = api_auth_logout },
	{ .method = "GET", .pattern = "auth/session",
	  .flags = R_AUTH, .fn = api_auth_session },
	{ .method = "GET", .pattern = "auth/check",
	  .flags = R_AUTH, .fn = api_auth_check },
};
#define NROUTES (sizeof(routes) / sizeof(routes[0]))

/*
 * Match path against pattern; on a match fill args with the "*" segments
 * (pointing into buf, a copy of path) and return 1.
 */
static int
match(const char *pattern, const char *path, char *buf, size_t buflen,
    const char **args)
{
	const char	*p = pattern;
	char		*s, *seg;
	int		 na = 0;

	if (strlcpy_(buf, path, buflen) >= buflen)
		return 0;
	s = buf;
	for (;;) {
		const char *pe = strchr(p, '/');
		size_t pl = pe ? (size_t)(pe - p) : strlen(p);

		seg = s;
		if ((s = strchr(s, '/')) != NULL)
			*s++ = '\0';
		if (pl == 1 && *p == '*') {
			if (*seg == '\0' || na == ROUTE_ARGS)
				return 0;
			args[na++] = seg;
		} else if (strlen(seg) != pl || strncmp(seg, p, pl) != 0)
			return 0;
		if (pe == NULL)
			return s == NULL;
		if (s == NULL)
			return 0;
		p = pe + 1;
	}
}

static int
is_change(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	    strcmp(method, "OPTIONS") != 0;
}

/*
 * Find the route of method and path. Returns its index, or -1 when no
 * pattern matches, or -2 when patterns match but not the method (the
 * methods that would are listed in allow, when allowlen leaves room: allow
 * is not touched when allowlen is 0). args point into buf.
 */
int
route_lookup(const char *method, const char *path, char *buf, size_t buflen,
    const char **args, char *allow, size_t allowlen)
{
	size_t	 i;
	int	 found = -1;

	if (allowlen > 0)
		allow[0] = '\0';
	for (i = 0; i < NROUTES; i++) {
		if (!match(routes[i].pattern, path, buf, buflen, args))
			continue;
		if (strcmp(routes[i].method, method) == 0)
			return (int)i;
		found = -2;
		if (allowlen > 0 &&
		    strlen(allow) + strlen(routes[i].method) + 3 < allowlen) {
			if (*allow)
				strcat(allow, ", ");
			strcat(allow, routes[i].method);
		}
	}
	return found;
}

/*
 * Whether the request's Content-Type is application/json (parameters
 * such as "; charset=utf-8" allowed, case-insensitive).
 */
static int
is_json_type(const char *ct)
{
	size_t n = strlen("application/json");

	while (*ct == ' ')
		ct++;
	if (strncasecmp(ct, "application/json", n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/*
 * The browser guards of both doors (docs/API.md "Cross-site requests"): a
 * request a browser marks as cross-site, or whose Origin is not this
 * door's own (nor one of ALLOWED_ORIGINS), is refused with 403. Returns 0
 * to go on, or -1 after answering. route_type then refuses a change whose
 * body (or any Content-Type it names) is not application/json with 415: a
 * cross-site HTML form cannot send that.
 */
static int
route_guard(struct req *r)
{
	const char	*sfs, *origin, *host;

	sfs = http_header(r, "HTTP_SEC_FETCH_SITE");
	if (sfs != NULL && strcasecmp(sfs, "cross-site") == 0) {
		resp_error_new(r, 403, "cross_site", NULL,
		    "cross-site requests are refused (Sec-Fetch-Site: "
		    "cross-site)");
		return -1;
	}
	/* the Host as the browser sent it, with its port (nginx's $http_host) */
	if ((host = http_header(r, "OCTOPOD_HOST")) == NULL)
		host = http_header(r, "HTTP_HOST");
	origin = http_header(r, "HTTP_ORIGIN");
	if (origin != NULL && !origin_allowed(origin, host)) {
		resp_error_new(r, 403, "cross_site", NULL,
		    "requests from origin \"%.200s\" are refused", origin);
		return -1;
	}
	return 0;
}

/* A change's body must be JSON; 0, or -1 after answering 415. */
static int
route_type(struct req *r)
{
	const char	*ct, *cl;

	if (!is_change(r->method))
		return 0;
	ct = http_header(r, "CONTENT_TYPE");
	cl = http_header(r, "CONTENT_LENGTH");
	if ((ct != NULL && *ct != '\0') ? !is_json_type(ct) :
	    (cl != NULL && *cl != '\0' && strcmp(cl, "0") != 0)) {
		resp_error_new(r, 415, "unsupported_media_type", NULL,
		    "a change must be sent as Content-Type: application/json");
		return -1;
	}
	return 0;
}

/*
 * The role rt needs and the name of what it does, for the message of a
 * refusal: "create", "update", "forget", or the last segment ("cleanup").
 */
static enum role
route_role(const struct route *rt, const char **what)
{
	const char *slash = strrchr(rt->pattern, '/');

	if (strcmp(rt->method, "PATCH") == 0)
		*what = "update";
	else if (strcmp(rt->method, "DELETE") == 0)
		*what = "forget";
	else if (strcmp(rt->pattern, "deployments") == 0)
		*what = strcmp(rt->method, "POST") == 0 ? "create" : "reading";
	else
		*what = slash != NULL && slash[1] != '*' ? slash + 1 :
		    rt->pattern;
	if (rt->flags & R_ADMIN)
		return ROLE_ADMIN;
	return (rt->flags & R_DEPLOYER) ? ROLE_DEPLOYER : ROLE_VIEWER;
}

/* Find the handler for r and run it, or answer 404/405/403/415/503. */
void
route(struct req *r)
{
	const char	*args[ROUTE_ARGS + 1] = { NULL };
	char		 buf[sizeof(r->path)], allow[128];
	const struct route *rt;
	const char	*xrw, *what;
	enum role	 need;
	int		 i;

	i = route_lookup(r->method, r->path, buf, sizeof(buf), args, allow,
	    sizeof(allow));
	if (i == -2) {
		resp_error_new(r, 405, "method_not_allowed",
		    json_pack("{s:s}", "allow", allow),
		    "method %s is not allowed here; allowed: %s",
		    r->method, allow);
		return;
	}
	if (i < 0) {
		resp_error_new(r, 404, "not_found", NULL, "no such route");
		return;
	}
	rt = &routes[i];

	if (((rt->flags & R_METRICS) != 0) != (r->door == DOOR_METRICS)) {
		resp_error_new(r, 404, "not_found", NULL, "no such route");
		return;
	}
	if ((rt->flags & R_POWER) && r->door != DOOR_POWER) {
		resp_error_new(r, 403, "power_only", NULL,
		    "this route needs the power API (octo with a client "
		    "certificate)");
		return;
	}
	/* the IdP's redirect to auth/callback may come from another site */
	if (r->door != DOOR_METRICS && (!(rt->flags & R_AUTH) ||
	    is_change(r->method)) && route_guard(r) == -1)
		return;
	need = route_role(rt, &what);
	if (r->door != DOOR_METRICS && !(rt->flags & R_AUTH) &&
	    role_check(r, need, what) == -1)
		return;
	if (r->door == DOOR_UI && is_change(r->method)) {
		xrw = http_header(r, "HTTP_X_REQUESTED_WITH");
		if (xrw == NULL || strcmp(xrw, "octopod") != 0) {
			resp_error_new(r, 403, "csrf", NULL, "a change on the ui "
			    "door needs the header X-Requested-With: octopod");
			return;
		}
	}
	if (r->door != DOOR_METRICS && route_type(r) == -1)
		return;
	if (!(rt->flags & R_NODB) && r->db == NULL) {
		resp_error_new(r, 503, "database_unavailable", NULL,
		    "the database is not reachable, try again shortly");
		return;
	}
	rt->fn(r, args);
	if (r->status == 0)
		resp_error_new(r, 500, "internal", NULL, "no answer");
}
