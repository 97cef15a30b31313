#include "proxy/nat_table.h"

#include <nftables/libnftables.h>

#include <mutex>
#include <nlohmann/json.hpp>

namespace tandem::proxy {
namespace {

constexpr const char* kTable = "ip tandem";

// The table, map and chains, idempotently: `add` keeps what exists, and each
// chain is flushed and given its one rule in the same transaction, so a
// table damaged or half-made by anyone is repaired without a moment where
// packets miss the rule.
std::string EnsureCommands() {
  std::string t = kTable;
  std::string rule = "dnat ip to ip daddr . tcp dport map @endpoints";
  std::string s;
  s += "add table " + t + " { comment \"DB instance endpoints, managed by tandemd\" ; }\n";
  s += "add map " + t +
       " endpoints { type ipv4_addr . inet_service : ipv4_addr . inet_service ; }\n";
  for (const char* hook : {"output", "prerouting"}) {
    std::string chain = t + " " + hook;
    s += "add chain " + chain + " { type nat hook " + hook + " priority -100 ; policy accept ; }\n";
    s += "flush chain " + chain + "\n";
    s += "add rule " + chain + " " + rule + "\n";
  }
  return s;
}

std::string Key(const std::string& address, uint16_t port) {
  return address + " . " + std::to_string(port);
}

std::mutex& TableMutex() {
  static std::mutex mu;
  return mu;
}

bool IsMissingTable(const Status& s) {
  return s.message().find("No such file or directory") != std::string::npos;
}

uint16_t PortOf(const nlohmann::json& j) {
  if (j.is_number_unsigned()) return j.get<uint16_t>();
  if (j.is_string()) return static_cast<uint16_t>(std::stoi(j.get<std::string>()));
  return 0;
}

}  // namespace

StatusOr<std::unique_ptr<NatTable>> NatTable::Open() {
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (ctx == nullptr) return Status::Internal("libnftables could not create a context");
  nft_ctx_buffer_output(ctx);
  nft_ctx_buffer_error(ctx);
  return std::unique_ptr<NatTable>(new NatTable(ctx));
}

NatTable::~NatTable() { nft_ctx_free(ctx_); }

StatusOr<std::string> NatTable::Run(const std::string& commands, bool json_output) {
  nft_ctx_output_set_flags(ctx_, json_output ? NFT_CTX_OUTPUT_JSON : 0);
  int rc = nft_run_cmd_from_buffer(ctx_, commands.c_str());
  std::string out = nft_ctx_get_output_buffer(ctx_);
  std::string err = nft_ctx_get_error_buffer(ctx_);
  if (rc != 0) {
    // nftables' first line names the failure; the rest echoes the command.
    std::string first = err.substr(0, err.find('\n'));
    return Status::IOError("nftables: " + (first.empty() ? std::string("command failed") : first));
  }
  return out;
}

Status NatTable::Check() {
  std::lock_guard<std::mutex> lock(TableMutex());
  nft_ctx_set_dry_run(ctx_, true);
  auto out = Run(EnsureCommands());
  nft_ctx_set_dry_run(ctx_, false);
  if (!out.ok()) return Status::Unavailable(out.status().message());
  return Status::Ok();
}

StatusOr<std::vector<NatRoute>> NatTable::AllRoutes() {
  auto out = Run(std::string("list map ") + kTable + " endpoints", /*json_output=*/true);
  if (!out.ok()) {
    if (IsMissingTable(out.status())) return std::vector<NatRoute>{};
    return out.status();
  }
  std::vector<NatRoute> routes;
  auto doc = nlohmann::json::parse(*out, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.contains("nftables")) {
    return Status::Internal("nftables listed the endpoint map in an unexpected form");
  }
  for (const auto& item : doc["nftables"]) {
    if (!item.contains("map") || !item["map"].contains("elem")) continue;
    for (const auto& elem : item["map"]["elem"]) {
      // [ {"concat": [address, port]}, {"concat": ["127.0.0.1", target]} ]
      if (!elem.is_array() || elem.size() != 2 || !elem[0].is_object() || !elem[1].is_object()) {
        continue;
      }
      const auto& key = elem[0].value("concat", nlohmann::json::array());
      const auto& value = elem[1].value("concat", nlohmann::json::array());
      if (key.size() != 2 || value.size() != 2 || !key[0].is_string()) continue;
      routes.push_back({key[0].get<std::string>(), PortOf(key[1]), PortOf(value[1])});
    }
  }
  return routes;
}

StatusOr<std::vector<NatRoute>> NatTable::Routes(uint16_t port) {
  std::lock_guard<std::mutex> lock(TableMutex());
  auto all = AllRoutes();
  if (!all.ok()) return all.status();
  std::vector<NatRoute> mine;
  for (const NatRoute& r : *all) {
    if (r.port == port) mine.push_back(r);
  }
  return mine;
}

Status NatTable::SetRoutes(uint16_t port, const std::vector<std::string>& addresses,
                           uint16_t target_port) {
  std::lock_guard<std::mutex> lock(TableMutex());
  auto all = AllRoutes();
  if (!all.ok()) return all.status();
  std::string commands = EnsureCommands();
  std::string map = std::string(kTable) + " endpoints";
  for (const NatRoute& r : *all) {
    if (r.port == port) commands += "delete element " + map + " { " + Key(r.address, port) + " }\n";
  }
  for (const std::string& a : addresses) {
    commands += "add element " + map + " { " + Key(a, port) + " : " +
                Key("127.0.0.1", target_port) + " }\n";
  }
  auto out = Run(commands);
  return out.ok() ? Status::Ok() : out.status();
}

Status NatTable::RemoveRoutes(uint16_t port) {
  std::lock_guard<std::mutex> lock(TableMutex());
  auto all = AllRoutes();
  if (!all.ok()) return all.status();
  std::string commands;
  bool others = false;
  for (const NatRoute& r : *all) {
    if (r.port != port) {
      others = true;
    } else {
      commands +=
          "delete element " + std::string(kTable) + " endpoints { " + Key(r.address, port) + " }\n";
    }
  }
  if (!others) {
    auto table = Run(std::string("list table ") + kTable);
    if (!table.ok()) return IsMissingTable(table.status()) ? Status::Ok() : table.status();
    commands = std::string("delete table ") + kTable + "\n";
  }
  if (commands.empty()) return Status::Ok();
  auto out = Run(commands);
  return out.ok() ? Status::Ok() : out.status();
}

StatusOr<std::string> NatTable::List() {
  std::lock_guard<std::mutex> lock(TableMutex());
  auto out = Run(std::string("list table ") + kTable);
  if (!out.ok() && IsMissingTable(out.status())) {
    return Status::NotFound("there is no nftables table " + std::string(kTable));
  }
  return out;
}

}  // namespace tandem::proxy
