// NodeRecord: the stored record of one engine node of a DB instance, the
// instance reconciler's own bookkeeping (the RDS API never writes it).
//
// Store key: nodes/<region>/<instance identifier>/<zone>. An instance has one
// node per availability zone it occupies: one for a single-AZ instance (zone
// "<region>a"), two for Multi-AZ. Exactly one of them has role "primary"; the
// instance's endpoint routes to it and DescribeDBInstances reports its zone.
// A role changes only by an explicit promotion (a failover or switchover,
// multi_az_steps.cc), recorded before the promoted node becomes writable.
//
// What a record holds is everything needed to rebuild the node's spec after
// tandemd restarts (identity, port, certificate, what its running config was
// written for), plus the progress of its one-time set-up. The certificate's
// private key is stored only as an envelope under the master key, bound to
// the record's key.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/status.h"

namespace tandem::control {

// "primary" (the writable node the endpoint routes to) or "standby".
namespace node_role {
inline constexpr const char* kPrimary = "primary";
inline constexpr const char* kStandby = "standby";
}  // namespace node_role

struct NodeRecord {
  std::string region;
  std::string instance;     // DBInstanceIdentifier
  std::string resource_id;  // the instance's DbiResourceId (names the node's directory)
  std::string zone;         // "us-east-1a"
  std::string role = node_role::kPrimary;

  uint16_t port = 0;       // on 127.0.0.1; never an endpoint port
  std::string data_root;   // absolute; everything the node writes is below it
  uint32_t server_id = 0;  // distinct among the instance's nodes
  std::string hostname;    // "ip-10-0-1-17": what @@hostname reports

  // Server certificate (leaf then CA, PEM) and its key sealed under the
  // master key with context TlsKeyContext() (base64).
  std::string certificate_pem;
  std::string private_key_envelope;
  int64_t certificate_expires_ms = 0;

  // The node's data directory was made and hardened (its first start
  // completed); then the one-time set-up (master user, initial database).
  bool initialized = false;
  bool bootstrapped = false;

  // What the node's current process runs with: the instance class its
  // sizing came from, and the parameter group values in its config or
  // applied live since (SET GLOBAL). Compared with the desired state to find
  // what still needs a live change, a restart, or a pending-reboot mark.
  std::string instance_class;
  std::string parameter_group;
  std::map<std::string, std::string> parameters;

  // Multi-AZ, for a standby: the zone of the primary its replication is
  // configured to ("" when none, or to be redone after a failover).
  std::string replicating_from;
  // Its data must be copied afresh from the primary with mariadb-backup
  // before it replicates (it diverged, or anything about it is in doubt).
  bool reseed = false;
  // An ex-primary demoted by an unplanned failover: its next start uses
  // --init-rpl-role=SLAVE (truncating a binlog tail no client was told
  // about), and it may rejoin only if its binlog position is covered by
  // promotion_gtid, the new primary's position when it was promoted.
  bool rejoin_pending = false;
  std::string promotion_gtid;

  static std::string StoreKey(const std::string& region, const std::string& instance,
                              const std::string& zone) {
    return InstancePrefix(region, instance) + zone;
  }
  // Prefix of every node record of one instance.
  static std::string InstancePrefix(const std::string& region, const std::string& instance) {
    return "nodes/" + region + "/" + instance + "/";
  }
  std::string StoreKey() const { return StoreKey(region, instance, zone); }
  std::string TlsKeyContext() const { return StoreKey() + "#tls-key"; }
  bool is_primary() const { return role == node_role::kPrimary; }
};

// JSON for the store. Unknown fields are ignored, missing ones take their
// defaults (records written by an older tandemd still load).
std::string EncodeNodeRecord(const NodeRecord& node);
StatusOr<NodeRecord> DecodeNodeRecord(const std::string& text);

}  // namespace tandem::control
