#!/usr/bin/env bash
# `make run` runs the archive cleanup as the chart's CronJob does (octo
# clean-archive), at the start and every CLEAN_ARCHIVE_INTERVAL seconds:
# a deployment archived for longer than ARCHIVE_RETENTION is cleaned up,
# one archived more recently is not.
. "$(dirname "$0")/lib/run.sh"
export CLEAN_ARCHIVE_INTERVAL=1 ARCHIVE_RETENTION=4

run_start "$T_TMP/run.log"
t_octo 0 "create old" create -n old -t v1
t_octo 0 "create kept" create -n kept -t v1
t_octo 0 "old is Running" wait -n old --timeout 60
t_octo 0 "kept is Running" wait -n kept --timeout 60
t_octo 0 "archive old" archive -n old
t_octo 0 "old is Archived" wait -n old --for archived --timeout 60
t_ok "old's data is still there" test -d "$OCTOPOD_VAR/deployments/old"
gone=
for _ in $(seq 300); do
	"$OCTO_BIN" info -n old >/dev/null 2>&1 || { gone=1; break; }
	sleep 0.1
done
t_is "$gone" 1 "old is cleaned up under make run"
t_ok "its data is gone (the cleanup script ran)" test ! -d "$OCTOPOD_VAR/deployments/old"
t_octo 0 "old's actions are kept" -o json logs -n old
power GET "deployments/old/actions"
t_is "$(j '[.actions[].kind] | join(" ")')" "cleanup archive create" "create, archive, cleanup"
t_is "$(j '.actions[0].requested_by')" octo "cleanup by octo's certificate (the cron's)"
t_is "$(j '.actions[0].state')" succeeded "the cleanup succeeded"
# not before the retention: cleanup queued >= 4 s after the archive ended
# (3 to the second)
t_is "$(j '((.actions[0].queued_at | sub("\\.[0-9]+Z$"; "Z") | fromdate) - (.actions[1].finished_at | sub("\\.[0-9]+Z$"; "Z") | fromdate)) >= 3')" \
    true "only once it was archived for longer than ARCHIVE_RETENTION"
t_like "$(cat "$OCTOPOD_VAR/log/clean-archive.log")" "*cleanup queued for 1 deployment(s)*old (action *)*" \
    "log/clean-archive.log says what it queued"
t_octo 0 "kept is untouched" -o json info -n kept
t_is "$(jq -r .deployment.status "$T_OUT")" Running "Running"
run_signal INT
t_is "$RUN_RC" 0 "Ctrl-C: exit 0"
t_is "$(var_procs | tr '\n' ' ')" "" "nothing is left, the cleanup loop included"
t_done
