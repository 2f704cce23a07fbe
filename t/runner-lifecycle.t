#!/bin/bash
# update -> UpdatePending -> Running; archive -> ArchivePending ->
# Archived (archived_at set) when archive_check passes; restore ->
# CreatePending -> Running; cleanup removes the row (actions and history
# kept by name); a failing cleanup -> CleanupFailed; a pending deployment
# whose check never passes -> Failure (timeout); notifications is called
# with --old-status/--new-status on each change.
. "$(dirname "$0")/lib/runner.sh"
pg_start
export STATUS_UPDATE_TIMEOUT=3

for s in update archive restore; do
	script $s <<'S'
#!/bin/sh
echo $$ >>"$OUT/pids"
echo "$(basename "$0") $*" >>"$OUT/calls"
S
done
script cleanup <<'S'
#!/bin/sh
echo "cleanup $*" >>"$OUT/calls"
[ "$8" = stuck ] && exit 4
exit 0
S
script check <<'S'
#!/bin/sh
[ "$8" = never ] && exit 1
exit 0
S
script archive_check <<'S'
#!/bin/sh
[ -f "$OUT/archived-$8" ] || exit 1
S
script notifications <<'S'
#!/bin/sh
echo "$*" >>"$OUT/notifications"
S

dep web Running v1 >/dev/null
dep stuck Archived >/dev/null
runner_start

q "UPDATE deployments SET tag = 'v2' WHERE name = 'web'" >/dev/null
req web UpdatePending
a=$(queue web update)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" succeeded)" succeeded "update succeeded"
is "$(grep '^update' "$OUT/calls")" "update --project-name proj --base-domain example.test --namespace ns --name web --tag v2" "update argv"
is "$(wait_for "SELECT status FROM deployments WHERE name = 'web'" Running)" Running "UpdatePending -> Running"

req web ArchivePending
a=$(queue web archive)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" succeeded)" succeeded "archive succeeded"
is "$(grep '^archive' "$OUT/calls")" "archive --project-name proj --base-domain example.test --namespace ns --name web" "archive argv: no tag"
sleep 1.5
is "$(status_of web)" ArchivePending "ArchivePending until archive_check passes"
touch "$OUT/archived-web"
is "$(wait_for "SELECT status FROM deployments WHERE name = 'web'" Archived)" Archived "ArchivePending -> Archived"
is "$(q "SELECT archived_at IS NOT NULL FROM deployments WHERE name = 'web'")" t "archived_at set"
sleep 1.5
is "$(q "SELECT count(*) FROM status_history WHERE deployment_name = 'web' AND from_status = 'Archived'")" 0 "no check on an Archived deployment"

req web CreatePending
a=$(queue web restore)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" succeeded)" succeeded "restore succeeded"
is "$(grep '^restore' "$OUT/calls")" "restore --project-name proj --base-domain example.test --namespace ns --name web --tag v2" "restore argv"
is "$(wait_for "SELECT status FROM deployments WHERE name = 'web'" Running)" Running "restored -> Running"
is "$(q "SELECT archived_at IS NULL FROM deployments WHERE name = 'web'")" t "archived_at cleared"

q "UPDATE deployments SET status = 'Archived' WHERE name = 'web'" >/dev/null
a=$(queue web cleanup)
is "$(wait_for "SELECT count(*) FROM deployments WHERE name = 'web'" 0)" 0 "cleanup removed the row"
is "$(q "SELECT state || '|' || deployment_name || '|' || (deployment_id IS NULL) FROM actions WHERE id = $a")" "succeeded|web|true" "action kept with the name"
is "$(q "SELECT count(*) FROM actions WHERE deployment_name = 'web'")" 4 "every action kept"
is "$(q "SELECT to_status FROM status_history WHERE deployment_name = 'web' ORDER BY id DESC LIMIT 1")" Removed "history ends with the removal"

a=$(queue stuck cleanup)
is "$(wait_for "SELECT status || '|' || failure_reason FROM deployments WHERE name = 'stuck'" "CleanupFailed|script exit 4")" \
    "CleanupFailed|script exit 4" "failed cleanup -> CleanupFailed"
is "$(q "SELECT state FROM actions WHERE id = $a")" failed "its action failed"
sleep 1.5
is "$(q "SELECT checked_at IS NULL FROM deployments WHERE name = 'stuck'")" t "no check on CleanupFailed"

dep never CreatePending >/dev/null
is "$(wait_for "SELECT status || '|' || failure_reason FROM deployments WHERE name = 'never'" "Failure|create timeout" 10)" \
    "Failure|create timeout" "pending past STATUS_UPDATE_TIMEOUT -> Failure (create timeout)"

sleep 1
is "$(grep -c . "$OUT/notifications")" 8 "notifications once per status change"
ok $(grep -qx -- "--project-name proj --base-domain example.test --namespace ns --name web --tag v2 --old-status ArchivePending --new-status Archived" "$OUT/notifications"; echo $?) "notifications argv"
ok $(grep -q -- "--name web --tag v2 --old-status Running --new-status UpdatePending" "$OUT/notifications"; echo $?) "the requested change notified when its action starts"
ok $(grep -q -- "--name never --tag v1 --old-status CreatePending --new-status GenericFailure" "$OUT/notifications"; echo $?) "notified of the timeout"
done_testing
