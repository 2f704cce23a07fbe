/*
 * fcgi/resp_session.c: the sign-in routes of the ui door with UI_AUTH=oidc
 * (docs/API.md "Sign-in"), and the sessions they make:
 *
 *	GET  auth/login		a new sign-in: 302 to the identity provider
 *	GET  auth/callback	the provider's answer: a session, 302 to /
 *	POST auth/logout	the session ends, the cookie is cleared
 *	GET  auth/session	who is signed in (200), or 401
 *	GET  auth/check		nginx's auth_request: 200 with X-Octopod-User
 *				and X-Octopod-Role, or 401
 *
 * A session is an opaque random token (32 bytes, hex) in the cookie
 * octopod_session (Secure, HttpOnly, SameSite=Lax, Path=/); the database
 * keeps only its SHA-256, the person, their role and when it expires
 * (SESSION_TTL). A sign-in under way is bound to the browser by the cookie
 * octopod_login, which holds its state.
 */
#include <sys/random.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "extern.h"

#define COOKIE_SESSION	"octopod_session"
#define COOKIE_LOGIN	"octopod_login"
#define LOGIN_TTL	600	/* seconds from auth/login to callback */
#define TOKEN_BYTES	32
#define TOKEN_HEX	(TOKEN_BYTES * 2)

/*
 * Answer status with body (NULL: none) and the extra header lines hdrs
 * ("Name: value\r\n"..., may be NULL): resp_json_new with r->hdrs.
 */
static void
auth_answer_new(struct req *r, int status, const char *hdrs, json_t *body)
{
	r->hdrs = hdrs;
	resp_json_new(r, status, body);
	r->hdrs = NULL;
}

/* The error shape, with extra headers and where to sign in. */
static void
auth_error(struct req *r, int status, const char *hdrs, const char *code,
    const char *msg)
{
	r->hdrs = hdrs;
	resp_error_new(r, status, code, json_pack("{s:s}", "login",
	    "/api/v1/auth/login"), "%s", msg);
	r->hdrs = NULL;
}

/*
 * The value of cookie name in the Cookie header h (may be NULL) into buf
 * (buflen bytes, NUL-terminated). Returns 1 when found, 0 when absent or
 * too long (t/fuzz/fuzz_cookie.c).
 */
int
session_cookie(const char *h, const char *name, char *buf, size_t buflen)
{
	const char	*p, *v;
	size_t		 nl = strlen(name), vl;

	for (p = h; p != NULL && *p != '\0'; ) {
		while (*p == ' ' || *p == ';')
			p++;
		v = p + strcspn(p, ";");
		if (strncmp(p, name, nl) == 0 && p[nl] == '=') {
			vl = (size_t)(v - (p + nl + 1));
			if (vl >= buflen)
				return 0;
			memcpy(buf, p + nl + 1, vl);
			buf[vl] = '\0';
			return 1;
		}
		p = v;
	}
	return 0;
}

static int
cookie_get(struct req *r, const char *name, char *buf, size_t buflen)
{
	return session_cookie(http_header(r, "HTTP_COOKIE"), name, buf, buflen);
}

static void
hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

/*
 * The SHA-256 of the session token tok in hex (out: 65 bytes). Returns 0,
 * or -1 when tok is not a token's shape (64 hex digits).
 */
static int
token_hash(const char *tok, char *out)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	size_t		 i;

	if (strlen(tok) != TOKEN_HEX)
		return -1;
	for (i = 0; i < TOKEN_HEX; i++)
		if (!((tok[i] >= '0' && tok[i] <= '9') ||
		    (tok[i] >= 'a' && tok[i] <= 'f')))
			return -1;
	if (EVP_Digest(tok, TOKEN_HEX, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return -1;
	hex(md, mdlen, out);
	return 0;
}

/*
 * The session of r's cookie: its user, role and expiry (Unix time) into
 * the given buffers. Returns 1 when signed in, 0 when not, -1 after
 * answering a database error.
 */
static int
session_lookup(struct req *r, char *user, size_t userlen, char *role,
    size_t rolelen, long long *expires)
{
	char		 tok[TOKEN_HEX + 2], h[65];
	const char	*pv[1] = { h };
	PGresult	*res;
	int		 found = 0;

	if (!cookie_get(r, COOKIE_SESSION, tok, sizeof(tok)) ||
	    token_hash(tok, h) == -1)
		return 0;
	if ((res = http_query(r, STMT_SESSION_GET, 1, pv)) == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		strlcpy_(user, PQgetvalue(res, 0, 0), userlen);
		strlcpy_(role, PQgetvalue(res, 0, 1), rolelen);
		*expires = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
		found = 1;
	}
	PQclear(res);
	return found;
}

/* Whether the routes answer at all: the ui door, UI_AUTH=oidc. */
static int
auth_here(struct req *r)
{
	if (r->door == DOOR_UI && oidc_enabled())
		return 1;
	resp_error_new(r, 404, "not_found", NULL, "no such route (sign-in with "
	    "OIDC is not enabled: UI_AUTH=oidc)");
	return 0;
}

/*
 * The callback URL the identity provider sends the browser back to:
 * OIDC_REDIRECT_URL, else https://HOST/api/v1/auth/callback of this door.
 * Returns 0, or -1 when the host is unusable.
 */
static int
redirect_uri(struct req *r, char *buf, size_t buflen)
{
	const char	*set = setting_str("OIDC_REDIRECT_URL"), *host;
	int		 n;

	if (set != NULL && *set != '\0') {
		n = snprintf(buf, buflen, "%s", set);
		return n < 0 || (size_t)n >= buflen ? -1 : 0;
	}
	if ((host = http_header(r, "OCTOPOD_HOST")) == NULL)
		host = http_header(r, "HTTP_HOST");
	if (host == NULL || *host == '\0' || strlen(host) > 255 ||
	    host[strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
	    "TUVWXYZ0123456789.-:[]")] != '\0')
		return -1;
	n = snprintf(buf, buflen, "https://%s/api/v1/auth/callback", host);
	return n < 0 || (size_t)n >= buflen ? -1 : 0;
}

