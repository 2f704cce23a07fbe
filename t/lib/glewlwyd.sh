# t/lib/glewlwyd.sh: a real OpenID Connect provider for the tests, Debian's
# glewlwyd (2.7), throw-away: its own config, sqlite3 database, TLS
# certificates and RSA signing key under the test's temp dir, on a free port
# of 127.0.0.1, as the current user. Sourced by t/*.t (bash), after
# t/lib/stack.sh when the test also runs the stack (alone, it sources
# t/lib/control.sh itself).
#
#	idp_start REDIRECT_URI...	start it and configure it (below); bail
#				out if it cannot. The redirect URIs are the
#				ones octopod-c's client may use.
#	idp_stop		stop it (the test's cleanup does it too)
#	idp_tokens USER PASSWORD [CLIENT_ID SECRET_FILE REDIRECT_URI]
#				the whole authorization-code flow with PKCE
#				(S256) and a fresh nonce, without a browser:
#				prints the token endpoint's JSON (id_token,
#				access_token, refresh_token); 1 if a step
#				failed (it says which on stderr). Defaults:
#				octopod-c, its secret, its first redirect URI.
#				The nonce: $IDP_NONCE if set, else a fresh
#				one (it runs in $(...): set IDP_NONCE to
#				know it). With IDP_PLUGIN=oidcshort the
#				tokens live IDP_SHORT_SECONDS (same issuer,
#				same key).
#	idp_expired_tokens USER PASSWORD [CLIENT_ID SECRET_FILE REDIRECT_URI]
#				idp_tokens from oidcshort, printed once the
#				ID token's exp has passed (a wait of about
#				IDP_SHORT_SECONDS + 1 s): a genuine token of
#				the issuer, expired
#	idp_jwt_payload JWT	the payload of a JWT (JSON), not verified
#				(node t/ui/idp.mjs verify JWKS_FILE verifies)
#	idp_code USER PASSWORD CLIENT_ID REDIRECT_URI STATE NONCE CHALLENGE
#				sign USER in and print the URL glewlwyd
#				redirects to (REDIRECT_URI?state=..&code=..,
#				or ?error=..); 1 if the password is refused
#	idp_admin METHOD PATH [JSON]	glewlwyd's admin API (docs: glewlwyd's
#				API.md) as its admin: sets S (status), B (body)
#	idp_pkce		sets IDP_VERIFIER and IDP_CHALLENGE (S256)
#	idp_stack_env		after idp_start, before stack_start: exports
#				the settings that point octopod-c at this
#				provider (UI_AUTH=oidc, issuer, client and
#				its secret file, CA, scope, groups claim, the
#				three groups as roles, viewer by default)
#
# What idp_start sets up (through the admin API), and what a team would
# configure in its own identity provider for octopod-c:
#   - an OpenID Connect provider (glewlwyd's plugin instance "oidc"), issuer
#     $IDP_ISSUER = https://127.0.0.1:PORT/api/oidc (discovery at
#     $IDP_ISSUER/.well-known/openid-configuration), ID tokens signed RS256
#     with a 2048-bit key made here (JWKS at $IDP_ISSUER/jwks), code flow
#     only, PKCE required (S256 only), tokens for 1 hour;
#   - a confidential client "octopod-c" (client_secret_basic or
#     client_secret_post), grant type authorization_code, the redirect URIs
#     given to idp_start, scope openid; and a second client "other-app" (an
#     ID token for it has aud "other-app": the wrong audience for octopod-c);
#   - users (glewlwyd's database user backend), each with a password, an
#     email and a multi-valued property "groups":
#	alice	Alice Deployer	alice@example.test	octopod-deployers
#	vera	Vera Viewer	vera@example.test	octopod-viewers
#	adam	Adam Admin	adam@example.test	octopod-admins
#     the scope openid needs the password (glewlwyd's built-in password
#     check; no extra scheme), and each user has already granted openid to
#     both clients, so no consent page comes after the login page;
#   - the claims in every ID token (and /userinfo): sub, name, email,
#     preferred_username (the username) and groups (an array, from the user
#     property "groups": glewlwyd's "additional claims" with mandatory: true);
#     plus iss, aud, azp, exp, iat, nonce, amr, at_hash, c_hash.
# A team's own IdP needs the same three things: a confidential client for
# octopod-c with its redirect URI (https://HOST/oidc/callback or as the
# deployment says), the code flow with PKCE, and a groups claim (Keycloak:
# a "Group Membership" mapper; Dex: the groups scope) whose values the
# deployment maps to octopod-c's roles.
#
# Exported by idp_start: IDP_URL (https://127.0.0.1:PORT), IDP_ISSUER (as in
# the discovery document), IDP_DISCOVERY_URL, IDP_PORT, IDP_PID, IDP_CA_FILE
# (the CA of its TLS certificate; curl --cacert, libcurl CAINFO), IDP_DIR,
# IDP_LOG, IDP_CLIENT_ID, IDP_CLIENT_SECRET_FILE, IDP_REDIRECT_URI (the first
# one), IDP_OTHER_CLIENT_ID, IDP_OTHER_CLIENT_SECRET_FILE,
# IDP_OTHER_REDIRECT_URI, IDP_ALICE_PASSWORD, IDP_VERA_PASSWORD,
# IDP_ADAM_PASSWORD, IDP_GROUPS_CLAIM (groups), IDP_DEPLOYERS_GROUP,
# IDP_VIEWERS_GROUP, IDP_ADMINS_GROUP, IDP_SHORT_SECONDS. Secret files are
# 0600.
#
# IDP_TLS=0 before idp_start: plain HTTP (http://127.0.0.1:PORT), no CA.
#
# The IdP is on 127.0.0.1 and the stack on localhost: two sites, as a real
# IdP and octopod-c are (the session cookie's SameSite=Lax is exercised).
# Its CA is the test's own: a client must be told IDP_CA_FILE (libiddawc
# 1.1.8 has no option for a CA file, its requests use the system's CAs; the
# project's libcurl with CURLOPT_CAINFO can fetch discovery, JWKS and token
# and hand them to iddawc: i_set_server_configuration, i_set_server_jwks,
# i_parse_token_response).

