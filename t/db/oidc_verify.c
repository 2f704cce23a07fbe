/*
 * t/db/oidc_verify.c: oidc_verify (fcgi/resp_oidc_verify.c), the ID token check of the
 * sign-in, fed a real token endpoint's answer (t/oidc-verify.t gets them
 * from t/lib/glewlwyd.sh's glewlwyd):
 *
 *	db_oidc_verify DISCOVERY.json JWKS.json TOKEN.json CLIENT_ID NONCE
 *	db_oidc_verify begin REDIRECT_URI
 *
 * The second form starts a sign-in (oidc_begin: the discovery document
 * over HTTPS with OIDC_CA_FILE) and prints "ok URL" or "refused: WHY".
 *
 * Settings from the environment (OIDC_ISSUER, OIDC_ROLE_MAP, ...). Prints
 * "ok NAME ROLE" and exits 0 when the token is taken, or "refused: WHY" and
 * exits 1; 2 when the files cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "extern.h"

static json_t *
load(const char *path)
{
	json_error_t	 e;
	json_t		*j = json_load_file(path, 0, &e);

	if (j == NULL)
		fprintf(stderr, "%s: %s\n", path, e.text);
	return j;
}

int
main(int argc, char **argv)
{
	struct oidc_user	 u;
	json_t			*disc, *jwks, *tok;
	char			 err[512];
	int			 rc;

	if (argc == 3 && strcmp(argv[1], "begin") == 0) {
		struct oidc_start st;

		if (settings_load(err, sizeof(err)) == -1 ||
		    oidc_init(err, sizeof(err)) == -1) {
			fprintf(stderr, "settings: %s\n", err);
			return 2;
		}
		if (oidc_begin(argv[2], &st, err, sizeof(err)) == -1) {
			printf("refused: %s\n", err);
			return 1;
		}
		printf("ok %s\n", st.url);
		oidc_begin_free(&st);
		return 0;
	}
	if (argc != 6) {
		fprintf(stderr, "usage: db_oidc_verify DISCOVERY JWKS TOKEN "
		    "CLIENT_ID NONCE\n");
		return 2;
	}
	if (settings_load(err, sizeof(err)) == -1 ||
	    oidc_init(err, sizeof(err)) == -1) {
		fprintf(stderr, "settings: %s\n", err);
		return 2;
	}
	if ((disc = load(argv[1])) == NULL || (jwks = load(argv[2])) == NULL ||
	    (tok = load(argv[3])) == NULL)
		return 2;
	rc = oidc_verify(disc, jwks, 200, tok, argv[4], argv[5], &u, err,
	    sizeof(err));
	if (rc == 0)
		printf("ok %s %s\n", u.name, role_name(u.role));
	else
		printf("refused: %s\n", err);
	json_decref(disc);
	json_decref(jwks);
	json_decref(tok);
	return rc == 0 ? 0 : 1;
}
