// InstanceReconciler: makes the world match every DB instance record
// (rds/db_instance.h): builds, supervises, reconfigures, stops and deletes
// each instance's engine nodes and endpoint, and reports status, observed
// fields and events back through the store. DESIGN.md "Control path".
//
// One loop thread. Each pass lists db-instances/ and moves every instance
// step by step toward its desired state: observe the instance's primary node
// and endpoint, ask DecideInstanceStep (instance_decision.h) for the next
// step, execute it, repeat until the answer is "no action" (or a step fails:
// then the next pass tries again). A pass runs when Kick() is called (the RDS
// API calls it after each change), when a node's process exits (its pidfd
// wakes the loop, so a crash is handled at once), and at least every
// poll_interval. Every orphan_secret_interval a pass also deletes managed
// master user secrets whose instance does not exist (orphan_secrets.h).
//
// Restarts of tandemd: every step is idempotent and decided from the store
// and the world only, so a tandemd killed anywhere resumes where it was.
// Start() first re-adopts every running node without restarting it and
// re-opens every endpoint (the kernel path adopts its rules, which kept
// routing while tandemd was down), then starts the loop. Stop() and the
// destructor leave nodes running and kernel routes in place: a tandemd
// restart never restarts a database.
//
// While a node restarts (recovery, reboot, new class), its endpoint holds new
// connections (proxy/endpoint.h) until the node is back and writable, so
// clients wait briefly instead of being refused or meeting a read-only node.
// A stopped or failed instance's endpoint is closed: clients are refused.
//
// Multi-AZ: nodes are per-zone records with a role (node_record.h); the
// endpoint always routes to the node whose role is primary. A Multi-AZ
// instance also has a standby in a second zone, copied online from the
// primary with mariadb-backup and replicating with GTID and semi-sync over
// verified TLS. Each of its nodes is watched by a probe thread
// (node_probe.h); every pass first asks the HA decision (ha_decision.h),
// which fails over, fences, or lets the lifecycle decision go on. A node's
// exit wakes the loop at once and a probe's change of view kicks it, so a
// failover starts within milliseconds of a crash, and after
// HaSettings::hang_timeout_ms for a hung or cut-off primary. The failover
// (fence, relay log applied, promotion, endpoint switch) is recorded in the
// store phase by phase (failover_record.h), so a restarted tandemd finishes
// it. Limit: one loop serves every instance, so a failover can wait for a
// step another instance is in the middle of (a node start, a copy).
//
// Storage: every pass reads the free space of each node's file system (the
// node driver's Storage); an instance whose node runs short is reported
// "storage-full" with an event, and "available" again once there is room
// (storage_full.h). Nothing is stopped or refused for it: MariaDB itself
// makes writes wait or fail while the space is gone.
//
// Errors: a step that fails is logged and retried on the next pass. A node
// that cannot start puts its instance in "incompatible-parameters" when
// retrying cannot help and its parameter group sets values (the engine
// rejected one), otherwise in "failed" (at once when retrying cannot help,
// else after kStartAttemptsBeforeFailed attempts), with an event that says
// why. tandemd keeps serving; such an instance can be rebooted or deleted.
//
// Thread-safety: Start and Stop from one thread; Kick from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "control/ha_decision.h"
#include "control/node_placement.h"
#include "control/storage_full.h"
#include "crypto/certificate_authority.h"
#include "crypto/envelope.h"
#include "engine/node_spec.h"
#include "proxy/endpoint.h"
#include "rds/events.h"
#include "secrets/secrets_service.h"
#include "store/store.h"

namespace tandem::control {

struct InstanceReconcilerOptions {
  std::string account_id = "000000000000";  // for ARNs in events
  // Where nodes live (nodes_root, e.g. <data-dir>/nodes) and their ports.
  NodePlacementOptions placement;
  // Extra names and addresses clients use for endpoints (host names, IPs):
  // added to every node certificate's names.
  std::vector<std::string> endpoint_addresses;
  // An IPv4 address every endpoint also listens on ("" for 127.0.0.1 only).
  std::string endpoint_advertised_address;
  // nullopt: the kernel path where available, else the user-space proxy.
  std::optional<proxy::Mechanism> endpoint_mechanism;
  // How long a new connection waits at a held endpoint (failover, restart).
  std::chrono::milliseconds endpoint_hold_bound{30000};
  // Operating-system account the nodes run as ("" for tandemd's own).
  std::string node_os_user = "mysql";
  engine::EngineInstallation installation;

  // Multi-AZ: when a node counts as hung (ha_decision.h), how often and how
  // patiently it is probed (node_probe.h), and the bounds of a failover's
  // and a standby copy's steps.
  HaSettings ha;
  std::chrono::milliseconds probe_interval{100};
  std::chrono::milliseconds probe_timeout{250};
  std::chrono::milliseconds catch_up_timeout{30000};  // standby applying its relay log
  std::chrono::milliseconds clone_timeout{600000};
  std::string backup_program = "/usr/bin/mariadb-backup";

  // When a node's free space makes its instance storage-full (storage_full.h).
  StorageThresholds storage;

  std::chrono::milliseconds node_start_timeout{60000};
  std::chrono::milliseconds node_stop_timeout{30000};
  std::chrono::milliseconds poll_interval{1000};
  // How old an unreferenced managed secret must be to be deleted
  // (orphan_secrets.h), and how often orphans are looked for.
  std::chrono::milliseconds orphan_secret_grace{60000};
  std::chrono::milliseconds orphan_secret_interval{300000};
};

class InstanceReconciler {
 public:
  // Keeps references to every argument; they must outlive the reconciler.
  InstanceReconciler(Store& store, const crypto::MasterKey& master, const Clock& clock,
                     const crypto::CertificateAuthority& ca, secrets::SecretsService& secrets,
                     rds::EventLog& events, InstanceReconcilerOptions options);
  // Stops the loop; nodes keep running.
  ~InstanceReconciler();
  InstanceReconciler(const InstanceReconciler&) = delete;
  InstanceReconciler& operator=(const InstanceReconciler&) = delete;

  // Re-adopts running nodes and open endpoints, then starts the loop thread.
  // kIOError if the store cannot be read or the loop's wake-up descriptor
  // cannot be made; adoption problems of single instances are logged and left
  // to the loop.
  Status Start();

  // Asks for a pass as soon as the current one ends. Never blocks.
  void Kick();

  // Ends the loop after the step in progress; nodes and kernel routes stay.
  void Stop();

 private:
  class Loop;
  std::unique_ptr<Loop> loop_;
};

}  // namespace tandem::control
