#!/usr/bin/env bash
# OCTO_AUTHORIZATION_HEADER, as Octopod's octo reads it: its value goes as
# the Authorization header on every request (for a proxy in front of the
# power API; octopod itself authenticates by the client certificate). A
# value with a control character (a second header smuggled in) is
# refused before anything is sent, and the value is never printed. A
# recorder (node's https, the stack's certificates, client certificate
# required) shows what arrives; the real power door accepts it too.
. "$(dirname "$0")/lib/octo.sh"
stack_start
t_octo 0 "create" create -n auth-1 -t v1
OCTO_AUTHORIZATION_HEADER='Bearer t0ken' t_octo 0 \
    "the real power door: a request with the header works" list
t_like "$(cat "$T_OUT")" "*auth-1*" "and lists"

# the recorder: a line per request, "METHOD URL AUTHORIZATION" ('-' when
# there is none); two pages of deployments, then an error answer
REC=$T_TMP/requests
cat >"$T_TMP/recorder.mjs" <<'JS'
import fs from 'node:fs';
import https from 'node:https';
const [port, tls, log] = process.argv.slice(2);
const rd = (f) => fs.readFileSync(`${tls}/${f}`);
const page = (names, next) => JSON.stringify({
	deployments: names.map((name) => ({ name, tag: 'v1', status: 'Running' })),
	next_cursor: next });
https.createServer({ key: rd('server-key.pem'), cert: rd('server.pem'),
    ca: rd('ca.pem'), requestCert: true, rejectUnauthorized: true }, (req, res) => {
	fs.appendFileSync(log, `${req.method} ${req.url} ${req.headers.authorization ?? '-'}\n`);
	res.setHeader('Content-Type', 'application/json');
	if (req.url.startsWith('/api/v1/deployments/nope')) {
		res.statusCode = 404;
		res.end(JSON.stringify({ error: { code: 'not_found', message: 'no deployment "nope"' } }));
	} else
		res.end(req.url.includes('cursor=') ? page(['b'], null) : page(['a'], 'c1'));
}).listen(Number(port), '127.0.0.1', () => console.log('ready'));
JS
RPORT=$(free_port)
node "$T_TMP/recorder.mjs" "$RPORT" "$OCTOPOD_VAR/tls" "$REC" >"$T_TMP/rec.out" 2>&1 &
RECPID=$!
t_cleanup_hook() { kill "$RECPID" 2>/dev/null; stack_stop; return 0; }
for _ in $(seq 1 100); do grep -q ready "$T_TMP/rec.out" && break; sleep 0.1; done
t_like "$(cat "$T_TMP/rec.out")" "ready*" "the recorder listens"
RURL="https://localhost:$RPORT"

OCTOPOD_URL=$RURL OCTO_AUTHORIZATION_HEADER='Bearer t0ken' t_octo 0 \
    "list, two pages" list --page-size 1
t_is "$(awk '{print $2}' "$REC" | tr '\n' ' ')" \
    "/api/v1/deployments?sort=name&limit=1 /api/v1/deployments?sort=name&limit=1&cursor=c1 " "two requests"
t_is "$(awk '{print $3, $4}' "$REC" | sort -u)" "Bearer t0ken" \
    "each with Authorization: the variable's value"
t_ok "the value is not printed" sh -c "! grep -q t0ken '$T_OUT' '$T_ERR'"

: >"$REC"
OCTOPOD_URL=$RURL OCTO_AUTHORIZATION_HEADER='Basic b2N0bzpzM2NyZXQ=' t_octo 1 \
    "an error answer" info -n nope
t_is "$(awk '{print $3, $4}' "$REC")" "Basic b2N0bzpzM2NyZXQ=" "sent with it too"
t_is "$(cat "$T_ERR")" 'octo: no deployment "nope"' "the error is the server's, no value"

: >"$REC"
OCTOPOD_URL=$RURL t_octo 0 "without the variable" list
t_is "$(awk '{print $3}' "$REC" | sort -u)" "-" "no Authorization header"
OCTOPOD_URL=$RURL OCTO_AUTHORIZATION_HEADER= t_octo 0 "set but empty" list
t_is "$(awk '{print $3}' "$REC" | sort -u)" "-" "none either"

: >"$REC"
OCTOPOD_URL=$RURL OCTO_AUTHORIZATION_HEADER="$(printf 'Bearer t0ken\r\nX-Admin: yes')" \
    t_octo 2 "a value with CR LF: usage error" list
t_is "$(cat "$T_ERR")" \
    "octo: OCTO_AUTHORIZATION_HEADER holds a control character (byte 13): it must be one header value" \
    "says why, without the value"
t_is "$(cat "$REC")" "" "nothing was sent"
t_done