/* GET auth/login */
void
api_auth_login(struct req *r, const char **args)
{
	struct oidc_start	 st;
	char			 err[512], ru[1024], ttl[16], *hdrs = NULL;

	(void)args;
	if (!auth_here(r))
		return;
	if (redirect_uri(r, ru, sizeof(ru)) == -1) {
		resp_error_new(r, 400, "bad_request", NULL, "the Host header "
		    "cannot make the sign-in callback URL; set "
		    "OIDC_REDIRECT_URL");
		return;
	}
	if (oidc_begin(ru, &st, err, sizeof(err)) == -1) {
		log_err("sign-in: %s", err);
		auth_error(r, 502, NULL, "idp_unavailable", err);
		return;
	}
	(void)db_cmd(r->db, STMT_LOGIN_GC, 0, NULL, NULL);
	snprintf(ttl, sizeof(ttl), "%d", LOGIN_TTL);
	{
		const char *pv[4] = { st.state, st.nonce, st.verifier, ttl };

		if (db_cmd(r->db, STMT_LOGIN_INSERT, 4, pv, NULL) == -1) {
			resp_db_error(r);
			goto out;
		}
	}
	if (asprintf(&hdrs, "Location: %s\r\n"
	    "Set-Cookie: " COOKIE_LOGIN "=%s; Path=/api/v1/auth/; "
	    "Max-Age=%d; Secure; HttpOnly; SameSite=Lax\r\n", st.url,
	    st.state, LOGIN_TTL) == -1) {
		hdrs = NULL;
		resp_error_new(r, 500, "internal", NULL, "out of memory");
		goto out;
	}
	auth_answer_new(r, 302, hdrs, json_pack("{s:s}", "location", st.url));
out:
	free(hdrs);
	oidc_begin_free(&st);
}

#define CLEAR_LOGIN "Set-Cookie: " COOKIE_LOGIN "=; Path=/api/v1/auth/; " \
	"Max-Age=0; Secure; HttpOnly; SameSite=Lax\r\n"

