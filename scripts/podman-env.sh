# scripts/podman-env.sh: sourced (sh) before any podman command of the
# project. What podman needs on these machines (../shared/ENV-NOTES.md):
# runc (crun refuses the host's hybrid cgroups), cgroupfs, a file events
# log, and fixed ulimits (no CAP_SYS_RESOURCE for podman's default nofile).
# TOP: the checkout (default: the parent of the sourcing script's folder).
# Installs podman, runc and debootstrap when missing (as root).
# (sourced from make, $0 is the shell: then the current directory, when it
# is a checkout, is the one)
if [ -n "${TOP:-}" ]; then
	_pe_top=$TOP
elif [ -f scripts/podman-env.sh ]; then
	_pe_top=$(pwd)
else
	_pe_top=$(cd "$(dirname "$0")/.." && pwd)
fi
if ! command -v podman >/dev/null 2>&1 || ! command -v debootstrap >/dev/null 2>&1 ||
    ! command -v runc >/dev/null 2>&1; then
	if [ "$(id -u)" != 0 ]; then
		echo "run as root: apt-get install -y podman runc debootstrap" >&2
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends podman runc debootstrap uidmap >/dev/null
fi
mkdir -p "$_pe_top/build"
CONTAINERS_CONF="$_pe_top/build/containers.conf"
cat >"$CONTAINERS_CONF" <<EOC
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOC
export CONTAINERS_CONF
