# control/local/lib.sh: shared code of the local control-script set.
# Sourced by every script of the set; never executed on its own.
#
# Each deployment is an nginx of its own that serves a small page
# (index.html for people, octopod.json for `check`) on 127.0.0.1:PORT.
# Its data directory is $OCTOPOD_LOCAL_DATA/NAME:
#
#	nginx.conf	written from scratch on every create/update/restore
#	port		the port it listens on (kept across archive/restore)
#	nginx.pid	while it runs
#	www/		index.html and octopod.json
#	logs/ tmp/	nginx's own
#
# No value from the command line is ever evaluated: they are only quoted
# arguments to printf and friends, and they are escaped before they reach
# HTML or JSON. Nothing of them is written into nginx.conf (nginx -p
# resolves every relative path there against the data directory).

set -u

EX_USAGE=64

# nginx: OCTOPOD_LOCAL_NGINX, else from PATH, else Debian's place (a
# non-root PATH often lacks /usr/sbin)
NGINX=${OCTOPOD_LOCAL_NGINX:-}
if [ -z "$NGINX" ]; then
	NGINX=$(command -v nginx 2>/dev/null) || NGINX=/usr/sbin/nginx
fi

prog=${0##*/}

# usage MESSAGE: refuse the command line (exit 64, message on stderr).
usage()
{
	printf '%s: %s\n' "$prog" "$1" >&2
	exit "$EX_USAGE"
}

# fail MESSAGE: a failure of the action itself (exit 1).
fail()
{
	printf '%s: %s\n' "$prog" "$1" >&2
	exit 1
}

# say MESSAGE: progress line on stdout (captured by octopod).
say()
{
	printf '%s\n' "$1"
}

# json_str VALUE: VALUE as a JSON string literal, quotes included.
json_str()
{
	V=$1 awk 'BEGIN {
		s = ENVIRON["V"]; out = ""
		for (i = 0; i < 32; i++) ctl[sprintf("%c", i)] = sprintf("\\u%04x", i)
		n = length(s)
		for (i = 1; i <= n; i++) {
			c = substr(s, i, 1)
			if (c == "\\") c = "\\\\"
			else if (c == "\"") c = "\\\""
			else if (c == "\n") c = "\\n"
			else if (c == "\t") c = "\\t"
			else if (c in ctl) c = ctl[c]
			out = out c
		}
		printf "\"%s\"", out
	}'
}

# html VALUE: VALUE with & < > " ' replaced by entities.
html()
{
	V=$1 awk 'BEGIN {
		s = ENVIRON["V"]
		gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s)
		gsub(/>/, "\\&gt;", s); gsub(/"/, "\\&quot;", s)
		gsub(/\047/, "\\&#39;", s)
		printf "%s", s
	}'
}

# Arguments. parse_args CLASS "$@" where CLASS says what the script takes:
#   life	a lifecycle script (create … info): tag, overrides, configs
#   notify	notifications: --old-status, --new-status, or --event E
#		(expiry-warning) with --expires-at ISO
#   keys	app_keys … deployment_overrides: --name optional, and the
#		deployment's settings (--deployment-override / -config)
# Sets PROJECT DOMAIN NAMESPACE NAME TAG OLD_STATUS NEW_STATUS EVENT
# EXPIRES_AT, and for
# the overrides: APP_JSON DEP_JSON (comma-joined {"key","value"} objects),
# APP_HTML DEP_HTML (<tr> rows), FORBIDDEN (1 when a key is FORBIDDEN).
# Anything it does not understand ends the script with exit 64.
PROJECT= DOMAIN= NAMESPACE= NAME= TAG= OLD_STATUS= NEW_STATUS=
EVENT= EXPIRES_AT=
APP_JSON= DEP_JSON= APP_HTML= DEP_HTML= FORBIDDEN=0
has_name=0

# is_secret SCOPE KEY: true when octopod says the override is secret
# (OCTOPOD_SECRET_KEYS: "app:KEY deployment:KEY ...").
is_secret()
{
	case " ${OCTOPOD_SECRET_KEYS:-} " in
	*" $1:$2 "*) return 0 ;;
	esac
	return 1
}

