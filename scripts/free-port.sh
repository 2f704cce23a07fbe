# scripts/free-port.sh: sourced (bash) by the tests (t/lib/stack.sh), the
# benches and scripts/test-fresh.sh.
#
# free_port: a free TCP port on 127.0.0.1, below the ephemeral range
# (32768+, busy with client sockets on a loaded box) and outside
# control/local's deployment ports (28000-28999). Another process may take
# it between the choice and the bind: callers retry their bind.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 8000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}
