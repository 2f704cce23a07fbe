#!/usr/bin/env bash
# Expiry: a deployment with a ttl is archived by the runner (an archive
# action requested by "expiry") once expires_at has passed and not before;
# an update pushes the expiry back; a pinned deployment survives; without
# a ttl (DEFAULT_TTL=0) nothing expires.
export EXPIRY_WARNING=0
. "$(dirname "$0")/lib/stack.sh"
stack_start

ui POST deployments '{"name":"e1","tag":"v1","ttl":-1}'
t_is "$S/$(j .error.details.field)" 400/ttl "a negative ttl is refused"
ui POST deployments '{"name":"e1","tag":"v1","ttl":"3"}'
t_is "$S/$(j .error.details.field)" 400/ttl "a ttl that is not a number is refused"
ui POST deployments '{"name":"e1","tag":"v1","pinned":"yes"}'
t_is "$S/$(j .error.details.field)" 400/pinned "pinned must be a boolean"

for n in e1 e2 e4; do
	ui POST deployments "{\"name\":\"$n\",\"tag\":\"v1\",\"ttl\":4}"
done
t_is "$S/$(j .deployment.ttl)/$(j .deployment.pinned)" 202/4/false "created with ttl 4, not pinned"
t_is "$(sql "SELECT abs(extract(epoch FROM expires_at - created_at - interval '4 s')) < 0.5 FROM deployments WHERE name = 'e4'")" t \
    "expires_at is creation + ttl"
t_like "$(j .deployment.expires_at)" '20[0-9][0-9]-*T*Z' "expires_at in the JSON, ISO 8601"
ui POST deployments '{"name":"e3","tag":"v1"}'
t_is "$(j .deployment.ttl)/$(j .deployment.expires_at)" 0/null "no ttl: never expires (DEFAULT_TTL=0)"

ui POST deployments/e2/pin
t_is "$S/$(j .deployment.pinned)" 200/true "pin: 200, pinned"
ui POST deployments/nope/pin
t_is "$S" 404 "pin of an unknown deployment: 404"
ui GET deployments/e2
t_is "$(j .pinned)" true "GET shows pinned"

t_is "$(wait_sql "SELECT count(*) FROM deployments WHERE status = 'Running'" 4 10)" 4 "all four running"
sleep 1.5
ui PATCH deployments/e4 '{"tag":"v2"}'
t_is "$S/$(j .deployment.ttl)" 202/4 "update keeps the ttl"
t_is "$(sql "SELECT expires_at > now() + interval '3.5 s' FROM deployments WHERE name = 'e4'")" t \
    "update restarts the expiry from now"
t_is "$(sql "SELECT status FROM deployments WHERE name = 'e1'")" Running "e1 not archived before its expiry"

t_is "$(wait_sql "SELECT status FROM deployments WHERE name = 'e1'" Archived 15)" Archived "e1 archived after its expiry"
t_is "$(sql "SELECT a.requested_by || ' ' || (a.queued_at >= d.expires_at) || ' ' || (a.queued_at < d.expires_at + interval '3 s')
    FROM actions a JOIN deployments d ON d.id = a.deployment_id WHERE d.name = 'e1' AND a.kind = 'archive'")" "expiry true true" \
    "one archive action by expiry, queued after expires_at, within 3 s"
t_is "$(sql "SELECT from_status || '>' || to_status || ' ' || actor FROM status_history WHERE deployment_name = 'e1' AND to_status = 'ArchivePending'")" \
    "Running>ArchivePending expiry" "history: Running -> ArchivePending by expiry"
t_is "$(sql "SELECT status FROM deployments WHERE name = 'e4'")" Running "the updated e4 is not archived with e1"

t_is "$(wait_sql "SELECT status FROM deployments WHERE name = 'e4'" Archived 15)" Archived "e4 archived after its new expiry"
t_is "$(sql "SELECT (SELECT queued_at FROM actions WHERE deployment_name = 'e4' AND kind = 'archive') >= expires_at FROM deployments WHERE name = 'e4'")" t \
    "e4 archived only after its pushed-back expiry"
t_is "$(sql "SELECT status || ' ' || (expires_at < now()) FROM deployments WHERE name = 'e2'")" "Running true" \
    "the pinned e2 is past its expiry and still running"
t_is "$(sql "SELECT status FROM deployments WHERE name = 'e3'")" Running "e3 without ttl still running"

ui POST deployments/e2/unpin
t_is "$S/$(j .deployment.pinned)" 200/false "unpin: 200"
t_is "$(wait_sql "SELECT status FROM deployments WHERE name = 'e2'" Archived 15)" Archived "unpinned e2 archived"

# restore starts the expiry again
ui POST deployments/e1/restore
t_is "$S" 202 "restore e1"
t_is "$(sql "SELECT expires_at > now() + interval '3 s' FROM deployments WHERE name = 'e1'")" t "restore restarts the expiry"
t_is "$(sql "SELECT count(*) FROM actions WHERE requested_by = 'expiry'")" 3 "three expiry actions in all"
t_done