# add_kv SCOPE K=V [record]: check one override or config pair, and
# record it for the page when the third argument is 1 (the default). A
# secret value is never written out: the page shows "***".
add_kv()
{
	case $2 in
	?*=*)	;;
	*)	usage "$1 setting \"$2\" is not KEY=VALUE" ;;
	esac
	k=${2%%=*} v=${2#*=}
	if [ "$1" = app ] && [ "$k" = image.tag ] && [ "$v_style" = v2 ]; then
		TAG=$v
		return
	fi
	[ "$k" = FORBIDDEN ] && FORBIDDEN=1
	[ "${3:-1}" = 1 ] || return 0
	is_secret "$1" "$k" && v='***'
	j="{\"key\": $(json_str "$k"), \"value\": $(json_str "$v")}"
	h="<tr><td>$(html "$k")</td><td>$(html "$v")</td></tr>"
	if [ "$1" = app ]; then
		APP_JSON=${APP_JSON:+$APP_JSON, }$j
		APP_HTML=$APP_HTML$h
	else
		DEP_JSON=${DEP_JSON:+$DEP_JSON, }$j
		DEP_HTML=$DEP_HTML$h
	fi
}

# read_config: the deployment's whole configuration from the 0600 file
# that octopod names in OCTOPOD_CONFIG_FILE ("OPTION KEY=VALUE" lines,
# secrets included: docs/control-scripts.md), recorded for the page.
read_config()
{
	[ -n "${OCTOPOD_CONFIG_FILE:-}" ] || return 0
	[ -r "$OCTOPOD_CONFIG_FILE" ] || fail "cannot read \"$OCTOPOD_CONFIG_FILE\""
	while IFS= read -r line; do
		opt=${line%% *} kv=${line#* }
		case $opt in
		--app-env-override)	v_style=v1; add_kv app "$kv" ;;
		--application-config)	v_style=v2; add_kv app "$kv" ;;
		--deployment-override)	v_style=v1; add_kv deployment "$kv" ;;
		--deployment-config)	v_style=v2; add_kv deployment "$kv" ;;
		*)	fail "unexpected line in OCTOPOD_CONFIG_FILE: \"$opt\"" ;;
		esac
	done < "$OCTOPOD_CONFIG_FILE"
}

parse_args()
{
	class=$1
	shift
	# with OCTOPOD_CONFIG_FILE the file is the whole configuration: the
	# pairs in argv are checked, the file's are recorded
	rec=1
	[ -n "${OCTOPOD_CONFIG_FILE:-}" ] && rec=0
	while [ $# -gt 0 ]; do
		opt=$1
		[ $# -ge 2 ] || usage "option $opt needs a value"
		val=$2
		v_style=v1
		case $class:$opt in
		*:--project-name)	PROJECT=$val ;;
		*:--base-domain)	DOMAIN=$val ;;
		*:--namespace)		NAMESPACE=$val ;;
		*:--name)		NAME=$val; has_name=1 ;;
		life:--tag | notify:--tag)	TAG=$val ;;
		life:--app-env-override) add_kv app "$val" $rec ;;
		life:--application-config) v_style=v2; add_kv app "$val" $rec ;;
		life:--deployment-override | keys:--deployment-override)
					add_kv deployment "$val" $rec ;;
		life:--deployment-config | keys:--deployment-config)
					v_style=v2; add_kv deployment "$val" $rec ;;
		notify:--old-status)	OLD_STATUS=$val ;;
		notify:--new-status)	NEW_STATUS=$val ;;
		notify:--event)		EVENT=$val ;;
		notify:--expires-at)	EXPIRES_AT=$val ;;
		*)			usage "unknown argument \"$opt\"" ;;
		esac
		shift 2
	done
	if [ "$class" != keys ]; then
		[ "$has_name" = 1 ] || usage "--name is required"
	fi
	if [ "$has_name" = 1 ]; then
		check_name "$NAME"
	fi
	[ "$class" = life ] && [ "$rec" = 0 ] && read_config
	return 0
}

