/*
 * fcgi/resp_oidc.c: sign-in with OpenID Connect on the ui door (UI_AUTH=oidc;
 * docs/deployment.md "Sign-in with OIDC"). The authorization code flow with
 * PKCE: oidc_begin builds the IdP's authorization URL (state, nonce, S256
 * code challenge); oidc_finish exchanges the code for tokens and oidc_verify
 * (resp_oidc_verify.c)
 * checks the ID token with librhonabwy (JOSE): its signature against the
 * issuer's JWKS with an algorithm the issuer lists, iss, exp, iat and nonce;
 * then that its audience is this client; then the person: their name
 * (preferred_username, else email), the allowed domains and groups, the
 * role from OIDC_ROLE_MAP.
 *
 * Not libiddawc: its -dev package needs libulfius-dev, which needs
 * libcurl4-gnutls-dev, which Debian will not install beside the
 * libcurl4-openssl-dev that octo and octo-static build with (installing
 * one removes the other). iddawc's ID token check is these same rhonabwy
 * calls (and leaves the audience to its caller). The HTTP calls are made
 * with libcurl, with a timeout (OIDC_HTTP_TIMEOUT), a size cap and the
 * IdP's CA (OIDC_CA_FILE).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sys/random.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <rhonabwy.h>

#include "extern.h"

#define OIDC_BODY_MAX	(1024 * 1024)	/* an IdP's answer, at most */

int
oidc_enabled(void)
{
	return strcmp(setting_str("UI_AUTH"), "oidc") == 0;
}

/* Whether setting name has a value. */
static int
has(const char *name)
{
	const char *v = setting_str(name);

	return v != NULL && *v != '\0';
}

/*
 * Check the OIDC settings at start (UI_AUTH=oidc). Returns 0, or -1 with
 * the reason in err.
 */
int
oidc_init(char *err, size_t errlen)
{
	const char	*map, *p, *eq, *end;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "could not initialise libcurl");
		return -1;
	}
	if (!oidc_enabled())
		return 0;
	if (!has("OIDC_ISSUER") || !has("OIDC_CLIENT_ID") ||
	    !has("OIDC_CLIENT_SECRET")) {
		snprintf(err, errlen, "UI_AUTH=oidc needs OIDC_ISSUER, "
		    "OIDC_CLIENT_ID and OIDC_CLIENT_SECRET (or "
		    "OIDC_CLIENT_SECRET_FILE)");
		return -1;
	}
	if (strncmp(setting_str("OIDC_ISSUER"), "https://", 8) != 0 &&
	    strncmp(setting_str("OIDC_ISSUER"), "http://", 7) != 0) {
		snprintf(err, errlen, "invalid setting OIDC_ISSUER=\"%s\": "
		    "must be an https:// URL", setting_str("OIDC_ISSUER"));
		return -1;
	}
	/* OIDC_ROLE_MAP: group=role[,group=role...] */
	map = setting_str("OIDC_ROLE_MAP");
	for (p = map; p != NULL && *p != '\0'; p = *end ? end + 1 : end) {
		end = p + strcspn(p, ",");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL || eq == p || oidc_role_parse(eq + 1,
		    (size_t)(end - eq - 1)) == ROLE_NONE) {
			snprintf(err, errlen, "invalid setting OIDC_ROLE_MAP="
			    "\"%s\": must be group=role pairs separated by "
			    "commas, roles viewer, deployer or admin", map);
			return -1;
		}
	}
	return 0;
}

/*
 * GET url (post NULL) or POST the form post to it (with HTTP basic auth
 * user:pass when user is not NULL), and parse the answer as a JSON object
 * into *out (the caller decrefs). Returns the HTTP status, or -1 with the
 * reason in err (the IdP could not be reached, or did not answer JSON).
 */
static long
oidc_http(const char *url, const char *post, const char *user,
    const char *pass, json_t **out, char *err, size_t errlen)
{
	struct sbuf_capped	 b = { .max = OIDC_BODY_MAX };
	struct curl_slist	*hdrs = NULL;
	json_error_t		 jerr;
	CURL			*c;
	CURLcode		 rc;
	long			 status = -1;
	const char		*ca = setting_str("OIDC_CA_FILE");

	*out = NULL;
	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "could not initialise libcurl");
		return -1;
	}
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, setting_int("OIDC_HTTP_TIMEOUT"));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sbuf_curl);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "octopod-c/" OCTOPOD_VERSION);
	if (ca != NULL && *ca != '\0')
		curl_easy_setopt(c, CURLOPT_CAINFO, ca);
	if (post != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, post);
	if (user != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, pass);
	}
	if ((rc = curl_easy_perform(c)) != CURLE_OK) {
		snprintf(err, errlen, "could not reach the identity provider "
		    "(%.300s): %s", url, b.over ? "answer too large" :
		    curl_easy_strerror(rc));
		goto out;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	*out = b.buf.p != NULL ? json_loadb(b.buf.p, b.buf.len, 0, &jerr) :
	    NULL;
	if (*out == NULL || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		snprintf(err, errlen, "the identity provider's answer from "
		    "%.300s (HTTP %ld) is not a JSON object", url, status);
		status = -1;
	}
out:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	sbuf_free(&b.buf);
	return status;
}

