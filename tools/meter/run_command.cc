// The run command: preflight, heartbeats through failovers, read-back,
// report. See meter_commands.h for its contract and exit status.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "meter/heartbeat_runner.h"
#include "meter/heartbeat_writer.h"
#include "meter/meter_commands.h"
#include "meter/outage_report.h"
#include "meter/progress_line.h"
#include "meter/report_json.h"
#include "meter/report_text.h"
#include "meter/stop_signals.h"
#include "meter/sync_table.h"
#include "meter/timeline_svg.h"

namespace tandem::meter {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

milliseconds Millis(double seconds) {
  return milliseconds(static_cast<int64_t>(std::llround(seconds * 1000.0)));
}

// Fails before measuring if path cannot be written (a usage error), leaving
// no file behind.
bool CheckWritable(const std::string& path, const char* flag) {
  if (path.empty()) return true;
  const bool existed = std::filesystem::exists(path);
  std::ofstream probe(path, std::ios::app);
  if (!probe) {
    std::fprintf(stderr, "tandem-meter: %s %s cannot be written\n", flag, path.c_str());
    return false;
  }
  probe.close();
  if (!existed) std::filesystem::remove(path);
  return true;
}

// Writes content to path through a temporary file, so a reader never sees half of it.
bool WriteFile(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

// Checks, before any measurement, that the database answers, the table is
// there and the test run id is unused. false (with a message) if not.
bool Preflight(const MeterConnectOptions& connection, const SyncTable& table,
               const std::string& test_run_id) {
  auto conn = ConnectOrExplain(connection);
  if (!conn.ok()) return false;
  auto exists = table.Exists(**conn);
  if (!exists.ok() || !*exists) {
    std::fprintf(stderr, "tandem-meter: %s %s: run `tandem-meter init` first\n",
                 table.QualifiedName().c_str(),
                 exists.ok() ? "does not exist" : exists.status().message().c_str());
    return false;
  }
  auto used = table.CountRows(**conn, test_run_id);
  if (!used.ok()) {
    std::fprintf(stderr, "tandem-meter: cannot read %s: %s\n", table.QualifiedName().c_str(),
                 used.status().message().c_str());
    return false;
  }
  if (*used > 0) {
    std::fprintf(stderr,
                 "tandem-meter: test run '%s' already has %llu rows in %s: choose another "
                 "--test-run-id\n",
                 test_run_id.c_str(), static_cast<unsigned long long>(*used),
                 table.QualifiedName().c_str());
    return false;
  }
  return true;
}

// Every row of the test run, read on whatever node the connection reaches
// now, retried until it works, the deadline passes or another signal comes.
ReportInput ReadBack(const MeterConnectOptions& connection, const SyncTable& table,
                     const std::string& test_run_id, milliseconds timeout,
                     const StopSignals& signals) {
  ReportInput input;
  const int signals_before = signals.received();
  const auto deadline = steady_clock::now() + timeout;
  std::string last_error = "not tried";
  for (;;) {
    auto conn = MeterConnection::Connect(connection);
    if (conn.ok()) {
      auto rows = table.ReadRows(**conn, test_run_id);
      if (rows.ok()) {
        input.rows = std::move(*rows);
        return input;
      }
      last_error = rows.status().message();
    } else {
      last_error = conn.status().message();
    }
    if (steady_clock::now() >= deadline || signals.received() > signals_before) break;
    std::this_thread::sleep_for(milliseconds(200));
  }
  input.rows_error = "could not read the rows back: " + last_error;
  return input;
}

const char* StoppedBy(RunEnd end) {
  switch (end) {
    case RunEnd::kFailoversSeen:
      return "stopped after the failovers asked for";
    case RunEnd::kStopped:
      return "stopped by a signal";
    case RunEnd::kTimedOut:
      return "stopped at --max-seconds before the failovers asked for";
  }
  return "";
}

}  // namespace

int RunMeterCommand(const MeterConnectOptions& connection, const RunOptions& options) {
  if (std::string why = ValidTestRunId(options.test_run_id); !why.empty()) {
    std::fprintf(stderr, "tandem-meter: %s\n", why.c_str());
    return kExitUsage;
  }
  if (!CheckWritable(options.json_path, "--json") ||
      !CheckWritable(options.timeline_path, "--timeline")) {
    return kExitUsage;
  }
  const SyncTable table(connection.database);
  if (!Preflight(connection, table, options.test_run_id)) return kExitUsage;
  if (connection.ssl_ca.empty()) {
    std::fprintf(stderr, "tandem-meter: note: no --ssl-ca, so the connections are not encrypted\n");
  }

  RunLimits limits;
  limits.loop_time = Millis(options.loop_time_s);
  limits.failovers = options.failovers;
  limits.settle = Millis(options.settle_seconds);
  if (options.max_seconds) limits.max_time = Millis(*options.max_seconds);

  DatabaseHeartbeatWriter writer(connection, table, options.test_run_id);
  HeartbeatRunner runner(writer, limits);
  StopSignals signals([&runner] { runner.RequestStop(); });
  std::string until = options.failovers > 0
                          ? "stops " + FormatSeconds(limits.settle.count()) + " after the end of " +
                                std::to_string(options.failovers) + " failover(s)"
                          : std::string("runs until stopped");
  if (limits.max_time) until += " or after " + FormatSeconds(limits.max_time->count());
  std::fprintf(stderr,
               "tandem-meter: test run %s: a heartbeat to %s:%u %s every %s; %s (Ctrl-C stops "
               "and reports)\n",
               options.test_run_id.c_str(), connection.host.c_str(),
               static_cast<unsigned>(connection.port), table.QualifiedName().c_str(),
               FormatSeconds(limits.loop_time.count()).c_str(), until.c_str());

  ProgressLine progress(stdout, ::isatty(STDOUT_FILENO) == 1);
  ProgressSnapshot last;
  RunResult result = runner.Run([&](const ProgressSnapshot& s) {
    last = s;
    progress.Update(s);
  });

  last.state = RunState::kVerifying;
  progress.Update(last);
  ReportInput input =
      ReadBack(connection, table, options.test_run_id, options.verify_timeout, signals);
  progress.Finish();

  input.test_run_id = options.test_run_id;
  input.loop_time_s = options.loop_time_s;
  input.run_end_ms = result.end_ms;
  input.stopped_by = StoppedBy(result.end);
  const MeterReport report = BuildReport(result.log, input);

  std::fputs(FormatReportText(report).c_str(), stdout);
  std::fflush(stdout);
  bool written = true;
  if (!options.json_path.empty() &&
      !WriteFile(options.json_path, ReportToJson(report).dump(2) + "\n")) {
    std::fprintf(stderr, "tandem-meter: cannot write %s\n", options.json_path.c_str());
    written = false;
  }
  if (!options.timeline_path.empty() &&
      !WriteFile(options.timeline_path, RenderTimelineSvg(result.log, report))) {
    std::fprintf(stderr, "tandem-meter: cannot write %s\n", options.timeline_path.c_str());
    written = false;
  }

  if (!report.missing_ids.empty()) return kExitWritesLost;
  if (!report.verified) return kExitNotVerified;
  if (result.end == RunEnd::kTimedOut) return kExitTooFewFailovers;
  return written ? kExitOk : kExitUsage;
}

}  // namespace tandem::meter
