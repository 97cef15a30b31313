#!/usr/bin/python3
"""Writes the performance page from a bench results file (bench/lib/bench_results.py).

  bench/report.py RESULTS [--docs DIR] [--write-baseline [FILE]]

Writes DIR/performance.md (default: the repository's docs/): one section per bench, each
figure next to its peer from the same run (or AWS's quoted failover time), the machine, the
date and the commands that reproduce the figures; and DIR/failover-durations.svg, the
failover durations across trials, linked from the page. The machine is the one this runs on
(`make bench` runs it right after the benches): CPU, cores, memory, kernel and Debian
version, read from /proc and /etc.

--write-baseline also records the run's ratios as the regression guard's baseline (default
bench/baseline.json); refused for results measured in the short mode (BENCH_QUICK=1).

Exit status 0, or 1 with a message when the results cannot be read or used.
"""

import argparse
import json
import math
import os
import platform
import statistics
import sys
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))

import bench_results  # noqa: E402
from bench_results import ResultsError, baseline_from, read_results  # noqa: E402

ROOT = os.path.dirname(HERE)
SVG_NAME = "failover-durations.svg"

# The page's sections, in order: bench, title, what it measures.
SECTIONS = [
    ("secrets_get", "Secrets Manager API: GetSecretValue",
     "One GetSecretValue request signed by botocore, replayed by wrk over keep-alive "
     "connections: tandemd verifies SigV4 and decrypts the secret's envelope on every request. "
     "Peer: nginx serving the same response body as a static file, the machine's HTTP "
     "ceiling, in interleaved rounds."),
    ("create_instance", "Creating a DB instance",
     "Seconds from CreateDBInstance (encrypted storage, single-AZ, db.t3.micro) to the first "
     "DescribeDBInstances that says available; each instance is deleted before the next "
     "trial. No peer is measured here."),
    ("proxy", "Instance endpoint",
     "sysbench against one mariadbd node directly, through Tandem's endpoint with each "
     "mechanism (kernel DNAT, user-space proxy) and through HAProxy in TCP mode, in "
     "interleaved rounds, inside a network namespace. The kernel endpoint's peer is the "
     "direct path; the user-space endpoint's peer is HAProxy."),
    ("failover", "Multi-AZ failover",
     "A Multi-AZ instance's primary killed (kill -9), frozen (SIGSTOP) or switched over on "
     "request (reboot --force-failover), trial after trial, each starting fully redundant. "
     "The figure is the client's: the longest gap between acknowledged probe writes (one "
     "INSERT every 20 ms through the endpoint over TLS) around the event, while 4 ledger "
     "writers prove no acknowledged write was lost."),
    ("replication_cost", "Cost of Multi-AZ",
     "sysbench oltp_write_only through the endpoint of a single-AZ instance and of a Multi-AZ "
     "one (semi-synchronous replication, AFTER_SYNC: every commit waits for the standby), in "
     "interleaved rounds on one tandemd. Peer: the single-AZ instance."),
    ("rotation", "Secret rotation",
     "Seconds per complete rotation of an application user's password, from RotateSecret to "
     "AWSCURRENT on the new version with the rotation engine's record gone: Tandem's built-in "
     "rotator, and AWS's Python single-user MySQL template run as a rotation function. No "
     "peer is measured here."),
]

AWS_FAILOVER_QUOTE = "Failover times are typically 60–120 seconds."
AWS_FAILOVER_PAGE = "Failing over a Multi-AZ DB instance for Amazon RDS"
AWS_FAILOVER_URL = ("https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/"
                    "Concepts.MultiAZ.Failover.html")

# Series of the failover plot: colour and marker per kind, in the order of failover.sh.
SERIES_STYLE = [("#0072B2", "circle"), ("#D55E00", "square"), ("#009E73", "triangle")]


# --- the machine ------------------------------------------------------------------------

def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except OSError:
        return ""


def machine():
    """A sentence describing this machine, from /proc and /etc."""
    cpuinfo = _read("/proc/cpuinfo")
    models = [line.split(":", 1)[1].strip() for line in cpuinfo.splitlines()
              if line.startswith("model name")]
    cpus = sum(1 for line in cpuinfo.splitlines() if line.startswith("processor"))
    mem_kib = next((int(line.split()[1]) for line in _read("/proc/meminfo").splitlines()
                    if line.startswith("MemTotal:")), 0)
    kernel = _read("/proc/sys/kernel/osrelease").strip() or platform.release()
    debian = _read("/etc/debian_version").strip()
    parts = [models[0] if models else "unknown CPU",
             f"{cpus or os.cpu_count()} logical CPUs",
             f"{mem_kib / 1024 / 1024:.1f} GiB RAM",
             f"Linux {kernel}",
             f"Debian {debian}" if debian else "not Debian"]
    return ", ".join(parts)


# --- formatting -------------------------------------------------------------------------

