#!/usr/bin/env bash
# The test identity provider (t/lib/glewlwyd.sh, a real glewlwyd) does what
# the OIDC tests count on: discovery and JWKS answer; the code flow with
# PKCE gives alice an RS256 ID token that verifies against the JWKS, with
# iss, aud, exp, nonce, preferred_username, email and groups; PKCE and the
# password are enforced, a code works once; other-app's token has its own
# audience; oidcshort's tokens expire; the browser sign-in (t/ui/idp.mjs
# idpLogin) ends on the redirect URI with a code.
. "$(dirname "$0")/lib/glewlwyd.sh"

REDIRECT=https://octopod.invalid/oidc/callback
idp_start "$REDIRECT"
C=(curl -sS --noproxy '*' ${IDP_CA_FILE:+--cacert "$IDP_CA_FILE"})
VERIFY=(node "$T_ROOT/t/ui/idp.mjs" verify "$T_TMP/jwks.json")

# 1-4: discovery and JWKS
disc=$("${C[@]}" -f "$IDP_DISCOVERY_URL")
t_is "$(printf '%s' "$disc" | jq -r .issuer)" "$IDP_ISSUER" "discovery: the issuer is IDP_ISSUER"
t_is "$(printf '%s' "$disc" | jq -c '[.authorization_endpoint, .token_endpoint, .jwks_uri]')" \
    "[\"$IDP_ISSUER/auth\",\"$IDP_ISSUER/token\",\"$IDP_ISSUER/jwks\"]" \
    "discovery: the endpoints are under the issuer"
t_is "$(printf '%s' "$disc" | jq -c '[.code_challenge_methods_supported, (.id_token_signing_alg_values_supported | index("RS256") != null)]')" \
    '[["S256"],true]' "discovery: PKCE S256 only, RS256 ID tokens"
"${C[@]}" -f -o "$T_TMP/jwks.json" "$(printf '%s' "$disc" | jq -r .jwks_uri)"
t_is "$(jq -c '[.keys[] | {kty, alg}]' "$T_TMP/jwks.json" 2>/dev/null)" '[{"kty":"RSA","alg":"RS256"}]' \
    "JWKS: one RSA key for RS256"

# 5-13: alice's code flow, without a browser
export IDP_NONCE=n-$(openssl rand -hex 8)
now=$(date +%s)
t_ok "alice: code -> token endpoint (client secret, code_verifier)" \
    idp_tokens alice "$IDP_ALICE_PASSWORD"
cp "$T_OUT" "$T_TMP/alice.json"
jq -r .id_token "$T_TMP/alice.json" >"$T_TMP/alice.jwt"
t_ok "alice's ID token verifies against the JWKS" "${VERIFY[@]}" <"$T_TMP/alice.jwt"
p=$(cat "$T_OUT")
t_is "$(printf '%s' "$p" | jq -r .iss)" "$IDP_ISSUER" "iss is the issuer"
t_is "$(printf '%s' "$p" | jq -r .aud)" octopod-c "aud is octopod-c"
t_is "$(printf '%s' "$p" | jq -r .nonce)" "$IDP_NONCE" "nonce is the one sent"
exp=$(printf '%s' "$p" | jq -r .exp)
t_ok "exp is about an hour ahead ($((exp - now)) s)" \
    test "$exp" -gt "$((now + 3000))" -a "$exp" -le "$((now + 3700))"
t_is "$(printf '%s' "$p" | jq -c '[.preferred_username, .email, .name]')" \
    '["alice","alice@example.test","Alice Deployer"]' "preferred_username, email, name"
t_is "$(printf '%s' "$p" | jq -c ".$IDP_GROUPS_CLAIM")" '["octopod-deployers"]' \
    "the groups claim: octopod-deployers"
t_diag "alice's ID token: $p"
# the verifier is not a rubber stamp: one byte of the payload changed
tampered=$(awk -F. '{ p = $2; c = substr(p, 5, 1); r = (c == "A") ? "B" : "A";
    print $1 "." substr(p, 1, 4) r substr(p, 6) "." $3 }' "$T_TMP/alice.jwt")
t_rc 1 "a tampered ID token does not verify" "${VERIFY[@]}" <<<"$tampered"
unset IDP_NONCE

# 14-15: the other roles' groups
t_is "$(idp_tokens vera "$IDP_VERA_PASSWORD" | jq -r .id_token | "${VERIFY[@]}" | jq -c '[.preferred_username, .groups]')" \
    '["vera",["octopod-viewers"]]' "vera: octopod-viewers"
t_is "$(idp_tokens adam "$IDP_ADAM_PASSWORD" | jq -r .id_token | "${VERIFY[@]}" | jq -c '[.preferred_username, .groups]')" \
    '["adam",["octopod-admins"]]' "adam: octopod-admins"

# 16-17: a wrong password gets no code, at the API and so no token
t_rc 1 "a wrong password: no code" idp_code alice wrong-password "$IDP_CLIENT_ID" "$REDIRECT" s n x
t_like "$(cat "$T_ERR")" "*HTTP 401*" "glewlwyd answers 401"

