#!/usr/bin/env bash
# archive, restore, cleanup, forget and clean_archive: allowed from the
# statuses of design section 4 only, one action each, events written.
FCGI_ARGS=-R
. "$(dirname "$0")/lib/stack.sh"
stack_start

settle() {
	sql "UPDATE actions SET state='succeeded', finished_at=now() WHERE deployment_name='$1' AND state IN ('queued','running');
	     UPDATE deployments SET status='${2:-Running}' WHERE name='$1'" >/dev/null
}
power POST deployments '{"name":"t1","tag":"v1"}'
t_is "$S" 202 "created"

ui POST deployments/t1/archive
t_is "$S/$(j .error.code)" 409/busy "archive while busy: 409"
for st in CreatePending UpdatePending ArchivePending Archived CleanupFailed; do
	settle t1 "$st"
	ui POST deployments/t1/archive
	t_is "$S/$(j .error.code)" 409/forbidden_transition "archive from $st: forbidden"
done
t_is "$(j '.error.details.allowed_from|join(",")')" Running,Failure "details list the allowed statuses"
for st in Running Failure; do
	settle t1 "$st"
	ui POST deployments/t1/archive
	t_is "$S/$(j .deployment.status)/$(j .action.kind)" 202/ArchivePending/archive "archive from $st: 202"
done

for st in Running Failure CreatePending ArchivePending CleanupFailed; do
	settle t1 "$st"
	ui POST deployments/t1/restore
	t_is "$S/$(j .error.code)" 409/forbidden_transition "restore from $st: forbidden"
done
settle t1 Archived
ui POST deployments/t1/restore
t_is "$S/$(j .deployment.status)/$(j .action.kind)" 202/CreatePending/restore "restore from Archived: 202"

for st in Running Failure CreatePending; do
	settle t1 "$st"
	ui POST deployments/t1/cleanup
	t_is "$S/$(j .error.code)" 409/forbidden_transition "cleanup from $st: forbidden"
done
for st in Archived CleanupFailed; do
	settle t1 "$st"
	v=$(sql "SELECT version FROM deployments WHERE name='t1'")
	ui POST deployments/t1/cleanup
	t_is "$S/$(j .deployment.status)/$(j .action.kind)/$(j .deployment.busy)" "202/$st/cleanup/true" "cleanup from $st: 202, status kept until the script ends"
	t_is "$(j .deployment.version)" $((v + 1)) "version bumped"
done
settle t1 Archived
ui POST deployments/t1/archive '' -H 'If-Match: 1'
t_is "$S/$(j .error.code)" 409/version_conflict "archive with a stale If-Match: 409"
ui POST deployments/none/archive
t_is "$S/$(j .error.code)" 404/not_found "archive of an unknown deployment: 404"
ui GET deployments/t1/archive
t_is "$S/$(j .error.code)/$(j .error.details.allow)" 405/method_not_allowed/POST "GET on archive: 405 with Allow"

t_is "$(sql "SELECT string_agg(to_status, ',' ORDER BY id) FROM status_history WHERE deployment_name='t1'")" \
    CreatePending,ArchivePending,ArchivePending,CreatePending "history: one row per accepted status change"
t_is "$(sql "SELECT string_agg(kind, ',' ORDER BY id) FROM actions WHERE deployment_name='t1'")" \
    create,archive,archive,restore,cleanup,cleanup "one action per accepted request"

# forget (power only): removes the record, keeps actions and history
power DELETE deployments/t1
t_is "$S/$(j .forgotten)" 200/t1 "forget: 200"
ui GET deployments/t1
t_is "$S" 404 "forgotten deployment: 404"
ui GET deployments/t1/actions
t_is "$S/$(j '.actions|length')" 200/6 "its actions are kept"
ui GET deployments/t1/history
t_is "$(j '.history[-1].to')" Forgotten "history records the forget"
power DELETE deployments/t1
t_is "$S" 404 "forget twice: 404"
power POST deployments '{"name":"busy1","tag":"v1"}'
power DELETE deployments/busy1
t_is "$S/$(j .error.code)" 409/busy "forget while busy: 409"

# clean_archive: only Archived past the retention, not busy
for n in old1 old2 young busyold run; do power POST deployments "{\"name\":\"$n\",\"tag\":\"v1\"}"; settle "$n" Archived; done
settle run Running
sql "UPDATE deployments SET archived_at = now() - interval '20 days' WHERE name IN ('old1','old2','busyold','run');
     UPDATE deployments SET archived_at = now() - interval '1 day' WHERE name = 'young'" >/dev/null
power POST deployments/busyold/cleanup
power POST clean_archive '{"dry_run":true}'
t_is "$S/$(j '.deployments|join(",")')/$(j '.actions|length')" 200/old1,old2/0 "dry run names old1, old2 and queues nothing"
t_is "$(sql "SELECT count(*) FROM actions WHERE kind='cleanup' AND deployment_name LIKE 'old%'")" 0 "dry run changed nothing"
power POST clean_archive '{"older_than":"x"}'
t_is "$S/$(j .error.code)" 400/invalid "older_than must be a number"
power POST clean_archive
t_is "$S/$(j '.deployments|join(",")')/$(j '.actions|length')" 200/old1,old2/2 "clean_archive queues cleanup for old1 and old2"
t_is "$(sql "SELECT string_agg(requested_by, ',') FROM actions WHERE kind='cleanup' AND deployment_name LIKE 'old%'")" octo,octo "requested by the caller"
power POST clean_archive '{"older_than":604800}'
t_is "$(j '.deployments|join(",")')" "" "a second run finds them busy"
power POST clean_archive '{"older_than":0}'
t_is "$(j '.deployments|join(",")')" young "older_than 0 takes the young one"
t_done
