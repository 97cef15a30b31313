#!/usr/bin/python3
"""Tandem's chaos suite: faults against a real tandemd and real MariaDB nodes, each scenario with
invariants that must hold, and a summary table.

Scenarios (each in its own network namespace with its own tandemd; see each module):
  primary   primary_kills.py   kill -9 of a Multi-AZ primary under sysbench + a ledger writer
  tandemd   tandemd_kills.py   kill -9 of tandemd during create / modify to Multi-AZ /
                               forced failover / rotation / delete
  disk      disk_full.py       a node's file system filled up: storage-full, and back
                               (the full run also with a Multi-AZ instance)
  network   network_cut.py     primary and standby cut apart, then the primary killed

  tests/chaos/chaos.py                 the full run (50 primary kills, 30 tandemd kills)
  tests/chaos/chaos.py --bounded       the CI form (5 and 5, disk and network once)
Counts and choices also come from the environment: CHAOS_PRIMARY_KILLS, CHAOS_TANDEMD_KILLS,
CHAOS_SCENARIOS (comma-separated names above), CHAOS_SEED (the tandemd-kill delays),
CHAOS_DISK_MIB (size of the disk-full scenario's file system; +256 MiB for Multi-AZ), CHAOS_KEEP_LOGS (a directory
to keep each scenario's tandemd log in). Flags win over the environment.

Exits 0 only if every scenario ran without a violation. Needs root (network namespaces,
nftables inside them, a tmpfs mount, nodes running as the mysql account) and a built tandemd
(TANDEM_BIN_DIR, default build/bin).
"""

import argparse
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import chaos_env  # noqa: E402  (sets up the import path and a clean AWS environment)
import disk_full  # noqa: E402
import network_cut  # noqa: E402
import primary_kills  # noqa: E402
import tandemd_kills  # noqa: E402
from tandem_server import tandemd_binary  # noqa: E402

SCENARIOS = ("primary", "tandemd", "disk", "network")
FULL = {"primary_kills": 50, "tandemd_kills": 30}
BOUNDED = {"primary_kills": 5, "tandemd_kills": 5}


def parse_args(argv):
    env = os.environ
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bounded", action="store_true",
                   help="the CI form: 5 primary kills, 5 tandemd kills, disk full and network "
                        "cut once each")
    p.add_argument("--primary-kills", type=int, default=None)
    p.add_argument("--tandemd-kills", type=int, default=None)
    p.add_argument("--scenarios", default=env.get("CHAOS_SCENARIOS", ",".join(SCENARIOS)),
                   help=f"comma-separated subset of {', '.join(SCENARIOS)}")
    p.add_argument("--seed", type=int, default=int(env["CHAOS_SEED"]) if env.get("CHAOS_SEED")
                   else random.SystemRandom().randrange(1 << 31))
    p.add_argument("--disk-mib", type=int, default=int(env.get("CHAOS_DISK_MIB", "512")))
    args = p.parse_args(argv)
    counts = BOUNDED if args.bounded else FULL
    if args.primary_kills is None:
        args.primary_kills = int(env.get("CHAOS_PRIMARY_KILLS", counts["primary_kills"]))
    if args.tandemd_kills is None:
        args.tandemd_kills = int(env.get("CHAOS_TANDEMD_KILLS", counts["tandemd_kills"]))
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown:
        p.error(f"unknown scenarios {unknown}; choose from {', '.join(SCENARIOS)}")
    return args


def print_summary(tallies):
    rows = [("scenario", "trials", "violations", "seconds", "figures")]
    for t in tallies:
        figures = "; ".join(f"{k}: {v}" for k, v in t.figures.items()) or "-"
        rows.append((t.name, str(t.trials), str(len(t.violations)), f"{t.seconds:.0f}", figures))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    print("\nchaos summary")
    for r in rows:
        print("  " + "  ".join(r[i].ljust(widths[i]) if i == 0 else r[i].rjust(widths[i])
                               for i in range(4)) + "  " + r[4])
    failed = [t for t in tallies if t.violations]
    for t in failed:
        print(f"\nviolations in {t.name}:")
        for v in t.violations:
            print(f"  - {v}")
    print(f"\nchaos: {len(tallies) - len(failed)} passed, {len(failed)} failed")
    return not failed


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if os.geteuid() != 0:
        sys.exit("the chaos suite needs root: network namespaces, nftables inside them, a tmpfs "
                 "mount, and engine nodes running as the mysql account")
    tandemd_binary()  # fails clearly when the build is missing
    print(f"chaos: scenarios {', '.join(args.scenarios)}; {args.primary_kills} primary kills, "
          f"{args.tandemd_kills} tandemd kills, seed {args.seed}", flush=True)
    started = time.monotonic()
    tallies = []
    run = chaos_env.run_scenario
    if "primary" in args.scenarios and args.primary_kills > 0:
        tallies.append(run("primary kill -9", primary_kills.run, args.primary_kills))
    if "tandemd" in args.scenarios and args.tandemd_kills > 0:
        tallies.append(run("tandemd kill -9", tandemd_kills.run, args.tandemd_kills, args.seed))
    if "disk" in args.scenarios:
        tallies.append(run("disk full", disk_full.run, args.disk_mib, not args.bounded))
        if not args.bounded:  # both nodes of a Multi-AZ instance on the small file system
            tallies.append(run("disk full, Multi-AZ", disk_full.run, args.disk_mib + 256, True,
                               True))
    if "network" in args.scenarios:
        tallies.append(run("network cut", network_cut.run))
    ok = print_summary(tallies)
    print(f"chaos: {time.monotonic() - started:.0f} s in all", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
