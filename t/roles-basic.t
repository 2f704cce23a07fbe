#!/usr/bin/env bash
# Roles through the real stack: several basic-auth users (scripts/ui-user.sh)
# each recorded as themselves, a viewer refused every change, a deployer
# refused a cleanup, an admin allowed one; roles file edits take effect on
# the next request; certificate CNs mapped by POWER_ROLES_FILE on the power
# door, an unmapped CN a deployer. Every refusal: 403 forbidden, the role
# needed and the person's role in the message.
FCGI_ARGS=-R
. "$(dirname "$0")/lib/stack.sh"
stack_start
V=$OCTOPOD_VAR
UU="$T_ROOT/scripts/ui-user.sh"

settle() {
	sql "UPDATE actions SET state='succeeded', finished_at=now() WHERE deployment_name='$1' AND state IN ('queued','running');
	     UPDATE deployments SET status='${2:-Running}' WHERE name='$1'" >/dev/null
}

# as USER:PASSWORD METHOD PATH [BODY]: through the ui door as that user
as() {
	local cred=$1 method=$2 path=$3 body=${4-}
	local args=(-sS -o "$T_TMP/.body" -w '%{http_code}' -X "$method"
	    --cacert "$V/tls/ca.pem" -u "$cred" -H 'X-Requested-With: octopod')
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	S=$(curl "${args[@]}" "https://localhost:$UI_PORT/api/v1/$path")
	B=$(cat "$T_TMP/.body")
}

