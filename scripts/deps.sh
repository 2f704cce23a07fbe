#!/bin/sh
# Install the Debian packages octopod-c builds, runs and tests with.
#	scripts/deps.sh [all|build|run]
# all (the default, `make deps`): everything for building and testing;
# build: what `make` needs; run: what the installed programs need at run
# time (the container image's last stage).
BUILD="build-essential pkg-config libfcgi-dev libpq-dev libwebsockets-dev
libjansson-dev libssl-dev libcurl4-openssl-dev libcmocka-dev"
RUN="nginx-light libfcgi0ldbl libpq5 libjansson4 libwebsockets17 libcurl4
openssl ca-certificates"
PKGS="$BUILD libfcgi-bin nginx postgresql postgresql-client openssl curl perl
clang libclang-rt-14-dev wrk procps psmisc jq chromium testssl.sh bc"
case "${1:-all}" in
all)	;;
build)	PKGS=$BUILD ;;
run)	PKGS=$RUN ;;
*)	echo "usage: scripts/deps.sh [all|build|run]" >&2; exit 2 ;;
esac
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
