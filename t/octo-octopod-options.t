#!/usr/bin/env bash
# octo as Octopod's users type it (typeable/octopod octo-cli/src/Octopod/
# CLI/Args.hs): 1.x's --tag, --set-app-env-override, --set-deployment-
# override, -a/--set-app-env-private-override, -s/--set-deployment-
# private-override, --unset-*-override; 2.x's --set-app-config,
# --set-deployment-config and image.tag; the commands unarchive and
# delete (2.x: forget, no cleanup); logs -l stdout|stderr|all with the
# streams told apart.
. "$(dirname "$0")/lib/octo.sh"
S=$T_TMP/scripts
mkscripts "$S"
cat >"$S/create" <<'SH'
#!/bin/sh
# both streams, interleaved
echo "out one"
sleep 0.3
echo "err one" >&2
sleep 0.3
echo "out two"
sleep 0.3
printf 'err two\nerr three\n' >&2
exit 0
SH
chmod 755 "$S/create"
export CONTROL_SCRIPTS_DIR=$S
stack_start

overrides() {
	power GET "deployments/$1"
	j '[(.app_overrides[] | "a:\(.key)=\(.value // "***")"), (.deployment_overrides[] | "d:\(.key)=\(.value // "***")")] | join(" ")'
}

# Octopod 1.x: create
t_octo 0 "1.x create with its long options" create --name v1-a --tag v1 \
    --set-app-env-override A=1 --set-deployment-override D=2 \
    --set-app-env-private-override P=pa --set-deployment-private-override Q=pd
t_is "$(overrides v1-a)" "a:A=1 a:P=*** d:D=2 d:Q=***" \
    "app, deployment, and the private ones as secrets"
t_is "$(power GET deployments/v1-a; j .tag)" v1 "--tag is the tag"
t_is "$(sql "SELECT string_agg(key || '=' || value, ' ' ORDER BY key) FROM overrides o JOIN deployments d ON d.id = o.deployment_id WHERE d.name = 'v1-a' AND secret")" \
    "P=pa Q=pd" "the private values reached the database"
t_octo 0 "1.x short forms -t -e -o -a -s" create -n v1-b -t v1 -e A=1 -o D=2 -a P=x -s Q=y
t_is "$(overrides v1-b)" "a:A=1 a:P=*** d:D=2 d:Q=***" "the same"
t_is "$(wait_status v1-a Running)" Running "v1-a Running"
t_is "$(wait_status v1-b Running)" Running "v1-b Running"

# Octopod 1.x: update, every option
t_octo 0 "1.x update with its long options" update --name v1-a --tag v2 \
    --set-app-env-override B=3 --unset-app-env-override A \
    --unset-deployment-override D --set-deployment-override E=4 \
    --set-app-env-private-override P=new -s R=r
t_is "$(overrides v1-a)" "a:B=3 a:P=*** d:E=4 d:Q=*** d:R=***" "set and unset as asked"
t_is "$(power GET deployments/v1-a; j .tag)" v2 "the new tag"
t_is "$(sql "SELECT value FROM overrides o JOIN deployments d ON d.id = o.deployment_id WHERE d.name = 'v1-a' AND key = 'P'")" \
    new "the private override replaced"
t_is "$(wait_status v1-a Running)" Running "v1-a Running again"

# Octopod 2.x: config options, the tag as image.tag
t_octo 0 "2.x create: --set-app-config image.tag=T is the tag" create -n v2-a \
    --set-app-config image.tag=v7 --set-app-config A=1 --set-deployment-config D=2
t_is "$(power GET deployments/v2-a; j .tag)" v7 "the tag"
t_is "$(overrides v2-a)" "a:A=1 d:D=2" "image.tag is not also an override"
t_octo 2 "-t and image.tag that disagree" create -n v2-b -t v1 -e image.tag=v2
t_like "$(cat "$T_ERR")" "*-t v1 and -e image.tag=v2 disagree*" "says so"
t_octo 2 "create with neither" create -n v2-b -e A=1
t_like "$(cat "$T_ERR")" "*create needs a tag (-t TAG, or -e image.tag=TAG)*" "names both ways"
t_is "$(wait_status v2-a Running)" Running "v2-a Running"
t_octo 0 "2.x update: -e image.tag=T, --set-deployment-config, -O" update -n v2-a \
    -e image.tag=v8 --set-deployment-config F=5 -O D
t_is "$(power GET deployments/v2-a; j .tag)" v8 "the new tag"
t_is "$(overrides v2-a)" "a:A=1 d:F=5" "the config changed"

# commands: unarchive is restore, delete is Octopod 2's (forget: no script)
t_is "$(wait_status v2-a Running)" Running "v2-a Running again"
t_octo 0 "archive" archive -n v1-b
t_is "$(wait_status v1-b Archived)" Archived "v1-b Archived"
t_octo 0 "unarchive" unarchive -n v1-b
t_like "$(cat "$T_OUT")" '*restore of "v1-b" queued*' "is restore"
t_is "$(wait_status v1-b Running)" Running "v1-b Running again"
t_octo 0 "help unarchive" help unarchive
t_like "$(cat "$T_OUT")" "usage: octo restore -n NAME*" "names restore"
n_calls=$(wc -l <"$OCTOPOD_VAR/calls.log")
t_octo 0 "delete (Octopod 2: remove from octopod, no cleanup)" delete -n v2-a
t_like "$(cat "$T_OUT")" 'forgot "v2-a"*' "is forget"
t_is "$(sql "SELECT count(*) FROM deployments WHERE name = 'v2-a'")" 0 "the record is gone"
t_is "$(wc -l <"$OCTOPOD_VAR/calls.log")" "$n_calls" "and no script ran"

# logs -l
a=$(sql "SELECT id FROM actions WHERE deployment_name = 'v1-a' AND kind = 'create'")
t_octo 0 "logs (all): both streams, stderr's lines marked" logs -a "$a"
t_is "$(sort "$T_OUT" | tr '\n' '/')" "out one/out two/stderr| err one/stderr| err three/stderr| err two/" \
    "every line, each of stderr's marked"
# in the order the runner captured them (seq), which a loaded machine
# may make other than the script's
want=$(octo -o json logs -a "$a" | jq -rj 'if .stream == "stderr"
    then (.data | sub("\n$"; "") | split("\n") | map("stderr| " + .) | join("\n")) + "\n"
    else .data end')
t_is "$(cat "$T_OUT")" "$want" "in the order of the chunks"
t_octo 0 "logs -l all is the default" logs -l all -a "$a"
t_is "$(cat "$T_OUT" | wc -l)" 5 "the same five lines"
t_octo 0 "logs -l both" logs -l both -a "$a"
t_is "$(cat "$T_OUT" | wc -l)" 5 "both is all"
t_octo 0 "logs -l stdout" logs -l stdout -a "$a"
t_is "$(cat "$T_OUT")" "out one
out two" "only stdout, as it was written"
t_octo 0 "logs --log-type out" logs --log-type out -a "$a"
t_is "$(cat "$T_OUT")" "out one
out two" "out is stdout"
t_octo 0 "logs -l stderr" logs -l stderr -a "$a"
t_is "$(cat "$T_OUT")" "err one
err two
err three" "only stderr, unmarked"
t_octo 0 "logs -l err -o json" -o json logs -l err -a "$a"
t_is "$(jq -r .stream "$T_OUT" | sort -u)" stderr "JSON: only stderr's chunks"
t_octo 2 "logs -l nope" logs -l nope -a "$a"
t_like "$(cat "$T_ERR")" "*-l takes stdout, stderr or all (out, err, both)*" "says which"
t_done
