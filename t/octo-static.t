#!/usr/bin/env bash
# build/bin/octo-static (make octo-static) is one statically linked file
# that does what octo does, run in an empty root: a chroot holding only
# the binary, the certificate files and /etc/hosts (no libraries, no
# /etc/nsswitch.conf, no /etc/resolv.conf) against the stack's power door
# (client certificates): create, list, info, logs -f while the script
# runs, wait, a name found in /etc/hosts, a wrong CA and a client
# certificate from another CA refused; then, in a root with only
# /etc/resolv.conf, a name a DNS server knows.
. "$(dirname "$0")/lib/octo.sh"
STATIC=$T_ROOT/build/bin/octo-static

# the test builds what it needs: the first time on a machine this builds
# libcurl from Debian's source (scripts/curl-static.sh), then it is cached
t0=$(date +%s%N)
# (not the flags of a make that runs this test: O=build, no jobserver)
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
    make -C "$T_ROOT" O=build octo-static >"$T_TMP/make.log" 2>&1; then
	tail -20 "$T_TMP/make.log" | sed 's/^/# /'
	echo "Bail out! make octo-static failed"
	exit 1
fi
t_diag "make octo-static: $(( ($(date +%s%N) - t0) / 1000000 )) ms"
t_like "$(file -b "$STATIC")" "ELF*statically linked*" "file says statically linked"
t_like "$(ldd "$STATIC" 2>&1)" "*not a dynamic executable*" "ldd: not a dynamic executable"

# a server certificate that also names octopod-static.test, a name only
# the chroot's /etc/hosts knows, and octopod-dns.test, one only a DNS
# server knows
HOST=octopod-static.test
DNSHOST=octopod-dns.test
stack_dirs
stack_tls
(cd "$OCTOPOD_VAR/tls" && umask 077 &&
 openssl req -new -key server-key.pem -out server.csr -subj /CN=localhost 2>/dev/null &&
 printf 'subjectAltName=DNS:localhost,DNS:%s,DNS:%s,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' \
     "$HOST" "$DNSHOST" >server.ext &&
 openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial \
     -out server.pem -days 30 -extfile server.ext 2>/dev/null &&
 chmod 644 server.pem && rm -f server.csr server.ext) ||
    { echo "Bail out! could not re-issue the server certificate"; exit 1; }

S=$T_TMP/scripts
mkscripts "$S"
cat >"$S/create" <<'SH'
#!/bin/sh
# slow-*: a line every 300 ms for 3 s
while [ $# -gt 0 ]; do [ "$1" = --name ] && name=$2; shift; done
case $name in
slow-*)	i=1
	while [ $i -le 10 ]; do echo "line $i"; i=$((i + 1)); sleep 0.3; done ;;
esac
exit 0
SH
export CONTROL_SCRIPTS_DIR=$S
stack_start

# the empty root
R=$T_TMP/root
mkdir -p "$R/etc" "$R/tls" "$T_TMP/other"
install -m 755 "$STATIC" "$R/octo"
install -m 644 "$OCTOPOD_VAR/tls/ca.pem" "$OCTOPOD_VAR/tls/octo.pem" "$R/tls/"
install -m 600 "$OCTOPOD_VAR/tls/octo-key.pem" "$R/tls/"
(cd "$T_TMP/other" && umask 077 &&
 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
   -keyout key.pem -out cert.pem -days 30 -subj "/CN=intruder" 2>/dev/null)
install -m 644 "$T_TMP/other/cert.pem" "$R/tls/other.pem"
install -m 600 "$T_TMP/other/key.pem" "$R/tls/other-key.pem"
printf '127.0.0.1\tlocalhost\n127.0.0.1\t%s\n' "$HOST" >"$R/etc/hosts"
t_is "$(cd "$R" && find . -mindepth 1 | sort | tr '\n' ' ')" \
    "./etc ./etc/hosts ./octo ./tls ./tls/ca.pem ./tls/octo-key.pem ./tls/octo.pem ./tls/other-key.pem ./tls/other.pem " \
    "the root holds the binary, the certificates and /etc/hosts only"

# so: octo-static in the root with nothing of the environment but its own
CHROOT=$(command -v chroot || echo /usr/sbin/chroot)
so() {
	env -i OCTOPOD_URL="https://$HOST:$POWER_PORT" TLS_CERT_PATH=/tls/octo.pem \
	    TLS_KEY_PATH=/tls/octo-key.pem TLS_CA_PATH=/tls/ca.pem \
	    "$CHROOT" "$R" /octo "$@"
}
t_so() {
	local want=$1 desc=$2
	shift 2
	t_rc "$want" "$desc" so "$@"
}

t_so 0 "version, through a name from /etc/hosts" version
t_like "$(cat "$T_OUT")" "octo 0.1.0*server 0.1.0*" "client and server versions"
t_so 0 "localhost as the server" --url "https://localhost:$POWER_PORT" list
t_so 3 "a name that is not in /etc/hosts" --url "https://nowhere.invalid:$POWER_PORT" list
t_like "$(cat "$T_ERR")" "octo: could not connect to https://nowhere.invalid:$POWER_PORT/api/v1/deployments*resolve*" \
    "could not resolve it, in one line"

