# SPDX-License-Identifier: GPL-2.0
#
# vconnect: build the kernel modules out of tree and the userspace tool.
#
#   make                 modules + vconnectctl (W=1, C=1 work as in the kernel)
#   make install         modules_install + depmod + vconnectctl into $(PREFIX)
#   make check           install build/test dependencies, build, run every test
#   make demo            the main job: a test guest with a LIO target and a vHBA
#   make bench           vHBA software datapath vs stock iscsi_tcp, as ratios;
#                        then the I/O stall of datapath switches
#
# KDIR defaults to the build tree of the newest kernel that has both
# /lib/modules/<ver>/build and /boot/vmlinuz-<ver>.
#
# KERNEL=debug (check, demo, bench, all): build scripts/debug-kernel.sh's
# debug kernel (lockdep, KASAN, kmemleak, UBSAN; once per machine), build
# the modules against it and run the guest on it (selftests/README.rst).

KVER ?= $(shell for d in /lib/modules/*/build; do v=$$(basename $$(dirname $$d)); \
	  [ -e /boot/vmlinuz-$$v ] && echo $$v; done | sort -V | tail -n 1)
KDIR ?= /lib/modules/$(KVER)/build

ifeq ($(KERNEL),debug)
KDIR := $(shell scripts/debug-kernel.sh --kdir)
KVER := $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
DEBUG_KERNEL := scripts/debug-kernel.sh
# selftests/run reads it from the environment.
export KERNEL
else ifneq ($(KERNEL),)
$(error KERNEL must be 'debug' or unset)
endif
PREFIX ?= /usr/local

.PHONY: all modules userspace install modules_install check demo bench clean setup

all: modules userspace

modules:
	@test -d "$(KDIR)" || { echo "No kernel build tree at '$(KDIR)': install linux-headers-$(KVER) or set KDIR (scripts/setup.sh installs it$(if $(DEBUG_KERNEL),; for KERNEL=debug: scripts/debug-kernel.sh))"; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

modules_install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(KVER)

install: modules_install
	$(MAKE) -C userspace install PREFIX=$(PREFIX)

setup:
	scripts/setup.sh

check: setup
	$(DEBUG_KERNEL)
	$(MAKE) all
	$(MAKE) -C selftests/tools
	$(MAKE) -C userspace test
	selftests/run

demo: setup
	$(DEBUG_KERNEL)
	$(MAKE) all
	selftests/run --script selftests/demo.sh

bench: setup
	$(DEBUG_KERNEL)
	$(MAKE) all
	selftests/run -T 3600 --script selftests/bench/bench.sh
	selftests/run -T 3600 --script selftests/bench/switch-bench.sh

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
