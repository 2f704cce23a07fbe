/*
 * fcgi/resp_http.c: reading a FastCGI request into struct req (door, actor,
 * path, capped body) and writing JSON answers in one error shape.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "extern.h"

static const struct {
	int		 code;
	const char	*phrase;
} statuses[] = {
	{ 200, "OK" }, { 201, "Created" }, { 202, "Accepted" },
	{ 204, "No Content" }, { 302, "Found" }, { 400, "Bad Request" },
	{ 401, "Unauthorized" }, { 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 409, "Conflict" },
	{ 411, "Length Required" }, { 413, "Payload Too Large" },
	{ 415, "Unsupported Media Type" }, { 422, "Unprocessable Entity" },
	{ 500, "Internal Server Error" }, { 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
};

static const char *
status_phrase(int code)
{
	size_t i;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
		if (statuses[i].code == code)
			return statuses[i].phrase;
	return "Unknown";
}

/* A request parameter (CGI variable) or NULL. */
const char *
http_header(struct req *r, const char *envname)
{
	return FCGX_GetParam(envname, r->w->fr.envp);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Read one attribute value of an RFC 4514 DN at *pp into out (outlen
 * bytes, NUL-terminated): escapes "\\X" for a special character and
 * "\\HH" hex pairs are decoded; the value ends at an unescaped ',', ';'
 * or '+' (left at *pp) or the end. Returns 0, or -1 when malformed or too
 * long.
 */
static int
dn_value(const char **pp, char *out, size_t outlen)
{
	const char	*p = *pp;
	size_t		 o = 0;
	int		 c, h, l;

	if (*p == '#')		/* a BER hex string: not a name we can use */
		return -1;
	while (*p != '\0' && *p != ',' && *p != ';' && *p != '+') {
		c = (unsigned char)*p++;
		if (c == '\\') {
			if (*p == '\0')
				return -1;
			if ((h = hexval(p[0])) >= 0 && (l = hexval(p[1])) >= 0) {
				c = h * 16 + l;
				p += 2;
			} else if (strchr(" \"#+,;<=>\\", *p) != NULL)
				c = (unsigned char)*p++;
			else
				return -1;
		} else if (c == '"' || c == '<' || c == '>')
			return -1;	/* must be escaped */
		if (c == '\0' || o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	*pp = p;
	return 0;
}

/*
 * The first CN attribute of dn, a DN in RFC 4514 (RFC 2253) form as nginx's
 * $ssl_client_s_dn gives it ("CN=ci-bot,O=evil\\,CN=admin"): RDNs split on
 * unescaped ',' (or ';'), multi-valued RDNs on '+', each value unescaped.
 * Returns 1 with the value in out, 0 when there is no CN, -1 when dn is
 * malformed.
 */
int
http_dn_cn(const char *dn, char *out, size_t outlen)
{
	const char	*p = dn, *t;
	char		 val[1024];
	size_t		 tl;
	int		 found = 0;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		for (t = p; *t != '=' && *t != '\0' && *t != ',' &&
		    *t != '+' && *t != '\\'; t++)
			;
		if (*t != '=' || t == p)
			return -1;
		tl = (size_t)(t - p);
		while (tl > 0 && p[tl - 1] == ' ')
			tl--;
		t++;
		if (dn_value(&t, val, sizeof(val)) == -1)
			return -1;
		if (!found && ((tl == 2 && strncasecmp(p, "CN", 2) == 0) ||
		    (tl == 7 && strncmp(p, "2.5.4.3", 7) == 0))) {
			if (strlcpy_(out, val, outlen) >= outlen)
				return -1;
			found = 1;
		}
		p = t;
		if (*p != '\0')
			p++;		/* ',', ';' or '+' */
	}
	return found;
}

/* Whether s holds a control character (C0 but TAB, DEL, C1) or bad UTF-8. */
static int
has_controls(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	if (!utf8_valid(s, strlen(s)))
		return 1;
	for (; *u != '\0'; u++) {
		if ((*u < 0x20 && *u != '\t') || *u == 0x7f)
			return 1;
		if (u[0] == 0xc2 && u[1] >= 0x80 && u[1] <= 0x9f)
			return 1;
	}
	return 0;
}

/*
 * Take the actor from the door's identity: the certificate's CN on the
 * power door, REMOTE_USER on the ui door. Returns 0, or -1 when absent or
 * unusable (a malformed DN, control characters).
 */
static int
http_actor(struct req *r)
{
	const char	*dn, *p;
	char		 cn[1024];
	int		 n;

	if (r->door == DOOR_UI) {
		/* UI_AUTH=oidc: the session's user, from nginx's auth_request
		 * (session.c); the sign-in routes themselves have none */
		p = http_header(r, oidc_enabled() ? "OCTOPOD_USER" :
		    "REMOTE_USER");
		if ((p == NULL || *p == '\0') && oidc_enabled() &&
		    strncmp(r->path, "auth/", 5) == 0)
			return 0;
		if (p == NULL || *p == '\0')
			return -1;
		strlcpy_(r->actor, p, sizeof(r->actor));
		return 0;
	}
	if ((dn = http_header(r, "SSL_CLIENT_S_DN")) == NULL)
		return -1;
	cn[0] = '\0';
	if ((n = http_dn_cn(dn, cn, sizeof(cn))) == -1 ||
	    (n == 1 && has_controls(cn))) {
		log_warn("a client certificate's subject could not be read: "
		    "%.200s", dn);
		return -1;
	}
	if (n == 0 || cn[0] == '\0') {
		strlcpy_(r->actor, "cert", sizeof(r->actor));
		return 0;
	}
	if (strlen(cn) >= sizeof(r->actor))
		return -1;
	strlcpy_(r->actor, cn, sizeof(r->actor));
	return 0;
}

/*
 * Fill r from the FastCGI request: method, path, door, actor and body.
 * Returns 0 to go on routing, or -1 when an answer was already sent.
 */
int
http_read(struct req *r, FCGX_Request *fr)
{
	const char	*uri, *door, *cl, *q, *v;
	size_t		 plen;
	long		 len, max = setting_int("BODY_MAX");
	char		*end;
	int		 n;

	(void)fr;
	r->method = http_header(r, "REQUEST_METHOD");
	if (r->method == NULL)
		r->method = "GET";
	uri = http_header(r, "REQUEST_URI");
	if (uri == NULL)
		uri = "";
	q = strchr(uri, '?');
	r->query = q ? q + 1 : "";
	plen = q ? (size_t)(q - uri) : strlen(uri);
	if (plen >= 8 && strncmp(uri, "/api/v1/", 8) == 0) {
		uri += 8;
		plen -= 8;
	} else if (plen >= 1 && uri[0] == '/') {
		uri += 1;	/* /metrics and friends */
		plen -= 1;
	}
	if (plen >= sizeof(r->path)) {
		resp_error_new(r, 404, "not_found", NULL, "no such route");
		return -1;
	}
	memcpy(r->path, uri, plen);
	r->path[plen] = '\0';

	door = http_header(r, "OCTOPOD_API");
	if (door != NULL && strcmp(door, "power") == 0) {
		r->door = DOOR_POWER;
		v = http_header(r, "SSL_CLIENT_VERIFY");
		if (v == NULL || strcmp(v, "SUCCESS") != 0) {
			resp_error_new(r, 401, "certificate_required", NULL,
			    "a verified client certificate is required");
			return -1;
		}
	} else if (door != NULL && strcmp(door, "ui") == 0)
		r->door = DOOR_UI;
	else if (door != NULL && strcmp(door, "metrics") == 0) {
		/* nginx lets only loopback/cluster addresses in; no user */
		r->door = DOOR_METRICS;
		strlcpy_(r->actor, "metrics", sizeof(r->actor));
		return 0;
	} else {
		resp_error_new(r, 403, "forbidden", NULL,
		    "request did not come through a known door");
		return -1;
	}
	if (http_actor(r) == -1) {
		if (r->door == DOOR_POWER)
			resp_error_new(r, 401, "certificate_required", NULL,
			    "the client certificate's subject could not be "
			    "read (RFC 4514)");
		else
			resp_error_new(r, 401, "unauthenticated", NULL,
			    "no authenticated user");
		return -1;
	}

	cl = http_header(r, "CONTENT_LENGTH");
	if (cl == NULL || *cl == '\0')
		return 0;
	errno = 0;
	len = strtol(cl, &end, 10);
	if (errno != 0 || *end != '\0' || len < 0) {
		resp_error_new(r, 400, "bad_request", NULL, "bad Content-Length");
		return -1;
	}
	if (len > max) {
		resp_error_new(r, 413, "body_too_large", NULL,
		    "request body is larger than %ld bytes", max);
		return -1;
	}
	if ((r->body = malloc((size_t)len + 1)) == NULL) {
		resp_error_new(r, 503, "out_of_memory", NULL, "out of memory");
		return -1;
	}
	n = len > 0 ? FCGX_GetStr(r->body, (int)len, r->w->fr.in) : 0;
	if (n != len) {
		resp_error_new(r, 400, "bad_request", NULL,
		    "request body shorter than its Content-Length");
		return -1;
	}
	r->body[len] = '\0';
	r->bodylen = (size_t)len;
	return 0;
}

void
http_free(struct req *r)
{
	free(r->body);
	r->body = NULL;
}

/* Milliseconds since the request was accepted: its Server-Timing. */
static double
req_ms(struct req *r)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - r->t0.tv_sec) * 1e3 +
	    (double)(now.tv_nsec - r->t0.tv_nsec) / 1e6;
}

