#!/usr/bin/env bash
# The two doors: basic auth on the ui door, a verified client certificate
# on the power door (checked by nginx and again by octopod-fcgi), power-only
# routes refused on the ui door, changes on the ui door need same-origin proof.
FCGI_ARGS=-R
. "$(dirname "$0")/lib/stack.sh"
stack_start
V=$OCTOPOD_VAR
U="https://localhost:$UI_PORT/api/v1"
P="https://localhost:$POWER_PORT/api/v1"

ui GET ping
t_is "$S" 200 "ui door: ping with the login"
t_is "$(j .ok)" true "ping says ok"

S=$(curl -sS -o "$T_TMP/b" -w '%{http_code}' --cacert "$V/tls/ca.pem" "$U/ping")
t_is "$S" 401 "ui door: no login, 401"
t_is "$(jq -r .error.code "$T_TMP/b")" unauthenticated "in the one error shape"
S=$(curl -sS -o "$T_TMP/b" -w '%{http_code}' --cacert "$V/tls/ca.pem" -u octopod:wrong "$U/ping")
t_is "$S" 401 "ui door: wrong password, 401"

power GET project
t_is "$S" 200 "power door: project with the octo certificate"
t_is "$(j .actor)" octo "the actor is the certificate's CN"
t_is "$(j .door)" power "the door is power"

S=$(curl -sS -o "$T_TMP/b" -w '%{http_code}' --cacert "$V/tls/ca.pem" "$P/project")
t_is "$S" 401 "power door: no certificate, 401"
t_is "$(jq -r .error.code "$T_TMP/b")" certificate_required "JSON error for a missing certificate"

# a certificate from another CA
mkdir -p "$T_TMP/other"
(cd "$T_TMP/other" &&
 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
   -keyout key.pem -out cert.pem -days 30 -subj "/CN=intruder" 2>/dev/null)
S=$(curl -sS -o "$T_TMP/b" -w '%{http_code}' --cacert "$V/tls/ca.pem" \
    --cert "$T_TMP/other/cert.pem" --key "$T_TMP/other/key.pem" "$P/project")
t_is "$S" 401 "power door: a certificate from another CA, 401"
t_like "$(jq -r .error.message "$T_TMP/b")" "*FAILED*" "the message says verification failed"

# an expired certificate from our own CA
(cd "$V/tls" && umask 077 &&
 openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
   -keyout old-key.pem -out old.csr -subj "/CN=old" 2>/dev/null &&
 openssl x509 -req -in old.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
   -out old.pem -not_before 20200101000000Z -not_after 20200102000000Z 2>/dev/null ||
 openssl ca -help >/dev/null 2>&1)
if [ -s "$V/tls/old.pem" ]; then
	S=$(curl -sS -o "$T_TMP/b" -w '%{http_code}' --cacert "$V/tls/ca.pem" \
	    --cert "$V/tls/old.pem" --key "$V/tls/old-key.pem" "$P/project")
	t_is "$S" 401 "power door: an expired certificate, 401"
	t_like "$(jq -r .error.message "$T_TMP/b")" "*expired*" "the message says expired"
else
	# openssl x509 -not_after needs OpenSSL 3.4; back-date with faketime-free CA config
	cat >"$T_TMP/ca.cnf" <<CNF
[ca]
default_ca = c
[c]
dir = $T_TMP/caroot
database = \$dir/index
new_certs_dir = \$dir
serial = \$dir/serial
default_md = sha256
policy = p
[p]
commonName = supplied
CNF
	mkdir -p "$T_TMP/caroot" && : >"$T_TMP/caroot/index" && echo 1000 >"$T_TMP/caroot/serial"
	(cd "$V/tls" && openssl ca -batch -config "$T_TMP/ca.cnf" -cert ca.pem -keyfile ca-key.pem \
	    -in old.csr -out old.pem -startdate 20200101000000Z -enddate 20200102000000Z \
	    >/dev/null 2>&1)
	S=$(curl -sS -o "$T_TMP/b" -w '%{http_code}' --cacert "$V/tls/ca.pem" \
	    --cert "$V/tls/old.pem" --key "$V/tls/old-key.pem" "$P/project")
	t_is "$S" 401 "power door: an expired certificate, 401"
	t_like "$(jq -r .error.message "$T_TMP/b")" "*expired*" "the message says expired"
fi

# power-only routes on the ui door
ui POST clean_archive '{}'
t_is "$S" 403 "ui door: clean_archive is power-only"
t_is "$(j .error.code)" power_only "code power_only"
ui DELETE deployments/x
t_is "$S" 403 "ui door: forget is power-only"

# same-origin proof on the ui door
S=$(curl -sS -o "$T_TMP/b" -w '%{http_code}' --cacert "$V/tls/ca.pem" -u "$UI_CRED" \
    -H 'Content-Type: application/json' -d '{"name":"csrf","tag":"v1"}' "$U/deployments")
t_is "$S" 403 "ui door: a change without X-Requested-With, 403"
t_is "$(jq -r .error.code "$T_TMP/b")" csrf "code csrf"
t_is "$(sql "SELECT count(*) FROM deployments")" 0 "and nothing was created"
ui POST deployments '{"name":"viaui","tag":"v1"}'
t_is "$S" 202 "ui door: a change with X-Requested-With, 202"
t_is "$(j .action.requested_by)" octopod "the actor is the basic-auth user"
t_is "$(sql "SELECT created_by || ' ' || updated_by FROM deployments WHERE name='viaui'")" \
    "octopod octopod" "recorded as creator in the database"

# defence in depth: octopod-fcgi itself refuses a power request that
# nginx did not verify (straight to the FastCGI socket)
if command -v cgi-fcgi >/dev/null; then
	out=$(env -i REQUEST_METHOD=GET REQUEST_URI=/api/v1/project OCTOPOD_API=power \
	    SSL_CLIENT_VERIFY=NONE cgi-fcgi -bind -connect "$V/run/fcgi.sock" 2>&1)
	t_like "$out" "*Status: 401*certificate_required*" "fcgi: power door without SUCCESS, 401"
	out=$(env -i REQUEST_METHOD=GET REQUEST_URI=/api/v1/project \
	    cgi-fcgi -bind -connect "$V/run/fcgi.sock" 2>&1)
	t_like "$out" "*Status: 403*" "fcgi: no door, 403"
	out=$(env -i REQUEST_METHOD=GET REQUEST_URI=/api/v1/project OCTOPOD_API=ui \
	    cgi-fcgi -bind -connect "$V/run/fcgi.sock" 2>&1)
	t_like "$out" "*Status: 401*" "fcgi: ui door without REMOTE_USER, 401"
else
	t_ok "cgi-fcgi missing (libfcgi-bin)" false
fi
t_done
