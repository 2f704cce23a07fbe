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
t_like "$(cat "$T_OUT")" "usage: octo archive -n NAME*" "delete is archive"
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
t_done