t_so 0 "create" -o json create -n slow-1 -t v1
id=$(jq -r .action.id "$T_OUT")
t_like "$id" "[0-9]*" "answered with the action's id"
so logs -f -a "$id" >"$T_TMP/follow.out" 2>"$T_TMP/follow.err" &
FOLLOW=$!
for _ in $(seq 100); do
	grep -qs "line 1" "$T_TMP/follow.out" && break
	sleep 0.05
done
t_is "$(head -1 "$T_TMP/follow.out")" "line 1" "logs -f: the first line arrived"
t_is "$(sql "SELECT state FROM actions WHERE id = $id")" running \
    "while the action is still running"
wait "$FOLLOW"
t_is "$?" 0 "logs -f exits 0 when the action succeeded"
t_is "$(tr '\n' ' ' <"$T_TMP/follow.out")" "line 1 line 2 line 3 line 4 line 5 line 6 line 7 line 8 line 9 line 10 " \
    "every line once, in order"
t_is "$(sql "SELECT state FROM actions WHERE id = $id")" succeeded "it ended with the action"
t_is "$(cat "$T_TMP/follow.err")" "" "nothing on stderr"

t_so 0 "wait" wait -n slow-1 --timeout 30
t_is "$(tail -1 "$T_OUT")" "slow-1: Running" "says where it got"
t_so 0 "list" list
t_like "$(cat "$T_OUT")" "*slow-1*Running*" "lists the deployment"
t_so 0 "info -o json" -o json info slow-1
t_is "$(jq -r '.deployment | .name + " " + .status + " " + .tag' "$T_OUT")" "slow-1 Running v1" \
    "the deployment's JSON"
want=$(TZ=UTC0 LC_ALL=C octo -o json info slow-1)
t_ok "the same answer as octo's" test -n "$want" -a "$(cat "$T_OUT")" = "$want"
t_so 0 "info" info slow-1
want=$(TZ=UTC0 LC_ALL=C octo info slow-1)
t_ok "the same text as octo's" test -n "$want" -a "$(cat "$T_OUT")" = "$want"

t_so 3 "a CA that did not sign the server's certificate" --cacert /tls/other.pem list
t_like "$(cat "$T_ERR")" "octo: could not verify the server's certificate*" "refused, says so"
t_so 3 "a client certificate from another CA" \
    --cert /tls/other.pem --key /tls/other-key.pem list
t_like "$(cat "$T_ERR")" "octo: a valid client certificate is required (FAILED:*)" \
    "nginx refuses it, the server's message in one line"
t_so 3 "a key file that does not exist" --key /tls/nope.pem list
t_is "$(cat "$T_ERR")" 'octo: could not read private key file "/tls/nope.pem": No such file or directory' \
    "one line naming the file"

# DNS: a second root with /etc/resolv.conf instead of /etc/hosts, naming
# a DNS server on a loopback address of its own (t/lib/dnsone.py)
R2=$T_TMP/root-dns
mkdir -p "$R2/etc"
cp -a "$R/octo" "$R/tls" "$R2/"
DNS_PID=
for _ in 1 2 3 4 5; do
	ns=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 2))
	python3 "$T_ROOT/t/lib/dnsone.py" "$ns" "$DNSHOST" >"$T_TMP/dns.out" 2>&1 &
	DNS_PID=$!
	for _ in $(seq 50); do
		[ -s "$T_TMP/dns.out" ] && break
		sleep 0.1
	done
	grep -q '^up' "$T_TMP/dns.out" && break
	kill "$DNS_PID" 2>/dev/null; wait "$DNS_PID" 2>/dev/null; DNS_PID=
done
printf 'nameserver %s\n' "$ns" >"$R2/etc/resolv.conf"
t_ok "a DNS server on $ns:53" test -n "$DNS_PID"
t_rc 0 "a name that only DNS knows" env -i TLS_CERT_PATH=/tls/octo.pem \
    TLS_KEY_PATH=/tls/octo-key.pem TLS_CA_PATH=/tls/ca.pem \
    "$CHROOT" "$R2" /octo --url "https://$DNSHOST:$POWER_PORT" info slow-1
t_like "$(cat "$T_OUT")" "*slow-1*Running*" "the deployment, through the DNS name"
t_rc 3 "a name DNS does not know" env -i TLS_CERT_PATH=/tls/octo.pem \
    TLS_KEY_PATH=/tls/octo-key.pem TLS_CA_PATH=/tls/ca.pem \
    "$CHROOT" "$R2" /octo --url "https://nowhere.$DNSHOST:$POWER_PORT" list
t_like "$(cat "$T_ERR")" "*Could not resolve host: nowhere.$DNSHOST*" "could not resolve it"
[ -n "$DNS_PID" ] && { kill "$DNS_PID"; wait "$DNS_PID" 2>/dev/null; }
t_done
