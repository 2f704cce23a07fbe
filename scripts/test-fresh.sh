#!/usr/bin/env bash
# scripts/test-fresh.sh (make test-fresh): the README's two commands on a
# fresh Debian 12, run the way a newcomer runs them, in a podman container
# of a pristine debian:12 (scripts/debian-base.sh: debootstrap, cached).
# The checkout's HEAD is what is tested (committed files only, as CI sees
# them). In the container, as root in /root: apt-get install git make, git
# clone, `make run` until its ready: line, Ctrl-C (SIGINT to its process
# group) and check that everything stopped, then `make test`. Everything
# else (packages, npm modules) must come from those two commands.
#
# Fails on any failure, and on any test skipped, but for the runs the suite
# skips unless asked (a skip reason starting with "long"). Logs, the
# timings and the list of skips are left in build/test-fresh/.
#
# All of it is in main(), which bash reads whole before running it, so
# that editing this file while it runs (for minutes) does not change the
# run.
set -euo pipefail

main() {
top=$(cd "$(dirname "$0")/.." && pwd)
TOP=$top . "$top/scripts/podman-env.sh"
image=$("$top/scripts/debian-base.sh")
out=$top/build/test-fresh
rm -rf "$out"
mkdir -p "$out"
tmp=$(mktemp -d /var/tmp/test-fresh.XXXXXX)
name=test-fresh-$$
trap 'podman rm -f "$name" >/dev/null 2>&1; rm -rf "$tmp"' EXIT

# what the newcomer clones: a repository holding HEAD's history only
sha=$(git -C "$top" rev-parse HEAD)
git init -q --bare "$tmp/octopod-c.git"
git -C "$top" push -q "$tmp/octopod-c.git" "$sha:refs/heads/main"
git -C "$tmp/octopod-c.git" symbolic-ref HEAD refs/heads/main
echo "test-fresh: $(git -C "$top" log -1 --format='%h %s' | cut -c1-72)"

# Downloads are cached on the host (as a newcomer's machine keeps its own
# between two runs); the install itself happens in every run: apt's archive
# directory (debs) and npm's cache directory.
cache=${TEST_FRESH_CACHE:-/var/cache/octopod-test-fresh}
mkdir -p "$cache/apt/partial" "$cache/npm"

# The ports of `make run`: a container on the host's network shares its
# ports with whatever runs there (another `make run` on 8443), so two free
# ones are passed in; a real machine has its own.
. "$top/scripts/free-port.sh"
ui_port=$(free_port)
power_port=$(free_port)
while [ "$power_port" = "$ui_port" ]; do power_port=$(free_port); done

cat >"$tmp/inside.sh" <<'EOS'
#!/bin/bash
# runs in the container, as root, in a pristine debian:12
set -u
out=/mnt/out
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
fail() { echo "test-fresh: FAIL: $*"; exit 1; }
timing() { echo "$1 $2" >>"$out/timings"; echo "test-fresh: $1: $2 s"; }

# A newcomer has git and make
apt-get update -qq >"$out/git-make.log" 2>&1 &&
    apt-get install -y git make >>"$out/git-make.log" 2>&1 ||
    fail "apt-get install git make: $(tail -5 "$out/git-make.log")"
git clone -q /mnt/in/octopod-c.git /root/octopod-c || fail "git clone"
cd /root/octopod-c

# make run, as in a terminal: a job of its own (its own process group,
# which Ctrl-C signals; without job control a background job would
# ignore SIGINT)
t0=$(now)
set -m
make run >"$out/run.log" 2>&1 </dev/null &
run=$!
set +m
t_built= t_ready=
deadline=$((SECONDS + 1200))
while [ -z "$t_ready" ]; do
	[ "$SECONDS" -lt "$deadline" ] || { kill -INT -- -"$run"; fail "make run: no ready: line in 1200 s"; }
	if ! kill -0 "$run" 2>/dev/null; then
		wait "$run"
		fail "make run exited ($?) before ready: $(tail -30 "$out/run.log")"
	fi
	[ -z "$t_built" ] && grep -qE '^(cc|clang|gcc) ' "$out/run.log" && t_built=$(now)
	grep -q '^ready: ' "$out/run.log" && t_ready=$(now)
	sleep 0.2
done
[ -n "$t_built" ] || t_built=$t0
timing "make run: installing what is missing (scripts/deps.sh)" "$(secs "$t0" "$t_built")"
timing "make run: to ready: (in all)" "$(secs "$t0" "$t_ready")"
cred=$(cat var/ui-credentials)
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert var/tls/ca.pem -u "$cred" \
    "https://localhost:$UI_PORT/api/v1/ping")
