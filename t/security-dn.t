#!/usr/bin/env bash
# issue 14, finding 8: the actor is the CN attribute of the client
# certificate's subject, read by RFC 4514's rules (escapes, hex pairs,
# multi-valued RDNs), not the text after the last "CN=".
. "$(dirname "$0")/lib/stack.sh"

stack_start
tls=$OCTOPOD_VAR/tls

# cert NAME SUBJECT: a client certificate signed by the test CA
cert() {
	(cd "$tls" && umask 077 &&
	 openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	     -keyout "$1-key.pem" -out "$1.csr" -subj "$2" -multivalue-rdn -utf8 2>/dev/null &&
	 printf 'extendedKeyUsage=clientAuth\n' >"$1.ext" &&
	 openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca-key.pem \
	     -CAcreateserial -out "$1.pem" -days 2 -extfile "$1.ext" 2>/dev/null)
}
# as NAME METHOD PATH [BODY]: a power-door call with NAME's certificate
as() {
	local args=(-sS -o "$T_TMP/.body" -w '%{http_code}' -X "$2"
	    --cacert "$tls/ca.pem" --cert "$tls/$1.pem" --key "$tls/$1-key.pem")
	[ -n "${4-}" ] && args+=(-H 'Content-Type: application/json' --data-binary "$4")
	S=$(curl "${args[@]}" "https://localhost:$POWER_PORT/api/v1/$3")
	B=$(cat "$T_TMP/.body")
}

cert evil '/CN=ci-bot/O=evil\,CN=admin'
as evil GET project
t_is "$S" 200 "a certificate with an escaped comma in O is let in"
t_is "$(j .actor)" ci-bot "its actor is the CN, not what follows an escaped comma"
as evil POST deployments '{"name":"dn-a","tag":"v1"}'
t_is "$S" 202 "it may create"
t_is "$(j .action.requested_by)" ci-bot "the action is recorded as ci-bot"
t_is "$(sql "SELECT created_by FROM deployments WHERE name = 'dn-a'")" ci-bot \
    "the deployment is created_by ci-bot"

cert multi '/O=y/CN=bot+O=evil\,CN=admin'
as multi GET project
t_is "$(j .actor)" bot "a multi-valued RDN: its CN attribute only"

cert esc '/CN=a\,b+O=x/O=y'
as esc GET project
t_is "$(j .actor)" 'a,b' "an escaped comma inside the CN is part of it"

cert utf '/CN=zoë/O=y'
as utf GET project
t_is "$(j .actor)" 'zoë' "hex pairs (UTF-8 escaped by nginx) are decoded"

cert nocn '/O=only-org'
as nocn GET project
t_is "$(j .actor)" cert "no CN: the actor is \"cert\""

# straight to the responder (as nginx would): a malformed DN is refused
out=$(env -i REQUEST_METHOD=GET REQUEST_URI=/api/v1/project OCTOPOD_API=power \
    SSL_CLIENT_VERIFY=SUCCESS 'SSL_CLIENT_S_DN=CN=x\' \
    cgi-fcgi -bind -connect "$OCTOPOD_VAR/run/fcgi.sock" 2>&1)
t_like "$out" "*Status: 401*certificate_required*" "a malformed DN is refused with 401 certificate_required"
t_done