# check_name NAME: a DNS label starting with a letter (it becomes a
# directory name here), else exit 64.
check_name()
{
	case $1 in
	'' | *[!a-z0-9-]* | [!a-z]* | *-)
		usage "invalid deployment name \"$1\"" ;;
	esac
	[ ${#1} -le 63 ] || usage "invalid deployment name \"$1\""
}

# Paths. DATA_ROOT holds every deployment's directory; DIR is this one's.
set_paths()
{
	DATA_ROOT=${OCTOPOD_LOCAL_DATA:-${OCTOPOD_VAR:-var}/deployments}
	case $DATA_ROOT in
	/*)	;;
	*)	DATA_ROOT=$(pwd)/$DATA_ROOT ;;
	esac
	DIR=$DATA_ROOT/$NAME
	HOST=${OCTOPOD_LOCAL_HOST:-127.0.0.1}
}

# Processes. nginx's master calls setsid(), so its pid is also the
# process group of its workers.

# nginx_group: print the pids of the nginx processes in group $PGID
# (the master, if alive, and its workers; zombies excluded).
nginx_group()
{
	for st in /proc/[0-9]*/stat; do
		{ read -r line < "$st"; } 2>/dev/null || continue
		case $line in
		*' (nginx) '*) ;;
		*) continue ;;
		esac
		rest=${line##*) }
		set -- $rest
		# state ppid pgrp
		if [ "$1" != Z ] && [ "$3" = "$PGID" ]; then
			pid=${st#/proc/}
			printf '%s\n' "${pid%/stat}"
		fi
	done
}

# running: true when the deployment's nginx has live processes.
running()
{
	[ -s "$DIR/nginx.pid" ] || return 1
	read -r PGID < "$DIR/nginx.pid" || return 1
	case $PGID in '' | *[!0-9]*) return 1 ;; esac
	[ -n "$(nginx_group)" ]
}

