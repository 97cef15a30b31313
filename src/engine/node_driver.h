// NodeDriver: the lifecycle of one MariaDB engine node, the seam between the
// control plane (reconcilers, HA monitor) and wherever the node runs. Today
// LocalNodeDriver (local_node_driver.h) runs nodes as local processes; a
// per-host agent can implement the same interface later. Nothing above this
// interface may assume the node shares a file system or pid space with it.
//
// Contract common to all implementations:
// - Each step is idempotent, so a reconciler interrupted anywhere (tandemd
//   killed) simply calls it again: Initialize on an initialized node starts
//   it, Start on a running node returns OK, Stop on a stopped node returns OK.
// - A node survives the driver: destroying the driver, or tandemd exiting
//   however it exits, leaves a running node running. A new driver re-attaches
//   with Adopt (Start does this too) without restarting it.
// - A node is read-only whenever it (re)starts; only tandemd's explicit
//   promotion makes it writable.
// - Failures are Status values whose message says what happened and, for a
//   node that failed to start, ends with the tail of its error log.
//
// Thread-safety: Initialize, Start, Stop, Kill, Destroy, Signal, Adopt and UpdateSpec
// are for one caller at a time (the node's reconciler). IsAlive, WaitForExit,
// last_exit, ConnectAdmin and Storage may be called from any thread at any
// time (the HA monitor), including while another thread runs a lifecycle step.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "common/status.h"
#include "engine/admin_connection.h"
#include "engine/node_exit.h"
#include "engine/node_spec.h"
#include "engine/storage_space.h"

namespace tandem::engine {

class NodeDriver {
 public:
  virtual ~NodeDriver() = default;

  // The spec the next Start will use.
  virtual NodeSpec spec() const = 0;
  // Replaces the spec; takes effect at the next Start (a running node keeps
  // its config until restarted). kInvalidArgument if the new spec is invalid
  // or changes the node's identity (node name, data root).
  virtual Status UpdateSpec(NodeSpec spec) = 0;

  // Makes the node exist: creates its data directory, hardens it
  // (system_table_hardening.h; with storage encryption, also waits until every
  // InnoDB tablespace is encrypted), and leaves the node running, read-only,
  // with no user data and no users but the local administrator. On an
  // initialized node, same as Start. A directory left by an interrupted
  // Initialize is wiped and redone (it cannot hold user data yet), after
  // every process still working on it (an install, a first start) is killed.
  virtual Status Initialize(std::chrono::milliseconds timeout) = 0;

  // Starts the node (or adopts it if it is already running) and returns once
  // it answers SQL on its local socket. kNotFound if it was never
  // initialized; kInvalidArgument if mariadbd rejects a server option (a bad
  // parameter: retrying cannot help); kUnavailable if it exits or does not
  // answer within timeout (it is then killed). Failure messages end with the
  // error log's tail.
  virtual Status Start(std::chrono::milliseconds timeout) = 0;

  // Asks the node to shut down cleanly (SIGTERM), waits up to timeout, then
  // kills it (SIGKILL). OK once the process is gone.
  virtual Status Stop(std::chrono::milliseconds timeout) = 0;

  // SIGKILL and wait for the process to be gone: fencing, crash tests.
  virtual Status Kill() = 0;

  // Stops the node as Stop does if it is running, then deletes its data root
  // and everything below it: the node is gone for good (its instance was
  // deleted). OK if nothing is left (idempotent); kIOError if files could
  // not be removed.
  virtual Status Destroy(std::chrono::milliseconds timeout) = 0;

  // Sends signo (e.g. SIGSTOP/SIGCONT to freeze and thaw). kNotFound if the
  // node is not running.
  virtual Status Signal(int signo) = 0;

  // Re-attaches to a node left running by an earlier driver (tandemd
  // restarted), without restarting it. kNotFound if the node is not running.
  virtual Status Adopt() = 0;

  // Whether the node's process is running (it may still be starting, or hung).
  virtual bool IsAlive() const = 0;

  // Blocks until the node's process exits or timeout passes. Returns how it
  // ended, or nullopt if it is still running after timeout. Returns at once
  // with the last exit if no process is attached.
  virtual std::optional<NodeExit> WaitForExit(std::chrono::milliseconds timeout) = 0;

  // How the most recent process of this driver ended, if one did.
  virtual std::optional<NodeExit> last_exit() const = 0;

  // A session as the node's local administrator (unix socket; no password).
  virtual StatusOr<std::unique_ptr<AdminConnection>> ConnectAdmin(AdminBinlog binlog) const = 0;

  // Space left on the file system that holds the node's files (data, binary
  // and relay logs), whether or not the node runs. kIOError if it cannot be
  // read (e.g. the node's files do not exist yet).
  virtual StatusOr<StorageSpace> Storage() const = 0;
};

}  // namespace tandem::engine
