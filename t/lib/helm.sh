# t/lib/helm.sh: running the Helm control-script set against the
# recording stand-ins in t/stand-ins (sourced after control.sh).

export STANDIN_DIR=$T_TMP/standin
mkdir -p "$STANDIN_DIR/answer"
export HELM_BIN=$T_ROOT/t/stand-ins/helm
export KUBECTL_BIN=$T_ROOT/t/stand-ins/kubectl
export CHART=oci://registry.example/charts/app
unset CHART_VERSION RELEASE_PREFIX TAG_KEY APP_VALUES_PREFIX \
    DEPLOYMENT_VALUES_PREFIX HELM_SET_FLAG INSTANCE_LABEL ARCHIVE_KEEP_HISTORY \
    CLEANUP_KINDS WORKLOAD_KINDS CHECK_IMAGE INFO_SCHEME CONFIG_CHECK \
    HELM_EXTRA_ARGS HELM_INSTALL_ARGS KUBECTL_EXTRA_ARGS
COMMON="--project-name Demo --base-domain example.test --namespace staging"

# helm_run SCRIPT ARGS...: run a script of the Helm set
helm_run()
{
	s=$1
	shift
	"$T_HELM/$s" "$@"
}

# reset_calls: forget the recorded calls and the answers
reset_calls()
{
	rm -rf "$STANDIN_DIR"
	mkdir -p "$STANDIN_DIR/answer"
}

# answer KEY [RC [STDOUT [STDERR]]]: how the stand-in answers KEY
answer()
{
	printf '%s\n' "${2:-0}" > "$STANDIN_DIR/answer/$1.rc"
	printf '%s' "${3:-}" > "$STANDIN_DIR/answer/$1.out"
	printf '%s' "${4:-}" > "$STANDIN_DIR/answer/$1.err"
}

# answer_file KEY FIXTURE: the stand-in prints t/fixtures/helm/FIXTURE
answer_file()
{
	cp "$T_ROOT/t/fixtures/helm/$2" "$STANDIN_DIR/answer/$1.out"
}

# calls: how many times a stand-in ran
calls()
{
	cat "$STANDIN_DIR/count" 2>/dev/null || echo 0
}

# t_call N DESC PROG ARGS...: ok when call N had exactly this argv
t_call()
{
	n=$1 desc=$2
	shift 2
	printf '%s\0' "$@" > "$T_TMP/want"
	if cmp -s "$T_TMP/want" "$STANDIN_DIR/call.$n"; then
		t_result 0 "$desc"
	else
		t_result 1 "$desc"
		t_diag "got:
$(tr '\0' '\n' < "$STANDIN_DIR/call.$n" 2>&1 | sed 's/^/  /')
expected:
$(tr '\0' '\n' < "$T_TMP/want" | sed 's/^/  /')"
	fi
}

# t_values N DESC ASSIGNMENT...: ok when helm would have read exactly these
# assignments (KEY=VALUE, decoded) from call N's --set arguments
t_values()
{
	n=$1 desc=$2
	shift 2
	printf '%s\0' "$@" > "$T_TMP/want"
	if cmp -s "$T_TMP/want" "$STANDIN_DIR/values.$n"; then
		t_result 0 "$desc"
	else
		t_result 1 "$desc"
		t_diag "got:
$(tr '\0' '\n' < "$STANDIN_DIR/values.$n" 2>&1 | sed 's/^/  /')
expected:
$(tr '\0' '\n' < "$T_TMP/want" | sed 's/^/  /')"
	fi
}
