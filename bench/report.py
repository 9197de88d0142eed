#!/usr/bin/env python3
"""Turns the benchmarks' JSON into namedshm's published results (scripts/bench.sh runs it).

    report.py native  --work DIR --results bench/results --readme bench/README.md ...
    report.py windows --work DIR --results bench/results --readme bench/README.md ...

    report.py native|windows --suite broadcast|mailbox --work DIR ...   (RESULTS/SUITE-PLATFORM.*)

Reads DIR/lifecycle.json, DIR/typed.json, DIR/ipc.json, DIR/mutex.json (Google Benchmark, one row per
repetition) and, natively, DIR/callgrind.FUNCTION.out. Writes RESULTS/PLATFORM.json (every repetition, the
machine and every comparison), RESULTS/PLATFORM.md (the tables) and, natively,
RESULTS/scaling.dat for the plot; then puts the tables into the README between its markers.

A ratio "A / B" is the median of all pairwise ratios a_i / b_j of the repetitions of A and B,
with their interquartile range as the spread; "fastest ÷ fastest" divides the two minima (noise
on a shared machine only ever adds time). A target is met if the median ratio meets it, "within
noise" if only the lower quartile does, and missed if even the lower quartile misses it. Repetitions are randomly interleaved, so both
sides saw the same machine. Python 3 standard library only.
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import sys

UNIT_NS = {"ns": 1.0, "us": 1e3, "ms": 1e6, "s": 1e9}
KIB, MIB, GIB = 1024, 1024**2, 1024**3


def size_label(size):
    for unit, label in ((GIB, "GiB"), (MIB, "MiB"), (KIB, "KiB")):
        if size >= unit and size % unit == 0:
            return f"{size // unit} {label}"
    return f"{size} B"


def load_runs(path, keep_counter=None):
    """{'create/raw/4096': {'real': [ns...], 'cpu': [ns...], 'items': ..., 'error': ...}}.
    keep_counter(run, row) copies what a suite needs of a repetition's counters."""
    with open(path, encoding="utf-8") as handle:
        data = json.load(handle)
    runs = {}
    for row in data["benchmarks"]:
        name = re.sub(r"/(real|manual)_time$", "", row.get("run_name", row["name"]))
        run = runs.setdefault(name, {"real": [], "cpu": []})
        if row.get("error_occurred"):
            run["error"] = row.get("error_message", "failed")
            continue
        if row.get("run_type", "iteration") != "iteration":
            continue
        scale = UNIT_NS[row.get("time_unit", "ns")]
        run["real"].append(row["real_time"] * scale)
        run["cpu"].append(row["cpu_time"] * scale)
        (keep_counter or keep_pages)(run, row)
    return data.get("context", {}), runs


def keep_pages(run, row):
    if "pages" in row:
        run["pages"] = row["pages"]


def quartiles(values):
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def ratio(runs, a, b, basis):
    """Median and IQR of all pairwise ratios of A's and B's repetitions, or None."""
    if a not in runs or b not in runs or not runs[a][basis] or not runs[b][basis]:
        return None
    pairs = [x / y for x in runs[a][basis] for y in runs[b][basis]]
    q1, median, q3 = quartiles(pairs)
    fastest = min(runs[a][basis]) / min(runs[b][basis])
    return {"median": median, "q1": q1, "q3": q3, "fastest": fastest, "pairs": len(pairs)}


def median_of(runs, name, basis):
    if name not in runs or not runs[name].get(basis):
        return None
    return statistics.median(runs[name][basis])


def fmt_ratio(r):
    if r is None:
        return "n/a"
    return f"**{r['median']:.2f}** [{r['q1']:.2f}–{r['q3']:.2f}]"


def fmt_us(ns, digits=1):
    return "n/a" if ns is None else f"{ns / 1e3:.{digits}f}"


def verdict(r, target):
    """target: ('max', x): the ratio must be <= x; ('min', x): it must be >= x. "yes" if the median
    meets it; "within noise" if only the better quartile does (the data cannot tell); "no" if even
    the better quartile misses it."""
    if r is None or target is None:
        return ""
    kind, limit = target
    if kind == "min":
        if r["median"] >= limit:
            return "yes"
        return "within noise" if r["q3"] >= limit else "**no**"
    if r["median"] <= limit:
        return "yes"
    return "within noise" if r["q1"] <= limit else "**no**"


def fmt_target(target):
    if target is None:
        return "—"
    if target[0] == "min":
        return f"≥ {target[1]:.2f}"
    return f"≤ {target[1]:.2f}" if target[1] != 1.0 else "< 1.00"


class Report:
    """Collects comparisons as rows of Markdown tables and as JSON."""

    def __init__(self, runs, bases):
        self.runs = runs
        self.bases = bases  # e.g. ["cpu", "real"]: the first one decides the verdict
        self.comparisons = []

    def compare(self, label, a, b, target=None, note=""):
        results = {basis: ratio(self.runs, a, b, basis) for basis in self.bases}
        entry = {"label": label, "a": a, "b": b, "target": target, "note": note,
                 "median_ns": {basis: [median_of(self.runs, a, basis), median_of(self.runs, b, basis)]
                               for basis in self.bases},
                 "ratio": results, "met": verdict(results[self.bases[0]], target).strip("*") or None}
        for name in (a, b):
            if name in self.runs and "error" in self.runs[name]:
                entry["error"] = f"{name}: {self.runs[name]['error']}"
        self.comparisons.append(entry)
        return entry

    def table(self, entries, unit="µs"):
        first = self.bases[0]
        head = (f"| comparison | median A / B ({unit}, {first}) | ratio A ÷ B ({first} time) | fastest ÷ fastest "
                f"({first}) |" + "".join(f" ratio A ÷ B ({basis} time) |" for basis in self.bases[1:]) +
                " target | met |")
        lines = [head, "|" + " --- |" * (5 + len(self.bases))]
        for e in entries:
            a_ns, b_ns = e["median_ns"][first]
            if unit == "µs":
                times = f"{fmt_us(a_ns)} / {fmt_us(b_ns)}"
            else:
                times = "n/a" if a_ns is None or b_ns is None else f"{a_ns:.0f} / {b_ns:.0f}"
            label = e["label"] + (f" ({e['error']})" if "error" in e else "")
            main = e["ratio"][first]
            ratios = f" {fmt_ratio(main)} | {'n/a' if main is None else format(main['fastest'], '.2f')} |"
            ratios += "".join(f" {fmt_ratio(e['ratio'][basis])} |" for basis in self.bases[1:])
            lines.append(f"| {label} | {times} |{ratios} {fmt_target(e['target'])} | "
                         f"{verdict(e['ratio'][first], e['target'])} |")
        return "\n".join(lines)


SYSCALLS = ["fstat", "flock", "flock-ex-refused", "flock-ex+sh", "fchmod", "getrlimit", "fstatvfs", "stat",
            "shm_open+close"]
TYPED_INTRO = ("A pass reads (sum) or writes (increment) 2048 `std::uint64_t` (16 KiB, in L1), in two loop shapes: "
               "indexed (`v[i]`, i < size) and range (range-for over the view; a pointer running to `p + count` "
               "for the raw side). The typed side makes its view on every pass, so the checks of `array<T>()` "
               "are in its time.")
CALLGRIND_PAIRS = [
    ("sum, indexed", "typed_sum_indexed", "raw_sum_indexed"),
    ("sum, range", "typed_sum_range", "raw_sum_range"),
    ("increment, indexed", "typed_increment_indexed", "raw_increment_indexed"),
    ("increment, range", "typed_increment_range", "raw_increment_range"),
    ("getting there: `array<T>(0, 2048)` vs a cast of `data()`", "typed_make_view", "raw_make_pointer"),
]


def typed_comparisons(rep):
    entries = []
    for op in ("sum", "increment"):
        for shape in ("indexed", "range"):
            entries.append(rep.compare(f"{op}, {shape}: typed view ÷ raw pointer", f"typed/{op}-{shape}/namedshm",
                                       f"typed/{op}-{shape}/raw", ("max", 1.05)))
    entries.append(rep.compare("sum: `object<T>(offset)` per element ÷ raw pointer (not a target: it checks "
                               "every call)", "typed/sum-indexed/namedshm-object-per-element",
                               "typed/sum-indexed/raw"))
    return entries


