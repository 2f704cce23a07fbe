#!/usr/bin/env bash
# octo info shows a deleted override (a default's key removed from the
# configuration, {"key","deleted":true} in docs/API.md) as removed, not
# as an empty value "K="; -o json keeps the server's object.
FCGI_ARGS=-R
. "$(dirname "$0")/lib/octo.sh"
export CONTROL_SCRIPTS_DIR="$T_TMP/scripts"
mkscripts "$CONTROL_SCRIPTS_DIR"
printf '#!/bin/sh\nprintf "%%s\\n" "LOG_LEVEL,info" "GREETING,hello"\n' >"$CONTROL_SCRIPTS_DIR/app_overrides"
chmod 755 "$CONTROL_SCRIPTS_DIR/app_overrides"
stack_start
settle() {
	sql "UPDATE actions SET state='succeeded', finished_at=now() WHERE deployment_name='$1' AND state IN ('queued','running');
	     UPDATE deployments SET status='Running' WHERE name='$1'" >/dev/null
}

t_octo 0 "create with an override and a secret one" create -n del-1 -t v1 \
    -e GREETING=hi -a TOKEN=s3cret
settle del-1
ui PATCH deployments/del-1 '{"app_overrides":{"delete":["LOG_LEVEL"]}}'
t_is "$S" 202 "delete the default LOG_LEVEL"
settle del-1
t_octo 0 "info" info -n del-1
t_like "$(cat "$T_OUT")" "*app overrides:
  * (default removed)*" "a deleted override is shown as removed"
t_is "$(sed -n '/^app overrides:/,/^[^ ]/p' "$T_OUT" | grep '^  ' | sort)" \
    "  GREETING=hi
  LOG_LEVEL (default removed)
  TOKEN=***" "each override as it is: a value, removed, a secret"
t_ok "no empty value LOG_LEVEL=" sh -c "! grep -q 'LOG_LEVEL=' '$T_OUT'"
t_octo 0 "info -o json" -o json info -n del-1
t_is "$(jq -cS '.deployment.app_overrides[] | select(.key=="LOG_LEVEL")' "$T_OUT")" \
    '{"deleted":true,"key":"LOG_LEVEL","secret":false}' "JSON: the server's object"
t_done