if [ -z "${T_TMP:-}" ]; then
	. "$(dirname "$0")/lib/control.sh"
fi
. "$T_ROOT/scripts/free-port.sh"

IDP_PID=
IDP_SHORT_SECONDS=${IDP_SHORT_SECONDS:-2}

_idp_die() {
	echo "Bail out! $(basename "$0"): glewlwyd: $*"
	[ -f "${IDP_LOG:-}" ] && tail -20 "$IDP_LOG" | sed 's/^/# /' >&2
	exit 1
}

# _idp_curl ARGS...: curl to the IdP (its CA, no proxy)
_idp_curl() {
	if [ "${IDP_TLS:-1}" = 1 ]; then
		curl -sS --noproxy '*' --cacert "$IDP_CA_FILE" "$@"
	else
		curl -sS --noproxy '*' "$@"
	fi
}

idp_admin() {
	local method=$1 path=$2 body=${3-}
	local args=(-o "$IDP_DIR/.body" -w '%{http_code}' -X "$method"
	    -b "$IDP_DIR/admin.jar" -c "$IDP_DIR/admin.jar")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	S=$(_idp_curl "${args[@]}" "$IDP_URL/api/$path")
	B=$(cat "$IDP_DIR/.body")
}

# _idp_must METHOD PATH [JSON]: idp_admin, bail out unless 200
_idp_must() {
	idp_admin "$@"
	[ "$S" = 200 ] || _idp_die "$1 /api/$2: HTTP $S: $B"
}

