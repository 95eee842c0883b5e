#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/setup.sh: install the Debian packages vconnect needs to build and
# to run its tests (see README.md and selftests/README.rst).
# Idempotent: installs only what is missing, and does nothing when all of
# it is present.

set -euo pipefail

packages=(
	# guest kernel and the Kbuild tree for out-of-tree modules
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	# the test guest
	qemu-system-x86 busybox-static cpio kmod procps
	# iSCSI peers and tools used by the tests
	open-iscsi targetcli-fb python3-rtslib-fb tgt fio
	libiscsi-bin libiscsi-dev sg3-utils
	dbus iproute2 iputils-ping
	# request-key and key.dns_resolver: host names in login redirections
	keyutils
	# building
	make gcc sparse libmnl-dev pkg-config dkms
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup: all packages present"
	exit 0
fi

sudo=()
if [ "$(id -u)" != 0 ]; then
	command -v sudo >/dev/null || {
		echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
		exit 1
	}
	sudo=(sudo)
fi

echo "setup: installing ${missing[*]}"
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends "${missing[@]}"
