#!/usr/bin/env bash
# octo's flags, without a server: help, usage errors (exit 2) and the
# synopsis, the version.
. "$(dirname "$0")/lib/control.sh"
O=${O:-build}
case "$O" in /*) ;; *) O="$T_ROOT/$O" ;; esac
OCTO=$O/bin/octo
unset OCTOPOD_URL TLS_CERT_PATH TLS_KEY_PATH TLS_CA_PATH

t_rc 0 "octo help" "$OCTO" help
for c in create update archive restore cleanup forget list info logs wait clean-archive version; do
	t_like "$(cat "$T_OUT")" "*
  $c *" "help lists $c"
done
t_like "$(cat "$T_OUT")" "*exit codes: 0 ok, 1 refused or failed, 2 usage, 3 *, 4 timeout*" \
    "help documents the exit codes"
t_rc 0 "octo help update" "$OCTO" help update
t_like "$(cat "$T_OUT")" "usage: octo update -n NAME ?-t TAG?*-E, --unset-app-env-override KEY*" \
    "synopsis and options"
t_rc 0 "octo help delete: the alias" "$OCTO" help delete
t_like "$(cat "$T_OUT")" "usage: octo forget -n NAME*" "delete is forget, as Octopod 2's"
t_rc 2 "octo help nope" "$OCTO" help nope
t_rc 2 "no command" "$OCTO"
t_like "$(cat "$T_ERR")" "usage: octo *" "prints the usage"
t_rc 2 "an unknown command" "$OCTO" frobnicate
t_is "$(cat "$T_ERR")" 'octo: unknown command "frobnicate" (octo help lists them)' "says so"
t_rc 2 "an unknown option" "$OCTO" list --frob
t_like "$(cat "$T_ERR")" "*usage: octo list*" "with the command's synopsis"
t_rc 2 "-o yaml" "$OCTO" -o yaml list
t_is "$(cat "$T_ERR")" 'octo: unknown output format "yaml" (json or table)' "says which"
t_rc 2 "--timeout that is no duration" "$OCTO" --timeout x list
t_rc 2 "a stray argument" "$OCTO" list extra
t_rc 2 "info without a name" "$OCTO" info
t_rc 2 "update without a change" "$OCTO" update -n x
t_rc 2 "clean-archive --older-than bad" "$OCTO" clean-archive --older-than 1y
t_rc 2 "update --version 0" "$OCTO" update -n x -e A=1 --version 0
t_rc 2 "list --sort that is no key" "$OCTO" list --sort size
t_is "$(cat "$T_ERR")" 'octo: --sort takes name, created, updated, status or tag, not "size"' "says which"
t_rc 2 "info --history that is no number" "$OCTO" info -n x --history x
t_rc 0 "octo help logs" "$OCTO" help logs
t_like "$(cat "$T_OUT")" "*-l, --log-type T    stdout (out), stderr (err) or all (both*" "logs -l"
t_rc 0 "octo help create" "$OCTO" help create
t_like "$(cat "$T_OUT")" "*K=@FILE*--set-app-env-override*--set-app-config*--set-app-env-private-override*@FILE*" \
    "create names Octopod's options and the secret's sources"
t_rc 2 "no URL" "$OCTO" list
t_rc 0 "version without a server" "$OCTO" version
t_is "$(cat "$T_OUT")" "octo 0.1.0" "just the client's"
t_rc 0 "--version" "$OCTO" --version
t_rc 0 "-o json version" "$OCTO" -o json version
t_is "$(jq -r .octo "$T_OUT")" 0.1.0 "as JSON"

# bash completion
. "$T_ROOT/docs/octo.bash-completion"
COMP_WORDS=(octo cle); COMP_CWORD=1; _octo
t_is "${COMPREPLY[*]}" "cleanup clean-archive" "completion: commands"
COMP_WORDS=(octo --url x wait --f); COMP_CWORD=4; _octo
t_is "${COMPREPLY[*]}" "--for" "completion: a command's options"
COMP_WORDS=(octo wait --for a); COMP_CWORD=3; _octo
t_is "${COMPREPLY[*]}" "archived" "completion: --for's values"
COMP_WORDS=(octo logs -l s); COMP_CWORD=3; _octo
t_is "${COMPREPLY[*]}" "stdout stderr" "completion: logs -l's values"
COMP_WORDS=(octo list -s Ru); COMP_CWORD=3; _octo
t_is "${COMPREPLY[*]}" "Running" "completion: list -s is a status"
COMP_WORDS=(octo create -s Ru); COMP_CWORD=3; _octo
t_is "${COMPREPLY[*]}" "" "completion: create -s is a secret, no status"
COMP_WORDS=(octo create --set-app-env-p); COMP_CWORD=2; _octo
t_is "${COMPREPLY[*]}" "--set-app-env-private-override" "completion: Octopod's long options"
COMP_WORDS=(octo list --sort u); COMP_CWORD=3; _octo
t_is "${COMPREPLY[*]}" "updated" "completion: --sort's keys"
COMP_WORDS=(octo un); COMP_CWORD=1; _octo
t_is "${COMPREPLY[*]}" "unarchive unpin" "completion: the aliases"
t_done
