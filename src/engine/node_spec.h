// NodeSpec: everything needed to run one MariaDB engine node.
//
// A DB instance has one node per availability zone it occupies (one for a
// single-AZ instance, two for Multi-AZ). The spec is plain data, built by the
// control plane from the instance's desired state; the engine layer turns it
// into a config file (node_config.h) and a running process (node_driver.h).
//
// Every node listens only on 127.0.0.1; clients reach it through the
// instance's endpoint. A node always starts read-only: only tandemd makes a
// primary writable, by explicit promotion.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace tandem::engine {

// Which side of replication a node is configured for at its next start.
enum class NodeRole {
  kPrimary,  // takes writes once promoted; waits for standby acks if semi-sync is on
  kStandby,  // replicates from the primary; never waits for acks itself
};

// Semi-synchronous replication as seen from a primary (Multi-AZ). A standby
// always runs with the master side off: with it on, its SQL thread stalls for
// the ack timeout on every replicated transaction.
struct SemiSyncSettings {
  // Whether the primary waits for a standby's ack before acknowledging a
  // commit. Off for single-AZ instances (there is nobody to wait for).
  bool enabled = false;
  // How long a commit waits for the ack before MariaDB silently falls back to
  // asynchronous replication (Rpl_semi_sync_master_status turns OFF).
  uint32_t timeout_ms = 10000;
  // Whether commits also wait while no standby is connected. On, a primary
  // without a standby blocks every write for timeout_ms; off, it acknowledges
  // at once and reports semi-sync OFF until a standby connects.
  bool wait_no_standby = false;
};

// Memory and connection limits (from the instance class).
struct NodeSizing {
  uint64_t innodb_buffer_pool_bytes = 128ull << 20;
  uint32_t max_connections = 151;
};

// TLS material for the node's server side. All PEM text; empty certificate
// means the node runs without TLS (tests only: every real node has TLS).
struct NodeTls {
  std::string certificate_pem;  // server certificate, optionally followed by its chain
  std::string private_key_pem;  // the certificate's key; written 0600 for the node's account
  std::string ca_pem;           // CA that signed the certificate (also used by replication)

  bool enabled() const { return !certificate_pem.empty(); }
};

// Data-at-rest encryption. The keys come from the caller's key store and
// never reach a file system in the clear (see local_node_driver.h).
struct StorageEncryption {
  bool enabled = false;
  // Key id -> raw key bytes (16, 24 or 32 bytes). Id 1 is required: MariaDB
  // uses it for everything unless a table names another. Both nodes of an
  // instance need the same keys, or physical copies between them fail.
  std::map<uint32_t, std::string> keys;
};

struct NodeSpec {
  std::string instance_id;  // DB instance identifier, for logs and the config header
  std::string zone;         // availability zone, e.g. "us-west-2a"
  std::string node_name;    // unique among all nodes, e.g. "mydb-us-west-2a"
  // Absolute path of the node's own directory; everything the node writes
  // lives below it (node_layout.h).
  std::string data_root;
  uint16_t port = 0;       // on 127.0.0.1
  uint32_t server_id = 0;  // unique among nodes that replicate from each other; > 0
  // Host name the node reports: @@hostname (where a UTS namespace per node is
  // allowed) and report_host. 1-63 letters, digits, hyphens and dots.
  std::string hostname;
  // Operating-system account mariadbd runs as. Empty: the driver's own
  // account (mariadbd refuses to run as root unless told to, and is then told
  // to; prefer a dedicated account such as "mysql").
  std::string os_user;

  NodeSizing sizing;
  NodeTls tls;
  StorageEncryption encryption;
  NodeRole role = NodeRole::kPrimary;
  // Start this node with --init-rpl-role=SLAVE: at startup, binlog recovery
  // then truncates transactions the node wrote to its binlog but no standby
  // acknowledged, instead of committing them. Only for a crashed ex-primary
  // after its standby was promoted: the truncated tail is one no client was
  // told about, and keeping it would make the node diverge from the new
  // primary (IO error 1236 when it rejoins). Never for a node that continues
  // as primary (in-place restart, no failover): there the truncated
  // transactions may have been acknowledged, and the pair can diverge
  // silently. Refused with role kPrimary. Clear it once the node has
  // attached to the new primary.
  bool rejoin_as_replica = false;
  SemiSyncSettings semi_sync;
  // Server options from the instance's parameter group, name -> value, as
  // they would appear in an option file. Options the engine manages itself
  // (IsManagedOption: paths, replication safety, encryption, read_only, ...)
  // are refused; max_connections and innodb_buffer_pool_size here override
  // sizing, and a few engine defaults (binlog_expire_logs_seconds,
  // character_set_server, collation_server) may be replaced.
  std::map<std::string, std::string> parameters;
};

// Where the MariaDB programs are installed (Debian's mariadb-server).
struct EngineInstallation {
  std::string mariadbd = "/usr/sbin/mariadbd";
  std::string install_db = "/usr/bin/mariadb-install-db";
  std::string plugin_dir = "/usr/lib/mysql/plugin";
};

}  // namespace tandem::engine
