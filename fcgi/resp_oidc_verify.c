/*
 * fcgi/resp_oidc_verify.c: the ID token of a sign-in (resp_oidc.c), checked
 * with librhonabwy (JOSE): its signature against the issuer's JWKS with an
 * algorithm the issuer lists, iss, exp, iat and nonce; then that its
 * audience is this client; then the person: their name
 * (preferred_username, else email), the allowed domains and groups, the
 * role from OIDC_ROLE_MAP.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rhonabwy.h>

#include "extern.h"

/* The role named s, or ROLE_NONE. */
enum role
oidc_role_parse(const char *s, size_t len)
{
	static const char *const names[] = { "viewer", "deployer", "admin" };
	size_t i;

	for (i = 0; i < 3; i++)
		if (strlen(names[i]) == len && strncmp(s, names[i], len) == 0)
			return (enum role)(ROLE_VIEWER + i);
	return ROLE_NONE;
}

/* Whether word (len bytes) is one of the comma-separated list. */
static int
in_list(const char *list, const char *word, size_t len)
{
	const char	*p = list, *end;
	size_t		 n;

	while (p != NULL && *p != '\0') {
		end = p + strcspn(p, ",");
		while (p < end && isspace((unsigned char)*p))
			p++;
		n = (size_t)(end - p);
		while (n > 0 && isspace((unsigned char)p[n - 1]))
			n--;
		if (n == len && n > 0 && strncasecmp(p, word, n) == 0)
			return 1;
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* The role OIDC_ROLE_MAP gives group (len bytes), or ROLE_NONE. */
static enum role
map_role(const char *group, size_t len)
{
	const char	*p = setting_str("OIDC_ROLE_MAP"), *eq, *end;

	while (p != NULL && *p != '\0') {
		end = p + strcspn(p, ",");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == len &&
		    strncmp(p, group, len) == 0)
			return oidc_role_parse(eq + 1, (size_t)(end - eq - 1));
		p = *end ? end + 1 : end;
	}
	return ROLE_NONE;
}

/*
 * The person of the verified claims: their name, whether they may sign in
 * (OIDC_ALLOWED_DOMAINS, OIDC_ALLOWED_GROUPS) and their role (the highest
 * OIDC_ROLE_MAP gives one of their groups, else UI_DEFAULT_ROLE). Returns
 * 0, or -1 with the reason in err.
 */
static int
oidc_person(json_t *claims, struct oidc_user *u, char *err, size_t errlen)
{
	const char	*name, *email, *at, *gclaim, *g;
	const char	*domains = setting_str("OIDC_ALLOWED_DOMAINS");
	const char	*allowed = setting_str("OIDC_ALLOWED_GROUPS");
	json_t		*groups, *v, *ev;
	enum role	 best = ROLE_NONE, r;
	size_t		 i, n, gl;
	int		 in_group = 0;

	name = json_string_value(json_object_get(claims, "preferred_username"));
	email = json_string_value(json_object_get(claims, "email"));
	if (name == NULL || *name == '\0')
		name = email;
	if (name == NULL || *name == '\0') {
		snprintf(err, errlen, "the ID token names nobody: it has "
		    "neither preferred_username nor email");
		return -1;
	}
	if (strlen(name) >= sizeof(u->name) || !utf8_valid(name,
	    strlen(name))) {
		snprintf(err, errlen, "the ID token's user name is too long "
		    "or not UTF-8");
		return -1;
	}
	for (g = name; *g != '\0'; g++)
		if ((unsigned char)*g < 0x20 || *g == 0x7f) {
			snprintf(err, errlen, "the ID token's user name holds "
			    "control characters");
			return -1;
		}
	strlcpy_(u->name, name, sizeof(u->name));
	if (domains != NULL && *domains != '\0') {
		ev = json_object_get(claims, "email_verified");
		at = email != NULL ? strrchr(email, '@') : NULL;
		if (at == NULL || json_is_false(ev) ||
		    !in_list(domains, at + 1, strlen(at + 1))) {
			snprintf(err, errlen, "%s may not sign in: the email "
			    "address \"%.200s\" is %sin none of the allowed "
			    "domains", u->name, email ? email : "",
			    at != NULL && json_is_false(ev) ?
			    "not verified or " : "");
			return -1;
		}
	}
	gclaim = setting_str("OIDC_GROUPS_CLAIM");
	groups = json_object_get(claims, gclaim);
	n = json_is_array(groups) ? json_array_size(groups) :
	    json_is_string(groups) ? 1 : 0;
	for (i = 0; i < n; i++) {
		v = json_is_array(groups) ? json_array_get(groups, i) : groups;
		if ((g = json_string_value(v)) == NULL)
			continue;
		/* a string claim may list several, separated by spaces */
		while (*g != '\0') {
			gl = strcspn(g, " ");
			if (gl > 0) {
				if (in_list(allowed, g, gl))
					in_group = 1;
				if ((r = map_role(g, gl)) > best)
					best = r;
			}
			g += gl;
			while (*g == ' ')
				g++;
		}
	}
	if (allowed != NULL && *allowed != '\0' && !in_group) {
		snprintf(err, errlen, "%s may not sign in: they are in none of "
		    "the allowed groups (claim \"%s\")", u->name, gclaim);
		return -1;
	}
	if (best == ROLE_NONE)
		best = oidc_role_parse(setting_str("UI_DEFAULT_ROLE"),
		    strlen(setting_str("UI_DEFAULT_ROLE")));
	u->role = best;
	return 0;
}

/*
 * Whether the verified claims are for this client: aud is OIDC_CLIENT_ID
 * or an array holding it, and when it holds others too, azp is this
 * client (OpenID Connect Core 1.0, 3.1.3.7, steps 3 to 5). rhonabwy's
 * R_JWT_CLAIM_AUD takes only a string aud.
 */
static int
oidc_audience(json_t *claims, const char *client_id)
{
	json_t		*aud = json_object_get(claims, "aud"), *v;
	const char	*azp;
	size_t		 i;
	int		 found = 0;

	if (json_is_string(aud))
		return strcmp(json_string_value(aud), client_id) == 0;
	if (!json_is_array(aud))
		return 0;
	json_array_foreach(aud, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v),
		    client_id) == 0)
			found = 1;
	if (!found)
		return 0;
	if (json_array_size(aud) == 1)
		return 1;
	azp = json_string_value(json_object_get(claims, "azp"));
	return azp != NULL && strcmp(azp, client_id) == 0;
}

