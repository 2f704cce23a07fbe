#!/bin/bash
# create: the script runs with the v1 contract, the deployment stays
# CreatePending until `check` passes, then Running; info's links stored.
. "$(dirname "$0")/lib/runner.sh"
pg_start

script create <<'S'
#!/bin/sh
echo $$ >>"$OUT/pids"
want="--project-name proj --base-domain example.test --namespace ns --name pr-1 --tag v1 --app-env-override A=1 --deployment-override B=two words"
[ "$*" = "$want" ] || { echo "bad argv: $*" >&2; exit 9; }
[ $# = 14 ] || { echo "bad argc $#" >&2; exit 9; }
echo "creating $8"
echo "to stderr" >&2
S
script check <<'S'
#!/bin/sh
echo $$ >>"$OUT/pids"
echo "$*" >>"$OUT/check.argv"
[ -f "$OUT/healthy" ] || exit 1
S
script info <<'S'
#!/bin/sh
echo "app,https://$8.example.test"
echo "garbage line"
echo "logs,https://logs.example.test/$8"
S

id=$(dep pr-1 CreatePending)
q "INSERT INTO overrides VALUES ($id, 'app', 'A', '1', false), ($id, 'deployment', 'B', 'two words', false)" 
runner_start
a=$(queue pr-1 create)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" succeeded)" succeeded "create action succeeded"
is "$(q "SELECT exit_code, args_style FROM actions WHERE id = $a")" "0|v1" "exit code and style stored"
is "$(q "SELECT argv->>0 = '$T/scripts/create', jsonb_array_length(argv) FROM actions WHERE id = $a")" "t|15" "argv stored"
is "$(q "SELECT string_agg(stream || ':' || data, '' ORDER BY seq) FROM action_output WHERE action_id = $a")" \
    "stdout:creating pr-1
stderr:to stderr" "output stored by stream"
is "$(q "SELECT links FROM deployments WHERE name = 'pr-1'")" \
    '[{"url": "https://pr-1.example.test", "name": "app"}, {"url": "https://logs.example.test/pr-1", "name": "logs"}]' "links from info"
sleep 2.5
is "$(status_of pr-1)" CreatePending "stays CreatePending while check fails"
ok $([ -s "$OUT/check.argv" ]; echo $?) "check was run"
is "$(tail -1 "$OUT/check.argv")" "--project-name proj --base-domain example.test --namespace ns --name pr-1 --tag v1" "check gets --tag only (as Octopod 1.x)"
touch "$OUT/healthy"
is "$(wait_for "SELECT status FROM deployments WHERE name = 'pr-1'" Running)" Running "Running once check passes"
is "$(q "SELECT from_status || '>' || to_status || ':' || actor FROM status_history WHERE deployment_name = 'pr-1' ORDER BY id")" \
    "CreatePending>Running:check" "history row"
is "$(q "SELECT version, checked_at IS NOT NULL, check_claimed_until IS NULL FROM deployments WHERE name = 'pr-1'")" "2|t|t" "version bumped, checked"
rm "$OUT/healthy"
is "$(wait_for "SELECT status || ' ' || failure_reason FROM deployments WHERE name = 'pr-1'" "Failure GenericFailure")" "Failure GenericFailure" "Running -> Failure when check fails"
touch "$OUT/healthy"
is "$(wait_for "SELECT status FROM deployments WHERE name = 'pr-1'" Running)" Running "Failure -> Running when check passes again"
done_testing
