# t/lib/octo.sh: the stack (t/lib/stack.sh) plus the octo binary pointed
# at its power door with the certificate the harness generates, through
# the environment (OCTOPOD_URL, TLS_CERT_PATH, TLS_KEY_PATH, TLS_CA_PATH).
#
#	octo ARGS...		run build/bin/octo (or $O/bin/octo)
#	t_octo WANT DESC ARGS...	t_rc on octo: $T_OUT, $T_ERR hold its output
#	wait_status NAME STATUS [S]	poll the database until NAME is STATUS
#	mkscripts DIR		a control-script directory like t/fixtures/scripts
#				(record argv, exit 0) to change script by script

. "$(dirname "$0")/lib/stack.sh"

OCTO_BIN=$O/bin/octo
export OCTOPOD_URL="https://localhost:$POWER_PORT"
export TLS_CERT_PATH="$OCTOPOD_VAR/tls/octo.pem"
export TLS_KEY_PATH="$OCTOPOD_VAR/tls/octo-key.pem"
export TLS_CA_PATH="$OCTOPOD_VAR/tls/ca.pem"

octo() { "$OCTO_BIN" "$@"; }
t_octo() {
	local want=$1 desc=$2
	shift 2
	t_rc "$want" "$desc" "$OCTO_BIN" "$@"
}

wait_status() {
	wait_sql "SELECT status FROM deployments WHERE name = '$1'" "$2" "${3:-20}"
}

mkscripts() {
	local s
	mkdir -p "$1"
	for s in archive archive_check check cleanup create info notifications restore update; do
		cp "$T_ROOT/t/fixtures/scripts/$s" "$1/$s"
		chmod 755 "$1/$s"
	done
	chmod 755 "$1"
}
