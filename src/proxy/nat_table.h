// NatTable: Tandem's own nftables table, the kernel path's only contact with
// the host's firewall. Internal to proxy/. Nothing here names another table,
// and nothing flushes or lists the whole ruleset.
//
//   table ip tandem {
//     map endpoints { type ipv4_addr . inet_service : ipv4_addr . inet_service }
//     chain output { type nat hook output priority -100
//                    dnat ip to ip daddr . tcp dport map @endpoints }      # local clients
//     chain prerouting { type nat hook prerouting priority -100
//                        dnat ip to ip daddr . tcp dport map @endpoints }  # remote clients
//   }
//
// A route is one map element, (endpoint address . endpoint port) ->
// (127.0.0.1 . target port). A map rather than a rule per endpoint: one
// lookup per new connection however many endpoints there are, and a switch is
// an element replaced, never a chain rewritten. Only a connection's first
// packet is looked up; conntrack keeps its translation for the rest.
//
// Every change is one nftables transaction, so packets see the old routes or
// the new, never a mix. Changes from all NatTables of the process are
// serialized by one lock (the table is one per host); one tandemd per host
// owns the table.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

struct nft_ctx;

namespace tandem::proxy {

struct NatRoute {
  std::string address;  // endpoint address, dotted quad
  uint16_t port = 0;    // endpoint port
  uint16_t target_port = 0;
};

class NatTable {
 public:
  // kInternal if libnftables cannot make a context.
  static StatusOr<std::unique_ptr<NatTable>> Open();
  ~NatTable();
  NatTable(const NatTable&) = delete;
  NatTable& operator=(const NatTable&) = delete;

  // Whether the kernel would accept the table (a dry run, no change made).
  // kUnavailable with nftables' reason otherwise.
  Status Check();

  // The routes of endpoint port `port` now in the kernel; empty if none (or
  // no table).
  StatusOr<std::vector<NatRoute>> Routes(uint16_t port);

  // Makes the routes of `port` exactly address -> 127.0.0.1:target_port for
  // each of `addresses`, creating or repairing the table, map and chains on
  // the way, all in one transaction. kIOError with nftables' message.
  Status SetRoutes(uint16_t port, const std::vector<std::string>& addresses, uint16_t target_port);

  // Removes the routes of `port`, and the table with the last route, in one
  // transaction. OK if there was nothing to remove.
  Status RemoveRoutes(uint16_t port);

  // The table as nftables prints it; kNotFound if there is no table.
  StatusOr<std::string> List();

 private:
  explicit NatTable(nft_ctx* ctx) : ctx_(ctx) {}

  // Runs commands as one transaction; returns what nftables printed.
  StatusOr<std::string> Run(const std::string& commands, bool json_output = false);
  StatusOr<std::vector<NatRoute>> AllRoutes();

  nft_ctx* ctx_;
};

}  // namespace tandem::proxy
