// NftablesEndpoint: the kernel fast path of endpoint.h. Connections to the
// endpoint are translated by the kernel (DNAT in Tandem's own nftables table,
// nat_table.h) straight to the node: no user-space hop, no per-query CPU in
// tandemd, and the route stays in the kernel while tandemd is down or
// restarting (this is how kube-proxy implements Services).
//
// Pieces:
// - the route: one map element per endpoint address, replaced atomically;
// - the endpoint port's listener: tandemd listens on the endpoint port, so
//   no other process can take it. Routed connections never reach it (local
//   clients are translated in the output hook, before the socket lookup).
//   During a hold the route points at the endpoint port itself, so
//   connections do reach it, and it parks them: it is a TcpProxy (one loop),
//   so held connections get exactly the user-space path's hold, and when
//   released they stay relayed by tandemd for their lifetime;
// - leaving a node resets its connections (nat_connection_reset.h).
//
// While tandemd is down a held endpoint refuses connections (nothing listens
// on its port); a pointed one keeps working.
//
// Measured here: PointAt takes 0.2-2 ms (one nftables transaction, then the
// reset of the old node's connections); Open about 20-30 ms, most of it the
// dry run that checks the kernel path is available.
//
// Thread-safety: as Endpoint.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "proxy/endpoint.h"
#include "proxy/endpoint_addresses.h"

namespace tandem::proxy {

class NatTable;
class TcpProxy;

class NftablesEndpoint : public Endpoint {
 public:
  // OK if this process can use this path: it has CAP_NET_ADMIN and the
  // kernel accepts Tandem's table (a dry run). kUnavailable saying what is
  // missing otherwise.
  static Status Available();

  // Reserves options.port (listener on 127.0.0.1 and the advertised address)
  // and adopts the port's route if Tandem's table has one (tandemd
  // restarted): pointed, or held if it routes to the endpoint port itself.
  // Otherwise the endpoint starts not pointed. options.port must not be 0.
  // Errors as OpenEndpoint.
  static StatusOr<std::unique_ptr<NftablesEndpoint>> Open(const EndpointOptions& options);

  // Stops the listener (parked connections are reset). The route stays.
  ~NftablesEndpoint() override;

  Status PointAt(uint16_t node_port) override;
  Status Hold() override;
  Status Close() override;
  EndpointDescription Describe() const override;

 private:
  NftablesEndpoint(EndpointOptions options, std::vector<EndpointAddress> addresses,
                   std::unique_ptr<NatTable> table, std::unique_ptr<TcpProxy> listener);

  // Routes every endpoint address to 127.0.0.1:target in one transaction.
  Status SetRoutes(uint16_t target);

  // Resets the connections to the node the route just left, if it left one;
  // `done` says what was done, for the message if the reset fails.
  Status ResetConnectionsLeaving(std::optional<uint16_t> left, const std::string& done);

  mutable std::mutex mu_;
  const EndpointOptions options_;
  const std::vector<EndpointAddress> addresses_;
  std::unique_ptr<NatTable> table_;
  std::unique_ptr<TcpProxy> listener_;
  std::optional<uint16_t> target_;  // what the kernel routes to; options_.port when held
  bool closed_ = false;
};

}  // namespace tandem::proxy
