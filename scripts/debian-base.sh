#!/bin/sh
# scripts/debian-base.sh: make sure podman has a pristine debian:12 image
# (docker.io/library/debian:12), made here with debootstrap from the apt
# mirror this machine is configured with: no container registry is needed.
# Cached: a second run does nothing. Prints the image name.
#
#	scripts/debian-base.sh		(as root; installs podman and debootstrap)
#
# podman is run with the containers.conf written by scripts/podman-env.sh
# (runc, cgroupfs, a file events log, fixed ulimits): source that first, or
# let this script do it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/scripts/podman-env.sh"
IMAGE=docker.io/library/debian:12
if podman image exists "$IMAGE"; then
	echo "$IMAGE"
	exit 0
fi
mirror=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources \
    2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}
root=$(mktemp -d /var/tmp/debian-base.XXXXXX)
trap 'rm -rf "$root"' EXIT
echo "debian-base: debootstrap bookworm from $mirror" >&2
debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1 || {
	tail -20 "$root.log" >&2
	exit 1
}
rm -f "$root.log"
# the same sources as a debian:12 image from a registry has, on this mirror
rm -f "$root/etc/apt/sources.list"
cat >"$root/etc/apt/sources.list.d/debian.sources" <<EOS
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOS
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | podman import -q --change 'CMD ["/bin/bash"]' - "$IMAGE" >/dev/null
echo "$IMAGE"
