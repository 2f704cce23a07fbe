#!/usr/bin/env bash
# Behind a proxy (TRUSTED_PROXIES): nginx takes the client's address from
# the X-Forwarded-For of a trusted proxy only, so that the per-address caps
# count each browser, not the Ingress controller that all of them come
# through, and the logs show who it was. The proxy here is 127.0.0.2 (curl
# --interface; the doors listen on 127.0.0.1); 127.0.0.1 itself is not
# trusted, so what it claims is ignored. Failed logins: LOGIN_BURST=2 at
# LOGIN_RATE=1 a second, the third one past them answered 429 at once.
# An entry that is not an address or CIDR stops the stack with its name.
export LOGIN_BURST=2 LOGIN_RATE=1 TRUSTED_PROXIES="127.0.0.2"
. "$(dirname "$0")/lib/stack.sh"
export ACCESS_LOG=$T_TMP/access.log
stack_start

# batch FROM TAG:ADDRESS...: one curl, every request in parallel from FROM,
# each a failed login claiming X-Forwarded-For ADDRESS; prints "TAG STATUS"
batch() {
	local from=$1 a=() t
	shift
	for t in "$@"; do
		[ ${#a[@]} = 0 ] || a+=(--next)
		a+=(--cacert "$OCTOPOD_VAR/tls/ca.pem" -u octopod:wrong -s -o /dev/null
		    --interface "$from" --resolve "localhost:$UI_PORT:127.0.0.1"
		    -H "X-Forwarded-For: ${t#*:}" -w "${t%%:*} %{http_code}\n"
		    "https://localhost:$UI_PORT/api/v1/ping?${t%%:*}")
	done
	curl --no-progress-meter -Z --parallel-immediate --parallel-max 20 "${a[@]}" | sort
}

# 1-3: through the proxy, six failures of one browser and one of another
out=$(batch 127.0.0.2 a1:203.0.113.7 a2:203.0.113.7 a3:203.0.113.7 \
    a4:203.0.113.7 a5:203.0.113.7 a6:203.0.113.7 b:203.0.113.8)
# (all at once: 3 are answered 401, the 3 past the burst 429; more are
# answered if they reach nginx over more than a second, so at least one)
t_like "$(printf '%s\n' "$out" | grep '^a' | cut -d' ' -f2 | sort | uniq -c | awk '{print $2 "x" $1}' | paste -sd' ')" \
    "401x[3-5] 429x[1-3]" "one browser through the proxy: answered 401 up to its burst, then 429"
t_is "$(printf '%s\n' "$out" | grep '^b ' | cut -d' ' -f2)" 401 \
    "another browser through the same proxy has its own count: 401, not 429"
t_like "$(grep 'ping?b ' "$ACCESS_LOG")" "203.0.113.8 *" "the access log shows the browser's address, not the proxy's"

# 4-5: from an address that is not a trusted proxy, X-Forwarded-For is
# ignored: seven "browsers" are one client, 127.0.0.1
out=$(batch 127.0.0.1 u1:198.51.100.1 u2:198.51.100.2 u3:198.51.100.3 \
    u4:198.51.100.4 u5:198.51.100.5 u6:198.51.100.6 u7:198.51.100.7)
t_like "$(printf '%s\n' "$out" | cut -d' ' -f2 | sort | uniq -c | awk '{print $2 "x" $1}' | paste -sd' ')" \
    "401x[3-6] 429x[1-4]" "not a trusted proxy: its X-Forwarded-For is ignored, seven claimed addresses count as one"
t_like "$(grep 'ping?u1 ' "$ACCESS_LOG")" "127.0.0.1 *" "and the log shows the peer's address"

# 6-8: the setting's form
mkdir -p "$T_TMP/rip/nginx"
t_is "$(TRUSTED_PROXIES="10.42.0.0/16, 192.168.1.7 fd00::/8" OCTOPOD_VAR=$T_TMP/rip stack_real_ip_conf &&
    grep -v '^#' "$T_TMP/rip/nginx/real-ip.conf" | paste -sd' ')" \
    "set_real_ip_from 10.42.0.0/16; set_real_ip_from 192.168.1.7; set_real_ip_from fd00::/8; real_ip_header X-Forwarded-For; real_ip_recursive on;" \
    "commas or spaces between entries; IPv4, IPv6, CIDRs"
# (stack_die: t/lib/stack.sh's says "Bail out!", scripts/stack.sh's "octopod:")
refused() {
	(TRUSTED_PROXIES=$1 OCTOPOD_VAR=$T_TMP/rip stack_real_ip_conf) 2>&1 | tr '\n' ' '
	echo "rc=${PIPESTATUS[0]}"
}
t_like "$(refused "10.0.0.0/8,ingress.example")" \
    '*TRUSTED_PROXIES: "ingress.example" is not an address or CIDR (e.g. 10.42.0.0/16) rc=1' \
    "a name is refused, saying which entry"
t_like "$(refused 10.0.0.0/33)" '*TRUSTED_PROXIES: "10.0.0.0/33" is not an IPv4 address or CIDR rc=1' \
    "so is a prefix past 32"
t_done
