// tandem-meter: wiring only. Parses the command line, resolves the database
// connection (flags, --secret-id, environment, prompts) and runs a command of
// meter_commands.h, whose exit status it returns.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>

#include "meter/aws_profile.h"
#include "meter/connection_settings.h"
#include "meter/meter_commands.h"
#include "meter/secret_source.h"
#include "meter/sync_table.h"
#include "meter/terminal_prompt.h"

namespace tandem::meter {
namespace {

// The connection flags every command takes, as parsed.
struct ConnectionArgs {
  std::string host, user, password, secret_id, profile, region, endpoint_url;
  int port = 0;
  std::string database = kDefaultDatabase;
  std::string ssl_ca;
  double timeout_s = 2.0;
  CLI::Option* host_opt = nullptr;
  CLI::Option* port_opt = nullptr;
  CLI::Option* user_opt = nullptr;
  CLI::Option* password_opt = nullptr;
  CLI::Option* secret_opt = nullptr;
  CLI::Option* profile_opt = nullptr;
  CLI::Option* region_opt = nullptr;
  CLI::Option* endpoint_opt = nullptr;

  void AddTo(CLI::App* app) {
    CLI::App* g = app;
    host_opt = g->add_option("--host", host, "database host (env MYSQL_HOST)");
    port_opt = g->add_option("--port", port, "database port (env MYSQL_TCP_PORT; default 3306)")
                   ->check(CLI::Range(1, 65535));
    user_opt = g->add_option("--user", user, "database user (env MYSQL_USER)");
    password_opt = g->add_option("--password", password, "password (env MYSQL_PWD)");
    g->add_option("--database", database, "database of the db_sync table")->capture_default_str();
    g->add_option("--ssl-ca", ssl_ca,
                  "CA file: require TLS and verify the server's certificate and host name")
        ->check(CLI::ExistingFile);
    g->add_option("--timeout", timeout_s,
                  "seconds each step of an attempt may take (connect, each statement)")
        ->capture_default_str()
        ->check(CLI::Range(0.05, 600.0));
    secret_opt = g->add_option("--secret-id", secret_id,
                               "Secrets Manager secret with host/port/username/password");
    endpoint_opt = g->add_option("--endpoint-url", endpoint_url, "Secrets Manager endpoint URL");
    region_opt = g->add_option("--region", region, "AWS region of the secret");
    profile_opt = g->add_option("--profile", profile, "AWS profile of the credentials file");
  }

  ConnectionFlags Flags() const {
    auto given = [](CLI::Option* o, const std::string& v) {
      return o->count() ? std::optional<std::string>(v) : std::nullopt;
    };
    ConnectionFlags f;
    f.host = given(host_opt, host);
    f.port = port_opt->count() ? std::optional<int>(port) : std::nullopt;
    f.user = given(user_opt, user);
    f.password = given(password_opt, password);
    f.database = database;
    f.ssl_ca = ssl_ca;
    f.secret_id = given(secret_opt, secret_id);
    f.aws.profile = given(profile_opt, profile);
    f.aws.region = given(region_opt, region);
    f.aws.endpoint_url = given(endpoint_opt, endpoint_url);
    return f;
  }
};

int Main(int argc, char** argv) {
  CLI::App app{
      "tandem-meter: measures a MySQL failover from the client's side and checks that no "
      "acknowledged write was lost"};
  app.require_subcommand(1);

  ConnectionArgs init_conn, run_conn, verify_conn;
  InitOptions init_options;
  RunOptions run_options;
  VerifyOptions verify_options;

  CLI::App* init = app.add_subcommand("init", "create the database and the db_sync table");
  init->add_flag("--yes", init_options.yes, "drop and recreate an existing table without asking");
  init_conn.AddTo(init);

  CLI::App* run = app.add_subcommand("run", "write heartbeats through failovers and report");
  run->add_option("--test-run-id", run_options.test_run_id, "name of this run (1-50 characters)")
      ->required();
  run->add_option("--loop-time", run_options.loop_time_s, "seconds between heartbeats")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 3600.0));
  run->add_option("--failovers", run_options.failovers,
                  "stop after this many outages have ended (0: only on a signal or the limit)")
      ->capture_default_str();
  double max_seconds = 0;
  CLI::Option* max_opt = run->add_option("--max-seconds", max_seconds,
                                         "stop after this long (exit 3 if too few failovers)");
  max_opt->check(CLI::PositiveNumber);
  run->add_option("--settle-seconds", run_options.settle_seconds,
                  "keep writing this long after the last recovery before the verdict")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  run->add_option("--json", run_options.json_path, "write the report as JSON to FILE");
  run->add_option("--timeline", run_options.timeline_path, "draw the attempts as SVG to FILE");
  run_conn.AddTo(run);

  CLI::App* verify = app.add_subcommand("verify", "re-check a --json report's acknowledged writes");
  verify->add_option("--test-run-id", verify_options.test_run_id,
                     "the run to check (default: the report's)");
  verify->add_option("--json", verify_options.json_path, "report written by run --json")
      ->required()
      ->check(CLI::ExistingFile);
  verify_conn.AddTo(verify);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kExitOk : kExitUsage;
  }
  if (max_opt->count()) run_options.max_seconds = max_seconds;

  ConnectionArgs& conn_args = init->parsed() ? init_conn : run->parsed() ? run_conn : verify_conn;
  TerminalPrompter prompter;
  const EnvLookup env = ProcessEnvironment();
  const ConnectionFlags flags = conn_args.Flags();
  auto fetch_secret = [&](const std::string& secret_id) -> StatusOr<DbSecret> {
    auto aws = ResolveAwsSettings(flags.aws, env, FileSystemReader());
    if (!aws.ok()) return aws.status();
    return FetchDbSecret(secret_id, *aws);
  };
  auto connection = ResolveConnection(flags, env, fetch_secret, prompter);
  if (!connection.ok()) {
    std::fprintf(stderr, "tandem-meter: %s\n", connection.status().message().c_str());
    return kExitUsage;
  }
  connection->connect_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(conn_args.timeout_s * 1000.0));
  connection->query_timeout = connection->connect_timeout;

  if (init->parsed()) return RunInitCommand(*connection, init_options, prompter);
  if (run->parsed()) return RunMeterCommand(*connection, run_options);
  return RunVerifyCommand(*connection, verify_options);
}

}  // namespace
}  // namespace tandem::meter

int main(int argc, char** argv) { return tandem::meter::Main(argc, argv); }
