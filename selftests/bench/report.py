#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Table of the benchmark's fio results: vHBA (software datapath) vs stock
iscsi_tcp, and a vHBA on a simulated offload VF (vf) next to them.
Ratios are oriented so that > 1.0 means the vHBA did better.

Each run of a workload is WHO-NAME.RUN.json with its busy CPU jiffies in
WHO-NAME.RUN.cpu (WHO-NAME.json/.cpu: a single run). Every figure is the
median over the runs, taken figure by figure."""
import json
import os
import re
import statistics
import sys

out, hz = sys.argv[1], int(sys.argv[2])
RUN_FILE = re.compile(r"^(vhba|stock|vf)-(.+?)(?:\.(\d+))?\.json$")
runs = {}
for f in os.listdir(out):
    m = RUN_FILE.match(f)
    if m:
        runs.setdefault((m.group(1), m.group(2)), []).append(
            os.path.join(out, f))
names = sorted({n for _, n in runs}, key=lambda n: ("seq" in n, n))


def load_one(path):
    job = json.load(open(path))["jobs"][0]
    d = job["read"] if job["read"]["io_bytes"] else job["write"]
    gib = (job["read"]["io_bytes"] + job["write"]["io_bytes"]) / 2**30
    cpu = int(open(path[:-5] + ".cpu").read()) / hz
    return {
        "iops": d["iops"],
        "mbps": d["bw_bytes"] / 1e6,
        "lat_us": d["clat_ns"]["mean"] / 1e3,
        "p99_us": d["clat_ns"]["percentile"]["99.000000"] / 1e3,
        "cpu_s_per_gib": cpu / gib if gib else float("nan"),
        "errors": job["error"],
    }


def load(who, name):
    results = [load_one(p) for p in sorted(runs.get((who, name), []))]
    if not results:
        return None
    r = {k: statistics.median(x[k] for x in results)
         for k in results[0] if k != "errors"}
    r["errors"] = sum(x["errors"] for x in results)
    r["runs"] = len(results)
    return r


hdr = "%-18s %-6s %9s %8s %9s %9s %9s" % ("workload", "init", "IOPS", "MB/s",
                                          "lat us", "p99 us", "CPU s/GiB")
print(hdr)
print("-" * len(hdr))
worst = None
for n in names:
    v, s, f = load("vhba", n), load("stock", n), load("vf", n)
    for who, r in (("vhba", v), ("stock", s), ("vf", f)):
        if r:
            print("%-18s %-6s %9.0f %8.1f %9.0f %9.0f %9.2f" % (
                n, who, r["iops"], r["mbps"], r["lat_us"], r["p99_us"],
                r["cpu_s_per_gib"]))
    if v and s:
        ratios = (v["iops"] / s["iops"], s["lat_us"] / v["lat_us"],
                  s["p99_us"] / v["p99_us"],
                  s["cpu_s_per_gib"] / v["cpu_s_per_gib"])
        print("%-18s %-6s %9.2f %8.2f %9.2f %9.2f %9.2f" % (
            n, "ratio", ratios[0], ratios[0], ratios[1], ratios[2], ratios[3]))
        worst = min([worst] + list(ratios)) if worst else min(ratios)
    if f and s:
        print("%-18s %-6s %9.2f %8.2f %9.2f %9.2f %9.2f" % (
            n, "vf/stk", f["iops"] / s["iops"], f["iops"] / s["iops"],
            s["lat_us"] / f["lat_us"], s["p99_us"] / f["p99_us"],
            s["cpu_s_per_gib"] / f["cpu_s_per_gib"]))
    if (v and v["errors"]) or (s and s["errors"]):
        print("  errors: vhba %s stock %s" % (v and v["errors"], s and s["errors"]))
nruns = sorted({len(v) for v in runs.values()})
print()
print("median of %s run(s) per workload and initiator" %
      "/".join(str(n) for n in nruns))
print("vf: a vHBA on a simulated offload VF (its firmware runs the same"
      " software engine in the guest, so it costs more CPU, not less)")
print("ratio = vHBA / stock for IOPS and MB/s, stock / vHBA for latency and CPU;"
      " > 1.0: vHBA better. Lowest software ratio: %s" % (
          "%.2f" % worst if worst else "n/a"))
