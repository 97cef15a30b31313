// tandemd: wiring only. Parses flags, opens the data directory, store, keys
// and CA, registers the services on the router and serves until SIGTERM.
#include <arpa/inet.h>
#include <pwd.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "api/credentials.h"
#include "api/embedded_models.h"
#include "api/http_server.h"
#include "api/json_protocol.h"
#include "api/query_model.h"
#include "api/query_protocol.h"
#include "api/rest_json_protocol.h"
#include "api/router.h"
#include "api/service_model.h"
#include "common/clock.h"
#include "common/data_dir.h"
#include "control/instance_reconciler.h"
#include "crypto/certificate_authority.h"
#include "crypto/envelope.h"
#include "functions/function_service.h"
#include "proxy/endpoint.h"
#include "rds/events.h"
#include "rds/rds_service.h"
#include "rotation/builtin_rotators.h"
#include "rotation/rotation_engine.h"
#include "secrets/secrets_service.h"
#include "store/store.h"

namespace {

struct Flags {
  std::string data_dir = "./tandem-data";
  std::string listen = "127.0.0.1:4566";
  std::string account_id = "000000000000";
  std::string default_region = "us-east-1";
  std::string master_key_file;  // default <data-dir>/master.key
  bool tls = false;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::vector<std::string> advertised_hosts;
  bool insecure_http = false;
  int purge_interval_seconds = 60;
  bool enable_test_clock = false;
  int threads = 2;
  std::string endpoint_mode = "auto";  // DB instance endpoints: auto, kernel or userspace
  std::string node_user;               // OS account of engine nodes; "" = mysql if root
  int failover_hang_timeout_ms = 600;  // Multi-AZ: a primary silent this long is hung
  int failover_probe_interval_ms = 100;
  int endpoint_hold_seconds = 30;  // new connections wait this long during a failover
};

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};

// "127.0.0.1:4566", "[::1]:4566", "localhost:4566".
std::optional<ListenAddress> ParseListen(const std::string& s) {
  ListenAddress a;
  std::string port;
  if (!s.empty() && s[0] == '[') {
    auto close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') return {};
    a.host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) return {};
    a.host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  if (a.host.empty() || port.empty() || port.size() > 5) return {};
  for (char c : port) {
    if (c < '0' || c > '9') return {};
  }
  int p = std::stoi(port);
  if (p > 65535) return {};
  a.port = static_cast<uint16_t>(p);
  if (a.host == "localhost") a.host = "127.0.0.1";
  in_addr v4{};
  in6_addr v6{};
  if (inet_pton(AF_INET, a.host.c_str(), &v4) != 1 &&
      inet_pton(AF_INET6, a.host.c_str(), &v6) != 1) {
    return {};
  }
  return a;
}

bool IsLoopback(const std::string& host) {
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return host == "::1";
}

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

[[noreturn]] void Die(const std::string& message) {
  spdlog::critical("{}", message);
  std::exit(1);
}

template <class T>
T OrDie(tandem::StatusOr<T> v, const std::string& what) {
  if (!v.ok()) Die(what + ": " + v.status().ToString());
  return std::move(v).value();
}

// Waits for SIGINT/SIGTERM on a dedicated thread and stops the server.
void StopOnSignal(tandem::api::HttpServer& server, std::atomic<bool>& stopping) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("received signal {}, stopping", sig);
  stopping = true;
  server.Stop();
}

// Whether every directory from / down to path lets other accounts search
// it, so an engine node running as its own account can reach its files.
bool SearchableByOthers(const std::string& path) {
  std::filesystem::path dir = std::filesystem::absolute(path);
  while (true) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || (st.st_mode & S_IXOTH) == 0) return false;
    if (dir == dir.root_path()) return true;
    dir = dir.parent_path();
  }
}

// GET /_tandem/rotations: the rotations in progress or failed (no values),
// for operators and tests; unauthenticated, like /_tandem/health, so it
// shows only what a rotation's log lines show.
tandem::api::HttpResponse RotationsPage(const tandem::rotation::RotationEngine& engine) {
  auto records = engine.Describe();
  if (!records.ok()) {
    return tandem::api::HttpResponse{
        500, "application/json", nlohmann::json{{"error", records.status().ToString()}}.dump(), {}};
  }
  nlohmann::json out = nlohmann::json::array();
  for (const tandem::rotation::RotationRecord& r : *records) {
    out.push_back(
        {{"SecretId", r.secret_arn},
         {"RotationLambdaARN", r.function_arn},
         {"VersionId", r.token},
         {"NextStep", tandem::rotation::StepName(static_cast<tandem::rotation::Step>(r.next_step))},
         {"State", r.state},
         {"Attempts", r.attempts},
         {"LastError", r.last_error}});
  }
  return tandem::api::HttpResponse{
      200, "application/json", nlohmann::json{{"Rotations", out}}.dump(), {}};
}

