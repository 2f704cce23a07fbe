#!/usr/bin/env bash
# scripts/ui-user.sh: the basic-auth users of the ui door and their roles.
#
#	scripts/ui-user.sh add NAME [ROLE]	a new user; prints a generated
#						password once (with -p: reads
#						it from stdin's first line)
#	scripts/ui-user.sh remove NAME		the user and its role
#	scripts/ui-user.sh role NAME ROLE	change a user's role
#	scripts/ui-user.sh list			the users and their roles
#
# ROLE is viewer, deployer or admin (docs/API.md, "Roles"); without one a
# user has UI_DEFAULT_ROLE (deployer). It edits $OCTOPOD_VAR/nginx/htpasswd,
# which nginx reads on every request, and $UI_ROLES_FILE
# ($OCTOPOD_VAR/ui-roles), which octopod-fcgi reads again when it changes:
# nothing needs a restart. Each file is replaced atomically (0640 and 0644).
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${OCTOPOD_VAR:=$TOP/var}"
HT="$OCTOPOD_VAR/nginx/htpasswd"
ROLES="${UI_ROLES_FILE:-$OCTOPOD_VAR/ui-roles}"
CRED="$OCTOPOD_VAR/ui-credentials"

die() { echo "ui-user: $*" >&2; exit 1; }
usage() {
	echo "usage: ui-user.sh add [-p] NAME [viewer|deployer|admin]" >&2
	echo "       ui-user.sh remove NAME" >&2
	echo "       ui-user.sh role NAME viewer|deployer|admin" >&2
	echo "       ui-user.sh list" >&2
	exit 2
}

check_name() {
	[[ "$1" =~ ^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$ ]] ||
	    die "invalid user name \"$1\": letters, digits and . _ @ - (at most 64), starting with a letter or digit"
}
check_role() {
	case "$1" in viewer|deployer|admin) ;; *)
		die "invalid role \"$1\": must be viewer, deployer or admin" ;; esac
}
has_user() { [ -f "$HT" ] && awk -F: -v u="$1" '$1 == u { f = 1 } END { exit !f }' "$HT"; }

# replace FILE MODE: stdin becomes FILE, atomically
replace() {
	local tmp
	tmp=$(mktemp "$1.XXXXXX") || die "could not create a file next to $1"
	cat >"$tmp" && chmod "$2" "$tmp" && mv -f "$tmp" "$1" ||
	    { rm -f "$tmp"; die "could not write $1"; }
}

# set_role NAME [ROLE]: NAME's line of the roles file; none when no ROLE
set_role() {
	{
		[ -f "$ROLES" ] && awk -v u="$1" '$1 != u' "$ROLES"
		[ -n "${2:-}" ] && printf '%s %s\n' "$1" "$2"
	} | replace "$ROLES" 644
}

[ $# -ge 1 ] || usage
cmd=$1
shift
[ -d "$OCTOPOD_VAR/nginx" ] || die "no $OCTOPOD_VAR/nginx: run make run once first (or set OCTOPOD_VAR)"
# one change at a time
exec 9>"$OCTOPOD_VAR/.ui-user.lock" || die "could not open the lock file"
flock 9

case "$cmd" in
add)
	from_stdin=0
	if [ "${1:-}" = -p ]; then from_stdin=1; shift; fi
	[ $# -ge 1 ] && [ $# -le 2 ] || usage
	check_name "$1"
	[ $# -eq 2 ] && check_role "$2"
	has_user "$1" && die "user \"$1\" already exists (remove it first to change its password)"
	if [ "$from_stdin" = 1 ]; then
		IFS= read -r pw || [ -n "${pw:-}" ] || die "no password on stdin"
		[ ${#pw} -ge 8 ] || die "the password must have at least 8 characters"
	else
		pw=$(openssl rand -base64 24 | tr -dc 'A-Za-z0-9' | cut -c1-20)
	fi
	hash=$(printf '%s' "$pw" | openssl passwd -apr1 -stdin) || die "openssl passwd failed"
	[ $# -eq 2 ] && set_role "$1" "$2"
	{ [ -f "$HT" ] && cat "$HT"; printf '%s:%s\n' "$1" "$hash"; } | replace "$HT" 640
	if [ "$from_stdin" = 1 ]; then
		echo "added $1 (${2:-default role})"
	else
		echo "added $1 (${2:-default role}); password: $pw"
	fi
	;;
remove)
	[ $# -eq 1 ] || usage
	check_name "$1"
	has_user "$1" || die "no user \"$1\""
	[ -f "$CRED" ] && [ "$(cut -d: -f1 "$CRED")" = "$1" ] &&
	    die "\"$1\" is the first user (ui-credentials), which make run creates again; give it another password there instead"
	awk -F: -v u="$1" '$1 != u' "$HT" | replace "$HT" 640
	set_role "$1"
	echo "removed $1"
	;;
role)
	[ $# -eq 2 ] || usage
	check_name "$1"
	check_role "$2"
	has_user "$1" || die "no user \"$1\""
	set_role "$1" "$2"
	echo "$1 is now $2"
	;;
list)
	[ $# -eq 0 ] || usage
	[ -f "$HT" ] || exit 0
	awk -F: -v d="${UI_DEFAULT_ROLE:-deployer}" 'FILENAME == ARGV[1] { if ($0 !~ /^[ \t]*#/ && NF) { split($0, w, /[ \t]+/); r[w[1]] = w[2] }; next }
	    $1 != "" { print $1, ($1 in r ? r[$1] : d " (default)") }' \
	    "$( [ -f "$ROLES" ] && echo "$ROLES" || echo /dev/null)" "$HT"
	;;
*)
	usage
	;;
esac
