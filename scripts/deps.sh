#!/bin/sh
# Install the Debian packages octopod-c builds, runs and tests with.
PKGS="build-essential pkg-config libfcgi-dev libfcgi-bin libpq-dev
libwebsockets-dev libjansson-dev libssl-dev libcurl4-openssl-dev libcmocka-dev
nginx postgresql postgresql-client openssl curl perl clang libclang-rt-14-dev
wrk procps psmisc jq nodejs npm chromium"
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
