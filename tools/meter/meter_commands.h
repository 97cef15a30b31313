// The three commands of tandem-meter, what main.cc wires flags to:
//
//   init   creates the database and db_sync (asking before dropping a table
//          that exists; --yes drops without asking; no terminal and no --yes:
//          refused).
//   run    writes heartbeats through failovers (HeartbeatRunner), then reads
//          every row of the test run back on the current primary, prints the
//          report and writes --json / --timeline.
//   verify re-checks a --json report's acknowledged ids against the database.
//
// Exit status (an interface: scripts and `make demo` branch on it):
//   0 every acknowledged write is present;
//   1 acknowledged writes are missing (the report lists their ids);
//   2 usage, connection or TLS error before any measurement (or, after one, a
//     --json/--timeline file that could not be written);
//   3 the time limit passed before the wanted number of failovers;
//   4 the run ended but its rows could not be read back (no verdict).
// When several apply, 1 wins over 3 and 4.
//
// Output: the report (and verify's verdict) on standard output; progress only
// on a terminal; errors and notes on standard error.
//
// Threading: call from the main thread, before any other thread starts: run
// blocks SIGINT/SIGTERM and watches them on a thread of its own (StopSignals).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

#include "common/status.h"
#include "meter/meter_connection.h"
#include "meter/terminal_prompt.h"

namespace tandem::meter {

enum ExitCode : int {
  kExitOk = 0,
  kExitWritesLost = 1,
  kExitUsage = 2,
  kExitTooFewFailovers = 3,
  kExitNotVerified = 4,
};

struct InitOptions {
  bool yes = false;
};

struct RunOptions {
  std::string test_run_id;
  double loop_time_s = 0.5;
  size_t failovers = 1;
  std::optional<double> max_seconds;
  double settle_seconds = 2.0;
  std::string json_path;      // empty: none
  std::string timeline_path;  // empty: none
  // How long the rows are read for at the end before giving up (exit 4).
  std::chrono::milliseconds verify_timeout{30000};
};

struct VerifyOptions {
  std::string test_run_id;  // empty: the report's
  std::string json_path;
};

int RunInitCommand(const MeterConnectOptions& connection, const InitOptions& options,
                   Prompter& prompter);
int RunMeterCommand(const MeterConnectOptions& connection, const RunOptions& options);
int RunVerifyCommand(const MeterConnectOptions& connection, const VerifyOptions& options);

// Connects for a command, or explains on standard error why not (a TLS
// verification failure names the CA file and the host).
StatusOr<std::unique_ptr<MeterConnection>> ConnectOrExplain(const MeterConnectOptions& options);

}  // namespace tandem::meter