_idp_tls() {
	local d=$IDP_DIR/tls
	mkdir -p "$d"
	(umask 077
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=octopod-test-idp-ca \
	    -keyout "$d/ca-key.pem" -out "$d/ca.pem" &&
	openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 \
	    -keyout "$d/idp-key.pem" -out "$d/idp.csr" &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$d/ext" &&
	openssl x509 -req -in "$d/idp.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" \
	    -CAcreateserial -days 2 -extfile "$d/ext" -out "$d/idp.pem") \
	    >"$d/openssl.log" 2>&1 || _idp_die "could not make its certificates"
	chmod 644 "$d/ca.pem"
}

_idp_conf() {
	local scheme=https secure=true
	[ "${IDP_TLS:-1}" = 1 ] || { scheme=http secure=false; }
	IDP_URL=$scheme://127.0.0.1:$IDP_PORT
	cat >"$IDP_DIR/glewlwyd.conf" <<EOF
port=$IDP_PORT
bind_address="127.0.0.1"
external_url="$IDP_URL"
login_url="login.html"
api_prefix="api"
static_files_path="$IDP_DIR/webapp/"
allow_origin="*"
log_mode="file"
log_level="${IDP_LOG_LEVEL:-INFO}"
log_file="$IDP_LOG"
cookie_secure=$([ "$secure" = true ] && echo 1 || echo 0)
cookie_same_site="lax"
session_expiration=3600
session_key="GLEWLWYD2_SESSION_ID"
admin_session_authentication="cookie"
profile_session_authentication="cookie"
allow_multiple_user_per_session=true
login_api_enabled=true
admin_scope="g_admin"
profile_scope="g_profile"
user_module_path="/usr/lib/glewlwyd/user"
client_module_path="/usr/lib/glewlwyd/client"
user_auth_scheme_module_path="/usr/lib/glewlwyd/scheme"
plugin_module_path="/usr/lib/glewlwyd/plugin"
use_secure_connection=$secure
secure_connection_key_file="$IDP_DIR/tls/idp-key.pem"
secure_connection_pem_file="$IDP_DIR/tls/idp.pem"
hash_algorithm="SHA512"
database = { type = "sqlite3"; path = "$IDP_DIR/glewlwyd.db"; };
static_files_mime_types = (
  { extension = ".html"; mime_type = "text/html"; },
  { extension = ".css"; mime_type = "text/css"; },
  { extension = ".js"; mime_type = "application/javascript"; },
  { extension = ".json"; mime_type = "application/json"; },
  { extension = ".png"; mime_type = "image/png"; },
  { extension = ".svg"; mime_type = "image/svg+xml"; },
  { extension = ".ico"; mime_type = "image/x-icon"; },
  { extension = ".woff2"; mime_type = "font/woff2"; },
  { extension = ".woff"; mime_type = "font/woff"; },
  { extension = ".ttf"; mime_type = "font/ttf"; },
  { extension = ".map"; mime_type = "application/octet-stream"; }
)
EOF
}

# the login page (glewlwyd's React webapp): a copy of Debian's files (its
# static file server does not follow symlinks; some point to libjs-*), with
# a config.json of our
# own (Debian's webapp/config.json is a symlink to a directory in /etc)
_idp_webapp() {
	local f
	mkdir -p "$IDP_DIR/webapp"
	for f in /usr/share/glewlwyd/webapp/*; do
		[ "${f##*/}" = config.json ] || cp -rL "$f" "$IDP_DIR/webapp/"
	done
	cp /etc/glewlwyd/config-2.7.json/config.json "$IDP_DIR/webapp/config.json" 2>/dev/null ||
	    printf '{"GlewlwydUrl":"./","ProfileUrl":"profile.html","AdminUrl":"index.html","LoginUrl":"login.html","CallbackPage":"callback.html","lang":["en"]}\n' \
	    >"$IDP_DIR/webapp/config.json"
}