# stop: stop the deployment's nginx (TERM, then KILL after 5 s) and wait
# until every process of it is gone.
stop()
{
	if ! running; then
		rm -f "$DIR/nginx.pid"
		return 0
	fi
	pids=$(nginx_group)
	kill -TERM $pids 2>/dev/null
	i=0
	while [ -n "$(nginx_group)" ]; do
		i=$((i + 1))
		if [ $i -eq 50 ]; then
			pids=$(nginx_group)
			[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		fi
		[ $i -gt 100 ] && fail "could not stop nginx (group $PGID)"
		sleep 0.1
	done
	rm -f "$DIR/nginx.pid"
}

# port_listening PORT: true when something listens on TCP PORT.
port_listening()
{
	hex=$(printf '%04X' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
	    awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 }
		END { exit !f }'
}

# port_taken PORT: listening, or remembered by another deployment.
# (POSIX sh has no locals: its variables must not clobber the caller's.)
port_taken()
{
	port_listening "$1" && return 0
	for pt_f in "$DATA_ROOT"/*/port; do
		[ -f "$pt_f" ] || continue
		[ "$pt_f" = "$DIR/port" ] && continue
		read -r pt_p < "$pt_f" 2>/dev/null && [ "$pt_p" = "$1" ] && return 0
	done
	return 1
}

# write_conf PORT: nginx.conf for the deployment.
write_conf()
{
	mkdir -p "$DIR/logs" "$DIR/tmp" "$DIR/www" || fail "could not create \"$DIR\""
	{
		# as root, the workers would run as nobody, who may not
		# reach a private data directory
		[ "$(id -u)" = 0 ] && printf 'user root;\n'
		printf '%s\n' \
		    'daemon on;' \
		    'worker_processes 1;' \
		    'pid nginx.pid;' \
		    'error_log logs/error.log;' \
		    'events { worker_connections 64; }' \
		    'http {' \
		    '    types { text/html html; application/json json; }' \
		    '    default_type application/octet-stream;' \
		    '    access_log logs/access.log;' \
		    '    client_body_temp_path tmp/client_body;' \
		    '    proxy_temp_path tmp/proxy;' \
		    '    fastcgi_temp_path tmp/fastcgi;' \
		    '    uwsgi_temp_path tmp/uwsgi;' \
		    '    scgi_temp_path tmp/scgi;' \
		    '    server {'
		printf '        listen %s:%s;\n' "$HOST" "$1"
		printf '%s\n' \
		    '        root www;' \
		    '        index index.html;' \
		    '        add_header Cache-Control no-store;' \
		    '    }' \
		    '}'
	} > "$DIR/nginx.conf.new" && mv "$DIR/nginx.conf.new" "$DIR/nginx.conf" ||
	    fail "could not write \"$DIR/nginx.conf\""
}

# nginx_start PORT: start nginx on PORT; returns 0, or 2 when the port
# was taken meanwhile, or 1 on any other failure (message on stderr).
nginx_start()
{
	write_conf "$1"
	if errs=$("$NGINX" -p "$DIR/" -c "$DIR/nginx.conf" -e "$DIR/logs/error.log" 2>&1); then
		printf '%s\n' "$1" > "$DIR/port"
		return 0
	fi
	case $errs in
	*'Address already in use'*) return 2 ;;
	esac
	printf '%s\n' "$errs" >&2
	return 1
}

# start: start the deployment's nginx on its remembered port if that is
# free, else on a free port of OCTOPOD_LOCAL_PORTS (MIN-MAX).
start()
{
	range=${OCTOPOD_LOCAL_PORTS:-28000-28999}
	min=${range%-*} max=${range#*-}
	case $min$max in
	'' | *[!0-9]*) fail "OCTOPOD_LOCAL_PORTS must be MIN-MAX, not \"$range\"" ;;
	esac
	[ "$min" -le "$max" ] || fail "OCTOPOD_LOCAL_PORTS must be MIN-MAX, not \"$range\""
	old=
	[ -s "$DIR/port" ] && read -r old < "$DIR/port"
	if [ -n "$old" ] && ! port_listening "$old"; then
		nginx_start "$old"
		case $? in
		0) return 0 ;;
		1) fail "could not start nginx" ;;
		esac
	fi
	n=$((max - min + 1))
	r=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	i=0
	while [ $i -lt $n ]; do
		p=$((min + (r + i) % n))
		i=$((i + 1))
		port_taken "$p" && continue
		nginx_start "$p"
		case $? in
		0) return 0 ;;
		1) fail "could not start nginx" ;;
		esac
	done
	fail "no free port in $range"
}

# write_page: index.html and octopod.json from the parsed arguments,
# each replaced atomically.
write_page()
{
	mkdir -p "$DIR/www" || fail "could not create \"$DIR/www\""
	now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
	{
		printf '{\n'
		printf '  "name": %s,\n' "$(json_str "$NAME")"
		printf '  "tag": %s,\n' "$(json_str "$TAG")"
		printf '  "project": %s,\n' "$(json_str "$PROJECT")"
		printf '  "app_overrides": [%s],\n' "$APP_JSON"
		printf '  "deployment_overrides": [%s],\n' "$DEP_JSON"
		printf '  "updated_at": "%s"\n' "$now"
		printf '}\n'
	} > "$DIR/www/octopod.json.new" &&
	    mv "$DIR/www/octopod.json.new" "$DIR/www/octopod.json" ||
	    fail "could not write the page"
	hn=$(html "$NAME") ht=$(html "$TAG")
	{
		printf '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
		printf '<title>%s</title>\n' "$hn"
		printf '<style>body{font-family:sans-serif;margin:2em}td{border:1px solid #ccc;padding:.2em .5em}table{border-collapse:collapse}</style>\n'
		printf '</head><body>\n'
		printf '<h1 id="name">%s</h1>\n' "$hn"
		printf '<p>project <span id="project">%s</span>, tag <code id="tag">%s</code></p>\n' \
		    "$(html "$PROJECT")" "$ht"
		printf '<h2>Application overrides</h2>\n<table id="app-overrides">%s</table>\n' "$APP_HTML"
		printf '<h2>Deployment overrides</h2>\n<table id="deployment-overrides">%s</table>\n' "$DEP_HTML"
		printf '<p>updated %s &middot; <a href="octopod.json">octopod.json</a></p>\n' "$now"
		printf '</body></html>\n'
	} > "$DIR/www/index.html.new" &&
	    mv "$DIR/www/index.html.new" "$DIR/www/index.html" ||
	    fail "could not write the page"
}