/* Answer with status and a body of len bytes of type (not JSON). */
void
resp_text(struct req *r, int status, const char *type, const char *body,
    size_t len)
{
	FCGX_Stream	*out = r->w->fr.out;

	if (r->status != 0)
		return;
	r->status = status;
	FCGX_FPrintF(out, "Status: %d %s\r\n"
	    "Content-Type: %s\r\n"
	    "Cache-Control: no-store\r\n"
	    "Server-Timing: app;dur=%.3f\r\n"
	    "X-Content-Type-Options: nosniff\r\n\r\n",
	    status, status_phrase(status), type, req_ms(r));
	FCGX_PutStr(body, (int)len, out);
}

/*
 * Encode body into the worker's buffer (kept for the next answers, up to
 * OBUF_KEEP bytes); returns its length, 0 when it cannot be encoded.
 */
#define OBUF_KEEP	(256 * 1024)

static size_t
resp_encode(struct worker *w, json_t *body)
{
	size_t	 n;
	char	*p;

	n = json_dumpb(body, w->obuf, w->ocap, JSON_COMPACT);
	if (n == 0 || n <= w->ocap)
		return n;
	if ((p = realloc(w->obuf, n)) == NULL)
		return 0;
	w->obuf = p;
	w->ocap = n;
	return json_dumpb(body, w->obuf, w->ocap, JSON_COMPACT);
}

