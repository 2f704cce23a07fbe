#!/usr/bin/env bash
# `make run` (scripts/run.sh) as a user runs it: Ctrl-C (SIGINT to its
# process group) and SIGTERM stop everything, every local deployment's
# nginx included, and exit 0 without "a part stopped"; the next run starts
# the deployments that were Running again, with their data and on their
# port, before octopod's first check: they stay Running and serve their
# page; an archived one stays stopped.
. "$(dirname "$0")/lib/run.sh"

page() { curl -fsS --max-time 5 "http://127.0.0.1:$1/" 2>/dev/null; }
port_of() { cat "$OCTOPOD_VAR/deployments/$1/port"; }

run_start "$T_TMP/run1.log"
t_octo 0 "create keep" create -n keep -t v1 -e GREETING=hello-there
t_octo 0 "create other" create -n other -t v2
t_octo 0 "create gone" create -n gone -t v1
for n in keep other gone; do
	t_octo 0 "$n is Running" wait -n "$n" --timeout 60
done
t_octo 0 "archive gone" archive -n gone
t_octo 0 "gone is Archived" wait -n gone --for archived --timeout 60
pk=$(port_of keep) po=$(port_of other)
t_like "$(page "$pk")" "*keep*hello-there*" "keep serves its page"
t_like "$(page "$po")" "*other*" "other serves its page"
ngx=$(var_procs | while read -r p; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done | grep -c "deployments/.*nginx.conf")
t_isnt "$ngx" 0 "the deployments' nginx run ($ngx processes)"

# Ctrl-C
run_signal INT
t_is "$RUN_RC" 0 "Ctrl-C: exit 0"
t_ok "no \"a part stopped\"" sh -c "! grep -q 'a part stopped' '$T_TMP/run1.log'"
t_like "$(cat "$T_TMP/run1.log")" "*stopped the local deployments: keep other*" \
    "says which local deployments it stopped"
t_is "$(var_procs | tr '\n' ' ')" "" "nothing of the stack is left: no nginx of a deployment, no part"
t_ok "keep's page is down" sh -c "! curl -fsS --max-time 2 http://127.0.0.1:$pk/ >/dev/null 2>&1"

# the next run
run_start "$T_TMP/run2.log"
t_like "$(cat "$T_TMP/run2.log")" "*started the local deployments again: keep other*" "says so"
t_is "$(page "$pk" | grep -c hello-there)" 1 "keep serves its page again, on its port, with its data"
t_like "$(page "$po")" "*other*" "other too"
t_octo 0 "info keep" -o json info -n keep --history 100
t_is "$(jq -r .deployment.status "$T_OUT")" Running "keep is Running"
t_is "$(jq -r '[.history[].to] | join(" ")' "$T_OUT")" "CreatePending Running" \
    "and never was anything else: no failed check on the way back"
sleep 2	# a few status checks (STATUS_CHECK_INTERVAL=1)
t_octo 0 "info keep, after some checks" -o json info -n keep
t_is "$(jq -r '.deployment.status + " " + (.deployment.checked_at != null | tostring)' "$T_OUT")" \
    "Running true" "still Running, checked"
t_octo 0 "info gone" -o json info -n gone
t_is "$(jq -r .deployment.status "$T_OUT")" Archived "gone is still Archived"
t_is "$(var_procs | while read -r p; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done | grep -c "deployments/gone/")" 0 \
    "and its nginx was not started"

# a deployment created in this run, then SIGTERM to the group
t_octo 0 "create third" create -n third -t v3
t_octo 0 "third is Running" wait -n third --timeout 60
run_signal TERM
t_is "$RUN_RC" 0 "SIGTERM: exit 0"
t_ok "no \"a part stopped\"" sh -c "! grep -q 'a part stopped' '$T_TMP/run2.log'"
t_is "$(var_procs | tr '\n' ' ')" "" "nothing is left"

# a machine that went down under the deployments (nginx.pid outlived its
# nginx) is treated the same
run_start "$T_TMP/run3.log"
t_like "$(cat "$T_TMP/run3.log")" "*started the local deployments again: keep other third*" "all three"
pid=$(cat "$OCTOPOD_VAR/deployments/third/nginx.pid")
kill -KILL -- "-$pid"
for _ in $(seq 50); do pid_gone "$pid" && break; sleep 0.1; done
run_signal INT
t_is "$RUN_RC" 0 "Ctrl-C: exit 0"
run_start "$T_TMP/run4.log"
t_like "$(cat "$T_TMP/run4.log")" "*started the local deployments again: keep other*" \
    "keep and other again"
t_like "$(page "$(port_of third)")" "*third*" "third, killed under it, serves again"
# an impatient user: Ctrl-C three times
kill -INT -- "-$RUN_PID"
sleep 0.05
kill -INT -- "-$RUN_PID"
sleep 0.2
run_signal INT
t_is "$RUN_RC" 0 "Ctrl-C, Ctrl-C, Ctrl-C: exit 0"
t_is "$(var_procs | tr '\n' ' ')" "" "nothing is left: the stop was not cut short"
t_done
