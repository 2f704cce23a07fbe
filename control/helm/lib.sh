# control/helm/lib.sh: shared code of the Helm control-script set (bash).
# Sourced by every script of the set; never executed on its own.
#
# Every command is run from an argv array: no value from the command line
# is ever evaluated by a shell. Values reach helm's --set parser escaped
# (see helm_esc), so a comma or a backslash cannot split or alter them.
# Settings come from the environment; see README.md.

set -u
set -o pipefail

EX_USAGE=64
prog=${0##*/}

HELM_BIN=${HELM_BIN:-helm}
KUBECTL_BIN=${KUBECTL_BIN:-kubectl}
CHART=${CHART:-}
CHART_VERSION=${CHART_VERSION:-}
RELEASE_PREFIX=${RELEASE_PREFIX:-}
TAG_KEY=${TAG_KEY:-image.tag}
APP_VALUES_PREFIX=${APP_VALUES_PREFIX:-}
DEPLOYMENT_VALUES_PREFIX=${DEPLOYMENT_VALUES_PREFIX:-}
HELM_SET_FLAG=${HELM_SET_FLAG:---set-string}
INSTANCE_LABEL=${INSTANCE_LABEL:-app.kubernetes.io/instance}
ARCHIVE_KEEP_HISTORY=${ARCHIVE_KEEP_HISTORY:-0}
CLEANUP_KINDS=${CLEANUP_KINDS:-pvc secret certificates.cert-manager.io}
WORKLOAD_KINDS=${WORKLOAD_KINDS:-deployments,statefulsets}
CHECK_IMAGE=${CHECK_IMAGE:-}
INFO_SCHEME=${INFO_SCHEME:-https}
CONFIG_CHECK=${CONFIG_CHECK:-template}

# operator settings split on blanks (no quoting, no globbing)
read -r -a helm_extra <<< "${HELM_EXTRA_ARGS:-}"
read -r -a helm_install_extra <<< "${HELM_INSTALL_ARGS:-}"
read -r -a kubectl_extra <<< "${KUBECTL_EXTRA_ARGS:-}"

usage()
{
	printf '%s: %s\n' "$prog" "$1" >&2
	exit "$EX_USAGE"
}

fail()
{
	printf '%s: %s\n' "$prog" "$1" >&2
	exit 1
}

case $HELM_SET_FLAG in
--set | --set-string) ;;
*) fail "HELM_SET_FLAG must be --set or --set-string, not \"$HELM_SET_FLAG\"" ;;
esac

# Arguments: parse_args CLASS "$@", CLASS life (create … info) or notify.
# Sets PROJECT DOMAIN NAMESPACE NAME TAG OLD_STATUS NEW_STATUS, and the
# arrays APP_KV and DEP_KV of "KEY=VALUE" strings (v1 overrides or v2
# config, image.tag of the v2 application config excepted: it is TAG).
# Anything it does not understand ends the script with exit 64.
PROJECT='' DOMAIN='' NAMESPACE='' NAME='' TAG='' OLD_STATUS='' NEW_STATUS=''
APP_KV=() DEP_KV=()

parse_args()
{
	local class=$1 opt val has_name=0
	shift
	while (($#)); do
		opt=$1
		(($# >= 2)) || usage "option $opt needs a value"
		val=$2
		case $class:$opt in
		*:--project-name)	PROJECT=$val ;;
		*:--base-domain)	DOMAIN=$val ;;
		*:--namespace)		NAMESPACE=$val ;;
		*:--name)		NAME=$val; has_name=1 ;;
		life:--tag | notify:--tag)	TAG=$val ;;
		life:--app-env-override) check_kv "$val"; APP_KV+=("$val") ;;
		life:--application-config)
			check_kv "$val"
			if [[ $val == image.tag=* ]]; then
				TAG=${val#image.tag=}
			else
				APP_KV+=("$val")
			fi ;;
		life:--deployment-override | life:--deployment-config)
			check_kv "$val"; DEP_KV+=("$val") ;;
		notify:--old-status)	OLD_STATUS=$val ;;
		notify:--new-status)	NEW_STATUS=$val ;;
		notify:--event)		EVENT=$val ;;
		notify:--expires-at)	EXPIRES_AT=$val ;;
		*)			usage "unknown argument \"$opt\"" ;;
		esac
		shift 2
	done
	((has_name)) || usage "--name is required"
	[[ $NAME =~ ^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$ ]] ||
	    usage "invalid deployment name \"$NAME\""
	[[ -n $NAMESPACE ]] || usage "--namespace is required"
	RELEASE=$RELEASE_PREFIX$NAME
	SELECTOR=$INSTANCE_LABEL=$RELEASE
}

# check_kv K=V: exit 64 unless a non-empty key, '=' and a value.
check_kv()
{
	[[ $1 == ?*=* ]] || usage "setting \"$1\" is not KEY=VALUE"
}

