#!/usr/bin/python3
"""Machine-readable bench results, and the ratios the regression guard compares.

Results file: the bench scripts append one JSON object per line to the file named by the
environment variable BENCH_RESULTS (nothing is written when it is unset):

  bench        the script: "secrets_get", "create_instance", "proxy", "failover",
               "replication_cost", "rotation"
  metric       what was measured; the same name in full and quick runs
  value        Tandem's figure (median over rounds, or p50 over trials)
  unit         "req/s", "QPS", "TPS", "ms", "s", "MiB", "us", "writes"
  better       "higher" or "lower": which way is good for this figure
  peer         what the figure is compared with: measured in the same run, or a quoted
               anchor (then the notes say so); null when there is none
  peer_value   the peer's figure, in the same unit; null without a peer
  ratio        for headline comparisons only: Tandem against the peer, above 1 when Tandem
               is better (value / peer_value when higher is better, peer_value / value when
               lower is); null for figures shown side by side only
  trials       Tandem's raw figure per round or per trial, in order
  peer_trials  the peer's figure per round, paired with trials; null when not paired
  notes        how it was measured, and the target
  command      the command that reproduces the figure
  quick        true when measured in the short mode (BENCH_QUICK=1)
  date         UTC date of the measurement

Baseline (bench/baseline.json): the recorded ratios, keyed "<bench>: <metric>", written from
a full `make bench` by `bench/report.py --write-baseline`. The guard (bench/guard.sh) takes,
for each ratio measured in its quick run, the best round (paired rounds: the best per-round
ratio; trials against a constant peer: the best trial) and fails if it is below
GUARD_FRACTION of the recorded ratio.

Command line (for the shell benches; stdlib only):
  bench_results.py record --bench B --metric M --value V --unit U [--better lower]
      [--peer P --peer-value X] [--ratio] [--trials 1,2,3] [--peer-trials 4,5,6]
      [--notes N] [--command C]
  bench_results.py check BASELINE RESULTS     exit 1 if a ratio fell below the guard line
"""

import argparse
import datetime
import json
import os
import sys

GUARD_FRACTION = 0.8  # a ratio may fall 20% below the recorded one, no further


class ResultsError(Exception):
    """A results or baseline file that cannot be used; the message says why."""


def ratio_of(better, value, peer_value):
    """Tandem against its peer, above 1 when Tandem is better; None if undefined."""
    if value is None or peer_value is None or value <= 0 or peer_value <= 0:
        return None
    return value / peer_value if better == "higher" else peer_value / value


def quick_mode():
    return os.environ.get("BENCH_QUICK", "0") not in ("", "0")