# 18-21: PKCE is required and checked; a code works once
idp_pkce
loc=$(idp_code alice "$IDP_ALICE_PASSWORD" "$IDP_CLIENT_ID" "$REDIRECT" s1 n1 "$IDP_CHALLENGE")
code=$(printf '%s' "$loc" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
t_like "$loc" "$REDIRECT?state=s1&code=*" "the redirect carries the state and a code"
# exchange CODE VERIFIER [CURL OPTION...]: the code at the token endpoint
exchange() {
	local c=$1 v=$2
	shift 2
	"${C[@]}" "$@" -u "$IDP_CLIENT_ID:$(cat "$IDP_CLIENT_SECRET_FILE")" \
	    -d grant_type=authorization_code --data-urlencode "code=$c" \
	    --data-urlencode "redirect_uri=$REDIRECT" --data-urlencode "code_verifier=$v" \
	    "$IDP_ISSUER/token"
}
tok() { exchange "$code" "$1" -o /dev/null -w '%{http_code}'; }
t_isnt "$(tok "$(openssl rand -hex 32)")" 200 "a wrong code_verifier is refused"
t_is "$(tok "$IDP_VERIFIER")" 200 "the right code_verifier gets the tokens"
t_isnt "$(tok "$IDP_VERIFIER")" 200 "the same code a second time is refused"
noch=$(idp_code alice "$IDP_ALICE_PASSWORD" "$IDP_CLIENT_ID" "$REDIRECT" s2 n2 "")
t_like "$noch" "$REDIRECT?*error=*" "no code_challenge: an error, no code"

# 22: another audience
t_is "$(idp_tokens alice "$IDP_ALICE_PASSWORD" "$IDP_OTHER_CLIENT_ID" \
    "$IDP_OTHER_CLIENT_SECRET_FILE" "$IDP_OTHER_REDIRECT_URI" | jq -r .id_token |
    "${VERIFY[@]}" | jq -c '[.iss == env.IDP_ISSUER, .aud]')" \
    '[true,"other-app"]' "other-app's ID token: same issuer, aud other-app"

# 23-25: short-lived tokens (oidcshort), expired
t_ok "idp_expired_tokens: oidcshort's tokens, once expired" \
    idp_expired_tokens alice "$IDP_ALICE_PASSWORD"
jwt=$(jq -r .id_token "$T_OUT")
t_is "$(printf '%s' "$jwt" | "${VERIFY[@]}" | jq -c '[.iss == env.IDP_ISSUER, .aud, .exp - .iat]')" \
    "[true,\"octopod-c\",$IDP_SHORT_SECONDS]" "same issuer and key, exp = iat + $IDP_SHORT_SECONDS"
exp=$(idp_jwt_payload "$jwt" | jq -r .exp)
t_ok "its exp ($exp) has passed" test "$exp" -lt "$(date +%s)"

# 26-30: in headless Chromium, through glewlwyd's login page
if [ ! -x /usr/bin/chromium ] || [ ! -d "$T_ROOT/node_modules/playwright-core" ]; then
	echo "Bail out! chromium or playwright-core is missing (make deps)"
	exit 1
fi
idp_pkce
q=$(jq -rn --arg c "$IDP_CLIENT_ID" --arg r "$REDIRECT" --arg ch "$IDP_CHALLENGE" \
    '{response_type:"code",client_id:$c,redirect_uri:$r,scope:"openid",state:"b1",nonce:"bn1",
      code_challenge:$ch,code_challenge_method:"S256"} | to_entries |
     map("\(.key)=\(.value|@uri)") | join("&")')
t_ok "the browser signs alice in at glewlwyd's login page, again, then vera" \
    node "$T_ROOT/t/ui/oidc-idp.mjs" "$IDP_ISSUER/auth?$q" alice "$IDP_ALICE_PASSWORD" \
    alice "$IDP_ALICE_PASSWORD" vera "$IDP_VERA_PASSWORD"
mapfile -t locs <"$T_OUT"
t_like "${locs[0]:-}" "$REDIRECT?state=b1&code=*" "it lands on the redirect URI with the state and a code"
code=$(printf '%s' "${locs[0]:-}" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
exchange "$code" "$IDP_VERIFIER" >"$T_TMP/b.json"
t_is "$(jq -r .id_token "$T_TMP/b.json" | "${VERIFY[@]}" | jq -c '[.preferred_username, .nonce]')" \
    '["alice","bn1"]' "its code gives alice's ID token with the browser's nonce"
t_like "${locs[1]:-}" "$REDIRECT?state=b1&code=*" "alice again (glewlwyd's session): a code"
code=$(printf '%s' "${locs[2]:-}" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
exchange "$code" "$IDP_VERIFIER" >"$T_TMP/b.json"
t_is "$(jq -r .id_token "$T_TMP/b.json" | "${VERIFY[@]}" | jq -r .preferred_username)" \
    vera "then vera, in the same browser: vera's ID token"

# 31-32: a wrong password in the browser stays at glewlwyd
t_rc 1 "the browser with a wrong password does not leave glewlwyd" \
    node "$T_ROOT/t/ui/oidc-idp.mjs" "$IDP_ISSUER/auth?$q" vera wrong-password
t_like "$(cat "$T_ERR")" "*did not accept vera*" "idpLogin says so"
t_diag "$(cat "$T_ERR")"

# 33: nothing left running
pid=$IDP_PID
idp_stop
t_ok "glewlwyd stopped" pid_gone "$pid"
t_done
