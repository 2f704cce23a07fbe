#!/bin/bash
# CONTROL_SCRIPT_ARGS=v2: --application-config / --deployment-config with
# the full effective config (defaults from app_overrides and
# deployment_overrides, the tag as image.tag, then the overrides) to
# every lifecycle script, archive included; the app-level defaults script
# gets the effective deployment config. A secret is not in argv but in
# the 0600 file OCTOPOD_CONFIG_FILE; with CONTROL_SCRIPT_SECRETS=argv it
# is in argv, masked in the stored argv. Scripts reject any other argv.
. "$(dirname "$0")/lib/runner.sh"
pg_start
export CONTROL_SCRIPT_ARGS=v2

script app_overrides <<'S'
#!/bin/sh
[ "$*" = "--project-name proj --base-domain example.test --namespace ns --deployment-config chart=stable/app --deployment-config replicas=2" ] || exit 7
echo "image.repository,registry.test/app"
echo "LOG,info"
S
script deployment_overrides <<'S'
#!/bin/sh
echo "chart,stable/app"
S
script create <<'S'
#!/bin/sh
want="--project-name proj --base-domain example.test --namespace ns --name pr-7 --application-config image.repository=registry.test/app --application-config LOG=debug --application-config image.tag=v7 --deployment-config chart=stable/app --deployment-config replicas=2"
[ "$OCTOPOD_CONFIG_CHECK" = argv ] && want="--project-name proj --base-domain example.test --namespace ns --name pr-7 --application-config image.repository=registry.test/app --application-config LOG=debug --application-config image.tag=v7 --application-config SECRET=s3cr3t --deployment-config chart=stable/app --deployment-config replicas=2"
[ "$*" = "$want" ] || { echo "unexpected argv: $*" >&2; exit 9; }
grep -qx -- "--application-config SECRET=s3cr3t" "$OCTOPOD_CONFIG_FILE" || { echo "no secret in the file" >&2; exit 9; }
[ "$OCTOPOD_SECRET_KEYS" = app:SECRET ] || { echo "secret keys: $OCTOPOD_SECRET_KEYS" >&2; exit 9; }
echo "create ok" >>"$OUT/calls"
S
script check <<'S'
#!/bin/sh
want="--project-name proj --base-domain example.test --namespace ns --name pr-7 --application-config image.repository=registry.test/app --application-config LOG=debug --application-config image.tag=v7 --deployment-config chart=stable/app --deployment-config replicas=2"
[ "$*" = "$want" ] || { echo "check: unexpected argv: $*" >>"$OUT/calls"; exit 9; }
S
script archive <<'S'
#!/bin/sh
want="--project-name proj --base-domain example.test --namespace ns --name pr-7 --application-config image.repository=registry.test/app --application-config LOG=debug --application-config image.tag=v7 --deployment-config chart=stable/app --deployment-config replicas=2"
[ "$*" = "$want" ] || { echo "archive: unexpected argv: $*" >>"$OUT/calls"; exit 9; }
S

id=$(dep pr-7 CreatePending v7)
q "INSERT INTO overrides VALUES ($id, 'app', 'LOG', 'debug', false),
   ($id, 'app', 'SECRET', 's3cr3t', true), ($id, 'deployment', 'replicas', '2', false)" >/dev/null
a=$(queue pr-7 create)
runner_start
is "$(wait_for "SELECT state FROM actions WHERE id = $a" succeeded)" succeeded "create accepted the v2 argv"
is "$(q "SELECT args_style FROM actions WHERE id = $a")" v2 "args_style v2 stored"
is "$(q "SELECT argv->>12, argv->>14 FROM actions WHERE id = $a")" "LOG=debug|image.tag=v7" "stored argv"
is "$(q "SELECT count(*) FROM actions WHERE id = $a AND argv::text LIKE '%SECRET%'")" 0 "the secret is not in argv"
is "$(wait_for "SELECT status FROM deployments WHERE name = 'pr-7'" Running)" Running "check accepted the v2 argv"
req pr-7 ArchivePending
a=$(queue pr-7 archive)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" succeeded)" succeeded "archive gets the full config too"
ok $(! grep -q unexpected "$OUT/calls"; echo $?) "no unexpected argv"

# Octopod's style: the secret in argv (masked where it is stored)
kill -TERM $LAST_PID; wait $LAST_PID
export CONTROL_SCRIPT_SECRETS=argv OCTOPOD_CONFIG_CHECK=argv
q "UPDATE deployments SET status = 'CreatePending' WHERE name = 'pr-7'" >/dev/null
runner_start argv
a=$(queue pr-7 create)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" succeeded)" succeeded "CONTROL_SCRIPT_SECRETS=argv: the secret in argv"
is "$(q "SELECT argv->>16 FROM actions WHERE id = $a")" "SECRET=***" "secret masked in stored argv"
unset CONTROL_SCRIPT_SECRETS OCTOPOD_CONFIG_CHECK

# the same scripts refuse the v1 style: the test scripts can fail
kill -TERM $LAST_PID; wait $LAST_PID
export CONTROL_SCRIPT_ARGS=v1
q "UPDATE deployments SET status = 'CreatePending' WHERE name = 'pr-7'" >/dev/null
runner_start v1
a=$(queue pr-7 create)
is "$(wait_for "SELECT state FROM actions WHERE id = $a" failed)" failed "v1 argv refused by a v2 script"
done_testing
