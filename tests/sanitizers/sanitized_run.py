#!/usr/bin/python3
"""Runs a command built with sanitizers and fails on any sanitizer report.

    sanitized_run.py {asan,tsan} --require BINARY --reports DIR -- COMMAND...

Sets ASAN_OPTIONS, UBSAN_OPTIONS and LSAN_OPTIONS (asan: AddressSanitizer,
UndefinedBehaviorSanitizer and LeakSanitizer, as the fuzz tree builds them) or
TSAN_OPTIONS (tsan) so that the first finding aborts the process that made it,
and sends every report to a file under DIR (log_path), whichever process of
the run wrote it: the test binary, a tandemd an integration test started, or
a child of either. Options already in the environment come after these, so a
developer can add to or override them. A suppressions file next to this script
(lsan.supp, tsan.supp, ubsan.supp) is used when present: for third-party
findings only, with a comment per entry. None is needed today.

Exit status: COMMAND's own when it failed; 1 when it passed but a report was
written (a finding in a process whose exit nobody checked, or a leak found at
exit); 77 (ctest's skip code here) when BINARY is not built.
"""

import argparse
import glob
import os
import subprocess
import sys

SKIPPED = 77
HERE = os.path.dirname(os.path.abspath(__file__))


def suppressions(name):
    path = os.path.join(HERE, name)
    return f":suppressions={path}" if os.path.exists(path) else ""


def sanitizer_environment(sanitizer, report_prefix):
    # abort_on_error: a finding ends the process with SIGABRT, which a test that
    # checks a server's exit (or a dead server) notices, not only this script.
    common = f"halt_on_error=1:abort_on_error=1:log_path={report_prefix}"
    if sanitizer == "asan":
        options = {
            "ASAN_OPTIONS": f"{common}:detect_leaks=1:check_initialization_order=1"
                            ":strict_init_order=1:detect_stack_use_after_return=1",
            "UBSAN_OPTIONS": f"{common}:print_stacktrace=1" + suppressions("ubsan.supp"),
            "LSAN_OPTIONS": suppressions("lsan.supp").lstrip(":"),
        }
    else:
        options = {
            "TSAN_OPTIONS": f"{common}:second_deadlock_stack=1" + suppressions("tsan.supp"),
        }
    env = dict(os.environ)
    for name, value in options.items():
        env[name] = ":".join(v for v in (value, os.environ.get(name, "")) if v)
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sanitizer", choices=["asan", "tsan"])
    parser.add_argument("--require", required=True, help="binary that must be built")
    parser.add_argument("--reports", required=True, help="directory for sanitizer reports")
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()

    if not os.access(args.require, os.X_OK):
        print(f"{args.require} is not built: run `make sanitizers`", flush=True)
        return SKIPPED

    os.makedirs(args.reports, exist_ok=True)
    for old in glob.glob(os.path.join(args.reports, "report.*")):
        os.remove(old)
    prefix = os.path.join(os.path.abspath(args.reports), "report")

    rc = subprocess.run(args.command, env=sanitizer_environment(args.sanitizer, prefix)).returncode

    reports = sorted(glob.glob(prefix + ".*"))
    for path in reports:
        with open(path, errors="replace") as f:
            print(f"===== sanitizer report {path}\n{f.read()}", flush=True)
    if rc != 0:
        print(f"sanitized_run: {args.command[0]} exited with {rc}", flush=True)
        return rc if rc > 0 else 1
    if reports:
        print(f"sanitized_run: {len(reports)} sanitizer report(s) in {args.reports}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
