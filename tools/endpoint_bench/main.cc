// tandem-endpoint-bench: opens one endpoint, 127.0.0.1:<port> -> 127.0.0.1:<node>,
// with the chosen mechanism, prints its description, and waits for SIGINT or
// SIGTERM; then closes it (removing its kernel route) unless --keep. The
// endpoint driver of bench/proxy.sh, and a way to try an endpoint by hand.
#include <signal.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "proxy/endpoint.h"

int main(int argc, char** argv) {
  CLI::App app{"Opens one Tandem endpoint and waits for SIGINT/SIGTERM"};
  int port = 0;
  int node = 0;
  std::string mechanism = "auto";
  tandem::proxy::EndpointOptions options;
  bool keep = false;
  app.add_option("--port", port, "endpoint port on 127.0.0.1")
      ->required()
      ->check(CLI::Range(1, 65535));
  app.add_option("--node", node, "node port on 127.0.0.1")->required()->check(CLI::Range(1, 65535));
  app.add_option("--mechanism", mechanism, "kernel, user-space or auto")
      ->check(CLI::IsMember({"kernel", "user-space", "auto"}));
  app.add_option("--loops", options.loops, "user-space event loops; 0: one per core");
  app.add_option("--buffer-bytes", options.buffer_bytes, "user-space buffer per direction");
  app.add_option("--advertised-address", options.advertised_address, "extra IPv4 address");
  app.add_flag("--keep", keep, "leave a kernel route in place on exit");
  CLI11_PARSE(app, argc, argv);
  options.port = static_cast<uint16_t>(port);

  // Blocked before any thread starts, so only sigwait below sees them.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  std::optional<tandem::proxy::Mechanism> chosen;
  if (mechanism == "kernel") chosen = tandem::proxy::Mechanism::kKernel;
  if (mechanism == "user-space") chosen = tandem::proxy::Mechanism::kUserSpace;
  auto endpoint = tandem::proxy::OpenEndpoint(options, chosen);
  if (!endpoint.ok()) {
    std::fprintf(stderr, "tandem-endpoint-bench: %s\n", endpoint.status().ToString().c_str());
    return 1;
  }
  tandem::Status pointed = (*endpoint)->PointAt(static_cast<uint16_t>(node));
  if (!pointed.ok()) {
    std::fprintf(stderr, "tandem-endpoint-bench: %s\n", pointed.ToString().c_str());
    return 1;
  }
  std::printf("%s\n", (*endpoint)->Describe().ToString().c_str());
  std::fflush(stdout);

  int signo = 0;
  sigwait(&stop, &signo);
  if (!keep) {
    tandem::Status closed = (*endpoint)->Close();
    if (!closed.ok()) {
      std::fprintf(stderr, "tandem-endpoint-bench: %s\n", closed.ToString().c_str());
      return 1;
    }
  }
  return 0;
}
