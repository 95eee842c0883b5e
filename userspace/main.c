// SPDX-License-Identifier: GPL-2.0
/*
 * vconnectctl: global options and dispatch to the command objects.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "vconnectctl.h"

struct global_opts opts;

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vconnectctl [ OPTIONS ] OBJECT { COMMAND | help }\n"
"       vconnectctl help\n"
"\n"
"OBJECT := { vhba | offload | discover | import | monitor }\n"
"OPTIONS := { -j[son] | -p[retty] | -n | --dry-run | -V[ersion] | -h[elp] }\n"
"\n"
"  -j, --json      print JSON (numbers as numbers, WWNs as \"0x...\",\n"
"                  ISIDs as 12 hex digits)\n"
"  -p, --pretty    indent the JSON (implies -j)\n"
"  -n, --dry-run   print each netlink request as decoded attributes\n"
"                  instead of sending it (needs no kernel module)\n"
"\n"
"Keywords may be abbreviated to any unique prefix. Exit status: 0 done,\n"
"1 failed, 2 bad command line (nothing was sent).\n"
"\n");
	vhba_usage(f);
	fputc('\n', f);
	offload_usage(f);
	fputc('\n', f);
	discover_usage(f);
	fputc('\n', f);
	import_usage(f);
	fputc('\n', f);
	monitor_usage(f);
}

int main(int argc, char **argv)
{
	static const struct option long_opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "replay", required_argument, NULL, 'R' },	/* tests only */
		{ NULL, 0, NULL, 0 }
	};
	static const char *const objects[] = {
		"vhba", "discover", "import", "monitor", "offload", "help", NULL
	};
	struct cmdline cl;
	int opt, idx;

	/* "+": stop at the first word, so "-" in a secret is not an option */
	while ((opt = getopt_long(argc, argv, "+jpnVh", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			opts.json = true;
			break;
		case 'p':
			opts.pretty = true;
			break;
		case 'n':
			opts.dry_run = true;
			break;
		case 'V':
			printf("vconnectctl %s (vconnect netlink version %d)\n",
			       VCONNECTCTL_VERSION, VCONNECT_GENL_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'R':
			opts.replay = optarg;
			break;
		default:
			fprintf(stderr, "Try 'vconnectctl help'.\n");
			return EXIT_USAGE;
		}
	}
	if (opts.pretty && !opts.json)
		opts.json = true;
	out_init();

	cl = (struct cmdline){ argc - optind, argv + optind, "vconnectctl" };
	if (!cl_more(&cl)) {
		usage(stderr);
		return EXIT_USAGE;
	}
	idx = cl_keyword(&cl, cl_next(&cl), objects);
	switch (idx) {
	case 0:
		return do_vhba(cl.argc, cl.argv);
	case 1:
		return do_discover(cl.argc, cl.argv);
	case 2:
		return do_import(cl.argc, cl.argv);
	case 3:
		return do_monitor(cl.argc, cl.argv);
	case 4:
		return do_offload(cl.argc, cl.argv);
	case 5:
		usage(stdout);
		return EXIT_OK;
	default:
		fprintf(stderr, "Try 'vconnectctl help'.\n");
		return EXIT_USAGE;
	}
}
