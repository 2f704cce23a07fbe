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
libjansson-dev libssl-dev libcurl4-openssl-dev libcmocka-dev librhonabwy-dev"
# make octo-static: c-ares's static library (the libcurl it builds from
# Debian's curl source resolves with it); dpkg-dev for apt-get source
STATIC="dpkg-dev libc-ares-dev"
RUN="nginx-light libfcgi0ldbl libpq5 libjansson4 libwebsockets17 libcurl4
openssl ca-certificates curl librhonabwy1.1"
# glewlwyd, sqlite3: t/lib/glewlwyd.sh's OpenID Connect provider (t/oidc-*.t)
# patroni, etcd-server, postgresql-15: t/ha-failover.t's HA cluster
PKGS="$BUILD $STATIC file libfcgi-bin nginx postgresql postgresql-client
openssl curl perl python3 clang libclang-rt-14-dev wrk procps psmisc jq chromium
podman runc debootstrap uidmap testssl.sh bc
postgresql-15 patroni etcd-server etcd-client python3-psycopg2 glewlwyd sqlite3"
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

# `make run`, `make test` and `make test-san` run this first, so it says
# nothing and takes a few ms when nothing is missing (one dpkg-query, one
# cmp). As root it installs what is missing; as another user it prints the
# one apt-get line to run and exits 1. all: then the suite's npm packages
# (npm ci, when node_modules was not installed from this package-lock.json).
installed=" "$(dpkg-query -W -f='${db:Status-Status} ${Package}\n' $PKGS 2>/dev/null |
    sed -n 's/^installed //p' | tr '\n' ' ')
missing=
for p in $PKGS; do
	case "$installed" in
	*" $p "*) ;;
	*) missing="$missing $p" ;;
	esac
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing packages; run as root: apt-get install -y$missing" >&2
		exit 1
	fi
	echo "deps: installing$missing"
	log=$(mktemp /tmp/deps.XXXXXX)
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update -qq &&
	    apt-get install -y -qq --no-install-recommends $missing; } >"$log" 2>&1; then
		tail -20 "$log" >&2
		rm -f "$log"
		echo "deps: apt-get install failed" >&2
		exit 1
	fi
	rm -f "$log"
fi
[ "${1:-all}" = all ] || exit 0
top=$(cd "$(dirname "$0")/.." && pwd)
stamp=$top/node_modules/.octopod-package-lock.json
cmp -s "$top/package-lock.json" "$stamp" 2>/dev/null && exit 0
echo "deps: npm ci"
(cd "$top" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
    { echo "deps: npm ci failed" >&2; exit 1; }
cp "$top/package-lock.json" "$stamp"
