# t/lib/local.sh: running the local control-script set in a test (sourced
# after control.sh). Deployments live in $T_TMP/data; every nginx they
# start is killed at exit, whatever state the test left them in.

export OCTOPOD_LOCAL_DATA=$T_TMP/data
# a range of its own per run, so that parallel runs rarely meet
r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
lo=$((30000 + (r % 300) * 100))
export OCTOPOD_LOCAL_PORTS=$lo-$((lo + 99))
COMMON="--project-name Demo --base-domain example.test --namespace demo"

t_cleanup_hook()
{
	for f in "$OCTOPOD_LOCAL_DATA"/*/nginx.pid; do
		[ -s "$f" ] || continue
		read -r g < "$f"
		case $g in '' | *[!0-9]*) continue ;; esac
		kill -KILL "-$g" 2>/dev/null
	done
}

# local_run SCRIPT ARGS...: run a script of the local set
local_run()
{
	s=$1
	shift
	"$T_LOCAL/$s" "$@"
}

# port_of NAME: the port a deployment listens on
port_of()
{
	cat "$OCTOPOD_LOCAL_DATA/$1/port"
}

# fetch NAME PATH: the deployment's page, or nothing
fetch()
{
	curl -fsS --max-time 5 "http://127.0.0.1:$(port_of "$1")/$2" 2>/dev/null
}

# group_alive NAME: true while any nginx of the deployment's group lives
group_alive()
{
	g=$(cat "$OCTOPOD_LOCAL_DATA/$1/nginx.pid" 2>/dev/null) || return 1
	pgid_alive "$g"
}

# group_gone PGID: true when no nginx of process group PGID lives
group_gone()
{
	! pgid_alive "$1"
}

pgid_alive()
{
	g=$1
	for st in /proc/[0-9]*/stat; do
		{ read -r line < "$st"; } 2>/dev/null || continue
		case $line in *' (nginx) '*) ;; *) continue ;; esac
		set -- ${line##*) }
		[ "$1" != Z ] && [ "$3" = "$g" ] && return 0
	done
	return 1
}

# kill_deployment NAME: SIGKILL every nginx of the deployment (a crash);
# waits up to 5 s until they are gone.
kill_deployment()
{
	g=$(cat "$OCTOPOD_LOCAL_DATA/$1/nginx.pid") || return 1
	kill -KILL "-$g"
	i=0
	while pgid_alive "$g"; do
		[ $i -ge 50 ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}
