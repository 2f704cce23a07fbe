#!/usr/bin/env bash
# Why a check failed is kept (issue 15): the last failing check's output,
# secrets masked, at most 4 KiB, with its exit code and time, in GET
# deployments/NAME (last_check_failure), the UI's detail page and octo
# info (control characters escaped there). The failure reason is
# Octopod's kind (TagMismatch for exit 3).
. "$(dirname "$0")/lib/octo.sh"
export CONTROL_SCRIPTS_DIR="$T_TMP/scripts"
mkscripts "$CONTROL_SCRIPTS_DIR"
cat >"$CONTROL_SCRIPTS_DIR/check" <<'S'
#!/bin/sh
[ -e "$OCTOPOD_VAR/healthy" ] && exit 0
pw=$(sed -n 's/^--app-env-override PW=//p' "$OCTOPOD_CONFIG_FILE")
printf 'tag mismatch: serving v9 (password %s)\n' "$pw"
# on stdout, before the filler: stdout and stderr are two pipes, and a
# line on stderr could come after the 4 KiB that are kept
printf 'bell \007 escape \033]0;pwned\007 end\n'
head -c 10000 /dev/zero | tr '\0' x
exit 3
S
chmod 755 "$CONTROL_SCRIPTS_DIR/check"
stack_start
touch "$OCTOPOD_VAR/healthy"

umask 077
printf '%s' '{"name":"cf-1","tag":"v1","app_overrides":[{"key":"PW","value":"pw-9911-secret","secret":true}]}' >"$T_TMP/body"
umask 022
power POST deployments "@$T_TMP/body"
t_is "$S" 202 "created"
t_is "$(wait_status cf-1 Running)" Running "Running while the check passes"
ui GET deployments/cf-1
t_is "$(j .last_check_failure)" null "no failed check yet: null"

rm -f "$OCTOPOD_VAR/healthy"
t_is "$(wait_status cf-1 Failure)" Failure "the check fails: Failure"
ui GET deployments/cf-1
t_is "$(j .failure_reason)" TagMismatch "reason TagMismatch (exit 3)"
t_is "$(j .last_check_failure.exit_code)" 3 "its exit code"
out=$(j .last_check_failure.output)
t_like "$out" "tag mismatch: serving v9 (password \*\*\*)*" "the script's own words, the secret masked"
t_is "$(printf '%s' "$out" | grep -c pw-9911-secret)" 0 "the secret value is not there"
t_like "$out" "*\\[octopod: control script \"check\" exited with code 3]" "octopod's line last"
n=$(printf '%s' "$out" | wc -c)
t_ok "bounded: $n bytes (4 KiB and octopod's line)" [ "$n" -le 4200 -a "$n" -ge 4096 ]
t_like "$(j .last_check_failure.at)" "20*Z" "when"
ui GET deployments
t_is "$(j '.deployments[0].last_check_failure')" null "not in the list (GET deployments/NAME only)"

t_octo 0 "octo info" info cf-1
t_like "$(cat "$T_OUT")" "*last failed check: exit 3, *tag mismatch: serving v9 (password \*\*\*)*" "octo info shows it"
t_is "$(grep -c "$(printf '\033')" "$T_OUT")" 0 "octo info prints no escape character"
t_like "$(cat "$T_OUT")" '*escape \\x1b]0;pwned\\x07 end*' "it shows them as \\xNN"

touch "$OCTOPOD_VAR/healthy"
t_is "$(wait_status cf-1 Running)" Running "the check passes again: Running"
ui GET deployments/cf-1
t_is "$(j .last_check_failure.exit_code)" 3 "the last failure stays visible"
t_done