/*
 * Whether the issuer lists alg for ID tokens (RS256 when it says nothing:
 * OpenID Connect Discovery 1.0, section 3). Symmetric algorithms are never
 * taken: they would need the client secret as the key.
 */
static int
alg_listed(json_t *disc, const char *alg)
{
	json_t	*algs = json_object_get(disc,
	    "id_token_signing_alg_values_supported"), *v;
	size_t	 i;

	if (alg == NULL || strncmp(alg, "HS", 2) == 0 ||
	    strcmp(alg, "none") == 0)
		return 0;
	if (!json_is_array(algs))
		return strcmp(alg, "RS256") == 0;
	json_array_foreach(algs, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), alg) == 0)
			return 1;
	return 0;
}

/*
 * Verify a token endpoint's answer (HTTP status, body tok) for nonce, with
 * the issuer's discovery document and JWKS (librhonabwy): the ID token is
 * signed (JWS, not unsigned nor encrypted), with an algorithm the issuer
 * lists, by the JWKS key its kid names (the only key when it names none;
 * keys in the token's own header are never used); iss is OIDC_ISSUER, sub
 * is there, exp is not past, iat is there, nonce is ours; aud is client_id.
 * Then the person (oidc_person). Returns 0 with *u filled, or -1 with the
 * reason in err.
 */