/*
 * Answer with status and body (NULL answers with no body). The
 * body is encoded before the headers, so that Server-Timing counts it.
 */
void
resp_json_new(struct req *r, int status, json_t *body)
{
	FCGX_Stream	*out = r->w->fr.out;
	struct worker	*w = r->w;
	size_t		 n = 0;
	char		 ra[32];

	if (r->status != 0) {	/* answered already */
		json_decref(body);
		return;
	}
	if (body != NULL && (n = resp_encode(w, body)) == 0) {
		json_decref(body);
		log_err("%s /%s: the answer could not be encoded", r->method,
		    r->path);
		status = 500;
		body = NULL;
	}
	r->status = status;
	/* 503 (the database is away) or r->retry_after: try again shortly */
	ra[0] = '\0';
	if (r->retry_after > 0 || status == 503)
		snprintf(ra, sizeof(ra), "Retry-After: %d\r\n",
		    r->retry_after > 0 ? r->retry_after : 2);
	FCGX_FPrintF(out, "Status: %d %s\r\n"
	    "Content-Type: application/json\r\n"
	    "Cache-Control: no-store\r\n"
	    "%s%s"
	    "Server-Timing: app;dur=%.3f\r\n"
	    "X-Content-Type-Options: nosniff\r\n\r\n",
	    status, status_phrase(status), ra, r->hdrs != NULL ? r->hdrs : "",
	    req_ms(r));
	if (body != NULL) {
		FCGX_PutStr(w->obuf, (int)n, out);
		FCGX_PutChar('\n', out);
	}
	json_decref(body);
	if (w->ocap > OBUF_KEEP) {
		free(w->obuf);
		w->obuf = NULL;
		w->ocap = 0;
	}
}