def read_callgrind(work, functions, passes):
    counts = {}
    for function in functions:
        path = os.path.join(work, f"callgrind.{function}.out")
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("totals:") or line.startswith("summary:"):
                    counts[function] = int(line.split()[1])
    return {f: {"total": n, "per_call": n / passes} for f, n in counts.items()}


SERVER_CYCLES = ["create-raw", "create-namedshm", "open-raw", "open-raw-known-size", "open-raw+query", "open-namedshm",
                 "open_or_create-raw", "open_or_create-raw+query", "open_or_create-namedshm", "create_open-raw",
                 "create_open-namedshm"]


def server_requests(path, cycle, cycles):
    """Wineserver requests per cycle of the thread that sent CYCLE's markers, between them, by name."""
    tid, counting, names = None, False, {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        for line in handle:
            match = re.match(r"^([0-9a-f]{4}): ([a-z_]+)\( ", line)
            if not match:
                continue
            if f'namedshm-bench-trace-begin {cycle}"' in line:
                tid, counting = match.group(1), True
                continue
            if counting and match.group(1) == tid:
                if f'namedshm-bench-trace-end {cycle}"' in line:
                    break
                names[match.group(2)] = names.get(match.group(2), 0) + 1
    if tid is None:
        return None
    names["close_handle"] = names.get("close_handle", 0) - 1  # the begin marker's own handle
    return {name: count / cycles for name, count in sorted(names.items()) if count}


def previous_lifecycle(path, entries, basis):
    """The lifecycle ratios of an earlier run (its own baselines, its own machine state) beside
    this run's, on `basis` ("cpu" or "real"): what a change did. Empty without --previous."""
    if not path or not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        previous = json.load(handle)
    old = {(c["a"], c["b"]): c for c in previous.get("comparisons", [])}  # labels may be reworded
    pm = previous.get("machine", {})
    commit = f", commit {pm['commit']}" if pm.get("commit") else ""
    md = [f"#### This run beside the previous results ({pm.get('date', '?')}{commit})", "",
          f"Each ratio is against its own baseline, measured in its own run ({basis} time, median).", "",
          "| comparison | previous | this run | target |", "| --- | --- | --- | --- |"]
    for e in entries:
        before = old.get((e["a"], e["b"]), {}).get("ratio", {}).get(basis)
        md.append(f"| {e['label']} | {fmt_ratio(before)} | {fmt_ratio(e['ratio'][basis])} | {fmt_target(e['target'])} |")
    return md + [""]


def syscall_table(work, before_commit):
    """bench/count_syscalls.sh's table, if bench.sh ran it (strace)."""
    path = os.path.join(work, "syscalls.md")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as handle:
        table = handle.read().strip()
    before = (f" `namedshm-before` is namedshm at {before_commit}, built from that commit's headers." if before_commit
              else "")
    return ["#### System calls per operation", "",
            "Counted by `bench/count_syscalls.sh` (`strace -f -c` on bench/syscall_count.cpp, 1000 cycles less "
            "a run of none, 4 KiB): create = create + map + unmap + close + remove; open and open_or_create = of an "
            "object that raw calls made, + map + unmap + close; held_open = open + map + unmap + close while a "
            "creator made by the same library holds the name; create_open = create + map, open + map, close the "
            "opener, close the creator (the last)." + before, "", table, ""]


def two_handles(rep, runs, before_commit):
    """Issue 18's cycles: namedshm now against namedshm before the change (the same binary, randomly
    interleaved), raw calls and Boost, with one handle and with two. (markdown lines, JSON)."""
    heading = "#### Two handles, and namedshm before and after issue 18"
    have_before = any(name.endswith(f"/namedshm-before/{4 * KIB}") for name in runs)
    old = f"namedshm at {before_commit}" if before_commit else "namedshm before"
    md = [heading, "",
          "`held_open`: open + map + unmap + close of a second handle while a creator made by the same library "
          "holds the name (made outside the timed loop). `create_open`: create + map, open + map, close the opener, "
          "close the creator (the last handle: it removes the name). "
          + (f"\"{old}\" is namedshm as commit {before_commit} made it (the last one before issue 18), compiled "
             "into the same binary under another namespace (bench/lifecycle_before.cpp) and run in the same random "
             "interleaving. " if have_before else
             "**The earlier commit's namedshm was not built into this run** (NAMEDSHM_BENCH_BEFORE): no before/after "
             "ratios. ")
          + "Raw baselines: `raw` the plain calls; \"raw with the calls of before\" adds the shared lock (opener) "
            "and create's safety calls (creator), as namedshm did before issue 18; \"raw with the same calls\" makes "
            "exactly namedshm's calls now (the opener's flock(LOCK_EX | LOCK_NB) refused, flock(LOCK_SH), fstat; at "
            "close flock(LOCK_EX | LOCK_NB), refused to the opener, granted to the last creator).", ""]
    entries = []
    for size in (4 * KIB, GIB):
        s = size_label(size)
        if have_before:
            for op in ("create", "open", "open_or_create"):
                entries.append(rep.compare(f"{op} {s}: namedshm ÷ {old} (one handle)", f"{op}/namedshm/{size}",
                                           f"{op}/namedshm-before/{size}", ("max", 1.10)))
        for op, same_now, same_before in (("held_open", "raw+claim", "raw+lock"),
                                          ("create_open", "raw+all", "raw+all-before")):
            now, before = f"{op}/namedshm/{size}", f"{op}/namedshm-before/{size}"
            if have_before:
                entries.append(rep.compare(f"{op} {s}: namedshm ÷ {old}", now, before, ("max", 1.10)))
            entries += [
                rep.compare(f"{op} {s}: namedshm ÷ raw", now, f"{op}/raw/{size}"),
                rep.compare(f"{op} {s}: namedshm ÷ raw with the same calls", now, f"{op}/{same_now}/{size}"),
                rep.compare(f"{op} {s}: raw with namedshm's calls now ÷ raw with the calls of before",
                            f"{op}/{same_now}/{size}", f"{op}/{same_before}/{size}"),
            ]
            if have_before:
                entries += [rep.compare(f"{op} {s}: {old} ÷ raw", before, f"{op}/raw/{size}"),
                            rep.compare(f"{op} {s}: {old} ÷ raw with the calls of before", before,
                                        f"{op}/{same_before}/{size}")]
            entries += [rep.compare(f"{op} {s}: namedshm ÷ Boost", now, f"{op}/boost/{size}"),
                        rep.compare(f"{op} {s}: Boost ÷ raw", f"{op}/boost/{size}", f"{op}/raw/{size}")]
    md += [rep.table(entries), ""]
    return md, {"before_commit": before_commit if have_before else None, "comparisons": entries}


def machine(args, context):
    info = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cpus": os.cpu_count(), "kernel": platform.release(), "cpu_model": "unknown"}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    info["mhz_per_cpu"] = context.get("mhz_per_cpu")
    info["load_before"] = args.load_before
    info["load_after"] = open("/proc/loadavg", encoding="utf-8").read().split()[:3]
    info["compiler"] = args.compiler
    info["tools"] = args.tools
    info["repetitions"] = args.repetitions
    info["min_time_s"] = args.min_time
    info["typed_min_time_s"] = args.typed_min_time
    info["command"] = args.command
    info["commit"] = args.commit
    return info


def machine_markdown(m, basis_note):
    return (f"Run {m['date']} with `{m['command']}` ({m['repetitions']} repetitions of at least "
            f"{m['min_time_s']} s each, {m['typed_min_time_s']} s for the typed loops, randomly interleaved). Machine: {m['cpus']} × {m['cpu_model']} "
            f"at {m['mhz_per_cpu']} MHz, Linux {m['kernel']}, load average {' '.join(m['load_before'])} "
            f"before and {' '.join(m['load_after'])} after (the 2 cores are shared with other work: "
            f"expect noise). {m['compiler']}; {m['tools']}."
            + (f" Commit {m['commit']}." if m.get("commit") else "") + f" {basis_note}")


IPC_COUNTERS = {"p50_ns": "p50", "p99_ns": "p99", "p999_ns": "p999", "mean_ns": "mean", "max_ns": "max",
                "round_trips": "round_trips", "handoffs": "handoffs", "bytes_per_second": "bps", "work_bytes_per_second": "work_bps"}


def rate_ratio(runs, a, a_key, b, b_key):
    """As ratio() for rates (higher is better), each side with its own counter: the median and IQR
    of all pairwise a_i / b_j, and "fastest" = the highest of A ÷ the highest of B."""
    if a not in runs or b not in runs or not runs[a].get(a_key) or not runs[b].get(b_key):
        return None
    pairs = [x / y for x in runs[a][a_key] for y in runs[b][b_key]]
    q1, median, q3 = quartiles(pairs)
    return {"median": median, "q1": q1, "q3": q3, "fastest": max(runs[a][a_key]) / max(runs[b][b_key]),
            "pairs": len(pairs)}


def load_ipc_runs(path):
    """As load_runs, plus every repetition's counters: {'roundtrip/spin/raw-atomic': {'real': [...],
    'p50': [...], 'p99': [...], 'p999': [...], 'mean': [...], 'max': [...], 'bps': [...]}}."""

    def keep_ipc_counters(run, row):
        for counter, key in IPC_COUNTERS.items():
            if counter in row:
                run.setdefault(key, []).append(row[counter])

    return load_runs(path, keep_ipc_counters)


def fmt_ns(ns):
    """Nanoseconds as µs with three significant digits (0.142, 17.8, 1234)."""
    if ns is None:
        return "n/a"
    us = ns / 1e3
    if us < 1:
        return f"{us:.3f}"
    if us < 10:
        return f"{us:.2f}"
    return f"{us:.1f}" if us < 100 else f"{us:.0f}"


def fmt_gbs(bps):
    return "n/a" if bps is None else f"{bps / 1e9:.2f}"


def ipc_section(args, platform_name, number):
    """The round-trip and throughput tables of namedshm_bench_ipc (WORK/ipc.json): (markdown lines,
    JSON), or a line saying the suite did not run."""
    heading = ("" if number is None else f"{number}. ") + "IPC: round trips and throughput between two processes"
    path = os.path.join(args.work, "ipc.json")
    if not os.path.exists(path):
        return [f"### {heading}", "", "Not run (no ipc.json).", ""], None
    context, runs = load_ipc_runs(path)
    windows = platform_name == "windows"
    raw_block = "roundtrip/block/raw-event" if windows else "roundtrip/block/raw-futex"
    raw_block_label = ("raw Win32 events (SetEvent / WaitForSingleObject)" if windows
                       else "raw futex (FUTEX_WAKE / FUTEX_WAIT)")
    streams = (["named-pipe"] if windows else ["pipe", "unix-socket"])
    stream_labels = {"named-pipe": "named pipe", "pipe": "pipe", "unix-socket": "unix socket"}
    missing = context.get("ipc_missing_headers", "none")
    placement = context.get("ipc_placement", "unknown")
    min_time = f"{args.ipc_min_time} s" if args.ipc_min_time else "the suite's minimum time"

    md = [f"### {heading}", "",
          "`bench/ipc.cpp`: the benchmark binary starts itself again as the partner process "
          f"(`--ipc-partner KIND NAME ...`), which exits when the parent does. Placement: {placement}. "
          f"Each repetition runs at least {min_time}, after an untimed warm-up of 20 ms; every round trip's "
          "time is recorded (one rdtsc per round trip, calibrated against steady_clock), and the "
          "percentiles below are the medians, over the repetitions, of each repetition's percentile. "
          "A ratio is the median of all pairwise ratios of the two sides' repetitions [interquartile range]; "
          "the verdict uses the p50 ratio."
          + ("" if missing == "none" else f" **Not built: {missing.strip()}** (its benchmarks are missing below)."),
          ""]

    transports = [
        ("roundtrip/spin/raw-atomic", "spin", "raw: two std::atomic<uint64_t> in shared memory, pause between loads"),
        ("roundtrip/spin/namedshm-channel", "spin", "namedshm: two channels, WaitPolicy::spin, 8-byte messages"),
        (raw_block, "block", raw_block_label),
        ("roundtrip/block/namedshm-event", "block", "namedshm: two auto-reset `Event`s"),
        ("roundtrip/block/namedshm-channel", "block", "namedshm: two channels, WaitPolicy::block, 8-byte messages"),
    ] + [(f"roundtrip/block/{s}", "block", f"{stream_labels[s]}, 8 bytes each way") for s in streams]
    md += ["| round trip | waits | p50 µs | p99 µs | p99.9 µs | mean µs | round trips per repetition |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    table_json = []
    for name, waits, label in transports:
        med = {key: median_of(runs, name, key) for key in ("p50", "p99", "p999", "mean", "round_trips")}
        error = runs.get(name, {}).get("error")
        shown = label + (f" (error: {error})" if error else "") + ("" if name in runs else " (not run)")
        trips = "n/a" if med["round_trips"] is None else f"{med['round_trips']:,.0f}"
        md.append(f"| {shown} | {waits} | {fmt_ns(med['p50'])} | {fmt_ns(med['p99'])} | {fmt_ns(med['p999'])} | "
                  f"{fmt_ns(med['mean'])} | {trips} |")
        table_json.append({"name": name, "label": label, "median_ns": med, "error": error})

    # How far apart the two CPUs were: the raw spinning round trip of each repetition. On a VM the
    # host may move the virtual CPUs between physical cores during a run, and every ratio moves with it.
    spin = sorted(runs.get("roundtrip/spin/raw-atomic", {}).get("p50", []))
    if spin:
        md += ["", f"Distance between the two CPUs in this run: the raw spinning round trip's p50 was "
                   f"{fmt_ns(spin[0])} to {fmt_ns(spin[-1])} µs over the {len(spin)} repetitions (median "
                   f"{fmt_ns(statistics.median(spin))} µs)."
                   + (" **The spread is wider than 2x: the host moved the two virtual CPUs during the run, so "
                      "the repetitions mix placements and the ratios' ranges are wide.**"
                      if spin[-1] > 2 * spin[0] else "")]

    comparisons = []

    def compare(label, a, b, target=None, keys=("p50", "p99", "p999", "mean")):
        entry = {"label": label, "a": a, "b": b, "target": target,
                 "ratio": {key: ratio(runs, a, b, key) for key in keys}}
        entry["met"] = verdict(entry["ratio"][keys[0]], target).strip("*") or None
        for side in (a, b):
            if side in runs and "error" in runs[side]:
                entry["error"] = f"{side}: {runs[side]['error']}"
        comparisons.append(entry)
        return entry

    rt = [
        compare("spinning: namedshm channel ÷ raw atomics", "roundtrip/spin/namedshm-channel",
                "roundtrip/spin/raw-atomic", ("max", 1.25)),
        compare(f"blocking: namedshm Event ÷ {'raw events' if windows else 'raw futex'}",
                "roundtrip/block/namedshm-event", raw_block, ("max", 1.2)),
        compare(f"blocking: namedshm channel ÷ {'raw events' if windows else 'raw futex'}",
                "roundtrip/block/namedshm-channel", raw_block, ("max", 1.2)),
    ]
    for s_ in streams:
        rt.append(compare(f"blocking: namedshm channel ÷ {stream_labels[s_]}", "roundtrip/block/namedshm-channel",
                          f"roundtrip/block/{s_}"))
    for s_ in streams:
        rt.append(compare(f"blocking: {stream_labels[s_]} ÷ {'raw events' if windows else 'raw futex'}",
                          f"roundtrip/block/{s_}", raw_block))
    md += ["", "| comparison | ratio A ÷ B, p50 | p99 | p99.9 | mean | target (p50) | met |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    for e in rt:
        label = e["label"] + (f" ({e['error']})" if "error" in e else "")
        md.append(f"| {label} | {fmt_ratio(e['ratio']['p50'])} | {fmt_ratio(e['ratio']['p99'])} | "
                  f"{fmt_ratio(e['ratio']['p999'])} | {fmt_ratio(e['ratio']['mean'])} | {fmt_target(e['target'])} | "
                  f"{verdict(e['ratio']['p50'], e['target'])} |")

    # Throughput.
    sizes = sorted({int(n.rsplit("/", 1)[1]) for n in runs if n.startswith("stream/")})
    columns = [("memcpy", "bps", "memcpy (1 process)"), ("sum", "bps", "sum in cache (1 process)"),
               ("handoff-read", "work_bps", "handoff: sum what the other core wrote"),
               ("handoff-write", "work_bps", "handoff: memcpy over what the other core read"),
               ("raw-ring", "bps", "raw ring"), ("namedshm-channel", "bps", "namedshm channel"),
               ("namedshm-channel+movsb", "bps", "namedshm channel, producer copies with rep movsb")] + \
              [(s_, "bps", stream_labels[s_]) for s_ in streams]
    md += ["", "Throughput: messages of one size from the partner (producer) to the parent (consumer), which reads "
           "every byte where it lies (the sum of its 64-bit words, checked against the expected sum of every "
           "message). Producers copy each message from a buffer in cache: memcpy into the channel "
           "(`prepare`/`commit`, spin_then_block) or the raw ring (fixed slots, spinning), write() to the "
           f"{' / '.join(stream_labels[s_] for s_ in streams)}; the ring and the channel have the same bytes (the power "
           "of two that holds four messages, at least 64 KiB). The channel is also run with a producer that copies "
           "with `rep movsb` instead of the C library's memcpy (x86 only; see the analysis of the targets). "
           "memcpy and the sum run in one process on data in "
           "cache: the ceilings of one core. The handoffs time only the parent's own work on a buffer that the "
           "partner has just written (sum) or just read (memcpy over it), one turn each: the ceilings of a "
           "consumer and of a producer whose data lives in the other core's cache. GB/s = 10^9 bytes per "
           "second, medians over the repetitions.", "",
           "| message | " + " | ".join(label for _, _, label in columns) + " |",
           "|" + " --- |" * (len(columns) + 1)]
    bandwidth = {}
    for size in sizes:
        row = []
        for key, counter, _ in columns:
            name = f"stream/{key}/{size}"
            bps = median_of(runs, name, counter)
            bandwidth.setdefault(size_label(size), {})[key] = bps
            row.append(fmt_gbs(bps) + (" (error)" if "error" in runs.get(name, {}) else ""))
        md.append(f"| {size_label(size)} | " + " | ".join(row) + " |")

    def compare_rate(label, a, a_key, b, b_key, target=None):
        entry = {"label": label, "a": a, "b": b, "target": target, "ratio": {"bps": rate_ratio(runs, a, a_key, b, b_key)}}
        entry["met"] = verdict(entry["ratio"]["bps"], target).strip("*") or None
        for side in (a, b):
            if side in runs and "error" in runs[side]:
                entry["error"] = f"{side}: {runs[side]['error']}"
        comparisons.append(entry)
        return entry

    tp = []
    for size in sizes:
        s = size_label(size)
        target = ("min", 0.5) if size == 64 * KIB else None
        channel, memcpy = f"stream/namedshm-channel/{size}", f"stream/memcpy/{size}"
        read, write = f"stream/handoff-read/{size}", f"stream/handoff-write/{size}"
        tp.append(compare_rate(f"{s}: namedshm channel ÷ memcpy", channel, "bps", memcpy, "bps", target))
        movsb = f"stream/namedshm-channel+movsb/{size}"
        if movsb in runs:
            tp.append(compare_rate(f"{s}: namedshm channel, producer copying with rep movsb ÷ memcpy", movsb, "bps",
                                   memcpy, "bps", target))
        if read in runs:
            tp.append(compare_rate(f"{s}: handoff read (sum of what the other core wrote) ÷ memcpy", read, "work_bps",
                                   memcpy, "bps"))
            tp.append(compare_rate(f"{s}: handoff write (memcpy over what the other core read) ÷ memcpy", write,
                                   "work_bps", memcpy, "bps"))
            tp.append(compare_rate(f"{s}: namedshm channel ÷ handoff read", channel, "bps", read, "work_bps"))
        tp.append(compare_rate(f"{s}: raw ring ÷ memcpy", f"stream/raw-ring/{size}", "bps", memcpy, "bps"))
        tp.append(compare_rate(f"{s}: namedshm channel ÷ raw ring", channel, "bps", f"stream/raw-ring/{size}", "bps"))
        for s_ in streams:
            tp.append(compare_rate(f"{s}: namedshm channel ÷ {stream_labels[s_]}", channel, "bps", f"stream/{s_}/{size}",
                                   "bps"))
    md += ["", "| comparison (bandwidth) | ratio A ÷ B | highest ÷ highest | target | met |",
           "| --- | --- | --- | --- | --- |"]
    for e in tp:
        r = e["ratio"]["bps"]
        label = e["label"] + (f" ({e['error']})" if "error" in e else "")
        md.append(f"| {label} | {fmt_ratio(r)} | {'n/a' if r is None else format(r['fastest'], '.2f')} | "
                  f"{fmt_target(e['target'])} | {verdict(r, e['target'])} |")
    md.append("")
    result = {"context": {k: v for k, v in context.items() if k.startswith("ipc_")}, "round_trips": table_json,
              "throughput_bytes_per_second": bandwidth, "comparisons": comparisons, "runs": runs}
    return md, result


def mutex_section(args, platform_name, number):
    """The tables of namedshm_bench_mutex (WORK/mutex.json): (markdown lines, JSON)."""
    heading = ("" if number is None else f"{number}. ") + "Mutex: uncontended, and handed between two processes"
    path = os.path.join(args.work, "mutex.json")
    if not os.path.exists(path):
        return [f"### {heading}", "", "Not run (no mutex.json).", ""], None
    context, runs = load_ipc_runs(path)
    windows = platform_name == "windows"
    basis = "real" if windows else "cpu"
    rep = Report(runs, [basis] if windows else ["cpu", "real"])
    raw = "raw-kernel-mutex" if windows else "raw-robust"
    kinds = [("namedshm", "namedshm::Mutex")]
    if windows:
        kinds += [("raw-kernel-mutex", "raw named kernel mutex: WaitForSingleObject / ReleaseMutex")]
    else:
        kinds += [("raw-robust", "raw pthread mutex, robust + error-checking + process-shared (namedshm's kind)"),
                  ("raw-plain", "raw pthread mutex, process-shared only (no crash recovery)"),
                  ("boost-interprocess_mutex", "Boost.Interprocess interprocess_mutex in shared memory"),
                  ("boost-named_mutex", "Boost.Interprocess named_mutex")]
    unc = [rep.compare(f"uncontended lock + unlock: namedshm ÷ {raw}", "mutex/uncontended/namedshm",
                       f"mutex/uncontended/{raw}", ("max", 1.10))]
    for kind, _ in kinds[2:]:
        unc.append(rep.compare(f"uncontended lock + unlock: namedshm ÷ {kind}", "mutex/uncontended/namedshm",
                               f"mutex/uncontended/{kind}"))
    md = [f"### {heading}", "",
          "`bench/mutex.cpp`. Uncontended: `lock()` then `unlock()` in one thread, the mutex always free "
          f"({basis} time per pair). Handoff: two processes ({context.get('ipc_placement', 'placement unknown')}) "
          "pass the mutex back and forth; the holder waits until the other has called `lock()`, lets it settle "
          f"into its wait ({'200' if windows else '30'} µs), stamps `steady_clock` and unlocks; the time is until "
          "the waiter's `lock()` returns. Percentiles over every handoff of a repetition, medians over the "
          "repetitions; ratios as above. The baselines:", ""]
    md += [f"- `{kind}`: {label}" for kind, label in kinds] + ["", rep.table(unc, unit="ns per pair"), ""]
    md += ["| handoff | p50 µs | p99 µs | p99.9 µs | mean µs | handoffs per repetition |",
           "| --- | --- | --- | --- | --- | --- |"]
    handoff_json = []
    for kind, label in kinds:
        name = f"mutex/handoff/{kind}"
        med = {key: median_of(runs, name, key) for key in ("p50", "p99", "p999", "mean", "handoffs")}
        error = runs.get(name, {}).get("error")
        shown = kind + (f" (error: {error})" if error else "") + ("" if name in runs else " (not run)")
        count = "n/a" if med["handoffs"] is None else f"{med['handoffs']:,.0f}"
        md.append(f"| {shown} | {fmt_ns(med['p50'])} | {fmt_ns(med['p99'])} | {fmt_ns(med['p999'])} | "
                  f"{fmt_ns(med['mean'])} | {count} |")
        handoff_json.append({"name": name, "median_ns": med, "error": error})
    handoffs = []
    md += ["", "| comparison (handoff) | ratio A ÷ B, p50 | p99 | p99.9 | mean |", "| --- | --- | --- | --- | --- |"]
    for kind, _ in kinds[1:]:
        a, b = "mutex/handoff/namedshm", f"mutex/handoff/{kind}"
        entry = {"label": f"handoff: namedshm ÷ {kind}", "a": a, "b": b,
                 "ratio": {key: ratio(runs, a, b, key) for key in ("p50", "p99", "p999", "mean")}}
        handoffs.append(entry)
        md.append(f"| {entry['label']} | {fmt_ratio(entry['ratio']['p50'])} | {fmt_ratio(entry['ratio']['p99'])} | "
                  f"{fmt_ratio(entry['ratio']['p999'])} | {fmt_ratio(entry['ratio']['mean'])} |")
    md.append("")
    return md, {"comparisons": rep.comparisons + handoffs, "handoffs": handoff_json, "runs": runs}


def broadcast_section(args, platform_name):
    """The tables of namedshm_bench_broadcast (WORK/broadcast.json): (markdown lines, JSON)."""
    title = "Native (Linux, POSIX backend)" if platform_name == "native" else "Windows (MinGW-w64 build under Wine)"
    heading = f"Broadcast, {title}: one sender, 1 to 4 receiver processes"
    path = os.path.join(args.work, "broadcast.json")
    if not os.path.exists(path):
        return [f"### {heading}", "", "Not run (no broadcast.json).", ""], None
    context, runs = load_ipc_runs(path)
    m = machine(args, context)
    comparisons = []
    md = [f"### {heading}", "",
          f"Run {m['date']} with `{m['command']}` ({m['repetitions']} repetitions of at least {args.ipc_min_time} s, "
          f"randomly interleaved). Machine: {m['cpus']} × {m['cpu_model']}, load average {' '.join(m['load_before'])} "
          f"before and {' '.join(m['load_after'])} after (the 2 cores are shared with other work: expect noise). "
          f"{m['compiler']}." + (f" Commit {m['commit']}." if m.get("commit") else ""), "",
          "`bench/broadcast.cpp` (issue 20). Placement: " + context.get("ipc_placement", "unknown") +
          "; every receiver process runs on the partner's CPU, so with 2 or 4 receivers they share one core "
          "(and sleep at once when they wait, `block`, where one receiver spins, then sleeps). "
          "Streams: the parent sends messages of one size (`send()`, WhenFull::wait, spin_then_block) "
          "to N receiver processes, through one broadcast (one copy per message) or through N SPSC channels "
          "(one copy into each); each receiver checks the first and last 64-bit word of every message (its "
          "number), so that the sender's work is what is measured. GB/s = the sender's 10^9 bytes per second, "
          "each message counted once whatever N. Rings as in the IPC suite (64 KiB for 64 B, 512 KiB for "
          "64 KiB). Round trips: 8 bytes down and back over two broadcasts (one receiver each) or two channels, "
          "both sides spinning or both blocking; percentiles as in the IPC suite. The issue's targets: 1 "
          "receiver at 0.9x the channel or better (a time ratio of at most 1.11, a rate ratio of at least "
          "0.90), and 2 receivers at 64 KiB at 1.7x two channels or better.", ""]
    md += ["| round trip | p50 µs | p99 µs | p99.9 µs | mean µs |", "| --- | --- | --- | --- | --- |"]
    for policy in ("spin", "block"):
        for kind in ("broadcast", "channel"):
            name = f"roundtrip/{policy}/{kind}"
            med = {key: median_of(runs, name, key) for key in ("p50", "p99", "p999", "mean")}
            error = runs.get(name, {}).get("error")
            shown = f"{policy}: {kind}" + (f" (error: {error})" if error else "") + ("" if name in runs else " (not run)")
            md.append(f"| {shown} | {fmt_ns(med['p50'])} | {fmt_ns(med['p99'])} | {fmt_ns(med['p999'])} | "
                      f"{fmt_ns(med['mean'])} |")
    md += ["", "| comparison (round trip) | ratio A ÷ B, p50 | p99 | target (p50 and p99) | met (p50, p99) |",
           "| --- | --- | --- | --- | --- |"]
    for policy in ("spin", "block"):
        a, b = f"roundtrip/{policy}/broadcast", f"roundtrip/{policy}/channel"
        target = ("max", 1 / 0.9)
        entry = {"label": f"{policy}: broadcast ÷ channel", "a": a, "b": b, "target": target,
                 "ratio": {key: ratio(runs, a, b, key) for key in ("p50", "p99")}}
        entry["met"] = {key: verdict(entry["ratio"][key], target).strip("*") or None for key in ("p50", "p99")}
        comparisons.append(entry)
        md.append(f"| {entry['label']} | {fmt_ratio(entry['ratio']['p50'])} | {fmt_ratio(entry['ratio']['p99'])} | "
                  f"{fmt_target(target)} | {verdict(entry['ratio']['p50'], target)}, "
                  f"{verdict(entry['ratio']['p99'], target)} |")
    sizes = (64, 64 * KIB)
    md += ["", "Throughput (the sender's, real time), and the sender's own CPU time per message (its copies, its "
               "wake-ups of sleeping receivers and its waits for room, which spin at first):", "",
           "| receivers | message | broadcast GB/s | channels GB/s | ratio broadcast ÷ channels | "
           "highest ÷ highest | target | met | sender CPU µs per message, broadcast / channels |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    bandwidth = {}
    for receivers in (1, 2, 4):
        for size in sizes:
            a, b = f"stream/{receivers}/broadcast/{size}", f"stream/{receivers}/channels/{size}"
            target = ("min", 0.9) if receivers == 1 else ("min", 1.7) if receivers == 2 and size == 64 * KIB else None
            r = rate_ratio(runs, a, "bps", b, "bps")
            entry = {"label": f"{receivers} receivers, {size_label(size)}: broadcast ÷ channels", "a": a, "b": b,
                     "target": target, "ratio": {"bps": r}, "met": verdict(r, target).strip("*") or None}
            errors = [f"{side}: {runs[side]['error']}" for side in (a, b) if "error" in runs.get(side, {})]
            if errors:
                entry["error"] = "; ".join(errors)
            comparisons.append(entry)
            bandwidth[f"{receivers}/{size_label(size)}"] = {"broadcast": median_of(runs, a, "bps"),
                                                             "channels": median_of(runs, b, "bps")}
            shown = size_label(size) + (f" ({entry['error']})" if errors else "")
            cpu = f"{fmt_ns(median_of(runs, a, 'cpu'))} / {fmt_ns(median_of(runs, b, 'cpu'))}"
            md.append(f"| {receivers} | {shown} | {fmt_gbs(median_of(runs, a, 'bps'))} | "
                      f"{fmt_gbs(median_of(runs, b, 'bps'))} | {fmt_ratio(r)} | "
                      f"{'n/a' if r is None else format(r['fastest'], '.2f')} | {fmt_target(target)} | "
                      f"{verdict(r, target)} | {cpu} |")
    md.append("")
    return md, {"machine": m, "comparisons": comparisons, "throughput_bytes_per_second": bandwidth, "runs": runs}


def mailbox_section(args, platform_name):
    """The tables of namedshm_bench_mailbox (WORK/mailbox.json): (markdown lines, JSON)."""
    title = "Native (Linux, POSIX backend)" if platform_name == "native" else "Windows (MinGW-w64 build under Wine)"
    heading = f"Mailbox, {title}: one and two senders"
    path = os.path.join(args.work, "mailbox.json")
    if not os.path.exists(path):
        return [f"### {heading}", "", "Not run (no mailbox.json).", ""], None
    context, runs = load_ipc_runs(path)
    m = machine(args, context)
    comparisons = []
    boost = "stream/2/boost/64" in runs
    md = [f"### {heading}", "",
          f"Run {m['date']} with `{m['command']}` ({m['repetitions']} repetitions of at least {args.ipc_min_time} s, "
          f"randomly interleaved). Machine: {m['cpus']} × {m['cpu_model']}, load average {' '.join(m['load_before'])} "
          f"before and {' '.join(m['load_after'])} after (the 2 cores are shared with other work: expect noise). "
          f"{m['compiler']}." + (f" Commit {m['commit']}." if m.get("commit") else ""), "",
          "`bench/mailbox.cpp` (issue 21). Placement: " + context.get("ipc_placement", "unknown") +
          "; every partner process runs on the partner's CPU. One sender: the parent sends messages of one size "
          "(`send()`, spin_then_block) to a partner that receives them, through a mailbox or an SPSC channel "
          "(rings as in the IPC suite: 64 KiB for 64 B, 512 KiB for 64 KiB; the receiver checks the first and last "
          "64-bit word of each message), and round trips of 8 bytes over two mailboxes or two channels, both sides "
          "spinning or both blocking. Two senders: two partner processes send 64-byte messages as fast as they can "
          "to the parent, which receives and checks each (its sender, its order), through a mailbox (64 KiB ring) "
          "or a Boost.Interprocess `message_queue` of as many 64-byte messages (1,024); GB/s = the receiver's 10^9 "
          "bytes per second. Service: 64-byte round trips of the parent to a service process that also serves a "
          "second, busy client (the other partner), requests through the service's mailbox or message_queue, "
          "replies through each client's own. The issue's targets: 1 sender at 0.8x the channel's throughput or "
          "better (64 B and 64 KiB), a round trip's p50 at most 1.3x the channel's, and 2 senders at 10x "
          "`message_queue`'s throughput or better."
          + ("" if boost else " No Boost for this build (MinGW): the two-sender comparisons show the mailbox alone."),
          ""]
    md += ["| round trip | p50 µs | p99 µs | p99.9 µs | mean µs |", "| --- | --- | --- | --- | --- |"]
    latency_rows = [f"roundtrip/{policy}/{kind}" for policy in ("spin", "block") for kind in ("mailbox", "channel")]
    latency_rows += ["service/2/spin_then_block/mailbox", "service/2/block/mailbox", "service/2/boost"]
    for name in latency_rows:
        if name not in runs:
            continue
        med = {key: median_of(runs, name, key) for key in ("p50", "p99", "p999", "mean")}
        error = runs[name].get("error")
        shown = name + (f" (error: {error})" if error else "")
        md.append(f"| {shown} | {fmt_ns(med['p50'])} | {fmt_ns(med['p99'])} | {fmt_ns(med['p999'])} | "
                  f"{fmt_ns(med['mean'])} |")
    md += ["", "| comparison (round trip) | ratio A ÷ B, p50 | p99 | target (p50) | met (p50) |",
           "| --- | --- | --- | --- | --- |"]
    pairs = [(f"{policy}: mailbox ÷ channel", f"roundtrip/{policy}/mailbox", f"roundtrip/{policy}/channel",
              ("max", 1.3)) for policy in ("spin", "block")]
    if boost:
        pairs += [(f"service, 2 clients, {policy}: mailbox ÷ message_queue", f"service/2/{policy}/mailbox",
                   "service/2/boost", None) for policy in ("spin_then_block", "block")]
    for label, a, b, target in pairs:
        entry = {"label": label, "a": a, "b": b, "target": target,
                 "ratio": {key: ratio(runs, a, b, key) for key in ("p50", "p99")}}
        entry["met"] = verdict(entry["ratio"]["p50"], target).strip("*") or None
        comparisons.append(entry)
        md.append(f"| {label} | {fmt_ratio(entry['ratio']['p50'])} | {fmt_ratio(entry['ratio']['p99'])} | "
                  f"{fmt_target(target)} | {verdict(entry['ratio']['p50'], target)} |")
    md += ["", "Throughput (real time), and the CPU time of the parent per message (the sender's for one sender, the "
               "receiver's for two):", "",
           "| stream | message | mailbox GB/s | baseline | baseline GB/s | ratio mailbox ÷ baseline | highest ÷ highest | "
           "target | met | parent CPU µs per message, mailbox / baseline |",
           "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    bandwidth = {}
    streams = [(1, 64, "stream/1/mailbox/64", "stream/1/channel/64", "channel", ("min", 0.8)),
               (1, 64 * KIB, f"stream/1/mailbox/{64 * KIB}", f"stream/1/channel/{64 * KIB}", "channel", ("min", 0.8)),
               (2, 64, "stream/2/mailbox/64", "stream/2/boost/64", "message_queue", ("min", 10.0))]
    for senders, size, a, b, baseline, target in streams:
        r = rate_ratio(runs, a, "bps", b, "bps")
        entry = {"label": f"{senders} sender(s), {size_label(size)}: mailbox ÷ {baseline}", "a": a, "b": b,
                 "target": target, "ratio": {"bps": r}, "met": verdict(r, target).strip("*") or None}
        errors = [f"{side}: {runs[side]['error']}" for side in (a, b) if "error" in runs.get(side, {})]
        if errors:
            entry["error"] = "; ".join(errors)
        comparisons.append(entry)
        bandwidth[f"{senders}/{size_label(size)}"] = {"mailbox": median_of(runs, a, "bps"),
                                                       baseline: median_of(runs, b, "bps")}
        shown = size_label(size) + (f" ({entry['error']})" if errors else "")
        cpu = f"{fmt_ns(median_of(runs, a, 'cpu'))} / {fmt_ns(median_of(runs, b, 'cpu'))}"
        md.append(f"| {senders} | {shown} | {fmt_gbs(median_of(runs, a, 'bps'))} | {baseline} | "
                  f"{fmt_gbs(median_of(runs, b, 'bps'))} | {fmt_ratio(r)} | "
                  f"{'n/a' if r is None else format(r['fastest'], '.2f')} | {fmt_target(target)} | "
                  f"{verdict(r, target)} | {cpu} |")
    md.append("")
    return md, {"machine": m, "comparisons": comparisons, "throughput_bytes_per_second": bandwidth, "runs": runs}


def suite_only(args, name, section):
    """--suite broadcast|mailbox: a suite's own results (RESULTS/SUITE-PLATFORM.*)."""
    md, result = section(args, args.platform)
    markdown = "\n".join(md)
    name = f"{name}-{args.platform}"
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, f"{name}.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1)
        handle.write("\n")
    with open(os.path.join(args.results, f"{name}.md"), "w", encoding="utf-8") as handle:
        handle.write(markdown + "\n")
    if args.readme:
        update_readme(args.readme, name, markdown)
    print(markdown)


def native(args):
    context, runs = load_runs(os.path.join(args.work, "lifecycle.json"))
    _, typed_runs = load_runs(os.path.join(args.work, "typed.json"))
    runs.update(typed_runs)
    rep = Report(runs, ["cpu", "real"])
    m = machine(args, context)
    md = ["## Native (Linux, POSIX backend)", "",
          machine_markdown(m, "Ratios are judged on CPU time (the thread's own user and kernel time, "
                              "which holds every system call's work here and not the waits for a busy core); "
                              "real time is shown beside it."), ""]

    # 1. Lifecycle.
    life = []
    for size in (4 * KIB, GIB):
        s = size_label(size)
        life += [
            rep.compare(f"create {s}: namedshm ÷ raw", f"create/namedshm/{size}", f"create/raw/{size}", ("max", 1.05)),
            rep.compare(f"create {s}: namedshm (sparse) ÷ raw", f"create/namedshm-sparse/{size}", f"create/raw/{size}",
                        ("max", 1.05)),
            rep.compare(f"create {s}: namedshm ÷ raw with the same safety calls", f"create/namedshm/{size}",
                        f"create/raw+all/{size}", ("max", 1.05)),
            rep.compare(f"create {s}: namedshm ÷ Boost", f"create/namedshm/{size}", f"create/boost/{size}", ("max", 1.25)),
            rep.compare(f"create {s}: Boost ÷ raw", f"create/boost/{size}", f"create/raw/{size}"),
        ]
    for op in ("open", "open_or_create"):
        for size in (4 * KIB, GIB):
            s = size_label(size)
            life += [
                rep.compare(f"{op} {s}: namedshm ÷ raw", f"{op}/namedshm/{size}", f"{op}/raw/{size}", ("max", 1.05)),
                rep.compare(f"{op} {s}: namedshm ÷ raw with the same calls", f"{op}/namedshm/{size}",
                            f"{op}/raw+claim/{size}", ("max", 1.05)),
                rep.compare(f"{op} {s}: namedshm ÷ Boost", f"{op}/namedshm/{size}", f"{op}/boost/{size}", ("max", 1.10)),
                rep.compare(f"{op} {s}: Boost ÷ raw", f"{op}/boost/{size}", f"{op}/raw/{size}"),
            ]
    md += ["### 1. Lifecycle: namedshm vs raw calls vs Boost.Interprocess", "",
           "Each cycle is create (or open) + map + unmap + close (+ unlink for create); 1 GiB is never "
           "touched. The objects that `open` and `open_or_create` open are made by raw calls, so to namedshm "
           "they are foreign (not marked as its own, held by no namedshm handle): since issue 18 it takes "
           "their lock as flock(LOCK_EX | LOCK_NB), fstat, flock(LOCK_SH). \"raw with the same safety calls\" "
           "and \"raw with the same calls\" are the raw code plus the system calls namedshm adds (below): the "
           "part of the ratio that is namedshm's own code.", "", rep.table(life), ""]
    md += previous_lifecycle(args.previous, life, "cpu")
    before_commit = context.get("namedshm_before_commit") or args.before_commit or None
    two_md, two = two_handles(rep, runs, before_commit)
    md += two_md
    md += syscall_table(args.work, before_commit)

    steps = [("lock", "flock(LOCK_SH) + fstat"),
             ("mode", "fchmod only if the umask narrowed the mode (none here: umask 022); alone, an fstat"),
             ("room", "getrlimit + fstatvfs"),
             ("verify", "stat of /dev/shm/NAME before shm_unlink; alone, an fstat too"),
             ("last", "flock(LOCK_EX \\| LOCK_NB) before removing the name: is this the last handle? (issue 18)"),
             ("all-before", "lock, mode, room, verify: what namedshm did before issue 18"),
             ("all", "all of the above: what namedshm does now")]
    md += ["#### What each safety step of `create` costs", "",
           "| step | system calls | extra µs (CPU), 4 KiB | raw + step ÷ raw, 4 KiB | extra µs (CPU), 1 GiB |"
           " raw + step ÷ raw, 1 GiB |", "| --- | --- | --- | --- | --- | --- |"]
    step_json = []
    for step, calls in steps:
        row = f"| {step} | {calls} |"
        entry = {"step": step, "calls": calls}
        for size in (4 * KIB, GIB):
            a, b = f"create/raw+{step}/{size}", f"create/raw/{size}"
            extra = None
            if median_of(runs, a, "cpu") is not None and median_of(runs, b, "cpu") is not None:
                extra = median_of(runs, a, "cpu") - median_of(runs, b, "cpu")
            r = ratio(runs, a, b, "cpu")
            entry[str(size)] = {"extra_ns": extra, "ratio": r}
            row += f" {fmt_us(extra, 2)} | {fmt_ratio(r)} |"
        md.append(row)
        step_json.append(entry)
    open_extra = {}
    for op in ("open", "open_or_create"):
        for step in ("lock", "claim"):
            a, b = median_of(runs, f"{op}/raw+{step}/{4 * KIB}", "cpu"), median_of(runs, f"{op}/raw/{4 * KIB}", "cpu")
            open_extra[f"{op}+{step}"] = None if a is None or b is None else a - b
    md += ["", f"For `open` and `open_or_create` of a foreign object namedshm adds flock(LOCK_EX | LOCK_NB) + fstat "
               f"+ flock(LOCK_SH) (`raw+claim`): {fmt_us(open_extra['open+claim'], 2)} µs and "
               f"{fmt_us(open_extra['open_or_create+claim'], 2)} µs (CPU, 4 KiB); before issue 18 it added "
               f"flock(LOCK_SH) + fstat (`raw+lock`): {fmt_us(open_extra['open+lock'], 2)} µs and "
               f"{fmt_us(open_extra['open_or_create+lock'], 2)} µs.", "",
           "The price of one system call here, alone in a loop (median CPU µs): " + ", ".join(
               f"{call} {fmt_us(median_of(runs, f'syscall/{call}', 'cpu'), 2)}" for call in SYSCALLS) + ".", ""]

    # 2. Size scaling.
    sizes = sorted({int(name.rsplit("/", 1)[1]) for name in runs if name.startswith("scale/")})
    impls = ["raw", "namedshm", "namedshm-sparse", "namedshm-reserved", "boost"]
    md += ["### 2. Size scaling: create + map + unmap + close, pages never touched", "",
           "Median CPU µs per cycle. `namedshm` (default `Backing::checked`) refuses sizes above the free "
           "space of /dev/shm, so it stops at 16 GiB; 64 GiB needs `Backing::sparse`. `namedshm-reserved` "
           "(`Backing::reserved`, posix_fallocate) allocates every page, as newer Boost releases do in "
           "`truncate()`; Boost 1.74, measured here, only calls ftruncate.", "",
           "| size | " + " | ".join(impls) + " |", "|" + " --- |" * (len(impls) + 1)]
    scaling_rows = []
    for size in sizes:
        values = [median_of(runs, f"scale/{impl}/{size}", "cpu") for impl in impls]
        md.append(f"| {size_label(size)} | " + " | ".join(fmt_us(v) for v in values) + " |")
        scaling_rows.append((size, values))
    scale = []
    for impl, target in (("namedshm-sparse", ("max", 1.2)), ("namedshm", ("max", 1.2)), ("raw", None),
                         ("boost", None)):
        scale.append(rep.compare(f"{impl}: 1 GiB ÷ 4 KiB", f"scale/{impl}/{GIB}", f"scale/{impl}/{4 * KIB}", target))
    for impl in ("namedshm-sparse", "raw", "boost"):
        scale.append(rep.compare(f"{impl}: 64 GiB ÷ 4 KiB", f"scale/{impl}/{64 * GIB}", f"scale/{impl}/{4 * KIB}"))
    scale.append(rep.compare("namedshm: 16 GiB ÷ 4 KiB", f"scale/namedshm/{16 * GIB}", f"scale/namedshm/{4 * KIB}"))
    md += ["", rep.table(scale), ""]

    touch_names = ["raw", "namedshm", "namedshm-reserved"]
    touch_size = next((int(n.rsplit("/", 1)[1]) for n in runs if n.startswith("touch/")), 64 * MIB)
    pages = runs.get(f"touch/raw/{touch_size}", {}).get("pages", touch_size // 4096)
    md += [f"First touch (one write per 4 KiB page of a new {size_label(touch_size)} region, creation not timed; "
           "the thread's CPU time, where the page faults' work is counted):", "",
           "| region | ns per page (median) | ÷ raw |", "| --- | --- | --- |"]
    touch_json = {}
    for impl in touch_names:
        name = f"touch/{impl}/{touch_size}"
        med = median_of(runs, name, "real")
        r = ratio(runs, name, f"touch/raw/{touch_size}", "real")
        touch_json[impl] = {"ns_per_page": None if med is None else med / pages, "ratio_to_raw": r}
        md.append(f"| {impl} | {'n/a' if med is None else f'{med / pages:.0f}'} | {fmt_ratio(r)} |")
    md.append("")

    # 3. Typed access.
    typed = typed_comparisons(rep)
    callgrind = read_callgrind(args.work, [f for _, t, r in CALLGRIND_PAIRS for f in (t, r)], args.callgrind_passes)
    md += ["### 3. Typed access: `region.array<std::uint64_t>()` vs a raw pointer", "",
           TYPED_INTRO, "", rep.table(typed, unit="ns per pass"), "",
           f"Instructions executed (valgrind --tool=callgrind --toggle-collect=FUNCTION, {args.callgrind_passes} "
           "calls each, bench/typed_access_callgrind.cpp; the same loops, each in a function that is never "
           "inlined):", "",
           "| code | typed (instructions per call) | raw (instructions per call) | same count? |",
           "| --- | --- | --- | --- |"]
    for label, typed_fn, raw_fn in CALLGRIND_PAIRS:
        t, r = callgrind.get(typed_fn), callgrind.get(raw_fn)
        if t is None or r is None:
            md.append(f"| {label} | n/a | n/a | |")
            continue
        same = "yes" if t["total"] == r["total"] else f"no ({t['per_call'] - r['per_call']:+.0f})"
        md.append(f"| {label} (`{typed_fn}` / `{raw_fn}`) | {t['per_call']:,.0f} | {r['per_call']:,.0f} | {same} |")
    md.append("")

    with open(os.path.join(args.results, "scaling.dat"), "w", encoding="utf-8") as handle:
        handle.write("# size_bytes " + " ".join(impls) + "   (median CPU µs per create+map+unmap+close; ? = not run)\n")
        for size, values in scaling_rows:
            handle.write(f"{size} " + " ".join("?" if v is None else f"{v / 1e3:.3f}" for v in values) + "\n")
    md += ["![create + map + unmap + close against region size](results/lifecycle.png)", ""]
    ipc_md, ipc_json = ipc_section(args, "native", 4)
    md += ipc_md
    mutex_md, mutex_json = mutex_section(args, "native", 5)
    md += mutex_md
    syscalls = {call: median_of(runs, f"syscall/{call}", "cpu") for call in SYSCALLS}
    m["before_commit"] = before_commit
    result = {"platform": "native", "machine": m, "context": context, "comparisons": rep.comparisons, "ipc": ipc_json,
              "two_handles": two,
              "mutex": mutex_json,
              "syscall_cpu_ns": syscalls, "safety_steps": step_json, "open_lock_extra_ns": open_extra, "touch": touch_json,
              "callgrind": callgrind, "runs": runs}
    return result, "\n".join(md)


def windows(args):
    context, runs = load_runs(os.path.join(args.work, "lifecycle.json"))
    _, typed_runs = load_runs(os.path.join(args.work, "typed.json"))
    runs.update(typed_runs)
    rep = Report(runs, ["real"])
    m = machine(args, context)
    md = ["## Windows (MinGW-w64 build under Wine, Win32 backend)", "",
          machine_markdown(m, "Ratios use real time: under Wine each call is a round trip to the wineserver "
                              "process, whose work the thread's CPU time would not show. Wine's absolute "
                              "times say nothing about Windows; the ratios do. No Boost baseline here."), ""]
    life = []
    for size in (4 * KIB, GIB):
        s = size_label(size)
        life += [
            rep.compare(f"create {s}: namedshm ÷ raw", f"create/namedshm/{size}", f"create/raw/{size}", ("max", 1.05)),
            rep.compare(f"open {s}: namedshm ÷ raw (both VirtualQuery for the size)", f"open/namedshm/{size}",
                        f"open/raw/{size}", ("max", 1.05)),
            rep.compare(f"open {s}: namedshm ÷ raw that knows the size", f"open/namedshm/{size}",
                        f"open/raw-known-size/{size}"),
            rep.compare(f"open {s}: namedshm ÷ raw with NtQuerySection (namedshm 0.2's calls)", f"open/namedshm/{size}",
                        f"open/raw+query/{size}"),
            rep.compare(f"open_or_create {s}: namedshm ÷ raw (VirtualQuery)", f"open_or_create/namedshm/{size}",
                        f"open_or_create/raw/{size}", ("max", 1.05)),
            rep.compare(f"open_or_create {s}: namedshm ÷ raw with NtQuerySection (0.2's calls)",
                        f"open_or_create/namedshm/{size}", f"open_or_create/raw+query/{size}"),
            rep.compare(f"held_open {s}: namedshm ÷ raw (each holder made by its own side)",
                        f"held_open/namedshm/{size}", f"held_open/raw/{size}", ("max", 1.05)),
            rep.compare(f"create_open {s}: namedshm ÷ raw", f"create_open/namedshm/{size}", f"create_open/raw/{size}",
                        ("max", 1.05)),
        ]
    typed = typed_comparisons(rep)
    md += ["### Lifecycle: namedshm vs raw Win32 calls", "",
           "Raw create: CreateFileMappingW + the ERROR_ALREADY_EXISTS check + MapViewOfFile + UnmapViewOfFile + "
           "CloseHandle. Raw open: OpenFileMappingW + MapViewOfFile(0) + VirtualQuery (to learn the size) + "
           "UnmapViewOfFile + CloseHandle, the calls namedshm makes too (0.2 asked NtQuerySection for the exact "
           "size instead: one wineserver request more, and a handle with SECTION_QUERY). Two handles: `held_open` "
           "opens while a creator holds the name (a section exists only while a handle is open, so the raw side "
           "is `open/raw` itself; namedshm's holder is a namedshm region), `create_open` is create + open + close "
           "the opener + close the creator, whose handle is the last. Issue 18 did not change the Win32 backend.",
           "",
           rep.table(life), ""] + previous_lifecycle(args.previous, life, "real") + ["### Typed access", "", TYPED_INTRO, "", rep.table(typed, unit="ns per pass"), ""]
    server = {}
    trace = os.path.join(args.work, "server.trace")
    if os.path.exists(trace):
        server = {cycle: server_requests(trace, cycle, args.server_cycles) for cycle in SERVER_CYCLES}
    if server:
        md += ["### Wineserver requests per cycle", "",
               f"Counted, not timed: a wineserver started with `-d1` traces every request that a thread sends "
               f"it; bench/win32_server_calls.cpp runs {args.server_cycles} cycles of 4 KiB between two marker "
               "requests, and these are the requests per cycle. Noise cannot change them. Under Wine, "
               "VirtualQuery is answered inside the process, NtQuerySection by wineserver "
               "(get_mapping_info); on Windows each is one system call.", "",
               "| cycle | requests | which |", "| --- | --- | --- |"]
        for cycle, names in server.items():
            if names is None:
                md.append(f"| {cycle} | n/a (markers not found) | |")
                continue
            which = ", ".join(f"{name} {count:g}" for name, count in names.items())
            md.append(f"| {cycle} | {sum(names.values()):g} | {which} |")
        md.append("")
    ipc_md, ipc_json = ipc_section(args, "windows", None)
    md += ipc_md
    mutex_md, mutex_json = mutex_section(args, "windows", None)
    md += mutex_md
    result = {"platform": "windows-wine", "machine": m, "context": context, "comparisons": rep.comparisons,
              "ipc": ipc_json, "mutex": mutex_json,
              "server_requests_per_cycle": server, "runs": runs}
    return result, "\n".join(md)


def update_readme(readme, platform_name, markdown):
    begin, end = f"<!-- results:{platform_name}:begin -->", f"<!-- results:{platform_name}:end -->"
    with open(readme, encoding="utf-8") as handle:
        text = handle.read()
    if begin not in text or end not in text:
        print(f"report.py: {readme} has no {begin} ... {end} markers; not updated", file=sys.stderr)
        return
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    body = markdown.replace("(results/", "(results/")  # README sits next to results/
    with open(readme, "w", encoding="utf-8") as handle:
        handle.write(f"{head}{begin}\n{body}\n{end}{tail}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("platform", choices=["native", "windows"])
    parser.add_argument("--work", required=True, help="folder with the benchmarks' JSON")
    parser.add_argument("--results", required=True, help="bench/results")
    parser.add_argument("--readme", help="bench/README.md, updated between its markers")
    parser.add_argument("--command", default="scripts/bench.sh")
    parser.add_argument("--compiler", default="")
    parser.add_argument("--tools", default="")
    parser.add_argument("--repetitions", type=int, default=0)
    parser.add_argument("--min-time", type=float, default=0.0)
    parser.add_argument("--typed-min-time", type=float, default=0.0)
    parser.add_argument("--ipc-min-time", type=float, default=0.0)
    parser.add_argument("--load-before", nargs=3, default=["?", "?", "?"])
    parser.add_argument("--callgrind-passes", type=int, default=1000)
    parser.add_argument("--server-cycles", type=int, default=100)
    parser.add_argument("--commit", default="", help="the commit measured (git describe --always --dirty)")
    parser.add_argument("--previous", help="an earlier results JSON, whose lifecycle ratios are shown beside")
    parser.add_argument("--suite", choices=["broadcast", "mailbox"], help="report this suite alone, into its own files")
    parser.add_argument("--before-commit", default="",
                        help="the commit whose namedshm the lifecycle suite ran as namedshm-before, if any")
    args = parser.parse_args()
    if args.suite is not None:
        suite_only(args, args.suite, broadcast_section if args.suite == "broadcast" else mailbox_section)
        return

    result, markdown = native(args) if args.platform == "native" else windows(args)
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, f"{args.platform}.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=1)
        handle.write("\n")
    with open(os.path.join(args.results, f"{args.platform}.md"), "w", encoding="utf-8") as handle:
        handle.write(markdown.replace("(results/", "(") + "\n")
    if args.readme:
        update_readme(args.readme, args.platform, markdown)
    print(markdown)


if __name__ == "__main__":
    main()