# _idp_ready SECONDS: glewlwyd answers; 1 if it died or SECONDS passed
_idp_ready() {
	local end=$(( $(date +%s) + $1 ))
	while [ "$(date +%s)" -le "$end" ]; do
		pid_gone "$IDP_PID" && return 1
		_idp_curl -f -o /dev/null "$IDP_URL/config/" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

_idp_secret() {
	(umask 077; openssl rand -hex 24 >"$1")
}

idp_pkce() {
	IDP_VERIFIER=$(openssl rand -hex 32)
	IDP_CHALLENGE=$(printf %s "$IDP_VERIFIER" | openssl dgst -sha256 -binary |
	    basenc --base64url | tr -d '=')
}

# _idp_user NAME DISPLAY EMAIL GROUP PASSWORD
_idp_user() {
	_idp_must POST user/ "$(jq -cn --arg u "$1" --arg n "$2" --arg e "$3" \
	    --arg g "$4" --arg p "$5" \
	    '{username:$u,name:$n,email:$e,password:$p,enabled:true,scope:["openid"],groups:[$g]}')"
	# the user's consent to both clients, given once here
	local jar=$IDP_DIR/$1.jar c
	S=$(_idp_curl -o /dev/null -w '%{http_code}' -c "$jar" -H 'Content-Type: application/json' \
	    --data-binary "$(jq -cn --arg u "$1" --arg p "$5" '{username:$u,password:$p}')" \
	    "$IDP_URL/api/auth/")
	[ "$S" = 200 ] || _idp_die "$1 could not sign in: HTTP $S"
	for c in "$IDP_CLIENT_ID" "$IDP_OTHER_CLIENT_ID"; do
		S=$(_idp_curl -o /dev/null -w '%{http_code}' -b "$jar" -X PUT \
		    -H 'Content-Type: application/json' --data-binary '{"scope":"openid"}' \
		    "$IDP_URL/api/auth/grant/$c")
		[ "$S" = 200 ] || _idp_die "$1 could not grant openid to $c: HTTP $S"
	done
	rm -f "$jar"
}

# _idp_client ID SECRET_FILE REDIRECT_URI...
_idp_client() {
	local id=$1 secret
	secret=$(cat "$2")
	shift 2
	_idp_must POST client/ "$(jq -cn --arg id "$id" --arg s "$secret" \
	    '{client_id:$id,name:$id,description:"octopod-c tests",enabled:true,
	      confidential:true,client_secret:$s,
	      token_endpoint_auth_method:["client_secret_basic","client_secret_post"],
	      authorization_type:["code","refresh_token"],scope:["openid"],
	      redirect_uri:$ARGS.positional}' --args "$@")"
}

# _idp_plugin NAME ACCESS_TOKEN_SECONDS: an OIDC plugin instance, issuer
# $IDP_ISSUER whatever its name (oidcshort shares the issuer and the key)
_idp_plugin() {
	_idp_must POST mod/plugin/ "$(jq -cn --arg name "$1" --argjson dur "$2" \
	    --arg iss "$IDP_ISSUER" --rawfile key "$IDP_DIR/sign-key.pem" \
	    --rawfile cert "$IDP_DIR/sign-pub.pem" \
	    '{module:"oidc",name:$name,display_name:$name,enabled:true,parameters:{
	      iss:$iss,"jwt-type":"rsa","jwt-key-size":"256",key:$key,cert:$cert,
	      "jwks-show":true,"subject-type":"public",
	      "access-token-duration":$dur,"refresh-token-duration":3600,
	      "code-duration":600,"refresh-token-rolling":false,
	      "allow-non-oidc":false,"auth-type-code-enabled":true,
	      "auth-type-token-enabled":false,"auth-type-id-token-enabled":true,
	      "auth-type-password-enabled":false,"auth-type-client-enabled":false,
	      "auth-type-refresh-enabled":true,"auth-type-code-revoke-replayed":true,
	      "pkce-allowed":true,"pkce-method-plain-allowed":false,
	      "pkce-required":true,
	      "name-claim":"mandatory","email-claim":"mandatory","scope-claim":"no",
	      claims:[
	        {name:"preferred_username","user-property":"username",type:"string",mandatory:true},
	        {name:"groups","user-property":"groups",type:"string",mandatory:true}]}}')"
}