/*
 * The issuer's discovery document (and, when jwks is not NULL, its JWKS):
 * 0, or -1 with err. The document must name the issuer exactly as
 * OIDC_ISSUER does (OpenID Connect Discovery 1.0, section 4.3).
 */
static int
oidc_discover(json_t **disc, json_t **jwks, char *err, size_t errlen)
{
	const char	*iss = setting_str("OIDC_ISSUER"), *got, *ju;
	char		 url[2048];
	size_t		 n = strlen(iss);
	long		 st;

	*disc = NULL;
	if (jwks != NULL)
		*jwks = NULL;
	while (n > 0 && iss[n - 1] == '/')
		n--;
	snprintf(url, sizeof(url), "%.*s/.well-known/openid-configuration",
	    (int)n, iss);
	if ((st = oidc_http(url, NULL, NULL, NULL, disc, err, errlen)) == -1)
		return -1;
	if (st != 200) {
		snprintf(err, errlen, "the identity provider answered HTTP %ld "
		    "for %s", st, url);
		goto fail;
	}
	got = json_string_value(json_object_get(*disc, "issuer"));
	if (got == NULL || strcmp(got, iss) != 0) {
		snprintf(err, errlen, "the discovery document names the issuer "
		    "\"%.200s\", not OIDC_ISSUER \"%.200s\"", got ? got : "",
		    iss);
		goto fail;
	}
	if (jwks == NULL)
		return 0;
	if ((ju = json_string_value(json_object_get(*disc, "jwks_uri"))) ==
	    NULL) {
		snprintf(err, errlen, "the discovery document has no jwks_uri");
		goto fail;
	}
	if ((st = oidc_http(ju, NULL, NULL, NULL, jwks, err, errlen)) == -1)
		goto fail;
	if (st != 200) {
		snprintf(err, errlen, "the identity provider answered HTTP %ld "
		    "for its JWKS", st);
		goto fail;
	}
	return 0;
fail:
	json_decref(*disc);
	*disc = NULL;
	if (jwks != NULL) {
		json_decref(*jwks);
		*jwks = NULL;
	}
	return -1;
}

/* n random bytes as hex into out (2n + 1 bytes); 0 or -1. */
static int
rand_hex(char *out, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char	 b[64];
	size_t		 i;

	if (n > sizeof(b) || getrandom(b, n, 0) != (ssize_t)n)
		return -1;
	for (i = 0; i < n; i++) {
		out[2 * i] = digits[b[i] >> 4];
		out[2 * i + 1] = digits[b[i] & 15];
	}
	out[2 * n] = '\0';
	explicit_bzero(b, sizeof(b));
	return 0;
}

/*
 * in (n bytes) in base64url without padding (RFC 4648 section 5) into
 * out (at least 4 * (n + 2) / 3 + 1 bytes).
 */
static void
b64url(const unsigned char *in, size_t n, char *out)
{
	int	 len = EVP_EncodeBlock((unsigned char *)out, in, (int)n), i;

	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	for (i = 0; i < len; i++)
		if (out[i] == '+')
			out[i] = '-';
		else if (out[i] == '/')
			out[i] = '_';
}

/*
 * Start a sign-in: the IdP's authorization URL for redirect_uri with a new
 * state, nonce and PKCE code verifier (its S256 challenge in the URL), all
 * filled into *st (free with oidc_begin_free). Returns 0, or -1 with err.
 */
