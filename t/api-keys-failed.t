#!/usr/bin/env bash
# A keys or defaults script that fails: the answer is 500 script_failed in
# the API's error shape, saying why (the script's exit and its words), not
# a bare 502 ("Unknown") that looks like nginx's own "no responder"; and
# the UI shows those words (static/js/api.js replaces only 502-504).
FCGI_ARGS=-R
T_SCRIPTS=$(mktemp -d /tmp/octopod-keys-t.XXXXXX)
chmod 755 "$T_SCRIPTS"
cp "$(dirname "$0")"/fixtures/scripts/* "$T_SCRIPTS/"
cat >"$T_SCRIPTS/app_keys" <<'S'
#!/bin/sh
echo "no access to the cluster's secrets" >&2
exit 3
S
cat >"$T_SCRIPTS/deployment_keys" <<'S'
#!/bin/sh
echo replicas
S
chmod 755 "$T_SCRIPTS"/*
export CONTROL_SCRIPTS_DIR=$T_SCRIPTS KEYS_CACHE_TTL=0
. "$(dirname "$0")/lib/stack.sh"
stack_start

ui GET 'override_keys?scope=app'
t_is "$S" 500 "a failing app_keys answers 500"
t_is "$(j .error.code)" script_failed "code script_failed"
t_like "$(j .error.message)" "*: no access to the cluster's secrets" "the message carries the script's words"
t_like "$(j .error.message)" '*"app_keys" exited with code 3*' "and its exit"
status_line=$(curl -sS -i --cacert "$OCTOPOD_VAR/tls/ca.pem" -u "$UI_CRED" \
    "https://localhost:$UI_PORT/api/v1/override_keys?scope=app" | head -1 | tr -d '\r')
t_like "$status_line" "* 500 Internal Server Error" "the status line has its reason phrase"
ui GET 'override_keys?scope=deployment'
t_is "$S/$(j '.keys|join(",")')" 200/replicas "a working keys script still answers"

# the UI's reading of such an answer (static/js/api.js, as the page runs it)
# (as a .mjs copy: node 18 reads a .js outside a "type": "module" package
# as CommonJS)
cp "$T_ROOT/static/js/api.js" "$T_TMP/api.mjs"
out=$(cd "$T_TMP" && node --input-type=module -e "
globalThis.fetch = async () => new Response(JSON.stringify({error: {code: 'script_failed', message: 'app_keys: exit 3: no access'}}), {status: 500});
const { api } = await import('./api.mjs');
try { await api('GET', 'override_keys?scope=app'); } catch (e) { console.log(e.status + ' ' + e.code + ' ' + e.message); }
globalThis.fetch = async () => new Response('<html>502 Bad Gateway</html>', {status: 502});
try { await api('GET', 'ping'); } catch (e) { console.log(e.status + ' ' + e.code + ' ' + e.message); }
" 2>&1)
t_like "$out" "*500 script_failed app_keys: exit 3: no access*" "the UI shows a failed script's own message"
t_like "$out" "*502 http_502 The octopod server is not answering*" "and its plain words for nginx's 502"
rm -rf "$T_SCRIPTS"
t_done