int
oidc_verify(json_t *disc, json_t *jwks, long status, json_t *tok,
    const char *client_id, const char *nonce, struct oidc_user *u,
    char *err, size_t errlen)
{
	jwks_t		*keys = NULL;
	jwt_t		*jwt = NULL;
	jwk_t		*key = NULL;
	json_t		*claims = NULL;
	const char	*idt, *kid, *e, *alg;
	int		 rc = -1;

	memset(u, 0, sizeof(*u));
	if (status != 200) {
		e = json_string_value(json_object_get(tok,
		    "error_description"));
		if (e == NULL)
			e = json_string_value(json_object_get(tok, "error"));
		snprintf(err, errlen, "the identity provider refused the code "
		    "(HTTP %ld): %.300s", status, e ? e : "no reason given");
		return -1;
	}
	if ((idt = json_string_value(json_object_get(tok, "id_token"))) ==
	    NULL) {
		snprintf(err, errlen, "the identity provider sent no ID token");
		return -1;
	}
	if (r_jwks_init(&keys) != RHN_OK || r_jwt_init(&jwt) != RHN_OK) {
		snprintf(err, errlen, "could not initialise librhonabwy");
		goto out;
	}
	if (r_jwks_import_from_json_t(keys, jwks) != RHN_OK ||
	    r_jwks_size(keys) == 0) {
		snprintf(err, errlen, "the identity provider's JWKS holds no "
		    "usable key");
		goto out;
	}
	if (r_jwt_advanced_parse(jwt, idt, R_PARSE_NONE,
	    R_FLAG_IGNORE_REMOTE) != RHN_OK ||
	    r_jwt_get_type(jwt) != R_JWT_TYPE_SIGN) {
		snprintf(err, errlen, "the ID token is not a signed JWT");
		goto out;
	}
	alg = r_jwa_alg_to_str(r_jwt_get_sign_alg(jwt));
	if (!alg_listed(disc, alg)) {
		snprintf(err, errlen, "the ID token is signed with %s, which "
		    "the issuer does not list", alg ? alg : "no algorithm");
		goto out;
	}
	kid = r_jwt_get_header_str_value(jwt, "kid");
	if (kid != NULL)
		key = r_jwks_get_by_kid(keys, kid);
	else if (r_jwks_size(keys) == 1)
		key = r_jwks_get_at(keys, 0);
	if (key == NULL) {
		snprintf(err, errlen, "no key of the issuer's JWKS matches "
		    "the ID token (kid \"%.100s\")", kid ? kid : "");
		goto out;
	}
	if (r_jwt_verify_signature(jwt, key, R_FLAG_IGNORE_REMOTE) !=
	    RHN_OK) {
		snprintf(err, errlen, "the ID token's signature does not "
		    "verify against the issuer's key");
		goto out;
	}
	if (r_jwt_validate_claims(jwt,
	    R_JWT_CLAIM_ISS, setting_str("OIDC_ISSUER"),
	    R_JWT_CLAIM_SUB, NULL,
	    R_JWT_CLAIM_EXP, R_JWT_CLAIM_NOW,
	    R_JWT_CLAIM_IAT, R_JWT_CLAIM_PRESENT,
	    R_JWT_CLAIM_STR, "nonce", nonce,
	    R_JWT_CLAIM_NOP) != RHN_OK) {
		snprintf(err, errlen, "the ID token's claims do not hold: "
		    "issuer, subject, expiry or nonce");
		goto out;
	}
	if ((claims = r_jwt_get_full_claims_json_t(jwt)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (!oidc_audience(claims, client_id)) {
		snprintf(err, errlen, "the ID token is for another audience, "
		    "not this client (%s)", client_id);
		goto out;
	}
	rc = oidc_person(claims, u, err, errlen);
out:
	json_decref(claims);
	r_jwk_free(key);
	r_jwt_free(jwt);
	r_jwks_free(keys);
	return rc;
}
