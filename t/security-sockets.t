#!/usr/bin/env bash
# issue 14, finding 1: a local user must not reach the responders' or the
# notifier's unix socket. The responders believe OCTOPOD_API=power and
# SSL_CLIENT_* because only nginx can connect: run/ is 0750, the sockets
# 0660 (owner and SOCKET_GROUP), and files under var/ are not for others.
. "$(dirname "$0")/lib/stack.sh"

stack_start
run=$OCTOPOD_VAR/run
t_is "$(stat -c %a "$run")" 750 "run/ is 0750"
t_is "$(stat -c %a "$run/fcgi.sock")" 660 "fcgi.sock is 0660"
t_is "$(stat -c %a "$run/notifier.sock")" 660 "notifier.sock is 0660"

# a forged power request straight to the responders
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
body='{"name":"forged","tag":"v1"}'

# the owner (nginx's user) can: the forged request is not refused for
# want of a route (proves the probe itself works)
out=$(printf '%s' "$body" | env -i REQUEST_METHOD=GET REQUEST_URI=/api/v1/ping \
    OCTOPOD_API=power SSL_CLIENT_VERIFY=SUCCESS SSL_CLIENT_S_DN=CN=x \
    cgi-fcgi -bind -connect "$run/fcgi.sock" 2>&1)
t_like "$out" "*Status: 200 OK*" "the owner speaks FastCGI to fcgi.sock"

out=$(printf '%s' "$body" | as_nobody env -i REQUEST_METHOD=POST \
    REQUEST_URI=/api/v1/deployments OCTOPOD_API=power \
    SSL_CLIENT_VERIFY=SUCCESS SSL_CLIENT_S_DN=CN=mallory \
    CONTENT_TYPE=application/json CONTENT_LENGTH=${#body} \
    cgi-fcgi -bind -connect "$run/fcgi.sock" 2>&1)
t_like "$out" "*onnect*" "nobody cannot connect to fcgi.sock"
t_is "$(sql "SELECT count(*) FROM deployments WHERE name = 'forged'")" 0 \
    "nothing was created by nobody"

connect_unix='use IO::Socket::UNIX;
    IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $ARGV[0]) or exit 1;
    exit 0'
t_rc 0 "the owner connects to notifier.sock" perl -e "$connect_unix" "$run/notifier.sock"
t_rc 1 "nobody cannot connect to notifier.sock" \
    as_nobody perl -e "$connect_unix" "$run/notifier.sock"

# finding 9: logs, htpasswd and the deployments' files are not for others
loose=$(find "$OCTOPOD_VAR/log" "$OCTOPOD_VAR/nginx" "$OCTOPOD_VAR/deployments" \
    "$OCTOPOD_VAR/ui-credentials" -type f -perm /o=rwx 2>/dev/null)
t_is "$loose" "" "no file under var/ is readable by others"
t_is "$(stat -c %a "$OCTOPOD_VAR/nginx/htpasswd")" 640 "htpasswd is 0640"

# nginx (the owner) still serves both doors through the sockets
ui GET ping
t_is "$S" 200 "the ui door still answers"
power GET ping
t_is "$S" 200 "the power door still answers"
t_done