# with_cert NAME METHOD PATH [BODY]: through the power door with NAME.pem
with_cert() {
	local name=$1 method=$2 path=$3 body=${4-}
	local args=(-sS -o "$T_TMP/.body" -w '%{http_code}' -X "$method"
	    --cacert "$V/tls/ca.pem" --cert "$V/tls/$name.pem" --key "$V/tls/$name-key.pem")
	[ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
	S=$(curl "${args[@]}" "https://localhost:$POWER_PORT/api/v1/$path")
	B=$(cat "$T_TMP/.body")
}

# refused WHAT NEED ROLE USER LABEL: the last answer is the refusal
refused() {
	local an=a
	[ "$3" = admin ] && an=an
	t_is "$S/$(j .error.code)" 403/forbidden "$5: 403 forbidden"
	t_is "$(j .error.message)" "$1 needs the $2 role; $4 is $an $3" "$5: the message names both roles"
	t_is "$(j .error.details.needed)/$(j .error.details.role)/$(j .error.details.user)" \
	    "$2/$3/$4" "$5: and the details"
}

# --- users: make run's first user is an admin, the others are added ---
t_is "$(stat -c %a "$V/nginx/htpasswd")" 640 "htpasswd is 0640"
t_like "$(cat "$V/ui-roles")" "*octopod admin*" "the first user is an admin in ui-roles"
out=$("$UU" add alice deployer)
t_like "$out" "added alice (deployer); password: *" "ui-user.sh add prints the password once"
ALICE="alice:${out##*password: }"
out=$(printf 'bob-secret-1\n' | "$UU" add -p bob admin)
t_is "$out" "added bob (admin)" "ui-user.sh add -p reads the password from stdin"
BOB="bob:bob-secret-1"
printf 'vera-secret-1\n' | "$UU" add -p vera viewer >/dev/null
VERA="vera:vera-secret-1"
printf 'dan-secret-12\n' | "$UU" add -p dan >/dev/null
DAN="dan:dan-secret-12"
t_is "$(stat -c %a "$V/nginx/htpasswd")" 640 "htpasswd is still 0640 after the edits"
t_is "$("$UU" list | sort | tr '\n' ,)" \
    "alice deployer,bob admin,dan deployer (default),octopod admin,vera viewer," \
    "ui-user.sh list shows every user and role"
"$UU" add alice 2>"$T_TMP/err"
t_is "$?" 1 "adding an existing user fails"
t_like "$(cat "$T_TMP/err")" "*already exists*" "and says why"
"$UU" add 'e:vil' 2>"$T_TMP/err"
t_like "$?:$(cat "$T_TMP/err")" "1:*invalid user name*" "a name with a colon is refused"
"$UU" add eve superuser 2>"$T_TMP/err"
t_like "$?:$(cat "$T_TMP/err")" "1:*invalid role*" "an unknown role is refused"

as "$ALICE" GET project
t_is "$S/$(j .you.name)/$(j .you.role)" 200/alice/deployer "GET project: you are alice, a deployer (no reload)"
as "$VERA" GET project
t_is "$(j .you.name)/$(j .you.role)" vera/viewer "vera is a viewer"
as "$DAN" GET project
t_is "$(j .you.role)" deployer "a user not in ui-roles has UI_DEFAULT_ROLE"
ui GET project
t_is "$(j .you.name)/$(j .you.role)" octopod/admin "octopod is an admin"

# --- each person is recorded as themselves ---
as "$ALICE" POST deployments '{"name":"r1","tag":"v1"}'
t_is "$S/$(j .action.requested_by)" 202/alice "alice creates r1"
settle r1
as "$BOB" PATCH deployments/r1 '{"tag":"v2"}'
t_is "$S/$(j .action.requested_by)" 202/bob "bob updates r1"
settle r1
t_is "$(sql "SELECT created_by || ' ' || updated_by FROM deployments WHERE name='r1'")" \
    "alice bob" "deployments: created by alice, updated by bob"
t_is "$(sql "SELECT string_agg(kind || ':' || requested_by, ',' ORDER BY id) FROM actions WHERE deployment_name='r1'")" \
    "create:alice,update:bob" "actions: requested by each"
t_is "$(sql "SELECT string_agg(to_status || ':' || actor, ',' ORDER BY h.id) FROM status_history h JOIN deployments d ON d.id = h.deployment_id WHERE d.name='r1' AND actor IN ('alice','bob')")" \
    "CreatePending:alice,UpdatePending:bob" "status history: each change by its person"
as "$VERA" GET deployments/r1
t_is "$S/$(j .created_by)/$(j .updated_by)" 200/alice/bob "a viewer reads r1: created_by alice, updated_by bob"
as "$VERA" GET deployments/r1/actions
t_is "$(j '[.actions[].requested_by] | sort | join(",")')" alice,bob "GET actions: requested_by each"
as "$VERA" GET deployments/r1/history
t_like "$(j '[.history[].actor] | join(",")')" "*alice*" "GET history names alice"
t_like "$(j '[.history[].actor] | join(",")')" "*bob*" "and bob"

# --- a viewer reads everything and changes nothing ---
for p in deployments deployments/r1 deployments/r1/actions deployments/r1/history \
    'override_keys?scope=app' 'default_overrides?scope=app'; do
	as "$VERA" GET "$p"
	t_is "$S" 200 "a viewer may GET $p"
done
as "$VERA" POST deployments '{"name":"v1","tag":"v1"}'
refused create deployer viewer vera "viewer create"
t_is "$(sql "SELECT count(*) FROM deployments WHERE name='v1'")" 0 "and nothing was created"
as "$VERA" PATCH deployments/r1 '{"tag":"v9"}'
refused update deployer viewer vera "viewer update"
as "$VERA" POST deployments/r1/archive
refused archive deployer viewer vera "viewer archive"
as "$VERA" POST deployments/r1/pin
refused pin deployer viewer vera "viewer pin"
as "$VERA" POST deployments/r1/unpin
refused unpin deployer viewer vera "viewer unpin"
as "$VERA" POST deployments/r1/restore
refused restore deployer viewer vera "viewer restore"
t_is "$(sql "SELECT tag || ' ' || pinned || ' ' || count(*) OVER () FROM deployments d, LATERAL (SELECT 1 FROM actions a WHERE a.deployment_name = d.name) x WHERE name='r1' LIMIT 1")" \
    "v2 false 2" "r1 unchanged, no action queued by the viewer"

# --- a deployer archives, restores, pins, but may not clean up ---
as "$ALICE" POST deployments/r1/pin
t_is "$S" 200 "a deployer pins"
as "$ALICE" POST deployments/r1/unpin
t_is "$S" 200 "a deployer unpins"
as "$ALICE" POST deployments/r1/archive
t_is "$S/$(j .action.requested_by)" 202/alice "a deployer archives"
settle r1 Archived
as "$ALICE" POST deployments/r1/cleanup
refused cleanup admin deployer alice "deployer cleanup"
t_is "$(sql "SELECT count(*) FROM actions WHERE deployment_name='r1' AND kind='cleanup'")" 0 "no cleanup queued"
as "$ALICE" POST deployments/r1/restore
t_is "$S" 202 "a deployer restores"
settle r1 Archived

# --- an admin cleans up ---
as "$BOB" POST deployments/r1/cleanup
t_is "$S/$(j .action.kind)/$(j .action.requested_by)" 202/cleanup/bob "an admin cleans up"

# --- a roles file edit takes effect on the next request ---
"$UU" role alice viewer >/dev/null
as "$ALICE" POST deployments '{"name":"a2","tag":"v1"}'
refused create deployer viewer alice "alice made a viewer"
"$UU" role alice deployer >/dev/null
as "$ALICE" POST deployments '{"name":"a2","tag":"v1"}'
t_is "$S" 202 "alice a deployer again: create accepted"
printf 'alice admin\nalice2 emperor\n' >"$V/ui-roles.new" && mv "$V/ui-roles.new" "$V/ui-roles"
as "$ALICE" GET project
t_is "$(j .you.role)" admin "a file replaced by hand is read again"
as "$VERA" GET project
t_is "$(j .you.role)" deployer "vera, no longer in the file, has the default"
t_like "$(cat "$V/log/octopod-fcgi.log")" "*line 2*alice2 is a viewer*" "a bad role line is logged"
"$UU" role vera viewer >/dev/null

# --- a removed user is gone at once ---
"$UU" remove dan >/dev/null
as "$DAN" GET ping
t_is "$S" 401 "a removed user gets 401 (no reload)"
"$UU" remove octopod 2>"$T_TMP/err"
t_like "$?:$(cat "$T_TMP/err")" "1:*first user*" "the first user cannot be removed"

# --- the power door: roles by certificate CN ---
t_like "$(cat "$V/power-roles")" "*octo admin*" "power-roles maps octo to admin"
power GET project
t_is "$(j .you.name)/$(j .you.role)" octo/admin "octo is an admin"
stack_client_cert ci ci 30
stack_client_cert qa qa 30
printf 'octo admin\nqa viewer\n' >"$V/power-roles"
with_cert ci GET project
t_is "$S/$(j .you.name)/$(j .you.role)" 200/ci/deployer "an unmapped CN is a deployer"
with_cert ci POST deployments '{"name":"c1","tag":"v1"}'
t_is "$S/$(j .action.requested_by)" 202/ci "the deployer ci creates"
settle c1
with_cert ci POST clean_archive '{}'
refused clean_archive admin deployer ci "deployer clean_archive"
with_cert ci DELETE deployments/c1
refused forget admin deployer ci "deployer forget"
with_cert qa POST deployments '{"name":"q1","tag":"v1"}'
refused create deployer viewer qa "CN mapped viewer create"
with_cert qa GET deployments/c1
t_is "$S" 200 "the viewer qa reads"
power POST clean_archive '{"dry_run":true}'
t_is "$S" 200 "the admin octo may clean_archive"
power DELETE deployments/c1
t_is "$S/$(j .forgotten)" 200/c1 "the admin octo may forget"

# --- octo prints the server's message ---
OCTO_ENV=(OCTOPOD_URL="https://localhost:$POWER_PORT" TLS_CERT_PATH="$V/tls/qa.pem"
    TLS_KEY_PATH="$V/tls/qa-key.pem" TLS_CA_PATH="$V/tls/ca.pem")
out=$(env "${OCTO_ENV[@]}" "$O/bin/octo" create -n q2 -t v1 2>&1)
t_is "$?" 1 "octo create as a viewer fails"
t_like "$out" "*create needs the deployer role; qa is a viewer*" "octo prints the server's message"

t_done