def fmt(value, unit):
    if value is None:
        return "–"
    if unit in ("req/s", "QPS", "TPS", "writes"):
        return f"{value:,.0f}"
    if unit == "s":
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    if unit == "ms":
        return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:,.0f}"
    return f"{value:.1f}"


def fmt_ratio(ratio):
    return "" if ratio is None else bench_results.fmt_ratio(ratio) + "x"


def percentile(values, q):
    """Nearest-rank percentile, as bench/failover_trials.py prints it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def fmt_trials(result):
    trials, unit = result.get("trials"), result["unit"]
    if not trials:
        return ""
    if len(trials) <= 5:
        mine = " / ".join(fmt(t, unit) for t in trials)
        peers = result.get("peer_trials")
        return mine + (f" (peer: {' / '.join(fmt(p, unit) for p in peers)})" if peers else "")
    return (f"n={len(trials)}: min {fmt(min(trials), unit)}, "
            f"p50 {fmt(statistics.median(trials), unit)}, "
            f"p95 {fmt(percentile(trials, 0.95), unit)}, max {fmt(max(trials), unit)}")


def cell(text):
    return str(text).replace("|", "\\|")


# --- the page ---------------------------------------------------------------------------

def notes_lines(results):
    """One bullet per distinct note, naming the figures it belongs to (all: "Every figure")."""
    by_note = {}
    for r in results:
        if r.get("notes"):
            by_note.setdefault(r["notes"], []).append(r["metric"])
    if not by_note:
        return []
    lines = []
    for note, metrics in by_note.items():
        who = "Every figure" if len(metrics) == len(results) else "; ".join(metrics)
        lines.append(f"- {who}: {note}.")
    return lines + [""]


def section(bench, title, what, results, svg_written):
    lines = [f"## {title}", "", what, ""]
    if not results:
        return lines + ["Not measured in this run (the bench failed or was not run).", ""]
    lines += ["| figure | Tandem | unit | peer | peer's figure | ratio | rounds or trials |",
              "|---|---:|---|---|---:|---:|---|"]
    for r in results:
        lines.append("| " + " | ".join(cell(c) for c in (
            r["metric"], fmt(r["value"], r["unit"]), r["unit"], r["peer"] or "–",
            fmt(r["peer_value"], r["unit"]) if r["peer"] else "", fmt_ratio(r["ratio"]),
            fmt_trials(r))) + " |")
    lines.append("")
    lines += notes_lines(results)
    if bench == "failover":
        lines += [
            "AWS's anchor, quoted, not measured: \"" + AWS_FAILOVER_QUOTE + "\" (Amazon RDS "
            f"User Guide, [{AWS_FAILOVER_PAGE}]({AWS_FAILOVER_URL})). The failover ratios "
            "divide its lower bound, 60 s, by Tandem's p50.", ""]
        if svg_written:
            lines += [f"![Failover durations across trials]({SVG_NAME})", ""]
    commands = sorted({r["command"] for r in results if r.get("command")})
    if commands:
        lines += ["Reproduce: " + ", ".join(f"`{c}`" for c in commands), ""]
    return lines


def page(results, machine_text, svg_written):
    dates = sorted({r["date"] for r in results})
    date = dates[0] if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
    quick = any(r.get("quick") for r in results)
    lines = [
        "# Performance",
        "",
        "<!-- Written by bench/report.py from the results of `make bench`; do not edit. -->",
        "",
        f"Measured on {date} (UTC) on {machine_text}. The load generators, the peers and "
        "Tandem share these CPUs.",
        "",
        "Reproduce everything: `make bench` (it runs every script in bench/ with "
        "BENCH_RESULTS set to a fresh file, then `bench/report.py` on that file). Each "
        "section names its own command. Needs root: the benches run tandemd in network "
        "namespaces they create.",
        "",
        "Each figure stands next to its peer measured in the same run, interleaved, so both "
        "saw the same machine; the one exception is AWS's published failover time, a quoted "
        "anchor. Ratio: Tandem against its peer, above 1 when Tandem is better (throughput: "
        "Tandem / peer; times: peer / Tandem); shown for the headline comparisons, which "
        "`bench/guard.sh` keeps from falling more than 20% below bench/baseline.json. "
        "Throughput on a small shared machine swings by tens of percent between runs minutes "
        "apart: compare within one run.",
        "",
    ]
    if quick:
        lines += ["**Short mode (BENCH_QUICK=1): fewer and shorter rounds. These figures check "
                  "that the benches work; they are not the project's figures.**", ""]
    for bench, title, what in SECTIONS:
        mine = [r for r in results if r["bench"] == bench]
        lines += section(bench, title, what, mine, svg_written)
    known = {bench for bench, _, _ in SECTIONS}
    for bench in sorted({r["bench"] for r in results} - known):
        lines += section(bench, bench, "", [r for r in results if r["bench"] == bench],
                         svg_written)
    return "\n".join(lines).rstrip() + "\n"


# --- the plot ---------------------------------------------------------------------------

def log_ticks(low, high):
    """1-2-5 ticks from the last at or below low to the first at or above high (0 < low)."""
    candidates = [m * 10**e for e in range(math.floor(math.log10(low)),
                                           math.floor(math.log10(high)) + 2) for m in (1, 2, 5)]
    start = max(t for t in candidates if t <= low)
    end = min(t for t in candidates if t >= high)
    return [t for t in candidates if start <= t <= end]


def marker(shape, x, y, colour):
    if shape == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    return (f'<polygon points="{x:.1f},{y - 4.5:.1f} {x - 4:.1f},{y + 3:.1f} '
            f'{x + 4:.1f},{y + 3:.1f}" fill="{colour}"/>')


def failover_svg(series, date):
    """An SVG line chart: x = trial, y = ms (log scale), one series per kind.
    series: [(label, [ms per trial])], at least one with a trial."""
    width, height = 720, 420
    left, right, top, bottom = 70, 20, 40, 70 + 18 * len(series)
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, vs in series for v in vs if v > 0]
    ticks = log_ticks(min(values), max(values))
    lo, hi = math.log10(ticks[0]), math.log10(ticks[-1])
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    trials = max(len(vs) for _, vs in series)

    def sx(i):  # trial i (1-based), inset from the frame so markers stay clear of the axis
        inset = 16
        span = plot_w - 2 * inset
        return left + inset + (span / 2 if trials == 1 else (i - 1) * span / (trials - 1))

    def sy(v):
        return top + plot_h - (math.log10(max(v, ticks[0])) - lo) / (hi - lo) * plot_h

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
           "<title>Failover durations across trials</title>",
           f"<desc>Write-unavailability seen by a client per trial, {escape(date)}; "
           "written by bench/report.py.</desc>",
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="14">'
           "Multi-AZ failover: write-unavailability per trial (client's side)</text>"]
    for t in ticks:
        y = sy(t)
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" '
                   'stroke="#dddddd"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{t:g}</text>')
    step = max(1, math.ceil(trials / 20))
    for i in range(1, trials + 1, step):
        out.append(f'<text x="{sx(i):.1f}" y="{top + plot_h + 16}" '
                   f'text-anchor="middle">{i}</text>')
    out += [f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="none" '
            'stroke="#333333"/>',
            f'<text x="{left + plot_w / 2}" y="{top + plot_h + 34}" '
            'text-anchor="middle">trial</text>',
            f'<text transform="translate(18,{top + plot_h / 2}) rotate(-90)" '
            'text-anchor="middle">ms (log scale)</text>']
    for n, (label, vs) in enumerate(series):
        colour, shape = SERIES_STYLE[n % len(SERIES_STYLE)]
        points = " ".join(f"{sx(i):.1f},{sy(v):.1f}" for i, v in enumerate(vs, 1))
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" '
                   'stroke-width="1.5"/>')
        out += [marker(shape, sx(i), sy(v), colour) for i, v in enumerate(vs, 1)]
        y = top + plot_h + 52 + 18 * n
        out.append(marker(shape, left + 6, y - 4, colour))
        p50 = statistics.median(vs)
        out.append(f'<text x="{left + 18}" y="{y}">{escape(label)}: p50 {p50:,.0f} ms, '
                   f'max {max(vs):,.0f} ms over {len(vs)} trials</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def failover_series(results):
    return [(r["metric"], r["trials"]) for r in results
            if r["bench"] == "failover" and r["unit"] == "ms" and r.get("trials")
            and any(v > 0 for v in r["trials"])]


# --- main -------------------------------------------------------------------------------

def write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="a file of JSON lines written by the bench scripts")
    parser.add_argument("--docs", default=os.path.join(ROOT, "docs"),
                        help="where performance.md and the plot go (default: docs/)")
    parser.add_argument("--write-baseline", nargs="?", metavar="FILE",
                        const=os.path.join(HERE, "baseline.json"),
                        help="also record these ratios as the guard's baseline "
                             "(default bench/baseline.json)")
    args = parser.parse_args(argv)

    try:
        results = read_results(args.results)
        if not results:
            raise ResultsError(f"{args.results} holds no results")
        machine_text = machine()
        baseline = None
        if args.write_baseline:
            baseline = baseline_from(results, f"make bench on {machine_text}")
    except ResultsError as e:
        print(f"bench/report.py: {e}", file=sys.stderr)
        return 1

    os.makedirs(args.docs, exist_ok=True)
    series = failover_series(results)
    date = max(r["date"] for r in results)
    if series:
        write(os.path.join(args.docs, SVG_NAME), failover_svg(series, date))
    write(os.path.join(args.docs, "performance.md"), page(results, machine_text, bool(series)))
    print(f"wrote {os.path.join(args.docs, 'performance.md')}"
          + (f" and {SVG_NAME}" if series else " (no failover trials: no plot)"))
    if baseline is not None:
        write(args.write_baseline, json.dumps(baseline, indent=2, sort_keys=True) + "\n")
        print(f"wrote {args.write_baseline}: {len(baseline['ratios'])} ratios")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
