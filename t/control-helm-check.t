#!/bin/sh
# The Helm set's check asks kubectl for the release's workloads and
# answers 0 (all ready), 2 (some ready), 3 (image tag mismatch) or 1
# (nothing ready, nothing there, kubectl failing), in both argument styles.
. "$(dirname "$0")/lib/control.sh"
. "$(dirname "$0")/lib/helm.sh"

V1="$COMMON --name pr-1 --tag v1.10 --app-env-override K=V"
TMPL='{range .items[*]}{.kind}{"|"}{.metadata.name}{"|"}{.spec.replicas}{"|"}{.status.readyReplicas}{"|"}{range .spec.template.spec.containers[*]}{.image}{" "}{end}{"\n"}{end}'
K=kubectl.get.deployments,statefulsets

answer_file $K workloads-healthy.txt
t_rc 0 "all ready, right tag -> 0" helm_run check $V1
t_call 1 "exact kubectl argv" kubectl get deployments,statefulsets \
    --namespace=staging --selector=app.kubernetes.io/instance=pr-1 \
    "--output=jsonpath=$TMPL"
t_rc 0 "the same in v2 style" helm_run check $COMMON --name pr-1 \
    --application-config image.tag=v1.10 --deployment-config replicas=2
t_rc 3 "v2 with another image.tag -> 3" helm_run check $COMMON --name pr-1 \
    --application-config image.tag=v1.11

answer_file $K workloads-partial.txt
t_rc 2 "one of two replicas ready -> 2" helm_run check $V1
t_like "$(cat "$T_OUT")" "*Deployment/pr-1-app: 1 of 2 ready*" "check says what is not ready"

answer_file $K workloads-down.txt
t_rc 1 "nothing ready -> 1" helm_run check $V1

answer_file $K workloads-old-tag.txt
t_rc 3 "old tag running -> 3" helm_run check $V1
t_like "$(cat "$T_OUT")" "*tag mismatch*registry.example/app:v1.9*" "check names the image"
t_rc 3 "CHECK_IMAGE=app: old tag -> 3" env CHECK_IMAGE=/app "$T_HELM/check" $V1

answer_file $K workloads-sidecar.txt
t_rc 0 "registry port, digest, sidecar, no replicas field -> 0" helm_run check $V1
t_rc 0 "CHECK_IMAGE picks the app image" env CHECK_IMAGE=team/app "$T_HELM/check" $V1
t_rc 3 "CHECK_IMAGE on the sidecar: its tag differs -> 3" env CHECK_IMAGE=envoy "$T_HELM/check" $V1
t_rc 1 "CHECK_IMAGE matching nothing -> 1" env CHECK_IMAGE=nothing "$T_HELM/check" $V1

answer_file $K workloads-two-images.txt
t_rc 0 "one image with the tag is enough by default" helm_run check $V1
t_rc 3 "CHECK_IMAGE=registry.example/worker wants it there too" \
    env CHECK_IMAGE=registry.example/worker "$T_HELM/check" $V1

answer $K 0 ""
t_rc 1 "no workloads -> 1" helm_run check $V1
t_like "$(cat "$T_OUT")" "*no deployments,statefulsets*" "check says nothing is there"

answer $K 1 "" "Unable to connect to the server"
t_rc 1 "kubectl failing -> 1" helm_run check $V1

reset_calls
answer_file kubectl.get.deployments workloads-healthy.txt
t_rc 0 "settings: kinds, label, prefix, kubectl extra args" env WORKLOAD_KINDS=deployments \
    INSTANCE_LABEL=release RELEASE_PREFIX=st- KUBECTL_EXTRA_ARGS="--context=ctx --v=0" \
    "$T_HELM/check" $V1
t_call 1 "exact kubectl argv with those settings" kubectl --context=ctx --v=0 get deployments \
    --namespace=staging --selector=release=st-pr-1 "--output=jsonpath=$TMPL"
t_done
