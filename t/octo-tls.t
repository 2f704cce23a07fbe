#!/usr/bin/env bash
# octo's connection: the configuration from flags or the environment, and
# every way the certificate or the server can be wrong gives one clear
# line and exit code 3 (2 for a missing URL).
FCGI_ARGS=-R
. "$(dirname "$0")/lib/octo.sh"
stack_start
V=$OCTOPOD_VAR

t_octo 0 "version with the harness's certificate" version
t_like "$(cat "$T_OUT")" "octo 0.1.0*server 0.1.0*" "prints client and server versions"

# the flags instead of the environment
t_rc 0 "--url, --cert, --key, --cacert" env -u OCTOPOD_URL -u TLS_CERT_PATH \
    -u TLS_KEY_PATH -u TLS_CA_PATH "$OCTO_BIN" --url "https://localhost:$POWER_PORT" \
    --cert "$V/tls/octo.pem" --key "$V/tls/octo-key.pem" --cacert "$V/tls/ca.pem" list
t_rc 0 "the long flags after the command too" env -u OCTOPOD_URL "$OCTO_BIN" list \
    --url "https://localhost:$POWER_PORT/api/v1/"
t_rc 0 "OCTOPOD_URL may end in /api/v1" env OCTOPOD_URL="https://localhost:$POWER_PORT/api/v1" \
    "$OCTO_BIN" list

# missing pieces
t_rc 2 "no URL: usage error" env -u OCTOPOD_URL "$OCTO_BIN" list
t_like "$(cat "$T_ERR")" "octo: no server: give --url or set OCTOPOD_URL" "says how to give it"
t_rc 3 "no certificate configured" env -u TLS_CERT_PATH "$OCTO_BIN" list
t_like "$(cat "$T_ERR")" "octo: no client certificate: give --cert or set TLS_CERT_PATH" \
    "says how to give it"
t_rc 3 "no key configured" env -u TLS_KEY_PATH "$OCTO_BIN" list
t_like "$(cat "$T_ERR")" "octo: no private key*TLS_KEY_PATH" "says so"
t_octo 3 "a certificate file that does not exist" --cert "$T_TMP/nope.pem" list
t_is "$(cat "$T_ERR")" "octo: could not read certificate file \"$T_TMP/nope.pem\": No such file or directory" \
    "one line naming the file and why"

# a key readable by others is refused before anything is sent
cp "$V/tls/octo-key.pem" "$T_TMP/loose-key.pem"
chmod 644 "$T_TMP/loose-key.pem"
t_octo 3 "a key file with mode 0644 is refused" --key "$T_TMP/loose-key.pem" list
t_is "$(cat "$T_ERR")" "octo: private key file \"$T_TMP/loose-key.pem\" has group or world access (mode 0644); permissions should be u=rw (0600) or less" \
    "says which file and what to do"
chmod 640 "$T_TMP/loose-key.pem"
t_octo 3 "mode 0640 too" --key "$T_TMP/loose-key.pem" list
chmod 600 "$T_TMP/loose-key.pem"
t_octo 0 "the same key with mode 0600 works" --key "$T_TMP/loose-key.pem" list

# a client certificate from another CA: nginx refuses it
mkdir -p "$T_TMP/other"
(cd "$T_TMP/other" && umask 077 &&
 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
   -keyout key.pem -out cert.pem -days 30 -subj "/CN=intruder" 2>/dev/null)
t_octo 3 "a client certificate from another CA" \
    --cert "$T_TMP/other/cert.pem" --key "$T_TMP/other/key.pem" list
t_like "$(cat "$T_ERR")" "octo: a valid client certificate is required (FAILED:*)" \
    "the server's message, in one line"
t_is "$(wc -l <"$T_ERR")" 1 "one line on stderr"

# the server's certificate checked against another CA
t_octo 3 "the server's certificate does not verify with another CA" \
    --cacert "$T_TMP/other/cert.pem" list
t_like "$(cat "$T_ERR")" "octo: could not verify the server's certificate*" "says so"
t_rc 3 "without --cacert the system's CAs do not know ours" \
    env -u TLS_CA_PATH "$OCTO_BIN" list

# an expired certificate from our own CA (openssl ca can back-date)
cat >"$T_TMP/ca.cnf" <<CNF
[ca]
default_ca = c
[c]
dir = $T_TMP/caroot
database = \$dir/index
new_certs_dir = \$dir
serial = \$dir/serial
default_md = sha256
policy = p
[p]
commonName = supplied
CNF
mkdir -p "$T_TMP/caroot" && : >"$T_TMP/caroot/index" && echo 1000 >"$T_TMP/caroot/serial"
(cd "$T_TMP/other" && umask 077 &&
 openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
   -keyout old-key.pem -out old.csr -subj "/CN=old" 2>/dev/null &&
 openssl ca -batch -config "$T_TMP/ca.cnf" -cert "$V/tls/ca.pem" -keyfile "$V/tls/ca-key.pem" \
   -in old.csr -out old.pem -startdate 20200101000000Z -enddate 20200102000000Z >/dev/null 2>&1)
t_octo 3 "an expired client certificate" \
    --cert "$T_TMP/other/old.pem" --key "$T_TMP/other/old-key.pem" list
t_like "$(cat "$T_ERR")" "octo:*certificate has expired*" "the message says expired"

# no server
port=$(free_port)
t_octo 3 "nothing listening" --url "https://localhost:$port" list
t_like "$(cat "$T_ERR")" "octo: could not connect to https://localhost:$port/api/v1/deployments*" \
    "says where it could not connect"

# a server that accepts and never answers: the connection timeout
port=$(free_port)
python3 -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(5); print("up", flush=True)
c = [s.accept() for _ in range(3)]; time.sleep(30)' "$port" >"$T_TMP/silent.out" 2>&1 &
SILENT=$!
for _ in $(seq 50); do [ -s "$T_TMP/silent.out" ] && break; sleep 0.1; done
t0=$(date +%s%N)
t_octo 3 "a silent server: --timeout 1" --timeout 1 --url "https://localhost:$port" list
t1=$(date +%s%N)
t_like "$(cat "$T_ERR")" "octo: no answer from https://localhost:$port/*in time*" "says it timed out"
t_ok "gave up within 3 s ($(( (t1 - t0) / 1000000 )) ms)" test $(( (t1 - t0) / 1000000 )) -lt 3000
t_octo 3 "--connect-timeout after the command" list --connect-timeout 1 \
    --url "https://localhost:$port"
kill "$SILENT" 2>/dev/null; wait "$SILENT" 2>/dev/null

# the ui door is not for octo: it asks for a login
t_octo 3 "the ui door refuses octo" --url "https://localhost:$UI_PORT" list
t_like "$(cat "$T_ERR")" "octo: log in first" "with the server's message"
t_done