idp_stack_env() {
	export UI_AUTH=oidc OIDC_ISSUER=$IDP_ISSUER OIDC_CLIENT_ID=$IDP_CLIENT_ID \
	    OIDC_CLIENT_SECRET_FILE=$IDP_CLIENT_SECRET_FILE OIDC_CA_FILE=$IDP_CA_FILE \
	    OIDC_SCOPES=openid OIDC_GROUPS_CLAIM=$IDP_GROUPS_CLAIM \
	    OIDC_ROLE_MAP="$IDP_VIEWERS_GROUP=viewer,$IDP_DEPLOYERS_GROUP=deployer,$IDP_ADMINS_GROUP=admin" \
	    UI_DEFAULT_ROLE=viewer
}

idp_start() {
	[ $# -ge 1 ] || _idp_die "idp_start: no redirect URI"
	command -v glewlwyd >/dev/null || _idp_die "glewlwyd is not installed (make deps)"
	IDP_DIR=$T_TMP/idp
	IDP_LOG=$IDP_DIR/glewlwyd.log
	mkdir -p "$IDP_DIR"
	chmod 700 "$IDP_DIR"
	[ "${IDP_TLS:-1}" = 1 ] && { _idp_tls; IDP_CA_FILE=$IDP_DIR/tls/ca.pem; }
	_idp_webapp
	zcat /usr/share/doc/glewlwyd/database/init.sqlite3.sql.gz |
	    sqlite3 "$IDP_DIR/glewlwyd.db" >"$IDP_DIR/init.log" 2>&1 ||
	    _idp_die "could not create its database"
	(umask 077
	openssl genrsa -out "$IDP_DIR/sign-key.pem" 2048 &&
	openssl rsa -in "$IDP_DIR/sign-key.pem" -pubout -out "$IDP_DIR/sign-pub.pem") \
	    >"$IDP_DIR/openssl.log" 2>&1 || _idp_die "could not make its signing key"
	# another test may take the port between the choice and the bind
	for _ in 1 2 3; do
		IDP_PORT=$(free_port)
		_idp_conf
		glewlwyd -c "$IDP_DIR/glewlwyd.conf" >>"$IDP_DIR/stdout.log" 2>&1 &
		IDP_PID=$!
		_idp_ready 20 && break
		kill -TERM "$IDP_PID" 2>/dev/null
		wait "$IDP_PID" 2>/dev/null
		IDP_PID=
	done
	[ -n "$IDP_PID" ] || _idp_die "it did not answer on 127.0.0.1"
	_idp_hook_cleanup

	IDP_ISSUER=$IDP_URL/api/oidc
	IDP_DISCOVERY_URL=$IDP_ISSUER/.well-known/openid-configuration
	IDP_CLIENT_ID=octopod-c
	IDP_CLIENT_SECRET_FILE=$IDP_DIR/octopod-c.secret
	IDP_REDIRECT_URI=$1
	IDP_OTHER_CLIENT_ID=other-app
	IDP_OTHER_CLIENT_SECRET_FILE=$IDP_DIR/other-app.secret
	IDP_OTHER_REDIRECT_URI=https://other-app.invalid/callback
	IDP_GROUPS_CLAIM=groups
	IDP_DEPLOYERS_GROUP=octopod-deployers
	IDP_VIEWERS_GROUP=octopod-viewers
	IDP_ADMINS_GROUP=octopod-admins
	IDP_ALICE_PASSWORD=alice-$(openssl rand -hex 8)
	IDP_VERA_PASSWORD=vera-$(openssl rand -hex 8)
	IDP_ADAM_PASSWORD=adam-$(openssl rand -hex 8)
	export IDP_URL IDP_ISSUER IDP_DISCOVERY_URL IDP_PORT IDP_PID IDP_DIR IDP_LOG \
	    IDP_CLIENT_ID IDP_CLIENT_SECRET_FILE IDP_REDIRECT_URI \
	    IDP_OTHER_CLIENT_ID IDP_OTHER_CLIENT_SECRET_FILE IDP_OTHER_REDIRECT_URI \
	    IDP_GROUPS_CLAIM IDP_DEPLOYERS_GROUP IDP_VIEWERS_GROUP IDP_ADMINS_GROUP \
	    IDP_ALICE_PASSWORD IDP_VERA_PASSWORD IDP_ADAM_PASSWORD IDP_SHORT_SECONDS
	[ -n "${IDP_CA_FILE:-}" ] && export IDP_CA_FILE

	# the admin of the fresh database (admin/password), then a password
	# of our own
	local admin_pw
	admin_pw=$(openssl rand -hex 16)
	S=$(_idp_curl -o "$IDP_DIR/.body" -w '%{http_code}' -c "$IDP_DIR/admin.jar" \
	    -H 'Content-Type: application/json' \
	    --data-binary '{"username":"admin","password":"password"}' "$IDP_URL/api/auth/")
	[ "$S" = 200 ] || _idp_die "its admin could not sign in: HTTP $S"
	_idp_must PUT user/admin "$(jq -cn --arg p "$admin_pw" \
	    '{name:"The Administrator",email:"",enabled:true,scope:["g_admin","g_profile"],password:$p}')"
	(umask 077; printf '%s\n' "$admin_pw" >"$IDP_DIR/admin-password")

	# the users' multi-valued property "groups" (reset: the module
	# instance reloads its data format)
	_idp_must PUT mod/user/database '{"module":"database","name":"database",
	    "display_name":"Database backend","order_rank":0,"enabled":true,
	    "readonly":false,"multiple_passwords":false,"parameters":{
	    "use-glewlwyd-connection":true,"data-format":{"groups":{"multiple":true,
	    "read":true,"write":true,"profile-read":true,"profile-write":false}}}}'
	_idp_must PUT mod/user/database/reset
	# openid needs the password (the stock database leaves it open to any
	# session)
	_idp_must PUT scope/openid '{"display_name":"Open ID","description":"Open ID Connect scope",
	    "password_required":true,"password_max_age":0,"scheme":{}}'
	_idp_plugin oidc 3600
	_idp_plugin oidcshort "$IDP_SHORT_SECONDS"

	_idp_secret "$IDP_CLIENT_SECRET_FILE"
	_idp_secret "$IDP_OTHER_CLIENT_SECRET_FILE"
	_idp_client "$IDP_CLIENT_ID" "$IDP_CLIENT_SECRET_FILE" "$@"
	_idp_client "$IDP_OTHER_CLIENT_ID" "$IDP_OTHER_CLIENT_SECRET_FILE" "$IDP_OTHER_REDIRECT_URI"

	_idp_user alice "Alice Deployer" alice@example.test "$IDP_DEPLOYERS_GROUP" "$IDP_ALICE_PASSWORD"
	_idp_user vera "Vera Viewer" vera@example.test "$IDP_VIEWERS_GROUP" "$IDP_VERA_PASSWORD"
	_idp_user adam "Adam Admin" adam@example.test "$IDP_ADMINS_GROUP" "$IDP_ADAM_PASSWORD"
}

