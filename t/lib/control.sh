# t/lib/control.sh: TAP helpers for the control-script tests (sourced).
#
#	t_ok DESC CMD...	ok when CMD exits 0
#	t_rc WANT DESC CMD...	ok when CMD exits WANT; CMD's stdout and
#				stderr are kept in $T_OUT and $T_ERR
#	t_is GOT WANT DESC	ok when the two strings are equal
#	t_isnt GOT UNWANTED DESC ok when the two strings differ
#	t_like GOT PATTERN DESC	ok when GOT matches the case PATTERN
#	t_done			print the plan; exit 1 if anything failed
#	pid_gone PID		the process has exited (a zombie counts)
#
# T_TMP is a fresh directory removed at exit; t_cleanup_hook (if the test
# defines it) runs first, from the EXIT trap.

set -u
T_ROOT=$(cd "$(dirname "$0")/.." && pwd)
T_LOCAL=$T_ROOT/control/local
T_HELM=$T_ROOT/control/helm
T_N=0
T_FAILED=0
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/octopod-t.XXXXXX") || exit 1
T_OUT=$T_TMP/.out
T_ERR=$T_TMP/.err

t_exit()
{
	rc=$?
	if command -v t_cleanup_hook >/dev/null 2>&1; then
		t_cleanup_hook
	fi
	rm -rf "$T_TMP"
	exit $rc
}
trap t_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

t_result()
{
	T_N=$((T_N + 1))
	if [ "$1" = 0 ]; then
		printf 'ok %d - %s\n' "$T_N" "$2"
	else
		T_FAILED=$((T_FAILED + 1))
		printf 'not ok %d - %s\n' "$T_N" "$2"
	fi
}

# pid_gone PID: no such process, or a zombie not reaped yet (a killed
# orphan waits for init to reap it)
pid_gone() {
	[ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

# t_diag TEXT: a TAP comment, one line per line of TEXT.
t_diag()
{
	printf '%s\n' "$1" | sed 's/^/# /'
}

t_rc()
{
	want=$1 desc=$2
	shift 2
	"$@" > "$T_OUT" 2> "$T_ERR"
	got=$?
	if [ "$got" = "$want" ]; then
		t_result 0 "$desc"
	else
		t_result 1 "$desc"
		t_diag "exit $got, expected $want: $*"
		t_diag "stdout: $(cat "$T_OUT")"
		t_diag "stderr: $(cat "$T_ERR")"
	fi
}

t_ok()
{
	desc=$1
	shift
	t_rc 0 "$desc" "$@"
}

t_is()
{
	if [ "$1" = "$2" ]; then
		t_result 0 "$3"
	else
		t_result 1 "$3"
		t_diag "got:      '$1'"
		t_diag "expected: '$2'"
	fi
}

t_isnt()
{
	if [ "$1" != "$2" ]; then
		t_result 0 "$3"
	else
		t_result 1 "$3"
		t_diag "got '$1', which it must not be"
	fi
}

t_like()
{
	case $1 in
	$2)	t_result 0 "$3" ;;
	*)	t_result 1 "$3"
		t_diag "got:      '$1'"
		t_diag "expected: '$2'" ;;
	esac
}

t_done()
{
	if command -v t_before_done >/dev/null 2>&1; then
		t_before_done
	fi
	printf '1..%d\n' "$T_N"
	[ "$T_FAILED" = 0 ] || exit 1
	exit 0
}
