#!/usr/bin/env bash
# octo info shows ttl, expiry, pin and the status timeline (GET
# deployments/NAME/history); octo list --sort (name, created, updated by
# the server; status, tag by octo); a refusal of several lines
# (config_check's reasons) keeps its lines.
. "$(dirname "$0")/lib/octo.sh"
S=$T_TMP/scripts
mkscripts "$S"
cat >"$S/config_check" <<'SH'
#!/bin/sh
# two reasons for the tag "bad", the second with an escape sequence
prev=
for a in "$@"; do
	if [ "$prev" = --tag ] && [ "$a" = bad ]; then
		echo 'the tag "bad" is not in the registry'
		printf 'and \033[2Jit is not signed\n'
		exit 1
	fi
	prev=$a
done
exit 0
SH
cat >"$S/check" <<'SH'
#!/bin/sh
# fails (exit 1) while the file FAIL_CHECK exists
[ -e "$OCTOPOD_VAR/FAIL_CHECK" ] && exit 1
exit 0
SH
chmod 755 "$S/config_check" "$S/check"
export CONTROL_SCRIPTS_DIR=$S
stack_start

# refusals of several lines
t_octo 1 "config_check refuses with two lines" create -n bad-1 -t bad
t_is "$(cat "$T_ERR")" 'octo: the tag "bad" is not in the registry
octo: and ?[2Jit is not signed' "both lines, each as octo's, the escape shown as ?"

# info: ttl, expiry, pin, timeline
t_octo 0 "create --ttl 2h" create -n inf-1 -t v1 --ttl 2h
t_is "$(wait_status inf-1 Running)" Running "Running"
t_octo 0 "info" info -n inf-1
t_like "$(cat "$T_OUT")" "*
ttl:      2h (7200 s)
expires:  20[0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]
pinned:   no
*" "ttl, expiry and pin"
exp=$(sql "SELECT to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM deployments WHERE name = 'inf-1'")
t_like "$(cat "$T_OUT")" "*expires:  $exp*" "the server's expires_at"
t_like "$(cat "$T_OUT")" "*status timeline:
  AT * FROM * TO * REASON * BY
  20* - * CreatePending * create * octo
  20* CreatePending * Running * *
recent actions:*" "the timeline, oldest first"
t_octo 0 "pin" pin -n inf-1
t_octo 0 "info when pinned" info -n inf-1
t_like "$(cat "$T_OUT")" "*expires:  $exp (not while pinned)
pinned:   yes*" "pinned"
touch "$OCTOPOD_VAR/FAIL_CHECK"
t_is "$(wait_status inf-1 Failure)" Failure "a failing check: Failure"
rm -f "$OCTOPOD_VAR/FAIL_CHECK"
t_is "$(wait_status inf-1 Running)" Running "passing again: Running"
t_octo 0 "info --history 2" info -n inf-1 --history 2
t_like "$(cat "$T_OUT")" "*status timeline (latest):
  AT * FROM * TO * REASON * BY
  20* Running * Failure * *
  20* Failure * Running * *
recent actions:*" "the last two changes"
t_octo 0 "info --history 0" info -n inf-1 --history 0
t_ok "no timeline" sh -c "! grep -q 'status timeline' '$T_OUT'"
t_octo 0 "info -o json" -o json info -n inf-1
t_is "$(jq -r '[.history[].to] | join(" ")' "$T_OUT")" "CreatePending Running Failure Running" \
    "JSON: the whole timeline"
t_is "$(jq -r '.deployment.ttl, .deployment.pinned' "$T_OUT" | tr '\n' ' ')" "7200 true " \
    "JSON: ttl and pin"
t_octo 0 "create without a ttl" create -n inf-2 -t v1
t_octo 0 "info" info -n inf-2
t_like "$(cat "$T_OUT")" "*ttl:      none
expires:  never
pinned:   no*" "no ttl: never expires"

# a timeline longer than a page of the history (500), once inf-2's own
# (created, Running) is written
wait_status inf-2 Running >/dev/null
id=$(sql "SELECT id FROM deployments WHERE name = 'inf-2'")
sql "INSERT INTO status_history (deployment_id, deployment_name, from_status, to_status, actor)
     SELECT $id, 'inf-2', 'Running', 'Running', 'seed-' || g FROM generate_series(1, 600) g" >/dev/null
n=$(sql "SELECT count(*) FROM status_history WHERE deployment_id = $id")
t_octo 0 "info -o json: every page of the history" -o json info -n inf-2
t_is "$(jq -r '.history | length' "$T_OUT")" "$n" "$n entries (600 and inf-2's own)"
t_octo 0 "info: the last 10 of them" info -n inf-2
t_like "$(cat "$T_OUT")" "*seed-591*seed-600
recent actions:*" "the latest"
t_ok "not the earlier ones" sh -c "! grep -q 'seed-590 *\$' '$T_OUT'"

# list --sort
t_is "$(wait_status inf-2 Running)" Running "inf-2 Running"
octo create -n aaa-3 -t v9 >/dev/null
t_is "$(wait_status aaa-3 Running)" Running "aaa-3 Running"
octo archive -n inf-2 >/dev/null
t_is "$(wait_status inf-2 Archived)" Archived "inf-2 Archived"
octo update -n inf-1 -t v0 >/dev/null
t_is "$(wait_status inf-1 Running)" Running "inf-1 Running"
names() { awk 'NR > 1 { print $1 }' "$T_OUT" | tr '\n' ' '; }
t_octo 0 "list (by name)" list
t_is "$(names)" "aaa-3 inf-1 inf-2 " "by name"
t_octo 0 "list --sort created" list --sort created
t_is "$(names)" "inf-1 inf-2 aaa-3 " "by creation"
t_octo 0 "list --sort updated --desc" list --sort updated --desc
t_is "$(names)" "inf-1 inf-2 aaa-3 " "last updated first"
t_octo 0 "list --sort status" list --sort status
t_is "$(names)" "inf-2 aaa-3 inf-1 " "Archived before Running, ties by name"
t_octo 0 "list --sort tag --desc --page-size 1 --limit 2" -o json list --sort tag --desc --page-size 1 --limit 2
t_is "$(jq -r '[.deployments[] | .tag] | join(" ")' "$T_OUT")" "v9 v1" \
    "sorted over every page, then the limit"
t_done
