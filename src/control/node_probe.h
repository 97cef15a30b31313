// NodeProbe: watches one engine node of a Multi-AZ instance from its own
// thread, so that the HA decision always has a fresh view of the node
// without ever waiting on it: a hung node (SIGSTOP) or one cut off blocks
// only the probe's thread, never the reconciler.
//
// Every interval the probe runs NodeAdmin::Observe over a session it keeps
// open on the node's local socket (reconnecting after any failure). A probe
// that fails, or that has not answered within probe_timeout, counts as a
// failed probe; one still outstanding counts once per probe_timeout it has
// waited, so a node that stops answering mid-query is seen hung as surely as
// one that refuses connections. libmariadb's own timeouts are whole seconds;
// they only bound how long the probe's thread stays blocked.
//
// Lifetime: the thread holds its state by shared ownership and only the
// socket path, never the node's driver, so destroying a NodeProbe returns at
// once (the thread notices and ends after its current probe, up to the
// session's timeouts later).
//
// Thread-safety: Read may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "engine/node_admin.h"

namespace tandem::control {

struct NodeProbeOptions {
  std::string unix_socket;  // the node's admin socket
  std::chrono::milliseconds interval{100};
  std::chrono::milliseconds probe_timeout{250};
  // Called (from the probe's thread) when a probe fails after a success, or
  // succeeds after failures, or the observed state changes: the reconciler
  // passes its Kick so that it decides again at once.
  std::function<void()> on_change;
};

struct ProbeSnapshot {
  int failed_probes = 0;              // consecutive, counting one outstanding too long
  int64_t ms_since_last_success = 0;  // since the probe started if never
  std::optional<engine::ObservedNodeState> observed;  // latest successful observation
  std::string last_error;                             // of the latest failure
};

class NodeProbe {
 public:
  explicit NodeProbe(NodeProbeOptions options);
  ~NodeProbe();
  NodeProbe(const NodeProbe&) = delete;
  NodeProbe& operator=(const NodeProbe&) = delete;

  ProbeSnapshot Read() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace tandem::control