[ "$code" = 200 ] || { kill -INT -- -"$run"; fail "make run is ready but GET ping says $code"; }
echo "test-fresh: make run: ready, GET /api/v1/ping 200 (node $(node --version), npm $(npm --version))"
t1=$(now)
kill -INT -- -"$run"
stopped=
for i in $(seq 1 300); do
	kill -0 "$run" 2>/dev/null || { stopped=1; break; }
	sleep 0.2
done
[ -n "$stopped" ] || fail "make run did not stop within 60 s of Ctrl-C"
wait "$run"
rc=$?
left=$(ps -eo pid=,args= | grep -E 'postgres|nginx|octopod-' | grep -v grep)
[ -z "$left" ] || fail "after Ctrl-C these still run: $left"
grep -q 'octopod: stopping' "$out/run.log" || fail "make run did not say it stops"
echo "test-fresh: make run: Ctrl-C stopped everything in $(secs "$t1" "$(now)") s (make: $rc)"

# make test, with prove told (in ~/.proverc, not in the project) to list
# the tests it skips, so that a skip is seen
echo --directives >/root/.proverc
t2=$(now)
make test >"$out/test.log" 2>&1
rc=$?
timing "make test" "$(secs "$t2" "$(now)")"
grep -E '^(Files=|Result:)' "$out/test.log" | sed 's/^/test-fresh: /'
grep -E '# SKIP|skipped:' "$out/test.log" >"$out/skips" || :
sed 's/^/test-fresh: skip: /' "$out/skips"
[ "$rc" = 0 ] || fail "make test: $(grep -E -A40 '^Test Summary Report' "$out/test.log" | head -60)"
if grep -vE 'skipped: long|# SKIP long' "$out/skips" | grep -q .; then
	fail "tests were skipped (see above)"
fi
echo "test-fresh: PASS"
EOS
chmod 755 "$tmp/inside.sh"

# --network host: no bridge (it turns on ip_forward and adds iptables
# chains on the host); the ulimits come from podman-env.sh's containers.conf.
# --privileged: the suite may use what a root shell on a real machine may
# (podman in podman, network namespaces, chroot, setpriv).
# --shm-size: podman's default /dev/shm (64 MiB) is far smaller than a
# machine's; Chromium and PostgreSQL use it.
# -v /var/lib/containers: podman in the container (a test of the image)
# keeps its storage on a volume: overlayfs does not stack on the
# container's own overlay root, which a real machine's disk is not.
# The host's CA bundle: this machine reaches the npm registry through a CA
# that the host trusts and node does not (a real machine needs none of it).
ca=()
if [ -s /etc/ssl/certs/ca-certificates.crt ]; then
	ca=(-v /etc/ssl/certs/ca-certificates.crt:/mnt/host-ca.crt:ro
	    -e NODE_EXTRA_CA_CERTS=/mnt/host-ca.crt -e npm_config_cafile=/mnt/host-ca.crt)
fi
start=$SECONDS
rc=0
podman run --rm --name "$name" --network host --privileged --shm-size 2g \
    -v "$tmp:/mnt/in:ro" -v "$out:/mnt/out" -v /var/lib/containers \
    -v "$cache/apt:/var/cache/apt/archives" -v "$cache/npm:/root/.npm" \
    "${ca[@]}" -e UI_PORT="$ui_port" -e POWER_PORT="$power_port" \
    "$image" /mnt/in/inside.sh || rc=$?
echo "test-fresh: $((SECONDS - start)) s in the container; logs in $out/"
return "$rc"
}

main "$@"
exit
