#!/usr/bin/env bash
# A secret's value from a file (K=@FILE) or stdin (K=-), never on octo's
# argv (issue 14: /proc/PID/cmdline is world-readable): --secret-app,
# --secret-deployment and Octopod's private-override options. A file with
# group or other bits is refused, as libpq refuses a loose .pgpass.
. "$(dirname "$0")/lib/octo.sh"
stack_start

secret() {
	sql "SELECT o.scope || ':' || o.key || '=' || o.value || ':' || o.secret FROM overrides o JOIN deployments d ON d.id = o.deployment_id WHERE d.name = '$1' AND o.key = '$2'"
}

umask 077
printf 'from-a-file\n' >"$T_TMP/app.secret"
printf 'dep=file' >"$T_TMP/dep.secret"
t_octo 0 "create --secret-app K=@FILE --secret-deployment K=@FILE" create -n sec-1 -t v1 \
    --secret-app TOKEN=@"$T_TMP/app.secret" --secret-deployment DB=@"$T_TMP/dep.secret"
t_is "$(secret sec-1 TOKEN)" "app:TOKEN=from-a-file:true" "the file's content, its final newline dropped"
t_is "$(secret sec-1 DB)" "deployment:DB=dep=file:true" "without a final newline, as it is"
power GET deployments/sec-1
t_is "$(j '[.app_overrides[], .deployment_overrides[] | "\(.key)=\(.value // "-")/\(.secret)"] | join(" ")')" \
    "TOKEN=-/true DB=-/true" "secret, write-only"
t_is "$(wait_status sec-1 Running)" Running "sec-1 Running"

# stdin, through Octopod's private-override names
printf 'from stdin\n' | "$OCTO_BIN" update -n sec-1 --set-app-env-private-override TOKEN=- \
    >"$T_OUT" 2>"$T_ERR"
t_is "$?" 0 "update --set-app-env-private-override K=- reads stdin"
t_is "$(secret sec-1 TOKEN)" "app:TOKEN=from stdin:true" "the value from stdin"
t_is "$(wait_status sec-1 Running)" Running "sec-1 Running again"
printf 'crlf\r\n' | "$OCTO_BIN" update -n sec-1 -s DB=- >"$T_OUT" 2>"$T_ERR"
t_is "$?" 0 "-s K=- reads stdin"
t_is "$(secret sec-1 DB)" "deployment:DB=crlf:true" "a final CRLF dropped"
t_is "$(wait_status sec-1 Running)" Running "sec-1 Running again"

# the value never was on octo's command line: watch its argv while it
# waits on a stdin that is still open
mkfifo "$T_TMP/in"
"$OCTO_BIN" update -n sec-1 --secret-app TOKEN=- <"$T_TMP/in" >"$T_OUT" 2>"$T_ERR" &
opid=$!
exec 7>"$T_TMP/in"
for _ in $(seq 50); do [ -r "/proc/$opid/cmdline" ] && break; sleep 0.1; done
argv=$(tr '\0' ' ' <"/proc/$opid/cmdline")
printf 'very-secret-value\n' >&7
exec 7>&-
wait "$opid"
t_is "$?" 0 "update with the secret from a pipe"
t_like "$argv" "*update -n sec-1 --secret-app TOKEN=- " "octo's argv while it ran: TOKEN=-"
t_is "$(secret sec-1 TOKEN)" "app:TOKEN=very-secret-value:true" "the value arrived"
t_is "$(wait_status sec-1 Running)" Running "sec-1 Running again"

# on a terminal: a prompt, no echo (script(1) gives octo a pty)
mkfifo "$T_TMP/tty-in"
script -qfec "$OCTO_BIN update -n sec-1 -s DB=-" /dev/null <"$T_TMP/tty-in" >"$T_TMP/tty.out" 2>&1 &
spid=$!
exec 8>"$T_TMP/tty-in"
for _ in $(seq 100); do grep -q "value of secret DB: " "$T_TMP/tty.out" && break; sleep 0.1; done
t_like "$(cat "$T_TMP/tty.out")" "*value of secret DB: *" "a prompt on the terminal"
printf 'typed-secret\r' >&8
for _ in $(seq 100); do grep -q "queued" "$T_TMP/tty.out" && break; sleep 0.1; done
exec 8>&-
wait "$spid"
t_like "$(cat "$T_TMP/tty.out")" "*update of \"sec-1\" queued*" "the update was sent"
t_ok "the typed value was not echoed" sh -c "! grep -q typed-secret '$T_TMP/tty.out'"
t_is "$(secret sec-1 DB)" "deployment:DB=typed-secret:true" "the typed value arrived"
t_is "$(wait_status sec-1 Running)" Running "sec-1 Running again"

# refusals: nothing is sent
v=$(power GET deployments/sec-1; j .version)
chmod 640 "$T_TMP/app.secret"
t_octo 2 "a secret file readable by its group is refused" update -n sec-1 --secret-app TOKEN=@"$T_TMP/app.secret"
t_is "$(cat "$T_ERR")" "octo: secret file \"$T_TMP/app.secret\" has group or world access (mode 0640); permissions should be u=rw (0600) or less" \
    "says why, as libpq does"
chmod 604 "$T_TMP/app.secret"
t_octo 2 "world-readable: refused" update -n sec-1 -a TOKEN=@"$T_TMP/app.secret"
chmod 400 "$T_TMP/app.secret"
t_octo 2 "a missing file" update -n sec-1 -a TOKEN=@"$T_TMP/nope"
t_like "$(cat "$T_ERR")" "*could not read secret file \"$T_TMP/nope\": No such file or directory" "says so"
t_octo 2 "stdin twice" update -n sec-1 -a A=- -s B=- </dev/null
t_like "$(cat "$T_ERR")" "*only one secret can be read from stdin (B=-)*" "says so"
head -c 4097 /dev/zero | tr '\0' x >"$T_TMP/big"
t_octo 2 "a file past 4096 bytes" update -n sec-1 -a TOKEN=@"$T_TMP/big"
t_like "$(cat "$T_ERR")" "*the secret TOKEN from $T_TMP/big is longer than 4096 bytes" "says so"
head -c 4096 /dev/zero | tr '\0' y >"$T_TMP/max"
printf 'a\0b' >"$T_TMP/nul"
t_octo 2 "a NUL byte" update -n sec-1 -a TOKEN=@"$T_TMP/nul"
t_like "$(cat "$T_ERR")" "*holds a NUL byte" "says so"
t_is "$(power GET deployments/sec-1; j .version)" "$v" "nothing was sent"
t_octo 0 "exactly 4096 bytes (plus a newline) is fine" update -n sec-1 -a TOKEN=@"$T_TMP/max"
t_is "$(sql "SELECT length(value) FROM overrides o JOIN deployments d ON d.id = o.deployment_id WHERE d.name = 'sec-1' AND key = 'TOKEN'")" \
    4096 "all of it"

# a plain -e value may start with @: only secrets read files
t_is "$(wait_status sec-1 Running)" Running "sec-1 Running again"
t_octo 0 "-e K=@x is the value @x" update -n sec-1 -e MENTION=@team
t_is "$(secret sec-1 MENTION)" "app:MENTION=@team:false" "the literal value, not a secret"
t_done
