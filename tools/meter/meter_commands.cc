// ConnectOrExplain, and the init and verify commands (run: run_command.cc).
#include "meter/meter_commands.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "meter/outage_report.h"
#include "meter/report_json.h"
#include "meter/report_text.h"
#include "meter/sync_table.h"

namespace tandem::meter {

StatusOr<std::unique_ptr<MeterConnection>> ConnectOrExplain(const MeterConnectOptions& options) {
  DbError error;
  auto conn = MeterConnection::Connect(options, &error);
  if (conn.ok()) return conn;
  const std::string where = options.host + ":" + std::to_string(options.port);
  if (error.CertificateRefused()) {
    std::fprintf(stderr,
                 "tandem-meter: TLS verification failed connecting to %s with CA file %s: %s\n"
                 "  The server's certificate must be signed by a CA in that file and name the "
                 "host '%s'. Nothing was sent in plaintext.\n",
                 where.c_str(), options.ssl_ca.c_str(), error.message.c_str(),
                 options.host.c_str());
  } else if (error.Tls()) {
    std::fprintf(stderr, "tandem-meter: TLS with %s (CA file %s) failed: %s\n", where.c_str(),
                 options.ssl_ca.c_str(), error.message.c_str());
  } else {
    std::fprintf(stderr, "tandem-meter: cannot connect to %s as %s: %s\n", where.c_str(),
                 options.user.c_str(), conn.status().message().c_str());
    if (error.number == 1045 && options.ssl_ca.empty()) {
      std::fprintf(stderr,
                   "  If the server requires TLS (require_secure_transport), a plaintext login "
                   "is refused as 'Access denied': pass --ssl-ca.\n");
    }
  }
  return conn.status();
}

int RunInitCommand(const MeterConnectOptions& connection, const InitOptions& options,
                   Prompter& prompter) {
  MeterConnectOptions server = connection;
  server.database.clear();  // it may not exist yet
  auto conn = ConnectOrExplain(server);
  if (!conn.ok()) return kExitUsage;
  const SyncTable table(connection.database);
  auto exists = table.Exists(**conn);
  if (!exists.ok()) {
    std::fprintf(stderr, "tandem-meter: cannot check for %s: %s\n", table.QualifiedName().c_str(),
                 exists.status().message().c_str());
    return kExitUsage;
  }
  bool drop = false;
  if (*exists) {
    if (options.yes) {
      drop = true;
    } else if (prompter.interactive()) {
      auto answer =
          prompter.Ask("table " + table.QualifiedName() + " exists: drop and recreate? [y/N] ",
                       /*echo=*/true);
      drop = answer && (*answer == "y" || *answer == "Y" || *answer == "yes");
      if (!drop) {
        std::printf("%s left as it is\n", table.QualifiedName().c_str());
        return kExitOk;
      }
    } else {
      std::fprintf(stderr,
                   "tandem-meter: table %s exists; pass --yes to drop and recreate it "
                   "(no terminal to ask)\n",
                   table.QualifiedName().c_str());
      return kExitUsage;
    }
  }
  Status created = table.Create(**conn, drop);
  if (!created.ok()) {
    std::fprintf(stderr, "tandem-meter: cannot create %s: %s\n", table.QualifiedName().c_str(),
                 created.message().c_str());
    return kExitUsage;
  }
  std::printf("%s %s\n", drop ? "dropped and recreated" : "created", table.QualifiedName().c_str());
  return kExitOk;
}

int RunVerifyCommand(const MeterConnectOptions& connection, const VerifyOptions& options) {
  std::ifstream in(options.json_path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "tandem-meter: cannot read %s\n", options.json_path.c_str());
    return kExitUsage;
  }
  std::ostringstream text;
  text << in.rdbuf();
  auto recorded = RecordedRunFromJson(text.str());
  if (!recorded.ok()) {
    std::fprintf(stderr, "tandem-meter: %s: %s\n", options.json_path.c_str(),
                 recorded.status().message().c_str());
    return kExitUsage;
  }
  if (!options.test_run_id.empty() && options.test_run_id != recorded->test_run_id) {
    std::fprintf(stderr, "tandem-meter: %s is the report of test run '%s', not '%s'\n",
                 options.json_path.c_str(), recorded->test_run_id.c_str(),
                 options.test_run_id.c_str());
    return kExitUsage;
  }
  auto conn = ConnectOrExplain(connection);
  if (!conn.ok()) return kExitUsage;
  const SyncTable table(connection.database);
  auto rows = table.ReadRows(**conn, recorded->test_run_id);
  if (!rows.ok()) {
    std::fprintf(stderr, "tandem-meter: cannot read %s: %s\n", table.QualifiedName().c_str(),
                 rows.status().message().c_str());
    return kExitUsage;
  }
  LossVerdict verdict = CheckAcknowledged(recorded->acknowledged_ids, *rows);
  std::printf("test run %s: %zu rows on %s:%u\n%s\n", recorded->test_run_id.c_str(), rows->size(),
              connection.host.c_str(), static_cast<unsigned>(connection.port),
              FormatVerdict(verdict.acknowledged, verdict.missing_ids).c_str());
  return verdict.missing_ids.empty() ? kExitOk : kExitWritesLost;
}

}  // namespace tandem::meter
