#!/usr/bin/env bash
# Every octo subcommand against the real stack, through the power door:
# what it does (checked through the API and the database) and how it
# refuses (exit 1 with the server's message in one line on stderr).
. "$(dirname "$0")/lib/octo.sh"
stack_start

# create
t_octo 0 "create" create -n pr-1 -t v1 -e A=1 -e B=2 -o C=3 \
    --secret-app TOKEN=s3cret --secret-deployment DBPASS=hunter2
t_like "$(cat "$T_OUT")" 'create of "pr-1" queued as action *; deployment is CreatePending*' \
    "says what it queued"
power GET deployments/pr-1
t_is "$(j '[.app_overrides[] | "\(.key)=\(.value // "-")/\(.secret)"] | join(" ")')" \
    "A=1/false B=2/false TOKEN=-/true" "app overrides sent, the secret as secret"
t_is "$(j '[.deployment_overrides[] | "\(.key)/\(.secret)"] | join(" ")')" \
    "C/false DBPASS/true" "deployment overrides sent"
t_is "$(sql "SELECT value FROM overrides o JOIN deployments d ON d.id = o.deployment_id WHERE d.name = 'pr-1' AND key = 'TOKEN'")" \
    s3cret "the secret's value reached the database"
t_octo 1 "create: the name is taken" create -n pr-1 -t v1
t_is "$(cat "$T_ERR")" 'octo: a deployment named "pr-1" already exists' "the server's message"
t_octo 1 "create: a name that is no DNS label" create -n Bad_Name -t v1
t_like "$(cat "$T_ERR")" "octo: name *" "the server's validation message"
t_is "$(wc -l <"$T_ERR")" 1 "in one line"
t_octo 2 "create without a tag is a usage error" create -n pr-2
t_like "$(cat "$T_ERR")" "*create needs a tag*usage: octo create -n NAME -t TAG*" "with the synopsis"
t_octo 2 "create: -e without =" create -n pr-2 -t v1 -e NOPE
t_like "$(cat "$T_ERR")" '*override "NOPE" is not KEY=VALUE*' "says which"
t_octo 2 "create: -o json is a deployment override there" create -n pr-2 -t v1 -o json
t_like "$(cat "$T_ERR")" "*for JSON output use --output json*" "and says how to get JSON"
t_is "$(sql "SELECT count(*) FROM deployments")" 1 "nothing else was created"

t_is "$(wait_status pr-1 Running)" Running "pr-1 becomes Running"

# info
t_octo 0 "info" info -n pr-1
t_like "$(cat "$T_OUT")" "*status:   Running*" "shows the status"
t_like "$(cat "$T_OUT")" "*TOKEN=\*\*\**" "a secret as ***"
t_like "$(cat "$T_OUT")" "*DBPASS=\*\*\**" "a secret deployment override as ***"
t_like "$(cat "$T_OUT")" "*A=1*B=2*C=3*" "the overrides"
t_like "$(cat "$T_OUT")" "*links:*app: https://*.example.test/*" "the links from info"
t_like "$(cat "$T_OUT")" "*recent actions:*create*succeeded*" "the recent actions"
t_ok "no secret value anywhere" sh -c "! grep -q -e s3cret -e hunter2 '$T_OUT'"
t_octo 0 "info -o json" -o json info pr-1
t_is "$(jq -r '.deployment.status, .actions[0].kind' "$T_OUT" | tr '\n' ' ')" "Running create " \
    "-o json parses: the deployment and its actions"
t_octo 1 "info: no such deployment" info -n nope
t_is "$(cat "$T_ERR")" 'octo: no deployment named "nope"' "says so"

# update sends only the change. The runner held (SIGSTOP) until the next
# update has been refused: its action stays queued, the deployment busy
# (else the script and the check, both quick, may be done by then)
RUNNER=$(pgrep -P "$FCGI_PID" -f 'runner')
kill -STOP $RUNNER
t_octo 0 "update -e A=2" update -n pr-1 -e A=2
power GET deployments/pr-1
t_is "$(j '[.app_overrides[] | "\(.key)=\(.value // "***")"] | join(" ")')" "A=2 B=2 TOKEN=***" \
    "A changed, B and the secret kept"
t_is "$(j '[.deployment_overrides[] | .key] | join(" ")')" "C DBPASS" "deployment overrides kept"
t_is "$(j .tag)" v1 "tag kept"
t_is "$(sql "SELECT value FROM overrides o JOIN deployments d ON d.id = o.deployment_id WHERE d.name = 'pr-1' AND key = 'TOKEN'")" \
    s3cret "the secret's value kept"
t_is "$(sql "SELECT request::text FROM actions WHERE kind = 'update' ORDER BY id DESC LIMIT 1" |
    jq -c '[.tag, .app_overrides.set, .app_overrides.unset, .deployment_overrides]')" \
    '[null,[{"key":"A","value":"2","secret":false}],[],null]' \
    "the request held only the change"
t_octo 1 "update while busy" update -n pr-1 -t v9
t_like "$(cat "$T_ERR")" 'octo: *deployment "pr-1" is *' "says why (busy, or still UpdatePending)"
kill -CONT $RUNNER
t_is "$(wait_status pr-1 Running)" Running "Running again"
t_is "$(wait_sql "SELECT count(*) FROM actions a JOIN deployments d ON d.id = a.deployment_id WHERE d.name = 'pr-1' AND a.state IN ('queued','running')" 0)" 0 \
    "not busy"
t_octo 0 "update -t, -E, -O, --secret-app" update -n pr-1 -t v2 -E B -O C --secret-app TOKEN=new
power GET deployments/pr-1
t_is "$(j '.tag + " " + ([.app_overrides[] | .key] | join(",")) + " " + ([.deployment_overrides[] | .key] | join(","))')" \
    "v2 A,TOKEN DBPASS" "tag set, B and C unset, the rest kept"
t_is "$(sql "SELECT value FROM overrides o JOIN deployments d ON d.id = o.deployment_id WHERE d.name = 'pr-1' AND key = 'TOKEN'")" \
    new "the secret replaced"
t_octo 2 "update with nothing to change" update -n pr-1
t_like "$(cat "$T_ERR")" "*nothing to update*" "says so"
t_octo 1 "update: no such deployment" update -n nope -e A=1
t_is "$(wait_status pr-1 Running)" Running "Running after the update"
sleep 0.3
v=$(power GET deployments/pr-1; j .version)
t_octo 1 "update --version with a stale version" update -n pr-1 -e A=5 --version $((v - 1))
t_like "$(cat "$T_ERR")" '*changed*' "version_conflict's message"

# list
for n in pr-2 pr-3 other-4; do octo create -n "$n" -t v1 >/dev/null; done
for n in pr-2 pr-3 other-4; do wait_status "$n" Running >/dev/null; done
t_octo 0 "list" list
t_is "$(awk 'NR > 1 { print $1 }' "$T_OUT" | tr '\n' ' ')" "other-4 pr-1 pr-2 pr-3 " "every deployment, by name"
t_like "$(head -1 "$T_OUT")" "NAME*TAG*STATUS*UPDATED*BY" "a header"
t_octo 0 "list --page-size 1 follows next_cursor" -o json list --page-size 1
t_is "$(jq -r '[.deployments[].name] | join(" ")' "$T_OUT")" "other-4 pr-1 pr-2 pr-3" "all four, page by page"
t_octo 0 "list --limit 2" -o json list --limit 2 --page-size 1
t_is "$(jq -r '.deployments | length' "$T_OUT")" 2 "stops at the limit"
t_octo 0 "list --search" list --search pr-
t_is "$(awk 'NR > 1 { print $1 }' "$T_OUT" | tr '\n' ' ')" "pr-1 pr-2 pr-3 " "the search filters"
t_octo 1 "list --status with a status that does not exist" list --status Sleeping
t_like "$(cat "$T_ERR")" "octo: status must be *" "the server's message"
t_octo 2 "list --limit 0" list --limit 0

# archive, restore, cleanup, forget
t_octo 0 "archive" archive -n pr-2
t_like "$(cat "$T_OUT")" '*archive of "pr-2" queued*' "says so"
t_octo 0 "archive NAME" archive pr-3
t_is "$(wait_status pr-2 Archived)" Archived "pr-2 Archived"
t_is "$(wait_status pr-3 Archived)" Archived "pr-3 Archived"
t_octo 0 "list --archived" list --archived
t_is "$(awk 'NR > 1 { print $1 }' "$T_OUT" | tr '\n' ' ')" "pr-2 pr-3 " "only the archived"
t_octo 0 "list --status Running -o json" list --status Running -o json
t_is "$(jq -r '[.deployments[].name] | join(" ")' "$T_OUT")" "other-4 pr-1" "only Running"
t_octo 1 "archive an Archived deployment" archive -n pr-2
t_is "$(cat "$T_ERR")" 'octo: not possible while deployment "pr-2" is Archived' "says why"
t_octo 1 "restore a Running deployment" restore -n pr-1
t_like "$(cat "$T_ERR")" '*is Running' "says why"
t_octo 1 "cleanup a Running deployment" cleanup -n pr-1
t_octo 0 "restore" restore -n pr-2
t_is "$(wait_status pr-2 Running)" Running "pr-2 Running again"
t_octo 0 "cleanup" cleanup -n pr-3
t_is "$(wait_sql "SELECT count(*) FROM deployments WHERE name = 'pr-3'" 0)" 0 "pr-3 removed"
t_ok "by the cleanup script" grep -Eq "^cleanup .* --name pr-3( |$)" "$OCTOPOD_VAR/calls.log"
t_octo 2 "archive without a name" archive
t_like "$(cat "$T_ERR")" "*needs a deployment name*" "says so"
n_calls=$(grep -Ec -- "--name other-4( |$)" "$OCTOPOD_VAR/calls.log")
t_octo 0 "forget" forget -n other-4
t_like "$(cat "$T_OUT")" 'forgot "other-4"*' "says so"
t_is "$(sql "SELECT count(*) FROM deployments WHERE name = 'other-4'")" 0 "the record is gone"
t_is "$(grep -Ec -- "--name other-4( |$)" "$OCTOPOD_VAR/calls.log")" "$n_calls" "no script ran"
t_octo 1 "forget: no such deployment" forget other-4

# -o json is the server's JSON
t_octo 0 "-o json archive" -o json archive pr-1
t_is "$(jq -r '.deployment.status + " " + .action.kind' "$T_OUT")" "ArchivePending archive" \
    "the 202 answer"
t_is "$(wait_status pr-1 Archived)" Archived "pr-1 Archived"

# clean-archive
t_octo 0 "clean-archive: nothing archived for 14 days" clean-archive
t_like "$(cat "$T_OUT")" "nothing archived for longer than 1209600 s" "the default retention"
t_octo 0 "clean-archive --dry-run" clean-archive --older-than 0 --dry-run
t_like "$(cat "$T_OUT")" "would clean up 1 deployment(s)*pr-1*" "names what it would clean"
t_is "$(sql "SELECT status FROM deployments WHERE name = 'pr-1'")" Archived "and changed nothing"
sql "UPDATE deployments SET archived_at = now() - interval '2 hours' WHERE name = 'pr-1'"
t_octo 0 "clean-archive --older-than 3h: not yet" -o json clean-archive --older-than 3h
t_is "$(jq -c '[.older_than, .deployments]' "$T_OUT")" '[10800,[]]' "3h is 10800 s"
t_octo 0 "clean-archive --older-than 90m" clean-archive --older-than 90m
t_like "$(cat "$T_OUT")" "cleanup queued for 1 deployment(s)*pr-1 (action *)" "queued"
t_is "$(wait_sql "SELECT count(*) FROM deployments WHERE name = 'pr-1'" 0)" 0 "pr-1 cleaned up"
t_octo 2 "clean-archive --older-than 2w" clean-archive --older-than 2w
t_like "$(cat "$T_ERR")" '*"2w" is not a duration*' "says so"
t_octo 1 "clean-archive --older-than past the server's bound" clean-archive --older-than 4000d
t_like "$(cat "$T_ERR")" "octo: older_than must be *" "the server's message"

# logs
a=$(sql "SELECT id FROM actions WHERE deployment_name = 'pr-2' AND kind = 'create'")
t_octo 0 "logs -a" logs -a "$a"
t_is "$(cat "$T_OUT")" created "the create script's output"
t_octo 0 "logs -o json" -o json logs -a "$a"
t_is "$(jq -r '.stream + ":" + .data' "$T_OUT")" "stdout:created" "one JSON object per chunk"
t_octo 1 "logs: no such action" logs -a 99999
t_is "$(cat "$T_ERR")" "octo: no action 99999" "the server's message"
t_octo 2 "logs: -a is a number" logs -a x

# version
t_octo 0 "version -o json" -o json version
t_is "$(jq -r '.octo + " " + .server' "$T_OUT")" "0.1.0 0.1.0" "both versions"
t_done
