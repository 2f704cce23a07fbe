#!/bin/sh
# Build the libcurl that build/bin/octo-static links: Debian's curl source
# package (7.88.1, with Debian's patches), configured with only what octo
# uses — HTTP(S) with OpenSSL, name resolution by c-ares — as one static
# library. Debian's own libcurl.a cannot be linked statically: it wants
# gssapi_krb5 (no static library in Debian), ldap, rtmp, ssh2, psl,
# nghttp2 and zstd.
#
#	scripts/curl-static.sh [DIR]	(DIR: build/curl)
#
# Leaves DIR/prefix/lib/libcurl.a and DIR/prefix/include/curl/. A second
# run with the same source version and options does nothing but touch
# DIR/prefix/stamp (what the Makefile depends on).
# Needs root the first time on a machine without a deb-src entry: it adds
# /etc/apt/sources.list.d/octopod-src.sources, the same URIs, suites,
# components and keys as the machine's own Debian sources, for deb-src.
set -eu

DIR=${1:-build/curl}
case "$DIR" in /*) ;; *) DIR="$(pwd)/$DIR" ;; esac
JOBS=${JOBS:-2}

# Everything off but HTTP over TLS (OpenSSL). c-ares rather than glibc's
# getaddrinfo: a static glibc resolves through NSS and would dlopen the
# host's NSS modules if /etc/nsswitch.conf names any beyond files and dns
# (and ld warns about it at link time); c-ares reads /etc/hosts and
# /etc/resolv.conf itself, the same on every machine. Proxies (the
# https_proxy variables) and the system CA bundle stay as Debian's libcurl
# has them, so octo-static behaves like octo.
CONFIGURE="--disable-shared --enable-static --disable-dependency-tracking
--disable-silent-rules --enable-optimize --disable-debug --disable-curldebug
--with-openssl --without-zlib --enable-ares --disable-threaded-resolver
--with-ca-path=/etc/ssl/certs --with-ca-bundle=/etc/ssl/certs/ca-certificates.crt
--disable-ftp --disable-file --disable-ldap --disable-ldaps --disable-rtsp
--disable-dict --disable-telnet --disable-tftp --disable-pop3 --disable-imap
--disable-smb --disable-smtp --disable-gopher --disable-mqtt --disable-manual
--disable-ntlm --disable-ntlm-wb --disable-tls-srp --disable-cookies
--disable-netrc --disable-alt-svc --disable-hsts --disable-doh --disable-mime
--disable-websockets --disable-libcurl-option --disable-unix-sockets
--disable-headers-api
--without-gssapi --without-libpsl --without-libgsasl --without-libssh2
--without-libssh --without-librtmp --without-libidn2 --without-nghttp2
--without-brotli --without-zstd --without-hyper --without-ngtcp2
--without-nghttp3 --without-quiche --without-msh3
--without-zsh-functions-dir --without-fish-functions-dir"
CONFIGURE=$(echo $CONFIGURE)

log() { echo "curl-static: $*" >&2; }

# The deb-src entry: debian.sources with Types: deb-src (or the deb lines
# of sources.list as deb-src lines).
ensure_deb_src() {
	local src=/etc/apt/sources.list.d/octopod-src.sources
	if apt-get source --print-uris curl >/dev/null 2>&1; then
		return 0
	fi
	[ "$(id -u)" = 0 ] || {
		log "no deb-src entry for curl, and adding one needs root"
		exit 1
	}
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed -n '/^#/d; s/^Types:.*/Types: deb-src/; p' \
		    /etc/apt/sources.list.d/debian.sources >"$src.tmp"
	elif [ -f /etc/apt/sources.list ]; then
		src=/etc/apt/sources.list.d/octopod-src.list
		sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list >"$src.tmp"
	else
		log "no Debian sources to copy into a deb-src entry"
		exit 1
	fi
	mv "$src.tmp" "$src"
	log "added $src; apt-get update"
	apt-get update -qq
}

# the version the deb-src entry offers (the newest), e.g. 7.88.1-10+deb12u15
version() {
	apt-cache showsrc curl 2>/dev/null |
	    sed -n 's/^Version: //p' | sort -V | tail -1
}

STAMP="$DIR/prefix/stamp"
want_stamp() { printf '%s\n%s\n' "$1" "$CONFIGURE"; }

# cached: the stamp of the last build matches this source and these options
if [ -s "$DIR/prefix/lib/libcurl.a" ] && [ -s "$STAMP" ]; then
	ver=$(head -1 "$STAMP")
	if [ "$(cat "$STAMP")" = "$(want_stamp "$ver")" ]; then
		log "libcurl $ver is built ($DIR/prefix)"
		touch "$STAMP"
		exit 0
	fi
fi

ensure_deb_src
ver=$(version)
[ -n "$ver" ] || { log "apt-cache showsrc curl: no version"; exit 1; }
log "building libcurl $ver (Debian source) into $DIR/prefix"
rm -rf "$DIR/prefix"
mkdir -p "$DIR"
# The source tree is built outside build/ and removed at the end (kept
# with CURL_KEEP_SRC=1): its docs/cmdline-opts/*.d would look like
# dependency files to the Makefile's include of build/**/*.d.
SRC=$(mktemp -d "${TMPDIR:-/tmp}/curl-static.XXXXXX")
if [ "${CURL_KEEP_SRC:-0}" = 1 ]; then
	log "source in $SRC"
else
	trap 'rm -rf "$SRC"' EXIT
fi
(cd "$SRC" && apt-get source -qq "curl=$ver" >/dev/null 2>&1) || {
	log "apt-get source curl=$ver failed"
	exit 1
}
S=$(find "$SRC" -mindepth 1 -maxdepth 1 -type d -name 'curl-*' | head -1)
[ -n "$S" ] || { log "no source tree in $SRC"; exit 1; }
cd "$S"
# The series ends with the GnuTLS and NSS flavours' patches (debian/rules
# pops them for the OpenSSL build): take them off again. The patches
# before them that touch configure.ac and Makefile.am (zsh completion,
# gssapi and OpenLDAP flags) concern parts switched off here, so the
# shipped configure serves without autoreconf (AM_MAINTAINER_MODE keeps
# make from regenerating it).
for p in 99_nss.patch 90_gnutls.patch; do
	if [ -f "debian/patches/$p" ] &&
	    patch -R -p1 -s --dry-run <"debian/patches/$p" >/dev/null 2>&1; then
		patch -R -p1 -s <"debian/patches/$p"
	fi
done
./configure --prefix="$DIR/prefix" $CONFIGURE >"$DIR/configure.log" 2>&1 || {
	log "configure failed: see $DIR/configure.log"
	tail -20 "$DIR/configure.log" >&2
	exit 1
}
make -C lib -j"$JOBS" >"$DIR/make.log" 2>&1 || {
	log "make failed: see $DIR/make.log"
	tail -20 "$DIR/make.log" >&2
	exit 1
}
make -C lib install >>"$DIR/make.log" 2>&1
make -C include install >>"$DIR/make.log" 2>&1
want_stamp "$ver" >"$STAMP"
log "built $DIR/prefix/lib/libcurl.a"