int
oidc_begin(const char *redirect_uri, struct oidc_start *st, char *err,
    size_t errlen)
{
	json_t		*disc = NULL;
	const char	*ae;
	unsigned char	 raw[32], md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	char		 state[65], nonce[65], verifier[64], challenge[64];
	char		*e_id = NULL, *e_ru = NULL, *e_sc = NULL;
	CURL		*c = NULL;
	int		 rc = -1;

	memset(st, 0, sizeof(*st));
	if (oidc_discover(&disc, NULL, err, errlen) == -1)
		return -1;
	ae = json_string_value(json_object_get(disc,
	    "authorization_endpoint"));
	if (ae == NULL || strpbrk(ae, "\r\n \"<>") != NULL ||
	    (strncmp(ae, "https://", 8) != 0 && strncmp(ae, "http://", 7) !=
	    0)) {
		snprintf(err, errlen, "the discovery document has no usable "
		    "authorization_endpoint");
		goto out;
	}
	/* the verifier: 32 random bytes, base64url (RFC 7636 4.1) */
	if (rand_hex(state, 32) == -1 || rand_hex(nonce, 32) == -1 ||
	    getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		snprintf(err, errlen, "no randomness");
		goto out;
	}
	b64url(raw, sizeof(raw), verifier);
	if (EVP_Digest(verifier, strlen(verifier), md, &mdlen, EVP_sha256(),
	    NULL) != 1) {
		snprintf(err, errlen, "could not hash the PKCE verifier");
		goto out;
	}
	b64url(md, mdlen, challenge);
	if ((c = curl_easy_init()) == NULL ||
	    (e_id = curl_easy_escape(c, setting_str("OIDC_CLIENT_ID"), 0)) ==
	    NULL ||
	    (e_ru = curl_easy_escape(c, redirect_uri, 0)) == NULL ||
	    (e_sc = curl_easy_escape(c, setting_str("OIDC_SCOPES"), 0)) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (asprintf(&st->url, "%s%cresponse_type=code&client_id=%s"
	    "&redirect_uri=%s&scope=%s&state=%s&nonce=%s&code_challenge=%s"
	    "&code_challenge_method=S256", ae, strchr(ae, '?') ? '&' : '?',
	    e_id, e_ru, e_sc, state, nonce, challenge) == -1) {
		st->url = NULL;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((st->state = strdup(state)) == NULL ||
	    (st->nonce = strdup(nonce)) == NULL ||
	    (st->verifier = strdup(verifier)) == NULL) {
		snprintf(err, errlen, "out of memory");
		oidc_begin_free(st);
		goto out;
	}
	rc = 0;
out:
	explicit_bzero(raw, sizeof(raw));
	explicit_bzero(verifier, sizeof(verifier));
	curl_free(e_id);
	curl_free(e_ru);
	curl_free(e_sc);
	if (c != NULL)
		curl_easy_cleanup(c);
	json_decref(disc);
	return rc;
}

void
oidc_begin_free(struct oidc_start *st)
{
	free(st->url);
	free(st->state);
	free(st->nonce);
	free(st->verifier);
	memset(st, 0, sizeof(*st));
}

/* Append key=value (value URL-encoded) to the form in buf. */
static int
form_add(CURL *c, char *buf, size_t buflen, const char *key,
    const char *value)
{
	char	*esc;
	size_t	 n = strlen(buf);
	int	 w;

	if ((esc = curl_easy_escape(c, value, 0)) == NULL)
		return -1;
	w = snprintf(buf + n, buflen - n, "%s%s=%s", n ? "&" : "", key, esc);
	curl_free(esc);
	return w < 0 || (size_t)w >= buflen - n ? -1 : 0;
}

/*
 * Finish a sign-in: exchange code (with the PKCE verifier) at the token
 * endpoint, authenticated with the client secret, and verify the answer
 * (oidc_verify). Returns 0 with *u filled, or -1 with the reason in err.
 */
int
oidc_finish(const char *redirect_uri, const char *code, const char *nonce,
    const char *verifier, struct oidc_user *u, char *err, size_t errlen)
{
	json_t		*disc = NULL, *jwks = NULL, *tok = NULL, *methods;
	const char	*te, *id = setting_str("OIDC_CLIENT_ID");
	const char	*secret = setting_str("OIDC_CLIENT_SECRET");
	char		 form[8192], *uid = NULL, *usec = NULL;
	CURL		*c = NULL;
	long		 st;
	size_t		 i;
	int		 rc = -1, basic = 1;

	form[0] = '\0';
	if (oidc_discover(&disc, &jwks, err, errlen) == -1)
		return -1;
	if ((te = json_string_value(json_object_get(disc,
	    "token_endpoint"))) == NULL) {
		snprintf(err, errlen, "the discovery document has no "
		    "token_endpoint");
		goto out;
	}
	/* client_secret_basic unless the issuer lists only _post */
	methods = json_object_get(disc,
	    "token_endpoint_auth_methods_supported");
	if (json_is_array(methods)) {
		basic = 0;
		for (i = 0; i < json_array_size(methods); i++)
			if (strcmp(json_string_value(json_array_get(methods,
			    i)) ?: "", "client_secret_basic") == 0)
				basic = 1;
	}
	if ((c = curl_easy_init()) == NULL ||
	    form_add(c, form, sizeof(form), "grant_type",
	    "authorization_code") == -1 ||
	    form_add(c, form, sizeof(form), "code", code) == -1 ||
	    form_add(c, form, sizeof(form), "redirect_uri", redirect_uri) ==
	    -1 ||
	    form_add(c, form, sizeof(form), "code_verifier", verifier) == -1 ||
	    form_add(c, form, sizeof(form), "client_id", id) == -1 ||
	    (!basic && form_add(c, form, sizeof(form), "client_secret",
	    secret) == -1)) {
		snprintf(err, errlen, "the token request is too long");
		goto out;
	}
	/* RFC 6749 2.3.1: the basic credentials are form-encoded first */
	if (basic && ((uid = curl_easy_escape(c, id, 0)) == NULL ||
	    (usec = curl_easy_escape(c, secret, 0)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if ((st = oidc_http(te, form, uid, usec, &tok, err, errlen)) == -1)
		goto out;
	rc = oidc_verify(disc, jwks, st, tok, id, nonce, u, err, errlen);
out:
	explicit_bzero(form, sizeof(form));
	curl_free(uid);
	curl_free(usec);
	if (c != NULL)
		curl_easy_cleanup(c);
	json_decref(disc);
	json_decref(jwks);
	json_decref(tok);
	return rc;
}