idp_stop() {
	[ -n "${IDP_PID:-}" ] || return 0
	kill -TERM "$IDP_PID" 2>/dev/null
	for _ in $(seq 1 100); do
		pid_gone "$IDP_PID" && break
		sleep 0.1
	done
	pid_gone "$IDP_PID" || kill -KILL "$IDP_PID" 2>/dev/null
	wait "$IDP_PID" 2>/dev/null
	IDP_PID=
}

# the test's cleanup (t/lib/control.sh's EXIT trap runs t_cleanup_hook)
# stops glewlwyd after whatever it did before
_idp_hook_cleanup() {
	[ "$(type -t _idp_prev_cleanup_hook)" = function ] && return 0
	if [ "$(type -t t_cleanup_hook)" = function ]; then
		eval "$(declare -f t_cleanup_hook | sed '1s/t_cleanup_hook/_idp_prev_cleanup_hook/')"
	else
		_idp_prev_cleanup_hook() { :; }
	fi
	t_cleanup_hook() {
		_idp_prev_cleanup_hook
		idp_stop
	}
}

# idp_code USER PASSWORD CLIENT_ID REDIRECT_URI STATE NONCE CHALLENGE
idp_code() {
	local jar=$IDP_DIR/.code.jar q
	rm -f "$jar"
	S=$(_idp_curl -o /dev/null -w '%{http_code}' -c "$jar" -H 'Content-Type: application/json' \
	    --data-binary "$(jq -cn --arg u "$1" --arg p "$2" '{username:$u,password:$p}')" \
	    "$IDP_URL/api/auth/")
	if [ "$S" != 200 ]; then
		echo "idp_code: glewlwyd refused the sign-in of $1: HTTP $S" >&2
		rm -f "$jar"
		return 1
	fi
	# g_continue: what glewlwyd's login page adds once the user signed in
	q=$(jq -rn --arg c "$3" --arg r "$4" --arg s "$5" --arg n "$6" --arg ch "$7" \
	    '{response_type:"code",client_id:$c,redirect_uri:$r,scope:"openid",state:$s,
	      nonce:$n,code_challenge:$ch,code_challenge_method:"S256"} |
	     to_entries | map("\(.key)=\(.value|@uri)") | join("&")')
	_idp_curl -o /dev/null -w '%{redirect_url}' -b "$jar" \
	    "$IDP_URL/api/${IDP_PLUGIN:-oidc}/auth?$q&g_continue"
	rm -f "$jar"
}

