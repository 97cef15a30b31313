// The instance reconciler's loop (instance_reconciler.h), shared by the two
// files that implement it: instance_reconciler.cc (thread, wake-ups, passes,
// observation) and instance_steps.cc (one method per step). Internal to
// control/.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "control/failover_record.h"
#include "control/ha_decision.h"
#include "control/instance_decision.h"
#include "control/instance_events.h"
#include "control/instance_reconciler.h"
#include "control/node_probe.h"
#include "control/node_record.h"
#include "control/step_backoff.h"
#include "engine/local_node_driver.h"
#include "rds/parameter_group.h"

namespace tandem::control {

class InstanceReconciler::Loop {
 public:
  Loop(Store& store, const crypto::MasterKey& master, const Clock& clock,
       const crypto::CertificateAuthority& ca, secrets::SecretsService& secrets,
       rds::EventLog& events, InstanceReconcilerOptions options);
  ~Loop();

  Status Start();
  void Kick();
  void Stop();

 private:
  // What tandemd holds for one node: its driver (attached to its process
  // when it runs), and what was seen of it.
  struct LiveNode {
    std::unique_ptr<engine::LocalNodeDriver> driver;
    pid_t writable_pid = 0;  // the process seen or made writable
    bool seen_running = false;
    std::optional<engine::NodeExit> exit;  // how it ended, until started again
    // Multi-AZ: watches the node for the HA decision (node_probe.h).
    std::unique_ptr<NodeProbe> probe;
    // The primary process whose semi-sync master side was set for the
    // instance's standby, and the sync policy it was set for.
    pid_t semi_sync_pid = 0;
    std::string semi_sync_policy;
  };

  // What tandemd holds for one instance. Rebuilt after a restart from the
  // store, the nodes' pid files and the kernel's routes.
  struct LiveInstance {
    std::string resource_id;
    std::map<std::string, LiveNode> nodes;  // by zone
    std::unique_ptr<proxy::Endpoint> endpoint;
    std::optional<StartFailure> start_failure;
    // Dynamic parameter values the engine refused live: they wait for a
    // restart instead of being retried on every pass.
    std::map<std::string, std::string> refused_live;
    std::string last_reason;     // last decision logged
    std::string last_ha_reason;  // the last HA action logged
    StepBackoff backoff;         // when a lifecycle step that failed is retried
  };

  // What HandleHa did: acted (decide again), wait for a probe's first
  // answer (nothing else may act on the instance now), or nothing (the
  // lifecycle decision goes on).
  enum class HaOutcome { kActed, kWait, kProceed };

  // One decision and what it was made from, for the step that executes it.
  struct Context {
    std::string key;
    int64_t version = 0;  // of the instance record
    rds::DbInstance instance;
    std::optional<NodeRecord> primary;
    std::optional<NodeRecord> standby;  // Multi-AZ
    std::optional<FailoverRecord> failover;
    int64_t failover_version = 0;
    rds::DbParameterGroup group;  // the instance's parameter group, as stored now
    LiveInstance* live = nullptr;
    InstanceSituation situation;
  };

  // Thread, passes, observation (instance_reconciler.cc).
  void Run();
  void WaitForWork();
  void Pass();
  void ReconcileInstance(const std::string& key);
  StatusOr<std::optional<Context>> Observe(const std::string& key);
  LiveInstance& LiveFor(const std::string& key, const rds::DbInstance& instance);
  LiveNode& NodeFor(LiveInstance& live, const rds::DbInstance& instance, const NodeRecord& node);
  // Whether node's process runs; notes how it ended if it was seen running.
  bool ObserveProcess(LiveNode& node);
  bool IsWritable(LiveNode& node);
  // The free space of the file system holding node's files, if readable.
  static std::optional<engine::StorageSpace> ObserveStorage(const LiveNode& node);
  StatusOr<rds::DbParameterGroup> ParameterGroup(const rds::DbInstance& instance);
  // The instance's resources kept by the RDS side (instance_resources.cc):
  // sizing from its class, and its storage encryption keys.
  StatusOr<engine::NodeSizing> ClassSizing(const rds::DbInstance& instance) const;
  std::map<std::string, std::string> ClassDefaults(const rds::DbInstance& instance) const;
  StatusOr<std::map<uint32_t, std::string>> StorageKeys(const rds::DbInstance& instance);
  Status DeleteStorageKeys(const rds::DbInstance& instance);
  Status OpenEndpoint(LiveInstance& live, const rds::DbInstance& instance);
  Status AdoptAll();

