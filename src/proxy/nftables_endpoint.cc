#include "proxy/nftables_endpoint.h"

#include <algorithm>
#include <fstream>
#include <string>
#include <utility>

#include "proxy/endpoint_addresses.h"
#include "proxy/nat_connection_reset.h"
#include "proxy/nat_table.h"
#include "proxy/tcp_proxy.h"

namespace tandem::proxy {
namespace {

constexpr int kCapNetAdmin = 12;  // linux/capability.h

bool HasNetAdmin() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("CapEff:", 0) == 0) {
      unsigned long long effective = std::stoull(line.substr(7), nullptr, 16);
      return (effective >> kCapNetAdmin) & 1;
    }
  }
  return false;
}

std::string Where(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

}  // namespace

Status NftablesEndpoint::Available() {
  if (!HasNetAdmin()) {
    return Status::Unavailable(
        "the kernel endpoint path needs CAP_NET_ADMIN, which this process does not have "
        "(run tandemd as root or grant it the capability)");
  }
  auto table = NatTable::Open();
  if (!table.ok()) return Status::Unavailable(table.status().message());
  Status check = (*table)->Check();
  if (!check.ok()) {
    return Status::Unavailable("the kernel does not accept Tandem's nftables NAT table: " +
                               check.message());
  }
  return Status::Ok();
}

StatusOr<std::unique_ptr<NftablesEndpoint>> NftablesEndpoint::Open(const EndpointOptions& options) {
  if (options.port == 0) {
    return Status::InvalidArgument("the kernel endpoint path needs an explicit endpoint port");
  }
  auto addresses = EndpointAddresses(options);
  if (!addresses.ok()) return addresses.status();

  // One loop is plenty: it only ever carries connections released from a hold.
  EndpointOptions listener_options = options;
  listener_options.loops = 1;
  auto listener = TcpProxy::Open(listener_options);
  if (!listener.ok()) return listener.status();
  auto table = NatTable::Open();
  if (!table.ok()) return table.status();
  auto routes = (*table)->Routes(options.port);
  if (!routes.ok()) return routes.status();

  std::unique_ptr<NftablesEndpoint> endpoint(new NftablesEndpoint(
      options, std::move(*addresses), std::move(*table), std::move(*listener)));
  if (!routes->empty()) {
    // Adopt what a previous tandemd left, fixing the addresses if the
    // advertised one changed since.
    uint16_t target = routes->front().target_port;
    bool same = routes->size() == endpoint->addresses_.size();
    for (const NatRoute& r : *routes) {
      if (r.address == "127.0.0.1") target = r.target_port;
      same = same && r.target_port == routes->front().target_port &&
             std::any_of(endpoint->addresses_.begin(), endpoint->addresses_.end(),
                         [&](const EndpointAddress& a) { return a.text == r.address; });
    }
    if (!same) TANDEM_RETURN_IF_ERROR(endpoint->SetRoutes(target));
    endpoint->target_ = target;
    TANDEM_RETURN_IF_ERROR(target == options.port ? endpoint->listener_->Hold()
                                                  : endpoint->listener_->PointAt(target));
  }
  return endpoint;
}

NftablesEndpoint::NftablesEndpoint(EndpointOptions options, std::vector<EndpointAddress> addresses,
                                   std::unique_ptr<NatTable> table,
                                   std::unique_ptr<TcpProxy> listener)
    : options_(std::move(options)),
      addresses_(std::move(addresses)),
      table_(std::move(table)),
      listener_(std::move(listener)) {}

NftablesEndpoint::~NftablesEndpoint() = default;

Status NftablesEndpoint::SetRoutes(uint16_t target) {
  std::vector<std::string> texts;
  for (const EndpointAddress& a : addresses_) texts.push_back(a.text);
  return table_->SetRoutes(options_.port, texts, target);
}

Status NftablesEndpoint::ResetConnectionsLeaving(std::optional<uint16_t> left,
                                                 const std::string& done) {
  if (!left || *left == options_.port || left == target_) return Status::Ok();
  auto reset = ResetNatConnections(addresses_, options_.port, *left);
  if (!reset.ok()) {
    return Status::IOError(done + ", but connections to the node at " + Where(*left) +
                           " could not all be reset: " + reset.status().message());
  }
  return Status::Ok();
}

Status NftablesEndpoint::PointAt(uint16_t node_port) {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status::Unavailable("endpoint " + Where(options_.port) + " is closed");
  TANDEM_RETURN_IF_ERROR(CheckNodePort(options_.port, node_port));
  if (target_ == node_port) return Status::Ok();
  TANDEM_RETURN_IF_ERROR(SetRoutes(node_port));
  std::optional<uint16_t> left = std::exchange(target_, node_port);
  // Releases the connections parked by a hold to the node.
  Status released = listener_->PointAt(node_port);
  TANDEM_RETURN_IF_ERROR(ResetConnectionsLeaving(
      left, "endpoint " + Where(options_.port) + " now routes to " + Where(node_port)));
  return released;
}

Status NftablesEndpoint::Hold() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status::Unavailable("endpoint " + Where(options_.port) + " is closed");
  if (target_ == options_.port) return Status::Ok();
  // The listener parks before the first held connection can reach it.
  TANDEM_RETURN_IF_ERROR(listener_->Hold());
  Status routed = SetRoutes(options_.port);
  if (!routed.ok()) {
    if (target_) listener_->PointAt(*target_);
    return routed;
  }
  std::optional<uint16_t> left = std::exchange(target_, options_.port);
  return ResetConnectionsLeaving(left, "endpoint " + Where(options_.port) + " is held");
}

Status NftablesEndpoint::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return Status::Ok();
  TANDEM_RETURN_IF_ERROR(table_->RemoveRoutes(options_.port));
  listener_->Close();
  closed_ = true;
  std::optional<uint16_t> left = std::exchange(target_, std::nullopt);
  return ResetConnectionsLeaving(left, "endpoint " + Where(options_.port) + " is removed");
}

EndpointDescription NftablesEndpoint::Describe() const {
  std::lock_guard<std::mutex> lock(mu_);
  EndpointDescription d = listener_->Describe();
  d.mechanism = Mechanism::kKernel;
  d.held = target_ == options_.port;
  d.node_port = d.held ? std::nullopt : target_;
  d.closed = closed_;
  return d;
}

}  // namespace tandem::proxy
