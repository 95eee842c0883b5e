#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Table of the benchmark's fio results: vHBA (software datapath) vs stock
iscsi_tcp, and a vHBA on a simulated offload VF (vf) next to them; for
ab.sh, each module tree (t0, t1, ...) vs stock. Ratios are oriented so
that > 1.0 means the vHBA (or tree) did better than stock.

Each run of a workload is WHO-NAME.RUN.json with its busy CPU jiffies in
WHO-NAME.RUN.cpu and its context switches in WHO-NAME.RUN.ctx
(WHO-NAME.json/.cpu/.ctx: a single run). Every figure is the median over
the runs, taken figure by figure."""
import functools
import json
import math
import os
import random
import re
import statistics
import sys

out, hz = sys.argv[1], int(sys.argv[2])
RUN_FILE = re.compile(r"^([a-z][a-z0-9]*)-(.+?)(?:\.(\d+))?\.json$")
ORDER = ["vhba", "stock", "vf"]
runs = {}
for f in os.listdir(out):
    m = RUN_FILE.match(f)
    if m:
        runs.setdefault((m.group(1), m.group(2)), []).append(
            os.path.join(out, f))
names = sorted({n for _, n in runs}, key=lambda n: ("seq" in n, n))
labels = sorted({w for w, _ in runs},
                key=lambda w: (ORDER.index(w) if w in ORDER else len(ORDER), w))


@functools.lru_cache(maxsize=None)
def load_one(path):
    fio = json.load(open(path))
    job = fio["jobs"][0]
    d = job["read"] if job["read"]["io_bytes"] else job["write"]
    gib = (job["read"]["io_bytes"] + job["write"]["io_bytes"]) / 2**30
    cpu = int(open(path[:-5] + ".cpu").read()) / hz
    # Context switches span the whole fio run, ramp included, and so do
    # the block layer's I/O counts in disk_util (the job's own exclude it).
    ios = sum(u["read_ios"] + u["write_ios"] for u in
              fio.get("disk_util", []))
    try:
        ctx = int(open(path[:-5] + ".ctx").read())
    except FileNotFoundError:
        ctx = None
    return {
        "iops": d["iops"],
        "mbps": d["bw_bytes"] / 1e6,
        # Submission plus completion: a driver that sends from
        # queuecommand moves time from clat into slat.
        "lat_us": d["lat_ns"]["mean"] / 1e3,
        "p99_us": d["lat_ns"]["percentile"]["99.000000"] / 1e3,
        "cpu_s_per_gib": cpu / gib if gib else float("nan"),
        "ctx_per_io": ctx / ios if ctx is not None and ios else float("nan"),
        "errors": job["error"],
    }


# The ratios' figures, each oriented so that > 1.0 means better than stock;
# the first four are the goal's (context switches are for information).
RATIO_KEYS = (("iops", False), ("lat_us", True), ("p99_us", True),
              ("cpu_s_per_gib", True), ("ctx_per_io", True))
GOAL_RATIOS = 4
RESAMPLES = 2000


def ratio(mine, stock, inverse):
    return stock / mine if inverse else mine / stock


def by_round(who, name):
    return {RUN_FILE.match(os.path.basename(p)).group(3): load_one(p)
            for p in runs.get((who, name), [])}


def paired_iops(who, name):
    """IOPS ratio to stock of each round both ran, in round order: the
    two ran back to back, so this shows the spread that drift leaves."""
    a, s = by_round(who, name), by_round("stock", name)
    rounds = sorted((r for r in a if r in s and s[r]["iops"]),
                    key=lambda r: int(r or 0))
    return [a[r]["iops"] / s[r]["iops"] for r in rounds]


def ci90(who, name):
    """90% interval of each ratio of medians, by bootstrap over the
    rounds: a resample draws rounds with replacement, keeping each
    round's pair (this initiator's run and stock's, back to back)
    together. None with fewer than 5 paired rounds."""
    a, s = by_round(who, name), by_round("stock", name)
    common = sorted(r for r in a if r in s)
    if len(common) < 5:
        return None
    rng = random.Random(1)      # the same report for the same data
    picks = [[rng.choice(common) for _ in common] for _ in range(RESAMPLES)]
    lo = int(0.05 * RESAMPLES)
    out = []
    for key, inverse in RATIO_KEYS:
        if any(math.isnan(x[r][key]) for x in (a, s) for r in common):
            out.append(None)    # a figure this run did not record
            continue
        ratios = []
        for pick in picks:
            am = statistics.median(a[r][key] for r in pick)
            sm = statistics.median(s[r][key] for r in pick)
            ratios.append(ratio(am, sm, inverse))
        ratios.sort()
        out.append((ratios[lo], ratios[RESAMPLES - 1 - lo]))
    return out


def load(who, name):
    results = [load_one(p) for p in sorted(runs.get((who, name), []))]
    if not results:
        return None
    r = {k: statistics.median(x[k] for x in results)
         for k in results[0] if k != "errors"}
    r["errors"] = sum(x["errors"] for x in results)
    r["runs"] = len(results)
    return r


# The software datapath: the vHBA in bench.sh, every tree in ab.sh.
software = (["vhba"] if "vhba" in labels else
            [w for w in labels if w not in ("stock", "vf")])
hdr = "%-18s %-6s %9s %8s %9s %9s %9s %7s" % (
    "workload", "init", "IOPS", "MB/s", "lat us", "p99 us", "CPU s/GiB",
    "ctx/IO")
print(hdr)
print("-" * len(hdr))
worst = None
for n in names:
    res = {w: load(w, n) for w in labels}
    for w in labels:
        r = res[w]
        if r:
            print("%-18s %-6s %9.0f %8.1f %9.0f %9.0f %9.2f %7.2f" % (
                n, w, r["iops"], r["mbps"], r["lat_us"], r["p99_us"],
                r["cpu_s_per_gib"], r["ctx_per_io"]))
    s = res.get("stock")
    for w in labels:
        r = res[w]
        if w == "stock" or not r or not s:
            continue
        ratios = [ratio(r[k], s[k], inverse) for k, inverse in RATIO_KEYS]
        print("%-18s %-6s %9.2f %8.2f %9.2f %9.2f %9.2f %7.2f" % (
            n, "ratio" if w == "vhba" else w + "/stk", ratios[0], *ratios))
        ci = ci90(w, n)
        if ci:
            spans = ["%.2f-%.2f" % c if c else "n/a" for c in ci[:1] + ci]
            print("%-18s %-6s %9s %8s %9s %9s %9s %7s" % (
                "", "ci90", *spans))
        rounds = paired_iops(w, n)
        if len(rounds) > 1:
            print("%-18s %-6s %s" % ("", "rounds", " ".join(
                "%.2f" % x for x in rounds)))
        if w in software:
            goal = min(ratios[:GOAL_RATIOS])
            worst = min(worst, goal) if worst else goal
    errors = {w: r["errors"] for w, r in res.items() if r and r["errors"]}
    if errors:
        print("  errors: " + " ".join("%s %d" % e for e in errors.items()))
nruns = sorted({len(v) for v in runs.values()})
print()
print("median of %s run(s) per workload and initiator" %
      "/".join(str(n) for n in nruns))
if "vf" in labels:
    print("vf: a vHBA on a simulated offload VF (its firmware runs the same"
          " software engine in the guest, so it costs more CPU, not less)")
print("ci90: 90%% interval of each ratio, bootstrap over the paired rounds"
      " (%d resamples); one that spans 1.0 cannot tell the two apart" %
      RESAMPLES)
print("rounds: each round's IOPS ratio to stock (the two ran back to back)")
print("latency: fio's lat (submission to completion), mean and 99th percentile")
print("ctx/IO: context switches in the whole guest per I/O (/proc/stat ctxt"
      " over the block layer's I/O count)")
print("ratio = vHBA / stock for IOPS and MB/s, stock / vHBA for latency, CPU"
      " and ctx/IO;"
      " > 1.0: vHBA better. Lowest software ratio: %s" % (
          "%.2f" % worst if worst else "n/a"))