  // Steps (instance_steps.cc).
  Status Execute(const InstanceStep& step, Context& ctx);
  Status CreateNode(Context& ctx);
  Status StartPrimary(const InstanceStep& step, Context& ctx);
  Status BootstrapNode(Context& ctx);
  Status PromoteNode(Context& ctx);
  Status PointEndpoint(Context& ctx);
  Status ApplyPassword(Context& ctx);
  Status ApplyParameters(Context& ctx);
  // Status "available" or "storage-full" with the observed fields filled
  // in, and the events of the change (creation, storage-full, ...).
  Status ReportServing(const InstanceStep& step, Context& ctx);
  Status ReportFailure(const InstanceStep& step, Context& ctx);
  Status CloseEndpoint(Context& ctx);
  Status StopNode(Context& ctx);
  Status ReportStopped(Context& ctx);
  Status RemoveNodes(Context& ctx);
  Status DeleteInstance(Context& ctx);

  // Multi-AZ (multi_az_steps.cc): the standby's lifecycle, the HA decision
  // and the failover.
  Status CreateStandby(Context& ctx);
  Status SeedStandby(Context& ctx);
  Status StartStandby(Context& ctx);
  Status AttachStandby(Context& ctx);
  Status EnableSemiSync(Context& ctx);
  Status RemoveStandby(Context& ctx);
  void ObserveStandby(Context& ctx);
  HaOutcome HandleHa(Context& ctx);
  HaNode ObserveHaNode(LiveNode& node, const NodeRecord& record);
  void EnsureProbe(LiveNode& node);
  Status Failover(Context& ctx, const FailoverDecision& decision, bool planned);
  Status FenceStandby(Context& ctx);
  Status RecordReplicationState(Context& ctx, const FailoverDecision& decision);
  LiveNode& StandbyNode(Context& ctx);
  SyncPolicy PolicyOf(const Context& ctx) const;
  engine::SemiSyncSettings SemiSyncFor(const Context& ctx) const;

  // Step helpers (instance_steps.cc).
  StatusOr<engine::NodeSpec> StartSpec(const Context& ctx, const NodeRecord& node);
  StatusOr<std::string> MasterPassword(const Context& ctx);
  LiveNode& PrimaryNode(Context& ctx);
  // Issues node a new certificate (stored in its record) when due.
  Status RenewCertificateIfDue(const rds::DbInstance& instance, NodeRecord& node);
  // Re-reads the node record, applies change, writes it back (retrying on
  // conflicts: only the reconciler writes node records).
  Status UpdateNode(const std::string& key, const std::function<void(NodeRecord&)>& change);
  // Re-reads the instance record, applies change to its observed fields,
  // writes it back, retrying on conflicts with the API's writes.
  Status UpdateObserved(const std::string& key,
                        const std::function<void(rds::ObservedInstance&)>& change);
  // Writes instance (status and observed) guarded by the version the
  // decision was made from, with extra writes in the same transaction:
  // kConflict if the API changed the record since (decide again).
  Status ReportStatus(const Context& ctx, const rds::DbInstance& instance,
                      std::vector<StoreWrite> extra = {});
  void RecordEvent(const rds::DbInstance& instance, const rds::EventType& type,
                   const std::string& detail = "");

  Store& store_;
  const crypto::MasterKey& master_;
  const Clock& clock_;
  const crypto::CertificateAuthority& ca_;
  secrets::SecretsService& secrets_;
  rds::EventLog& events_;
  const InstanceReconcilerOptions options_;

  const int wake_fd_;  // eventfd: Kick (from any thread, even before Start)
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  // Touched only by the loop thread (and by Start before the thread runs).
  std::map<std::string, LiveInstance> live_;  // by instance record key
  int64_t next_orphan_check_ms_ = 0;
};

}  // namespace tandem::control
