#include "proxy/endpoint.h"

#include "proxy/nftables_endpoint.h"
#include "proxy/tcp_proxy.h"

namespace tandem::proxy {
namespace {

std::string Duration(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

std::string Count(size_t n, const char* what) {
  return std::to_string(n) + " " + what + (n == 1 ? "" : "s");
}

}  // namespace

const char* MechanismName(Mechanism mechanism) {
  switch (mechanism) {
    case Mechanism::kKernel:
      return "kernel";
    case Mechanism::kUserSpace:
      return "user-space";
  }
  return "unknown";
}

std::string EndpointDescription::ToString() const {
  std::string where = "127.0.0.1:" + std::to_string(port);
  if (!advertised_address.empty()) {
    where += " and " + advertised_address + ":" + std::to_string(port);
  }
  std::string how = mechanism == Mechanism::kKernel ? "kernel DNAT" : "user-space proxy";
  if (closed) return "endpoint " + where + " is closed (" + how + ")";
  if (held) {
    return where + " held: " + Count(held_connections, "connection") + " waiting (up to " +
           Duration(hold_bound) + " each) for the next primary (" + how + ")";
  }
  if (!node_port) return where + " is not pointed at a node: connections are closed (" + how + ")";
  std::string text = where + " -> 127.0.0.1:" + std::to_string(*node_port) + " (" + how;
  if (mechanism == Mechanism::kUserSpace) {
    text += ", " + Count(relayed_connections, "connection");
  } else if (relayed_connections > 0) {
    text += "; " + Count(relayed_connections, "connection") +
            " released from a hold relayed by tandemd";
  }
  return text + ")";
}

Status KernelPathAvailable() { return NftablesEndpoint::Available(); }

StatusOr<std::unique_ptr<Endpoint>> OpenEndpoint(const EndpointOptions& options,
                                                 std::optional<Mechanism> mechanism) {
  Status kernel = mechanism == Mechanism::kUserSpace ? Status::Unavailable("not asked for")
                                                     : KernelPathAvailable();
  if (!mechanism) mechanism = kernel.ok() ? Mechanism::kKernel : Mechanism::kUserSpace;
  if (*mechanism == Mechanism::kKernel) {
    if (!kernel.ok()) return kernel;
    auto endpoint = NftablesEndpoint::Open(options);
    if (!endpoint.ok()) return endpoint.status();
    return std::unique_ptr<Endpoint>(std::move(*endpoint));
  }
  auto endpoint = TcpProxy::Open(options);
  if (!endpoint.ok()) return endpoint.status();
  return std::unique_ptr<Endpoint>(std::move(*endpoint));
}

}  // namespace tandem::proxy