// The instance reconciler's settings from the flags.
tandem::control::InstanceReconcilerOptions ReconcilerOptions(const Flags& f,
                                                             const tandem::DataDirectory& dir) {
  tandem::control::InstanceReconcilerOptions o;
  o.account_id = f.account_id;
  o.placement.nodes_root = dir.File("nodes");
  // Node certificates name every advertised host; endpoints also listen on the
  // first advertised IPv4 address (Endpoint.Address for remote clients).
  o.endpoint_addresses = f.advertised_hosts;
  for (const std::string& host : f.advertised_hosts) {
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1 && !IsLoopback(host)) {
      o.endpoint_advertised_address = host;
      break;
    }
  }
  if (f.endpoint_mode == "kernel") o.endpoint_mechanism = tandem::proxy::Mechanism::kKernel;
  if (f.endpoint_mode == "userspace") o.endpoint_mechanism = tandem::proxy::Mechanism::kUserSpace;
  o.ha.hang_timeout_ms = f.failover_hang_timeout_ms;
  o.probe_interval = std::chrono::milliseconds(f.failover_probe_interval_ms);
  // A probe unanswered for 2.5 intervals counts as failed; hung needs
  // ha.probe_failures of them and the hang timeout.
  o.probe_timeout = std::chrono::milliseconds(f.failover_probe_interval_ms * 5 / 2);
  o.endpoint_hold_bound = std::chrono::seconds(f.endpoint_hold_seconds);
  o.node_os_user = f.node_user;
  if (o.node_os_user.empty() && ::geteuid() == 0 && ::getpwnam("mysql") != nullptr) {
    if (SearchableByOthers(dir.path())) {
      o.node_os_user = "mysql";
    } else {
      // A data directory under /root, say: the mysql account could not reach
      // its nodes, so they run as tandemd's own account rather than fail.
      spdlog::warn(
          "{} is not reachable by the mysql account; database nodes run as root "
          "(choose a data directory under a searchable path, or --node-user)",
          dir.path());
    }
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Flags f;
  CLI::App app{"tandemd: a self-hosted, AWS-compatible managed MySQL service"};
  app.add_option("--data-dir", f.data_dir, "State, keys and databases")->envname("TANDEM_DATA_DIR");
  app.add_option("--listen", f.listen, "API address host:port")->envname("TANDEM_LISTEN");
  app.add_option("--account-id", f.account_id, "12-digit account id in ARNs")
      ->envname("TANDEM_ACCOUNT_ID");
  app.add_option("--default-region", f.default_region, "Region written to the credentials file")
      ->envname("TANDEM_DEFAULT_REGION");
  app.add_option("--master-key-file", f.master_key_file,
                 "Master key (default <data-dir>/master.key)")
      ->envname("TANDEM_MASTER_KEY_FILE");
  app.add_flag("--tls", f.tls, "Serve the API over HTTPS (automatic on non-loopback addresses)")
      ->envname("TANDEM_TLS");
  app.add_option("--tls-cert", f.tls_cert_file, "PEM certificate chain instead of Tandem's CA")
      ->envname("TANDEM_TLS_CERT");
  app.add_option("--tls-key", f.tls_key_file, "PEM private key for --tls-cert")
      ->envname("TANDEM_TLS_KEY");
  app.add_option("--advertised-host", f.advertised_hosts,
                 "Extra host names/addresses for the API and DB instance certificates; the "
                 "first IPv4 one is also DB instances' Endpoint.Address")
      ->envname("TANDEM_ADVERTISED_HOST");
  app.add_flag("--insecure-http", f.insecure_http, "Allow plain HTTP on a non-loopback address")
      ->envname("TANDEM_INSECURE_HTTP");
  app.add_option("--purge-interval-seconds", f.purge_interval_seconds,
                 "How often deleted secrets past their recovery window are purged")
      ->check(CLI::Range(1, 86400))
      ->envname("TANDEM_PURGE_INTERVAL_SECONDS");
  app.add_flag("--enable-test-clock", f.enable_test_clock,
               "Tests only: POST /_tandem/test/advance-clock?seconds=N moves service time")
      ->envname("TANDEM_ENABLE_TEST_CLOCK");
  app.add_option("--threads", f.threads, "API server threads")
      ->check(CLI::Range(1, 64))
      ->envname("TANDEM_THREADS");
  app.add_option("--endpoint-mode", f.endpoint_mode,
                 "DB instance endpoints: kernel (nftables DNAT), userspace (proxy), or auto "
                 "(kernel where available)")
      ->check(CLI::IsMember({"auto", "kernel", "userspace"}))
      ->envname("TANDEM_ENDPOINT_MODE");
  app.add_option("--node-user", f.node_user,
                 "OS account engine nodes run as (default mysql when run as root)")
      ->envname("TANDEM_NODE_USER");
  app.add_option("--failover-hang-timeout-ms", f.failover_hang_timeout_ms,
                 "Multi-AZ: how long a primary may leave probes unanswered (hung or cut off) "
                 "before its standby is promoted")
      ->check(CLI::Range(200, 60000))
      ->envname("TANDEM_FAILOVER_HANG_TIMEOUT_MS");
  app.add_option("--failover-probe-interval-ms", f.failover_probe_interval_ms,
                 "Multi-AZ: how often each node is probed")
      ->check(CLI::Range(20, 5000))
      ->envname("TANDEM_FAILOVER_PROBE_INTERVAL_MS");
  app.add_option("--endpoint-hold-seconds", f.endpoint_hold_seconds,
                 "How long a new connection waits at an endpoint during a failover or restart")
      ->check(CLI::Range(1, 600))
      ->envname("TANDEM_ENDPOINT_HOLD_SECONDS");
  CLI11_PARSE(app, argc, argv);

  if (f.account_id.size() != 12 ||
      f.account_id.find_first_not_of("0123456789") != std::string::npos) {
    Die("--account-id must be 12 digits, got '" + f.account_id + "'");
  }
  auto listen = ParseListen(f.listen);
  if (!listen)
    Die("--listen must be host:port with a numeric IPv4/IPv6 host, got '" + f.listen + "'");
  const bool loopback = IsLoopback(listen->host);
  if (!f.tls_cert_file.empty() != !f.tls_key_file.empty()) {
    Die("--tls-cert and --tls-key go together");
  }
  if (!f.tls_cert_file.empty()) f.tls = true;
  // Secret values cross this connection: off loopback, HTTPS unless the operator
  // explicitly accepts plain HTTP.
  if (!loopback && !f.tls && !f.insecure_http) {
    f.tls = true;
    spdlog::info("listening on non-loopback {}: serving HTTPS (--insecure-http to allow HTTP)",
                 listen->host);
  }

  // Signals are handled by one thread with sigwait; block them everywhere else.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto dir = OrDie(tandem::DataDirectory::Open(f.data_dir), "data directory");
  if (f.master_key_file.empty()) f.master_key_file = dir.File("master.key");
  auto master = OrDie(tandem::crypto::MasterKey::LoadOrCreate(f.master_key_file), "master key");
  auto store = OrDie(tandem::OpenSqliteStore(dir.File("state.db")), "store");
  auto ca = OrDie(tandem::crypto::CertificateAuthority::LoadOrCreate(dir.File("ca"), master),
                  "certificate authority");

  tandem::api::AccessKeyRegistry keys(*store, master);
  auto root = OrDie(keys.LoadAndEnsureRoot(), "access keys");
  const std::string credentials_file = dir.File("credentials");
  if (auto st = tandem::api::WriteCredentialsFile(credentials_file, root, f.default_region);
      !st.ok()) {
    Die("credentials file: " + st.ToString());
  }

  tandem::SystemClock wall_clock;     // SigV4 freshness: always real time
  tandem::SystemClock service_clock;  // resource dates and windows: movable in tests

  auto secrets_model =
      OrDie(tandem::api::LoadEmbeddedModel("secretsmanager"), "secretsmanager model");
  tandem::secrets::SecretsService secrets(*store, master, service_clock,
                                          tandem::secrets::SecretsOptions{f.account_id});
  tandem::api::JsonProtocolService secrets_api("secretsmanager", "secretsmanager");
  secrets_api.SetModel(secrets_model);
  secrets.RegisterOperations(secrets_api);

  // DB instances: the RDS API writes desired state (and events) and kicks the
  // reconciler after each change; the reconciler does the engine work.
  tandem::rds::EventLog rds_events(*store, service_clock);
  const auto reconciler_options = ReconcilerOptions(f, dir);
  tandem::control::InstanceReconciler reconciler(*store, master, service_clock, *ca, secrets,
                                                 rds_events, reconciler_options);
  auto rds_model = OrDie(tandem::api::QueryModel::LoadEmbedded("rds"), "rds model");
  tandem::api::QueryProtocolService rds_api("rds", rds_model);
  tandem::rds::RdsOptions rds_options;
  rds_options.account_id = f.account_id;
  rds_options.endpoint_address = reconciler_options.endpoint_advertised_address;
  if (rds_options.endpoint_address.empty()) rds_options.endpoint_address = "127.0.0.1";
  tandem::rds::RdsService rds(*store, master, service_clock, secrets, rds_events, rds_options);
  rds.RegisterOperations(rds_api);
  rds.SetChangeListener([&reconciler] { reconciler.Kick(); });

  // Lambda (functions/): the user's own functions, run with the host's python3;
  // `functions` is also the rotation engine's rotation::FunctionInvoker.
  tandem::functions::FunctionServiceOptions function_options;
  function_options.account_id = f.account_id;
  function_options.functions_root = dir.File("functions");
  const bool any_address = listen->host == "0.0.0.0" || listen->host == "::";
  const std::string function_api_host = any_address ? "127.0.0.1"
                                        : listen->host.find(':') != std::string::npos
                                            ? "[" + listen->host + "]"
                                            : listen->host;
  function_options.api_endpoint = std::string(f.tls ? "https://" : "http://") + function_api_host +
                                  ":" + std::to_string(listen->port);
  function_options.api_tls = f.tls;
  function_options.ca_bundle_path = ca->bundle_path();
  // Functions get a key of their own, valid only while this tandemd runs and
  // only for Secrets Manager (what rotation functions call).
  function_options.credentials = keys.AddEphemeral({"secretsmanager"});
  tandem::functions::FunctionService functions(*store, service_clock, function_options);
  auto lambda_api =
      OrDie(tandem::api::RestJsonProtocolService::LoadEmbedded("lambda", "lambda"), "lambda model");
  functions.RegisterOperations(*lambda_api);

  // Secret rotation: the four-step protocol, run by the rotation engine
  // with Tandem's built-in MySQL rotators (and users' own functions).
  tandem::rotation::BuiltinRotatorOptions rotator_options;
  rotator_options.ca_file = ca->bundle_path();
  // Managed master user secrets: the instance they belong to, and its
  // MasterUserSecret.SecretStatus.
  rotator_options.managed_endpoint =
      [&rds, &rds_options](
          const std::string& region,
          const std::string& secret_arn) -> tandem::StatusOr<tandem::rotation::ManagedEndpoint> {
    auto port = rds.ManagedSecretEndpointPort(region, secret_arn);
    if (!port.ok()) return port.status();
    return tandem::rotation::ManagedEndpoint{rds_options.endpoint_address, *port};
  };
  rotator_options.managed_status = [&rds](const std::string& region, const std::string& secret_arn,
                                          const std::string& status) {
    if (auto st = rds.SetManagedSecretStatus(region, secret_arn, status); !st.ok()) {
      spdlog::warn("cannot record the status of {}: {}", secret_arn, st.ToString());
    }
  };
  tandem::rotation::BuiltinRotators builtin_rotators(secrets, rotator_options);
  tandem::rotation::FunctionRouter rotation_functions(builtin_rotators, &functions);
  tandem::rotation::RotationEngine rotation_engine(*store, secrets, rotation_functions,
                                                   service_clock);

  tandem::api::Router router(keys, wall_clock, f.account_id);
  router.AddService(&secrets_api);
  router.AddService(&rds_api);
  router.AddService(lambda_api.get());

  tandem::api::HttpServerOptions options;
  options.listen_host = listen->host;
  options.listen_port = listen->port;
  options.threads = f.threads;
  if (f.tls) {
    if (!f.tls_cert_file.empty()) {
      auto cert = ReadFile(f.tls_cert_file);
      auto key = ReadFile(f.tls_key_file);
      if (!cert || !key) Die("cannot read --tls-cert/--tls-key");
      options.tls_certificate_pem = *cert;
      options.tls_private_key_pem = *key;
    } else {
      std::vector<std::string> names{"localhost", "127.0.0.1", "::1"};
      if (listen->host != "0.0.0.0" && listen->host != "::") names.push_back(listen->host);
      names.insert(names.end(), f.advertised_hosts.begin(), f.advertised_hosts.end());
      auto issued = OrDie(ca->IssueServerCertificate("tandemd", names), "API certificate");
      options.tls_certificate_pem = issued.certificate_pem;
      options.tls_private_key_pem = issued.private_key_pem;
    }
  }

  const bool test_clock = f.enable_test_clock;
  auto handler = [&router, &service_clock, &rotation_engine,
                  test_clock](const tandem::api::HttpRequest& req) {
    if (req.Path() == "/_tandem/rotations" && req.method == "GET") {
      return RotationsPage(rotation_engine);
    }
    if (test_clock && req.Path() == "/_tandem/test/advance-clock" && req.method == "POST") {
      // At most 100 years either way, so that the offset in milliseconds cannot overflow.
      constexpr int64_t kMaxSeconds = 100LL * 366 * 24 * 3600;
      std::string q(req.Query());
      int64_t seconds = 0;
      if (q.rfind("seconds=", 0) == 0) {
        const char* end = q.data() + q.size();
        auto [parsed_end, error] = std::from_chars(q.data() + 8, end, seconds);
        if (error != std::errc() || parsed_end != end || seconds < -kMaxSeconds ||
            seconds > kMaxSeconds) {
          return tandem::api::HttpResponse{
              400,
              "application/json",
              "{\"message\":\"seconds must be an integer of at most 100 years\"}",
              {}};
        }
      }
      service_clock.Advance(seconds * 1000);
      return tandem::api::HttpResponse{
          200,
          "application/json",
          "{\"offsetSeconds\":" + std::to_string(service_clock.offset_millis() / 1000) + "}",
          {}};
    }
    return router.Route(req);
  };
  auto server = OrDie(tandem::api::HttpServer::Start(options, handler), "API server");
  // Re-adopts running nodes (never restarting them), then reconciles.
  if (auto st = reconciler.Start(); !st.ok()) Die("instance reconciler: " + st.ToString());
  if (auto st = rotation_engine.Start(); !st.ok()) Die("rotation engine: " + st.ToString());

  std::atomic<bool> stopping{false};
  std::thread signals([&] { StopOnSignal(*server, stopping); });

  // Background work: purge secrets whose recovery window ended.
  std::mutex purge_mu;
  std::condition_variable purge_cv;
  std::thread purger([&] {
    std::unique_lock lock(purge_mu);
    while (!stopping) {
      purge_cv.wait_for(lock, std::chrono::seconds(f.purge_interval_seconds));
      if (stopping) break;
      auto purged = secrets.PurgeExpiredSecrets();
      if (!purged.ok()) {
        spdlog::warn("purge of deleted secrets failed: {}", purged.status().ToString());
      } else if (*purged > 0) {
        spdlog::info("purged {} secret(s) whose recovery window ended", *purged);
      }
    }
  });

  const std::string scheme = f.tls ? "https" : "http";
  const std::string shown_host =
      listen->host.find(':') != std::string::npos ? "[" + listen->host + "]" : listen->host;
  spdlog::info("tandemd ready");
  std::printf(
      "\n  Tandem is running.\n"
      "  endpoint:    %s://%s:%u\n"
      "  region:      %s (any region works; each is its own namespace)\n"
      "  credentials: %s\n"
      "               export AWS_SHARED_CREDENTIALS_FILE=%s\n"
      "  CA bundle:   %s\n"
      "  try:         /usr/bin/aws --endpoint-url %s://%s:%u secretsmanager list-secrets\n\n",
      scheme.c_str(), shown_host.c_str(), server->port(), f.default_region.c_str(),
      credentials_file.c_str(), credentials_file.c_str(), ca->bundle_path().c_str(), scheme.c_str(),
      shown_host.c_str(), server->port());
  std::fflush(stdout);

  server->Wait();
  stopping = true;
  rotation_engine.Stop();  // rotations stay recorded and resume at the next start
  reconciler.Stop();       // engine nodes keep running: a restart must not restart databases
  {
    std::lock_guard lock(purge_mu);
    purge_cv.notify_all();
  }
  purger.join();
  if (signals.joinable()) {
    // SIGTERM is blocked in every thread: this only wakes that thread's sigwait.
    pthread_kill(signals.native_handle(), SIGTERM);  // NOLINT(bugprone-bad-signal-to-kill-thread)
    signals.join();
  }
  spdlog::info("tandemd stopped");
  return 0;
}