# idp_tokens USER PASSWORD [CLIENT_ID SECRET_FILE REDIRECT_URI]
idp_tokens() {
	local client=${3:-$IDP_CLIENT_ID} secret_file=${4:-$IDP_CLIENT_SECRET_FILE}
	local redirect=${5:-$IDP_REDIRECT_URI} state loc code
	idp_pkce
	local nonce=${IDP_NONCE:-$(openssl rand -hex 12)}
	state=$(openssl rand -hex 8)
	loc=$(idp_code "$1" "$2" "$client" "$redirect" "$state" "$nonce" "$IDP_CHALLENGE") ||
	    return 1
	code=$(printf '%s' "$loc" | sed -n 's/.*[?&]code=\([^&]*\).*/\1/p')
	if [ -z "$code" ]; then
		echo "idp_tokens: no code in glewlwyd's redirect: $loc" >&2
		return 1
	fi
	_idp_curl -f -u "$client:$(cat "$secret_file")" -d grant_type=authorization_code \
	    --data-urlencode "code=$code" --data-urlencode "redirect_uri=$redirect" \
	    --data-urlencode "code_verifier=$IDP_VERIFIER" \
	    "$IDP_URL/api/${IDP_PLUGIN:-oidc}/token" ||
	    { echo "idp_tokens: the token endpoint refused the code" >&2; return 1; }
}

# idp_expired_tokens USER PASSWORD [CLIENT_ID SECRET_FILE REDIRECT_URI]
idp_expired_tokens() {
	local out exp
	out=$(IDP_PLUGIN=oidcshort idp_tokens "$@") || return 1
	exp=$(idp_jwt_payload "$(printf '%s' "$out" | jq -r .id_token)" | jq -r .exp)
	while [ "$(date +%s)" -le "$exp" ]; do
		sleep 0.2
	done
	printf '%s\n' "$out"
}

idp_jwt_payload() {
	local p
	p=$(printf '%s' "$1" | cut -d. -f2)
	# base64url without its padding
	while [ $(( ${#p} % 4 )) != 0 ]; do p="$p="; done
	printf '%s' "$p" | basenc -d --base64url
	echo
}