/* GET auth/callback?code=&state= (or ?error=) */
void
api_auth_callback(struct req *r, const char **args)
{
	struct oidc_user	 u;
	char			 code[2048], state[256], cstate[256];
	char			 err[512], ru[1024], nonce[256];
	char			 verifier[256], ttl[16];
	char			 tok[TOKEN_HEX + 1], h[65];
	char			 hdrs[1024];
	unsigned char		 raw[TOKEN_BYTES];
	PGresult		*res = NULL;

	(void)args;
	if (!auth_here(r))
		return;
	if (query_get(r->query, "error", err, sizeof(err)) == 1) {
		char why[600];

		if (query_get(r->query, "error_description", why,
		    sizeof(why)) != 1)
			snprintf(why, sizeof(why), "%s", err);
		auth_error(r, 401, CLEAR_LOGIN, "sign_in_failed", why);
		return;
	}
	if (query_get(r->query, "code", code, sizeof(code)) != 1 ||
	    query_get(r->query, "state", state, sizeof(state)) != 1) {
		auth_error(r, 400, CLEAR_LOGIN, "bad_request",
		    "the callback needs code and state");
		return;
	}
	/* the sign-in began in this browser (login CSRF) */
	if (!cookie_get(r, COOKIE_LOGIN, cstate, sizeof(cstate)) ||
	    strcmp(cstate, state) != 0) {
		auth_error(r, 401, CLEAR_LOGIN, "sign_in_failed", "this "
		    "sign-in did not start in this browser; sign in again");
		return;
	}
	{
		const char *pv[1] = { state };

		if ((res = http_query(r, STMT_LOGIN_TAKE, 1, pv)) == NULL)
			goto out;
	}
	if (PQntuples(res) != 1) {
		auth_error(r, 401, CLEAR_LOGIN, "sign_in_failed", "this "
		    "sign-in is unknown, used or expired; sign in again");
		goto out;
	}
	strlcpy_(nonce, PQgetvalue(res, 0, 0), sizeof(nonce));
	strlcpy_(verifier, PQgetvalue(res, 0, 1), sizeof(verifier));
	PQclear(res);
	res = NULL;
	if (redirect_uri(r, ru, sizeof(ru)) == -1) {
		auth_error(r, 400, CLEAR_LOGIN, "bad_request", "the Host "
		    "header cannot make the sign-in callback URL");
		goto out;
	}
	if (oidc_finish(ru, code, nonce, verifier, &u, err,
	    sizeof(err)) == -1) {
		log_warn("sign-in refused: %s", err);
		auth_error(r, 401, CLEAR_LOGIN, "sign_in_failed", err);
		goto out;
	}
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		resp_error_new(r, 500, "internal", NULL, "no randomness");
		goto out;
	}
	hex(raw, sizeof(raw), tok);
	explicit_bzero(raw, sizeof(raw));
	token_hash(tok, h);
	(void)db_cmd(r->db, STMT_SESSION_GC, 0, NULL, NULL);
	snprintf(ttl, sizeof(ttl), "%ld", setting_int("SESSION_TTL"));
	{
		const char *pv[4] = { h, u.name, role_name(u.role), ttl };

		if ((res = http_query(r, STMT_SESSION_INSERT, 4, pv)) == NULL)
			goto out;
	}
	log_info("%s signed in (%s)", u.name, role_name(u.role));
	snprintf(hdrs, sizeof(hdrs), "Location: /\r\n"
	    "Set-Cookie: " COOKIE_SESSION "=%s; Path=/; Max-Age=%ld; Secure; "
	    "HttpOnly; SameSite=Lax\r\n" CLEAR_LOGIN, tok,
	    setting_int("SESSION_TTL"));
	auth_answer_new(r, 302, hdrs, json_pack("{s:s, s:s}", "user", u.name,
	    "role", role_name(u.role)));
	explicit_bzero(tok, sizeof(tok));
	explicit_bzero(hdrs, sizeof(hdrs));
out:
	explicit_bzero(code, sizeof(code));
	explicit_bzero(verifier, sizeof(verifier));
	PQclear(res);
}

/* GET auth/check: nginx's auth_request for every other request. */
void
api_auth_check(struct req *r, const char **args)
{
	char		 user[ACTOR_MAX_LEN], role[16];
	char		 hdrs[ACTOR_MAX_LEN + 128];
	long long	 exp = 0;
	int		 n;

	(void)args;
	if (!auth_here(r))
		return;
	if ((n = session_lookup(r, user, sizeof(user), role, sizeof(role),
	    &exp)) == -1)
		return;
	if (n == 0) {
		auth_answer_new(r, 401, NULL, NULL);
		return;
	}
	snprintf(hdrs, sizeof(hdrs), "X-Octopod-User: %s\r\n"
	    "X-Octopod-Role: %s\r\nX-Octopod-Expires: %lld\r\n", user, role,
	    exp);
	auth_answer_new(r, 200, hdrs, NULL);
}

/* GET auth/session */
void
api_auth_session(struct req *r, const char **args)
{
	char		 user[ACTOR_MAX_LEN], role[16];
	long long	 exp = 0;
	int		 n;

	(void)args;
	if (!auth_here(r))
		return;
	if ((n = session_lookup(r, user, sizeof(user), role, sizeof(role),
	    &exp)) == -1)
		return;
	if (n == 0) {
		auth_error(r, 401, NULL, "unauthenticated", "sign in first");
		return;
	}
	auth_answer_new(r, 200, NULL, json_pack("{s:s, s:s, s:s, s:I, s:s}",
	    "auth", "oidc", "user", user, "role", role, "expires_at",
	    (json_int_t)exp, "logout", "/api/v1/auth/logout"));
}

/* POST auth/logout */
void
api_auth_logout(struct req *r, const char **args)
{
	char		 tok[TOKEN_HEX + 2], h[65];
	const char	*pv[1] = { h };

	(void)args;
	if (!auth_here(r))
		return;
	if (cookie_get(r, COOKIE_SESSION, tok, sizeof(tok)) &&
	    token_hash(tok, h) == 0) {
		if (db_cmd(r->db, STMT_SESSION_DELETE, 1, pv, NULL) == -1) {
			resp_db_error(r);
			return;
		}
	}
	auth_answer_new(r, 200, "Set-Cookie: " COOKIE_SESSION "=; Path=/; "
	    "Max-Age=0; Secure; HttpOnly; SameSite=Lax\r\n",
	    json_pack("{s:b, s:s}", "signed_out", 1, "login",
	    "/api/v1/auth/login"));
}