# helm_esc STRING: STRING for helm's --set parser: '\' and ',' escaped,
# and a leading '{' too (it would start a list). Result in REPLY.
helm_esc()
{
	local s=$1
	s=${s//\\/\\\\}
	s=${s//,/\\,}
	[[ $s == \{* ]] && s=\\$s
	REPLY=$s
}

# set_args: fill the array SETS with the --set arguments of the parsed
# command line: globals, the tag, then app and deployment values.
set_args()
{
	local kv k v
	SETS=()
	helm_esc "$PROJECT"; SETS+=("--set-string=global.projectName=$REPLY")
	helm_esc "$DOMAIN"; SETS+=("--set-string=global.baseDomain=$REPLY")
	helm_esc "$NAME"; SETS+=("--set-string=global.deploymentName=$REPLY")
	if [[ -n $TAG ]]; then
		helm_esc "$TAG"; SETS+=("--set-string=$TAG_KEY=$REPLY")
	fi
	for kv in ${APP_KV[@]+"${APP_KV[@]}"}; do
		helm_esc "${kv%%=*}"; k=$REPLY
		helm_esc "${kv#*=}"; v=$REPLY
		SETS+=("$HELM_SET_FLAG=$APP_VALUES_PREFIX$k=$v")
	done
	for kv in ${DEP_KV[@]+"${DEP_KV[@]}"}; do
		helm_esc "${kv%%=*}"; k=$REPLY
		helm_esc "${kv#*=}"; v=$REPLY
		SETS+=("$HELM_SET_FLAG=$DEPLOYMENT_VALUES_PREFIX$k=$v")
	done
}

# secret_args: the secret overrides, which octopod does not put in argv
# (docs/control-scripts.md: OCTOPOD_CONFIG_FILE, OCTOPOD_SECRET_KEYS):
# each value written to a file of its own, mode 0600, handed to helm as
# --set-file KEY=PATH, so that no secret is on helm's command line either.
# The files go when the script ends. Keys already on the command line
# (CONTROL_SCRIPT_SECRETS=argv) are left as they are.
SECRET_DIR=''
secret_args()
{
	local sk scope key line opt kv f prefix
	[[ -n ${OCTOPOD_SECRET_KEYS:-} && -n ${OCTOPOD_CONFIG_FILE:-} ]] || return 0
	[[ -r $OCTOPOD_CONFIG_FILE ]] || fail "cannot read OCTOPOD_CONFIG_FILE"
	for sk in $OCTOPOD_SECRET_KEYS; do
		scope=${sk%%:*} key=${sk#*:}
		case $scope in
		app)	prefix=$APP_VALUES_PREFIX ;;
		deployment) prefix=$DEPLOYMENT_VALUES_PREFIX ;;
		*)	fail "unknown scope in OCTOPOD_SECRET_KEYS: \"$sk\"" ;;
		esac
		for kv in ${APP_KV[@]+"${APP_KV[@]}"} ${DEP_KV[@]+"${DEP_KV[@]}"}; do
			[[ ${kv%%=*} == "$key" ]] && continue 2
		done
		while IFS= read -r line; do
			opt=${line%% *} kv=${line#* }
			case $scope:$opt in
			app:--app-env-override | app:--application-config | \
			deployment:--deployment-override | deployment:--deployment-config) ;;
			*)	continue ;;
			esac
			[[ ${kv%%=*} == "$key" ]] || continue
			if [[ -z $SECRET_DIR ]]; then
				SECRET_DIR=$(umask 077; mktemp -d) ||
				    fail "cannot make a directory for the secret values"
				trap 'rm -rf "$SECRET_DIR"' EXIT
			fi
			f=$SECRET_DIR/$((${#SETS[@]} + 1))
			(umask 077; printf '%s' "${kv#*=}" >"$f") ||
			    fail "cannot write a secret value's file"
			helm_esc "$prefix$key"
			SETS+=("--set-file=$REPLY=$f")
			break
		done <"$OCTOPOD_CONFIG_FILE"
	done
}

# chart_args: fill CHART_ARGS with what install and template share.
chart_args()
{
	[[ -n $CHART ]] || fail "CHART is not set (a chart reference: repo/name, a path or a URL)"
	set_args
	secret_args
	CHART_ARGS=("$RELEASE" "$CHART" "--namespace=$NAMESPACE")
	[[ -n $CHART_VERSION ]] && CHART_ARGS+=("--version=$CHART_VERSION")
	CHART_ARGS+=(${helm_install_extra[@]+"${helm_install_extra[@]}"} "${SETS[@]}")
}

# helm ARGS… / kubectl ARGS…: the tools with the operator's extra arguments.
helm()
{
	"$HELM_BIN" ${helm_extra[@]+"${helm_extra[@]}"} "$@"
}

kubectl()
{
	"$KUBECTL_BIN" ${kubectl_extra[@]+"${kubectl_extra[@]}"} "$@"
}

# helm_install: create, update and restore are all this.
helm_install()
{
	chart_args
	helm upgrade --install "${CHART_ARGS[@]}" --create-namespace --wait=false ||
	    fail "helm upgrade --install of release $RELEASE failed"
}
