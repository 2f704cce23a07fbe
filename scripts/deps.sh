#!/bin/sh
# Install the Debian packages octopod-c builds, runs and tests with.
#	scripts/deps.sh [all|build|static|run]
# all (the default, `make deps`): everything for building and testing
# (octo-static, podman, runc and debootstrap for `make image` and
# t/container.t included); build: what `make` needs; static: what `make
# octo-static` (and `make dist`) needs; run: what the installed programs
# need at run time (the container image's last stage; curl: control/local's
# check).
BUILD="build-essential pkg-config libfcgi-dev libpq-dev libwebsockets-dev
libjansson-dev libssl-dev libcurl4-openssl-dev libcmocka-dev"
# make octo-static: c-ares's static library (the libcurl it builds from
# Debian's curl source resolves with it); dpkg-dev for apt-get source
STATIC="dpkg-dev libc-ares-dev"
RUN="nginx-light libfcgi0ldbl libpq5 libjansson4 libwebsockets17 libcurl4
openssl ca-certificates curl"
PKGS="$BUILD $STATIC file libfcgi-bin nginx postgresql postgresql-client
openssl curl perl python3 clang libclang-rt-14-dev wrk procps psmisc jq chromium
podman runc debootstrap uidmap"
case "${1:-all}" in
all)	;;
build)	PKGS=$BUILD ;;
static)	PKGS="$BUILD $STATIC" ;;
run)	PKGS=$RUN ;;
*)	echo "usage: scripts/deps.sh [all|build|static|run]" >&2; exit 2 ;;
esac
# t/helm-chart.t's chart renderer: Helm's engine from Debian's Go packages
if [ "${1:-all}" = all ]; then
	PKGS="$PKGS golang-go golang-github-masterminds-sprig-dev
golang-k8s-sigs-yaml-dev golang-gopkg-yaml.v3-dev
golang-github-burntsushi-toml-dev"
fi
# node and npm: Debian's, unless the machine has its own (its npm may
# conflict with Debian's npm package)
if [ "${1:-all}" = all ] && ! command -v npm >/dev/null 2>&1; then
	PKGS="$PKGS nodejs npm"
fi
PKGS=$(echo $PKGS)
if [ "$(id -u)" != 0 ]; then
	echo "run as root: apt-get install -y $PKGS"
	exit 1
fi
missing=
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
	    missing="$missing $p"
done
[ -z "$missing" ] && { echo "deps: everything is installed"; exit 0; }
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing
