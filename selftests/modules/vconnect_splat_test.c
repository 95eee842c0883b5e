// SPDX-License-Identifier: GPL-2.0
/*
 * vconnect_splat_test - a module that warns on request.
 *
 * Used only by selftests/runner/ to prove that the test runner notices a
 * kernel splat (WARN) that happens while a test runs, and that it does not
 * report one when the module loads quietly.  Not part of the product.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>

static bool splat;
module_param(splat, bool, 0444);
MODULE_PARM_DESC(splat, "Fire a WARN from module init. Default: false");

static int __init vconnect_splat_test_init(void)
{
	/* The runner's splat detector must catch exactly this. */
	WARN(splat, "vconnect_splat_test: splat requested\n");
	/* A plain line lets the quiet test check that dmesg was captured. */
	pr_info("loaded, splat=%d\n", splat);
	return 0;
}

static void __exit vconnect_splat_test_exit(void)
{
}

module_init(vconnect_splat_test_init);
module_exit(vconnect_splat_test_exit);

MODULE_DESCRIPTION("vconnect selftests: WARN on request");
MODULE_LICENSE("GPL");