/* Answer {"error":{"code","message","details"}} with status. */
void
resp_error_new(struct req *r, int status, const char *code, json_t *details,
    const char *fmt, ...)
{
	char	 msg[1024];
	va_list	 ap;
	json_t	*e;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	e = json_pack("{s:s, s:s}", "code", code, "message", msg);
	if (e != NULL && details != NULL)
		json_object_set_new(e, "details", details);
	else
		json_decref(details);
	resp_json_new(r, status, json_pack("{s:o*}", "error", e));
}

/*
 * Answer a failed database call: 503 when the connection is gone, else
 * 500 (the message is logged, not shown).
 */
void
resp_db_error(struct req *r)
{
	if (r->db == NULL || db_is_down(r->db)) {
		resp_error_new(r, 503, "database_unavailable", NULL,
		    "the database is not reachable, try again shortly");
		return;
	}
	/* db_accept logged what failed */
	resp_error_new(r, 500, "internal", NULL, "internal error");
}

/*
 * Run statement s (a query) for request r: the result (caller PQclears),
 * or NULL after answering the database error (503 or 500).
 */
PGresult *
http_query(struct req *r, enum stmt s, int n, const char *const *params)
{
	PGresult *res = db_run(r->db, s, PGRES_TUPLES_OK, n, params, NULL);

	if (res == NULL)
		resp_db_error(r);
	return res;
}

/*
 * Find key in a query string and copy its decoded value into buf.
 * Returns 1 when found, 0 when absent, -1 when too long or malformed
 * (bad escape, NUL, invalid UTF-8).
 */
int
query_get(const char *query, const char *key, char *buf, size_t buflen)
{
	const char	*p = query, *amp, *eq;
	size_t		 klen = strlen(key), o;

	while (p != NULL && *p != '\0') {
		amp = strchr(p, '&');
		eq = memchr(p, '=', amp ? (size_t)(amp - p) : strlen(p));
		if ((size_t)((eq ? eq : amp ? amp : p + strlen(p)) - p) ==
		    klen && strncmp(p, key, klen) == 0) {
			const char *v = eq ? eq + 1 : p + klen;
			const char *e = amp ? amp : v + strlen(v);

			for (o = 0; v < e; v++) {
				int c = (unsigned char)*v;

				if (c == '+')
					c = ' ';
				else if (c == '%') {
					int h, l;
					if (e - v < 3 || (h = hexval(v[1])) < 0 ||
					    (l = hexval(v[2])) < 0)
						return -1;
					c = h * 16 + l;
					v += 2;
				}
				if (c == 0 || o + 1 >= buflen)
					return -1;
				buf[o++] = (char)c;
			}
			buf[o] = '\0';
			return utf8_valid(buf, o) ? 1 : -1;
		}
		p = amp ? amp + 1 : NULL;
	}
	return 0;
}

/*
 * Parse the body as a JSON object into *out (caller decrefs). Returns 0,
 * or -1 after answering 400.
 */
int
json_body(struct req *r, json_t **out)
{
	json_error_t	 jerr;
	json_t		*j;

	*out = NULL;
	if (r->body == NULL || r->bodylen == 0) {
		resp_error_new(r, 400, "bad_json", NULL, "request body is empty");
		return -1;
	}
	j = json_loadb(r->body, r->bodylen, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		resp_error_new(r, 400, "bad_json", json_pack("{s:i, s:i}", "line",
		    jerr.line, "column", jerr.column),
		    "request body is not valid JSON: %s", jerr.text);
		return -1;
	}
	if (!json_is_object(j)) {
		json_decref(j);
		resp_error_new(r, 400, "bad_json", NULL,
		    "request body must be a JSON object");
		return -1;
	}
	*out = j;
	return 0;
}
