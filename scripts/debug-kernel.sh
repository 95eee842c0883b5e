#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/debug-kernel.sh: build, once per machine, a test-guest kernel with
# lockdep, KASAN, kmemleak, UBSAN, DEBUG_OBJECTS and fault injection from
# Debian's linux-source-6.1, for "make check KERNEL=debug" and
# "KERNEL=debug selftests/run" (see "The debug kernel" in
# selftests/README.rst).
#
#   scripts/debug-kernel.sh          build it unless cached; print where it is
#   scripts/debug-kernel.sh --env    print KVER=, KDIR=, VMLINUZ= of the
#                                    built kernel (fails if not built)
#   scripts/debug-kernel.sh --kdir   print its Kbuild tree (built or not)
#
# The cache, $DEBUG_KERNEL_CACHE (default /var/cache/vconnect/debug-kernel),
# holds one directory per key, a hash of the source package version, the
# compiler, scripts/debug-kernel.config and the build steps below:
#
#   src/       the built source tree: the KDIR for out-of-tree modules
#   root/lib/modules/<release>/   the installed modules
#   vmlinuz    the bzImage;  release, build-time: what they say
#
# /lib/modules/<release> is a symlink into the cache, because the guest
# (which sees this machine's root over 9p) runs modprobe there.  Nothing goes
# to /boot: the Makefile's and the runner's default kernel is the newest one
# with a /boot/vmlinuz, and that must stay Debian's.

set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$here/debug-kernel.config
src_tar=/usr/src/linux-source-6.1.tar.xz
cache_root=${DEBUG_KERNEL_CACHE:-/var/cache/vconnect/debug-kernel}
# Compiling the kernel itself needs more than the out-of-tree modules do;
# installed here, not by scripts/setup.sh, so "make check" stays as it was.
packages=(linux-source-6.1 make gcc bc bison flex libelf-dev libssl-dev
	  rsync xz-utils kmod cpio)

die() {
	echo "debug-kernel: $*" >&2
	exit 1
}

install_packages() {
	local p status missing=() sudo=()
	for p in "${packages[@]}"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		[ "$status" = "install ok installed" ] || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	[ "$(id -u)" = 0 ] || sudo=(sudo)
	echo "debug-kernel: installing ${missing[*]}"
	"${sudo[@]}" apt-get update
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y --no-install-recommends "${missing[@]}"
}

# check_config SRC: every line of the fragment must have survived
# olddefconfig, or the kernel would silently lack a requested check.
# A module wanted as =m may end up =y.
check_config() {
	local src=$1 line sym bad=0
	while read -r line; do
		case $line in
		CONFIG_*=*) sym=${line%%=*} ;;
		"# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *}; line="$sym=n" ;;
		*) continue ;;
		esac
		if [ "${line#*=}" = n ]; then
			grep -q "^$sym=" "$src/.config" || continue
		elif [ "${line#*=}" = m ] && grep -qx "$sym=y" "$src/.config"; then
			# Built in because built-in code selects it: modprobe
			# still succeeds (modules.builtin).
			continue
		else
			grep -qxF "$line" "$src/.config" && continue
		fi
		echo "debug-kernel: wanted $line, got: $(grep "^$sym=\|^# $sym " "$src/.config" || echo unset)" >&2
		bad=1
	done <"$fragment"
	return $bad
}

# build_kernel DIR: configure, compile and install into DIR (hashed into the
# cache key, with check_config: change them and the kernel is rebuilt).
build_kernel() {
	local dir=$1 src=$1/src jobs
	jobs=${DEBUG_KERNEL_JOBS:-$(nproc)}
	rm -rf "$src" "$dir/root"
	mkdir -p "$src"
	tar -xJf "$src_tar" -C "$src" --strip-components=1
	# The machine is shared: the whole build runs at the lowest priority.
	nice -n 19 make -s -C "$src" defconfig kvm_guest.config
	# merge_config.sh lists every override it makes: keep quiet, the fragment
	# says it all and check_config below reports what did not apply.
	(cd "$src" && nice -n 19 scripts/kconfig/merge_config.sh -m .config "$fragment" >/dev/null)
	nice -n 19 make -s -C "$src" olddefconfig
	check_config "$src" || die "the config fragment did not apply (see above)"
	nice -n 19 make -s -C "$src" -j"$jobs" bzImage modules
	nice -n 19 make -s -C "$src" modules_install INSTALL_MOD_PATH="$dir/root"
	cp "$src/arch/x86/boot/bzImage" "$dir/vmlinuz"
	make -s -C "$src" kernelrelease >"$dir/release"
}

key=$({
	dpkg-query -W -f='${Version}\n' linux-source-6.1 2>/dev/null || echo none
	gcc --version 2>/dev/null | head -n 1
	cat "$fragment"
	declare -f build_kernel check_config
} | sha256sum | cut -c1-16)
dir=$cache_root/$key

case ${1:-} in
--kdir)
	echo "$dir/src"
	exit 0 ;;
--env)
	[ -f "$dir/done" ] || die "not built: run scripts/debug-kernel.sh (about an hour)"
	echo "KVER=$(cat "$dir/release")"
	echo "KDIR=$dir/src"
	echo "VMLINUZ=$dir/vmlinuz"
	exit 0 ;;
'') ;;
*)
	sed -n '3,/^$/s/^# \{0,1\}//p' "$0" >&2
	exit 2 ;;
esac

mkdir -p "$cache_root"
# Two runs at once would build in the same directory.
exec 9>"$cache_root/lock"
flock 9

if [ ! -f "$dir/done" ]; then
	install_packages
	[ -f "$src_tar" ] || die "no $src_tar (package linux-source-6.1)"
	echo "debug-kernel: building in $dir (an hour or more on 2 CPUs)"
	start=$SECONDS
	build_kernel "$dir"
	echo $((SECONDS - start)) >"$dir/build-time"
	touch "$dir/done"
	echo "debug-kernel: built in $(($(cat "$dir/build-time") / 60)) min $(($(cat "$dir/build-time") % 60)) s"
fi

release=$(cat "$dir/release")
# The guest's modprobe looks in /lib/modules/$(uname -r): point it at the
# cache.  Never replace a real directory (a kernel someone installed).
link=/lib/modules/$release
if [ -e "$link" ] && [ ! -L "$link" ]; then
	die "$link exists and is not our symlink; not touching it"
fi
if [ "$(readlink "$link" 2>/dev/null)" != "$dir/root/lib/modules/$release" ]; then
	ln -sfn "$dir/root/lib/modules/$release" "$link"
fi

echo "debug-kernel: $release in $dir (built in $(cat "$dir/build-time") s)"
echo "debug-kernel: KDIR=$dir/src VMLINUZ=$dir/vmlinuz"
