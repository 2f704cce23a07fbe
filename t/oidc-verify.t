#!/usr/bin/env bash
# The sign-in's ID token check (fcgi/resp_oidc_verify.c oidc_verify, run by
# t/db/oidc_verify.c) on real token endpoint answers from a real identity
# provider (t/lib/glewlwyd.sh): alice's token is taken with her name and the
# role her group maps to; the same kind of token issued to another client
# (other-app, its own valid signature) is refused for its audience; a token
# with a changed payload, the wrong nonce, past its expiry, from a key not
# in the JWKS, or unsigned is refused; the allowed domains and groups
# decide who may sign in.
. "$(dirname "$0")/lib/glewlwyd.sh"

bail() { echo "Bail out! $(basename "$0"): $*"; exit 1; }
export O=${O:-build}
case "$O" in /*) ;; *) O="$T_ROOT/$O" ;; esac
idp_start https://localhost:1/api/v1/auth/callback
C=(curl -sS --noproxy '*' --cacert "$IDP_CA_FILE")
"${C[@]}" -f -o "$T_TMP/disc.json" "$IDP_DISCOVERY_URL" || bail "no discovery document"
"${C[@]}" -f -o "$T_TMP/jwks.json" "$(jq -r .jwks_uri "$T_TMP/disc.json")" || bail "no JWKS"
export OIDC_ISSUER=$IDP_ISSUER OIDC_CLIENT_ID=$IDP_CLIENT_ID UI_AUTH=oidc \
    OIDC_CLIENT_SECRET_FILE=$IDP_CLIENT_SECRET_FILE UI_DEFAULT_ROLE=viewer \
    OIDC_ROLE_MAP="$IDP_VIEWERS_GROUP=viewer,$IDP_DEPLOYERS_GROUP=deployer,$IDP_ADMINS_GROUP=admin"

# verify TOKEN_FILE CLIENT_ID NONCE: the verdict line
verify() {
	"$O/t/db_oidc_verify" "$T_TMP/disc.json" "${JWKS:-$T_TMP/jwks.json}" "$1" "$2" "$3" 2>&1
}

export IDP_NONCE=n-$(openssl rand -hex 8)
idp_tokens alice "$IDP_ALICE_PASSWORD" >"$T_TMP/alice.json" || bail "no token for alice"
idp_tokens adam "$IDP_ADAM_PASSWORD" >"$T_TMP/adam.json" || bail "no token for adam"
idp_tokens alice "$IDP_ALICE_PASSWORD" "$IDP_OTHER_CLIENT_ID" "$IDP_OTHER_CLIENT_SECRET_FILE" \
    "$IDP_OTHER_REDIRECT_URI" >"$T_TMP/other.json" || bail "no token for other-app"
IDP_PLUGIN=oidcshort idp_tokens alice "$IDP_ALICE_PASSWORD" >"$T_TMP/short.json" ||
    bail "no short-lived token"

# 1-2: the good ones
t_is "$(verify "$T_TMP/alice.json" octopod-c "$IDP_NONCE")" "ok alice deployer" \
    "alice's ID token is taken: alice, a deployer (octopod-deployers)"
t_is "$(verify "$T_TMP/adam.json" octopod-c "$IDP_NONCE")" "ok adam admin" "adam's: an admin"

# 3-4: another audience
t_is "$(jq -r .id_token "$T_TMP/other.json" | node "$T_ROOT/t/ui/idp.mjs" verify "$T_TMP/jwks.json" | jq -r .aud)" \
    other-app "other-app's token is signed by the same issuer, for aud other-app"
t_is "$(verify "$T_TMP/other.json" octopod-c "$IDP_NONCE")" \
    "refused: the ID token is for another audience, not this client (octopod-c)" \
    "a token for another audience is refused"

# 5-6: a changed payload, the wrong nonce
jq --arg t "$(jq -r .id_token "$T_TMP/alice.json" | awk -F. '{ p = $2; c = substr(p, 8, 1);
    r = (c == "A") ? "B" : "A"; print $1 "." substr(p, 1, 7) r substr(p, 9) "." $3 }')" \
    '.id_token = $t' "$T_TMP/alice.json" >"$T_TMP/tampered.json"
t_like "$(verify "$T_TMP/tampered.json" octopod-c "$IDP_NONCE")" "refused: *" "a changed payload is refused"
t_is "$(verify "$T_TMP/alice.json" octopod-c other-nonce)" \
    "refused: the ID token's claims do not hold: issuer, subject, expiry or nonce" \
    "another sign-in's nonce is refused"

# 7: past its expiry (oidcshort: exp = iat + IDP_SHORT_SECONDS)
exp=$(jq -r .id_token "$T_TMP/short.json" | node "$T_ROOT/t/ui/idp.mjs" verify "$T_TMP/jwks.json" | jq -r .exp)
while [ "$(date +%s)" -le "$exp" ]; do sleep 0.2; done
t_is "$(verify "$T_TMP/short.json" octopod-c "$IDP_NONCE")" \
    "refused: the ID token's claims do not hold: issuer, subject, expiry or nonce" \
    "an expired ID token is refused"

# 8: a key the issuer does not publish (a JWKS of another key, same kid)
openssl genrsa -out "$T_TMP/other-key.pem" 2048 2>/dev/null
node -e '
const { createPublicKey } = require("node:crypto");
const fs = require("node:fs");
const jwks = JSON.parse(fs.readFileSync(process.argv[1]));
const k = createPublicKey(fs.readFileSync(process.argv[2])).export({ format: "jwk" });
jwks.keys = jwks.keys.map((o) => ({ ...o, n: k.n, e: k.e }));
fs.writeFileSync(process.argv[3], JSON.stringify(jwks));' \
    "$T_TMP/jwks.json" "$T_TMP/other-key.pem" "$T_TMP/jwks-other.json"
t_is "$(JWKS=$T_TMP/jwks-other.json verify "$T_TMP/alice.json" octopod-c "$IDP_NONCE")" \
    "refused: the ID token's signature does not verify against the issuer's key" \
    "a signature by a key the issuer does not publish is refused"

# 9: unsigned (alg none)
none=$(jq -r .id_token "$T_TMP/alice.json" | awk -F. '{ print "eyJhbGciOiJub25lIn0." $2 "." }')
jq --arg t "$none" '.id_token = $t' "$T_TMP/alice.json" >"$T_TMP/none.json"
t_like "$(verify "$T_TMP/none.json" octopod-c "$IDP_NONCE")" "refused: *" "an unsigned token is refused"

# 10-12: who may sign in
t_is "$(OIDC_ALLOWED_DOMAINS=example.test verify "$T_TMP/alice.json" octopod-c "$IDP_NONCE")" \
    "ok alice deployer" "an allowed domain"
t_like "$(OIDC_ALLOWED_DOMAINS=example.com verify "$T_TMP/alice.json" octopod-c "$IDP_NONCE")" \
    "refused: alice may not sign in: the email address \"alice@example.test\" is*in none of the allowed domains" \
    "a domain not allowed is refused"
t_is "$(OIDC_ALLOWED_GROUPS=$IDP_ADMINS_GROUP verify "$T_TMP/alice.json" octopod-c "$IDP_NONCE")" \
    "refused: alice may not sign in: they are in none of the allowed groups (claim \"groups\")" \
    "a person in none of the allowed groups is refused"

# 13-15: the calls to the identity provider verify its TLS certificate
# against OIDC_CA_FILE (not against nothing), and the issuer must be the
# discovery document's
t_like "$(OIDC_CA_FILE=$IDP_CA_FILE "$O/t/db_oidc_verify" begin https://localhost:1/cb 2>&1)" \
    "ok $IDP_ISSUER/auth?response_type=code&*" "with the IdP's CA: the sign-in starts"
t_like "$(OIDC_CA_FILE= "$O/t/db_oidc_verify" begin https://localhost:1/cb 2>&1)" \
    "refused: could not reach the identity provider*" "without it, the IdP's certificate is refused"
t_is "$(OIDC_CA_FILE=$IDP_CA_FILE OIDC_ISSUER=$IDP_URL/api/oidcshort "$O/t/db_oidc_verify" begin https://localhost:1/cb 2>&1)" \
    "refused: the discovery document names the issuer \"$IDP_ISSUER\", not OIDC_ISSUER \"$IDP_URL/api/oidcshort\"" \
    "an issuer the discovery document does not name is refused"

t_done
