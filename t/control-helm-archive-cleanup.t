#!/bin/sh
# The Helm set's archive uninstalls the release (keeping its history when
# asked), archive_check waits for its pods to be gone, and cleanup deletes
# what is left labelled for the release, one kubectl call per kind.
. "$(dirname "$0")/lib/control.sh"
. "$(dirname "$0")/lib/helm.sh"

A="$COMMON --name pr-1"

t_ok "archive" helm_run archive $A
t_call 1 "archive: exact helm argv" helm uninstall pr-1 --namespace=staging
reset_calls
t_ok "archive (v2, keep history)" env ARCHIVE_KEEP_HISTORY=1 "$T_HELM/archive" $A \
    --application-config image.tag=v1 --deployment-config replicas=1
t_call 1 "archive: --keep-history" helm uninstall pr-1 --namespace=staging --keep-history
answer helm.uninstall 1 "" "Error: uninstall: Release not loaded: pr-1: release: not found"
t_ok "archive of a release that is gone is fine" helm_run archive $A
answer helm.uninstall 1 "" "Error: Kubernetes cluster unreachable"
t_rc 1 "archive fails when helm fails" helm_run archive $A
t_like "$(cat "$T_ERR")" "*cluster unreachable*" "archive passes helm's message on"

reset_calls
answer kubectl.get.pods 0 ""
t_rc 0 "archive_check: no pods -> 0" helm_run archive_check $A
t_call 1 "archive_check: exact kubectl argv" kubectl get pods --namespace=staging \
    --selector=app.kubernetes.io/instance=pr-1 --output=name
answer_file kubectl.get.pods pods-left.txt
t_rc 1 "archive_check: pods left -> 1" helm_run archive_check $A
t_like "$(cat "$T_OUT")" "*pod/pr-1-db-0*" "archive_check lists them"
answer kubectl.get.pods 1 "" "error: You must be logged in"
t_rc 1 "archive_check: kubectl failing -> 1" helm_run archive_check $A

reset_calls
t_ok "cleanup" helm_run cleanup $A
t_is "$(calls)" 3 "cleanup: one call per kind"
for k in 1:pvc 2:secret 3:certificates.cert-manager.io; do
	t_call ${k%%:*} "cleanup: deletes ${k#*:}" kubectl delete "${k#*:}" --namespace=staging \
	    --selector=app.kubernetes.io/instance=pr-1 --ignore-not-found=true --wait=false
done

reset_calls
answer kubectl.delete.certificates.cert-manager.io 1 "" \
    'error: the server doesn'"'"'t have a resource type "certificates"'
t_ok "cleanup: a kind the cluster lacks is skipped" helm_run cleanup $A
answer kubectl.delete.pvc 1 "" "Error from server (Forbidden): nope"
t_rc 1 "cleanup: a failing delete fails cleanup" helm_run cleanup $A
t_like "$(cat "$T_ERR")" "*Forbidden*" "cleanup passes kubectl's message on"
t_is "$(ls "$STANDIN_DIR" | grep -c '^call\.')" 6 "cleanup still tried every kind"

reset_calls
answer helm.uninstall 1 "" "Error: uninstall: Release not loaded: pr-1: release: not found"
t_ok "cleanup with kept history" env ARCHIVE_KEEP_HISTORY=1 CLEANUP_KINDS=pvc \
    RELEASE_PREFIX=st- "$T_HELM/cleanup" $A
t_call 1 "cleanup purges the history first" helm uninstall st-pr-1 --namespace=staging
t_call 2 "then the PVCs" kubectl delete pvc --namespace=staging \
    --selector=app.kubernetes.io/instance=st-pr-1 --ignore-not-found=true --wait=false
t_is "$(calls)" 2 "and nothing else"
t_done