def record(bench, metric, value, unit, better="higher", peer=None, peer_value=None,
           ratio=False, trials=None, peer_trials=None, notes="", command=None):
    """Builds one result (see the module's doc); appends it to $BENCH_RESULTS when that is
    set. ratio=True marks a headline comparison: the ratio is computed and guarded.
    Returns the result. Raises ValueError for a malformed result and OSError when the file
    cannot be written (a bench that cannot record its figures must fail)."""
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', not {better!r}")
    if peer_trials is not None and (trials is None or len(peer_trials) != len(trials)):
        raise ValueError(f"{metric}: peer_trials must pair with trials")
    result = {
        "bench": bench,
        "metric": metric,
        "value": value,
        "unit": unit,
        "better": better,
        "peer": peer,
        "peer_value": peer_value,
        "ratio": ratio_of(better, value, peer_value) if ratio else None,
        "trials": list(trials) if trials is not None else None,
        "peer_trials": list(peer_trials) if peer_trials is not None else None,
        "notes": notes,
        "command": command,
        "quick": quick_mode(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d"),
    }
    if ratio and result["ratio"] is None:
        raise ValueError(f"{metric}: a ratio needs a positive value and peer_value")
    path = os.environ.get("BENCH_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as f:
            f.write(json.dumps(result, sort_keys=True) + "\n")
    return result


def fmt_ratio(ratio):
    return f"{ratio:.2f}" if ratio < 10 else f"{ratio:,.0f}"


def key(result):
    return f"{result['bench']}: {result['metric']}"


def read_results(path):
    """The results of a file, in the order first recorded; a later line for the same
    bench and metric replaces an earlier one. Raises ResultsError."""
    results = {}
    try:
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    result = json.loads(line)
                    results[key(result)] = result
                except (ValueError, KeyError, TypeError) as e:
                    raise ResultsError(f"{path}:{number}: not a result line ({e})") from None
    except OSError as e:
        raise ResultsError(f"cannot read results {path}: {e.strerror}") from None
    return list(results.values())


def best_ratio(result):
    """The best ratio of a result's rounds: the best paired round, or the best trial against
    a constant peer; the overall ratio when there are no trials. None without a ratio."""
    if result.get("ratio") is None:
        return None
    trials, peer_trials = result.get("trials"), result.get("peer_trials")
    if trials and peer_trials:
        pairs = [ratio_of(result["better"], t, p) for t, p in zip(trials, peer_trials)]
    elif trials:
        pairs = [ratio_of(result["better"], t, result["peer_value"]) for t in trials]
    else:
        pairs = [result["ratio"]]
    pairs = [r for r in pairs if r is not None]
    return max(pairs) if pairs else None


def baseline_from(results, source):
    """A baseline document from full-run results: every headline ratio."""
    quick = sorted(key(r) for r in results if r.get("quick"))
    if quick:
        raise ResultsError("a baseline is recorded from a full run only; quick results: "
                           + ", ".join(quick))
    ratios = {key(r): {"ratio": round(r["ratio"], 4), "value": r["value"], "unit": r["unit"],
                       "peer": r["peer"], "peer_value": r["peer_value"]}
              for r in results if r.get("ratio") is not None}
    if not ratios:
        raise ResultsError("no ratios in these results")
    dates = sorted({r["date"] for r in results})
    return {"source": source, "date": dates[-1], "ratios": ratios}


def read_baseline(path):
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        return {k: float(v["ratio"]) for k, v in doc["ratios"].items()}
    except OSError as e:
        raise ResultsError(f"cannot read baseline {path}: {e.strerror}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise ResultsError(f"{path}: not a baseline ({e!r})") from None


def check(baseline, results):
    """Compares the best rounds of results with the baseline's ratios.
    Returns (rows, failures): a row per ratio measured (key, recorded, best, guard line) and
    a sentence per failure. A measured ratio without a recorded one is a failure too, so a
    renamed metric cannot slip past the guard."""
    rows, failures = [], []
    for result in results:
        best = best_ratio(result)
        if best is None:
            continue
        k = key(result)
        if k not in baseline:
            failures.append(f"{k}: measured ({fmt_ratio(best)}) but not in the baseline")
            continue
        line = GUARD_FRACTION * baseline[k]
        rows.append((k, baseline[k], best, line))
        if best < line:
            failures.append(f"{k}: best round {fmt_ratio(best)} is below {fmt_ratio(line)} "
                            f"({GUARD_FRACTION:.0%} of the recorded {fmt_ratio(baseline[k])})")
    if not rows and not failures:
        failures.append("no ratio was measured")
    return rows, failures


def _numbers(text):
    return [float(x) for x in text.split(",")] if text else None


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="append one result to $BENCH_RESULTS")
    rec.add_argument("--bench", required=True)
    rec.add_argument("--metric", required=True)
    rec.add_argument("--value", type=float, required=True)
    rec.add_argument("--unit", required=True)
    rec.add_argument("--better", choices=("higher", "lower"), default="higher")
    rec.add_argument("--peer")
    rec.add_argument("--peer-value", type=float)
    rec.add_argument("--ratio", action="store_true", help="a headline comparison (guarded)")
    rec.add_argument("--trials", type=_numbers, help="comma-separated")
    rec.add_argument("--peer-trials", type=_numbers, help="comma-separated, paired with trials")
    rec.add_argument("--notes", default="")
    rec.add_argument("--bench-command", dest="bench_command")
    chk = sub.add_parser("check", help="compare a quick run's best rounds with the baseline")
    chk.add_argument("baseline")
    chk.add_argument("results")
    args = parser.parse_args(argv)

    if args.command == "record":
        record(args.bench, args.metric, args.value, args.unit, better=args.better,
               peer=args.peer, peer_value=args.peer_value, ratio=args.ratio,
               trials=args.trials, peer_trials=args.peer_trials, notes=args.notes,
               command=args.bench_command)
        return 0

    try:
        rows, failures = check(read_baseline(args.baseline), read_results(args.results))
    except ResultsError as e:
        print(f"bench guard: {e}", file=sys.stderr)
        return 1
    print(f"{'ratio':<66} {'recorded':>8} {'guard':>6} {'best':>6} {'best/rec':>8} "
          f"{'headroom':>8}")
    for k, recorded, best, line in rows:
        print(f"{k:<66} {fmt_ratio(recorded):>8} {fmt_ratio(line):>6} {fmt_ratio(best):>6} "
              f"{best / recorded:>8.2f} {best / line - 1:>+8.0%}")
    print(f"best: the best round of the quick run; guard: {GUARD_FRACTION:.0%} of the recorded "
          "ratio; headroom: how far the best round is above the guard line")
    for failure in failures:
        print(f"FAIL {failure}")
    if not failures:
        print(f"bench guard: {len(rows)} ratios within {1 - GUARD_FRACTION:.0%} of the baseline")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
