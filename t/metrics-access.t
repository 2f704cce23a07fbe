#!/usr/bin/env bash
# GET /metrics is for loopback and private (cluster) addresses only: nginx
# listening on every address (as in the container), a scrape from each of
# this machine's own IPv4 addresses is answered 200 when the address is
# loopback or private (10/8, 172.16/12, 192.168/16) and 403 otherwise,
# without a single metric in the refusal.
# Needs a non-loopback IPv4 address on the machine; skipped without one.
addrs=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9]+(\.[0-9]+){3}$' |
    grep -v '^127\.')
if [ -z "$addrs" ]; then
	echo "1..0 # SKIP no non-loopback IPv4 address on this machine"
	exit 0
fi
export LISTEN_ADDR=0.0.0.0
. "$(dirname "$0")/lib/stack.sh"
stack_start

private() {
	case $1 in
	10.*|192.168.*) return 0 ;;
	172.*) local b=${1#172.}; b=${b%%.*}; [ "$b" -ge 16 ] && [ "$b" -le 31 ] ;;
	*) return 1 ;;
	esac
}

# scrape ADDR: through nginx on ADDR (so the client's address is ADDR)
scrape() {
	S=$(curl -sS -o "$T_TMP/.metrics" -w '%{http_code}' -m 10 \
	    --cacert "$OCTOPOD_VAR/tls/ca.pem" --resolve "localhost:$UI_PORT:$1" \
	    "https://localhost:$UI_PORT/metrics")
}

scrape 127.0.0.1
t_is "$S" 200 "from 127.0.0.1: 200"
t_ok "with metrics" grep -q '^octopod_deployments' "$T_TMP/.metrics"
for a in $addrs; do
	scrape "$a"
	if private "$a"; then
		t_is "$S" 200 "from $a (private): 200"
	else
		t_is "$S" 403 "from $a (not private): 403"
		t_ok "no metric in the refusal" sh -c "! grep -q octopod_ '$T_TMP/.metrics'"
	fi
done
t_done
