#!/usr/bin/env bash
# issue 14, finding 2: cross-site websocket hijacking. The ui door's
# /api/v1/events is upgraded only for the door's own Origin (or one of
# ALLOWED_ORIGINS); any other Origin gets 403 in the API's error shape
# before the upgrade. No Origin is no browser: let in on both doors (the
# power door by its certificate).
export ALLOWED_ORIGINS="https://ui.example.test"
. "$(dirname "$0")/lib/stack.sh"

stack_start
export UI_PORT OCTOPOD_VAR UI_CRED
c() { node "$T_ROOT/t/ws/connect.mjs" "$@" 2>&1; }

out=$(c --origin https://evil.example)
t_like "$out" 'HTTP 403 *' "ui: a foreign Origin gets 403 before the upgrade"
t_is "$(printf '%s' "${out#HTTP 403 }" | jq -r .error.code)" cross_site "its error code is cross_site"
t_like "$(printf '%s' "${out#HTTP 403 }" | jq -r .error.message)" '?*' "with a message"
out=$(c --origin null)
t_like "$out" 'HTTP 403 *' "ui: Origin null gets 403"
out=$(c --origin "https://localhost:$POWER_PORT")
t_like "$out" 'HTTP 403 *' "ui: the power door's origin is foreign on the ui door"
out=$(c --origin "http://localhost:$UI_PORT")
t_like "$out" 'HTTP 403 *' "ui: the own host over plain http is foreign"

t_is "$(c --origin "https://localhost:$UI_PORT")" "open hello" "ui: the door's own origin is upgraded"
t_is "$(c --origin "https://ui.example.test")" "open hello" "ui: an origin of ALLOWED_ORIGINS is upgraded"
t_is "$(c)" "open hello" "ui: no Origin (not a browser, basic auth) is upgraded"

pw=(--url "wss://localhost:$POWER_PORT/api/v1/events"
    --cert "$OCTOPOD_VAR/tls/octo.pem" --key "$OCTOPOD_VAR/tls/octo-key.pem")
t_is "$(c "${pw[@]}")" "open hello" "power: no Origin, the client certificate lets it in"
out=$(c "${pw[@]}" --origin https://evil.example)
t_like "$out" 'HTTP 403 *' "power: a foreign Origin gets 403 too"
t_done
