# t/lib/compat.sh: Octopod's own kind of control scripts, run by the real
# stack through a deployment's whole life (issue 15). Sourced by
# t/compat-octopod-v1.t and -v2.t with STYLE=v1|v2: the scripts of
# t/fixtures/octopod-$STYLE parse argv as strictly as Octopod's
# (t/fixtures/octopod-strict.sh) and log every call. Also the secrets of
# issue 14: a secret override is never in any process's
# /proc/PID/cmdline (sampled all along), and never in a file that the
# group or others may read.

export CONTROL_SCRIPTS_DIR="$(cd "$(dirname "$0")/.." && pwd)/t/fixtures/octopod-$STYLE"
export CONTROL_SCRIPT_ARGS=$STYLE
export STATUS_CHECK_INTERVAL=1
. "$(dirname "$0")/lib/stack.sh"
export STRICT_LOG="$T_TMP/strict"
export TMPDIR="$T_TMP/tmp"
mkdir -p "$STRICT_LOG" "$TMPDIR"
chmod 777 "$STRICT_LOG"
SECRET=zq-Secret-4417-value

# the sampler: every process's cmdline, all along; the pattern comes
# from a file so that grep's own cmdline does not hold it
# (the test's own files are 0600: the check of modes below reads them too)
umask 077
printf '%s\n' "$SECRET" >"$T_TMP/pattern"
: >"$T_TMP/hits"
umask 022
sampler() {
	while :; do
		grep -laF -f "$T_TMP/pattern" /proc/[0-9]*/cmdline 2>/dev/null |
		    while read -r f; do
			printf '%s: %s\n' "$f" "$(tr '\0' ' ' <"$f" 2>/dev/null)"
		    done >>"$T_TMP/hits"
		printf x >>"$T_TMP/samples"
		sleep 0.05
	done
}
stack_start
sampler &
SAMPLER=$!
t_cleanup_hook() {
	kill "$SAMPLER" 2>/dev/null
	stack_stop
}

# status NAME: the deployment's status, or "gone"
status() {
	ui GET "deployments/$1"
	if [ "$S" = 404 ]; then echo gone; else j .status; fi
}
wait_status() {	# wait_status NAME WANT [SECONDS]
	local i got
	for i in $(seq 1 $(( ${3:-30} * 10 ))); do
		got=$(status "$1")
		[ "$got" = "$2" ] && break
		sleep 0.1
	done
	printf '%s' "$got"
}
wait_idle() {	# wait_idle NAME: its action finished
	local i
	for i in $(seq 1 300); do
		ui GET "deployments/$1"
		[ "$(j .busy)" = false ] && return 0
		sleep 0.1
	done
}

# from a file: on curl's command line the secret would be in its cmdline
umask 077
printf '%s' '{"name":"pr-1","tag":"v1","app_overrides":[{"key":"GREETING","value":"hi there"},{"key":"DB_PASSWORD","value":"'$SECRET'","secret":true}],"deployment_overrides":[{"key":"replicas","value":"2"}]}' >"$T_TMP/create.json"
umask 022
power POST deployments "@$T_TMP/create.json"
t_is "$S" 202 "create with overrides and a secret: accepted"
t_is "$(wait_status pr-1 Running)" Running "create -> Running (check passed)"
wait_idle pr-1

power POST deployments '{"name":"pr-2","tag":"bad"}'
t_is "$S" 422 "config_check ($([ "$STYLE" = v1 ] && echo tag_check || echo config_check)) refuses tag bad"
t_like "$(j .error.message)" "*tag bad not found*" "with the script's own words"

power PATCH deployments/pr-1 '{"tag":"v2","app_overrides":{"set":[{"key":"GREETING","value":"bye"}]}}'
t_is "$S" 202 "update accepted"
sleep 0.2
t_is "$(wait_status pr-1 Running)" Running "update -> Running at the new tag"
wait_idle pr-1
ui GET deployments/pr-1
t_is "$(j .tag)" v2 "tag v2"

power POST deployments/pr-1/archive
t_is "$S" 202 "archive accepted"
t_is "$(wait_status pr-1 Archived)" Archived "archive -> Archived (archive_check passed)"
wait_idle pr-1
power POST deployments/pr-1/restore
t_is "$S" 202 "restore accepted"
t_is "$(wait_status pr-1 Running)" Running "restore -> Running"
wait_idle pr-1
power POST deployments/pr-1/archive
t_is "$(wait_status pr-1 Archived)" Archived "archived again"
wait_idle pr-1
power POST deployments/pr-1/cleanup
t_is "$S" 202 "cleanup accepted"
t_is "$(wait_status pr-1 gone)" gone "cleanup removed it"
# the notifications of the last changes are sent after their commit
for i in $(seq 1 50); do
	[ "$(grep -c 'pr-1 ArchivePending Archived' "$STRICT_LOG/notifications" 2>/dev/null)" -ge 2 ] && break
	sleep 0.1
done
sleep 1

t_is "$(cat "$STRICT_LOG/refused" 2>/dev/null)" "" "no script refused its argv"
for s in create update check archive archive_check cleanup info notifications; do
	t_like "$(cut -d' ' -f1 "$STRICT_LOG/calls" | sort -u | tr '\n' ' ')" "*$s *" "$s was called"
done
restore=$([ "$STYLE" = v1 ] && echo restore || echo unarchive)
t_like "$(cut -d' ' -f1 "$STRICT_LOG/calls" | sort -u | tr '\n' ' ')" "*$restore *" "restore ran as $restore"
n=$(grep -c '^pr-1 ArchivePending Archived$' "$STRICT_LOG/notifications")
t_is "$n" 2 "ArchivePending -> Archived told once per archive, not again at cleanup"
t_is "$(grep -c '^pr-1 .* Failure$\|^pr-1 Failure ' "$STRICT_LOG/notifications")" 0 "no status named Failure"

# secrets: in no cmdline, in the 0600 file only
t_like "$(wc -c <"$T_TMP/samples")" "[1-9]*" "cmdlines sampled while the scripts ran ($(wc -c <"$T_TMP/samples") rounds)"
t_is "$(cat "$T_TMP/hits" 2>/dev/null)" "" "the secret was in no process's /proc/PID/cmdline"
t_is "$(grep -laF -f "$T_TMP/pattern" "$STRICT_LOG"/cmdline.* | wc -l)" 0 "nor in any script's own cmdline"
t_is "$(grep -F -c -f "$T_TMP/pattern" "$STRICT_LOG/calls")" 0 "nor in any script's argv"
t_is "$(cat "$STRICT_LOG"/cfgmode.* | sort -u | tr '\n' ' ')" "600 " "every OCTOPOD_CONFIG_FILE was mode 0600"
t_is "$(cat "$STRICT_LOG"/cfgsecret.create.* | sort -u)" 1 "create's config file held the secret"
t_is "$(find "$T_TMP" -type f -perm /077 -exec grep -laF -f "$T_TMP/pattern" {} + 2>/dev/null)" "" \
    "no group- or world-readable file holds the secret"
t_is "$(ls "$TMPDIR" | wc -l)" 0 "every config file was removed after its script"
