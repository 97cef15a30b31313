#include "control/node_probe.h"

#include <condition_variable>
#include <mutex>
#include <thread>

#include "engine/admin_connection.h"

namespace tandem::control {
namespace {

using Steady = std::chrono::steady_clock;

int64_t MillisBetween(Steady::time_point from, Steady::time_point to) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(to - from).count();
}

// Two observations that would lead to the same decision.
bool SameDecisionInputs(const engine::ObservedNodeState& a, const engine::ObservedNodeState& b) {
  return a.read_only == b.read_only && a.semi_sync_master_on == b.semi_sync_master_on &&
         a.semi_sync_master_clients == b.semi_sync_master_clients &&
         a.replica_configured == b.replica_configured && a.slave_io_running == b.slave_io_running &&
         a.slave_sql_running == b.slave_sql_running && a.last_io_errno == b.last_io_errno &&
         a.last_sql_errno == b.last_sql_errno;
}

}  // namespace

struct NodeProbe::State {
  NodeProbeOptions options;
  std::mutex callback_mu;
  std::function<void()> on_change;  // guarded by callback_mu
  mutable std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  // Guarded by mu.
  int failed = 0;
  Steady::time_point started = Steady::now();
  std::optional<Steady::time_point> last_success;
  std::optional<Steady::time_point> outstanding_since;
  std::optional<engine::ObservedNodeState> observed;
  std::string last_error;

  void Run() {
    std::unique_ptr<engine::AdminConnection> conn;
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (stopping) return;
        outstanding_since = Steady::now();
      }
      StatusOr<engine::ObservedNodeState> seen = Status::Unavailable("not connected");
      if (!conn) {
        engine::ConnectOptions connect;
        connect.unix_socket = options.unix_socket;
        connect.connect_timeout = std::chrono::milliseconds(1000);
        connect.read_timeout = std::chrono::milliseconds(1000);
        connect.write_timeout = std::chrono::milliseconds(1000);
        auto opened = engine::AdminConnection::Connect(connect);
        if (opened.ok()) {
          conn = std::move(*opened);
        } else {
          seen = opened.status();
        }
      }
      if (conn) {
        seen = engine::NodeAdmin(*conn).Observe();
        if (!seen.ok()) conn.reset();
      }
      bool changed = false;
      {
        std::unique_lock<std::mutex> lock(mu);
        const Steady::time_point now = Steady::now();
        const bool late = now - *outstanding_since > options.probe_timeout;
        outstanding_since.reset();
        if (seen.ok() && !late) {
          changed = failed > 0 || !observed || !SameDecisionInputs(*observed, *seen);
          failed = 0;
          last_success = now;
          observed = std::move(*seen);
        } else {
          changed = failed == 0;
          ++failed;
          last_error = seen.ok() ? "answered after the probe timeout" : seen.status().ToString();
          if (seen.ok()) observed = std::move(*seen);  // late, but the freshest view
        }
        if (stopping) return;
      }
      if (changed) {
        // Under callback_mu, so that once the destructor has taken it the
        // callback (and what it refers to) is never used again.
        std::lock_guard<std::mutex> callback_lock(callback_mu);
        if (on_change) on_change();
      }
      std::unique_lock<std::mutex> lock(mu);
      wake.wait_for(lock, options.interval, [this] { return stopping; });
    }
  }
};

NodeProbe::NodeProbe(NodeProbeOptions options) : state_(std::make_shared<State>()) {
  state_->on_change = std::move(options.on_change);
  state_->options = std::move(options);
  std::thread([state = state_] { state->Run(); }).detach();
}

NodeProbe::~NodeProbe() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  std::lock_guard<std::mutex> callback_lock(state_->callback_mu);
  state_->on_change = nullptr;
}

ProbeSnapshot NodeProbe::Read() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  const Steady::time_point now = Steady::now();
  ProbeSnapshot snapshot;
  snapshot.failed_probes = state_->failed;
  if (state_->outstanding_since) {
    const int64_t waited = MillisBetween(*state_->outstanding_since, now);
    snapshot.failed_probes += static_cast<int>(waited / state_->options.probe_timeout.count());
  }
  snapshot.ms_since_last_success =
      MillisBetween(state_->last_success.value_or(state_->started), now);
  snapshot.observed = state_->observed;
  snapshot.last_error = state_->last_error;
  return snapshot;
}

}  // namespace tandem::control
