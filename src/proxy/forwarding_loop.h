// ForwardingLoop: one thread and one epoll instance that accept client
// connections on their listeners and relay bytes between each client and a
// node. Internal to proxy/: TcpProxy runs one per core.
//
// The loop is edge-triggered and non-blocking. Each socket is registered once
// for input and output and never modified, so a query's round trip costs the
// minimum: one read and one write each way plus the epoll waits. A read that
// returns less than asked for means the socket is drained (a new edge comes
// with new data), so the loop does not spend a read on EAGAIN.
//
// Thread-safety: PointAt, Hold and the counters may be called from any
// thread; the changes are applied on the loop's thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/status.h"
#include "common/unique_fd.h"

namespace tandem::proxy {

class ForwardingLoop {
 public:
  struct Config {
    size_t buffer_bytes = 16 * 1024;  // per direction per connection
    std::chrono::milliseconds hold_bound{std::chrono::seconds(30)};
  };

  // Starts a loop serving `listeners` (listening, non-blocking sockets it now
  // owns). It starts not pointed: accepted connections are closed at once.
  // kIOError if the epoll instance or the thread cannot be created.
  static StatusOr<std::unique_ptr<ForwardingLoop>> Start(Config config,
                                                         std::vector<UniqueFd> listeners);

  // Stops the thread, closes the listeners and resets every connection.
  ~ForwardingLoop();

  ForwardingLoop(const ForwardingLoop&) = delete;
  ForwardingLoop& operator=(const ForwardingLoop&) = delete;

  // Same meaning as Endpoint::PointAt and Endpoint::Hold, for this loop's
  // connections. The future is ready once the loop has applied the change:
  // connections it accepts afterwards follow the new state.
  std::future<void> PointAt(uint16_t node_port);
  std::future<void> Hold();

  size_t relayed_connections() const { return relayed_.load(std::memory_order_relaxed); }
  size_t held_connections() const { return parked_count_.load(std::memory_order_relaxed); }

 private:
  struct Connection;
  struct Side;
  struct Watch;
  class ConnectionList;

  ForwardingLoop(Config config, std::vector<UniqueFd> listeners, UniqueFd epoll, UniqueFd wake);

  std::future<void> Post(std::function<void()> change);
  void Run();
  void RunPostedChanges();
  void Accept(int listener);
  // Out of file descriptors: stop watching the listeners for a moment
  // rather than spin on connections that cannot be accepted.
  void PauseAccepting();
  void ResumeAccepting();
  void Connect(Connection* c);
  void FinishConnect(Connection* c);
  void OnSideEvent(Side* side, uint32_t events);
  void Pump(Connection* c);
  // Closes both sockets; `reset` sends RST instead of FIN.
  void Close(Connection* c, bool reset);
  void ApplyPointAt(uint16_t node_port);
  void ApplyHold();
  void ExpireParked();
  int NextTimeoutMillis() const;

  const Config config_;
  std::vector<UniqueFd> listeners_;
  std::vector<std::unique_ptr<Watch>> listener_watches_;
  UniqueFd epoll_;
  UniqueFd wake_;  // eventfd: posted changes are waiting
  std::unique_ptr<Watch> wake_watch_;

  std::mutex posted_mu_;
  std::vector<std::function<void()>> posted_;  // guarded by posted_mu_
  bool exited_ = false;                        // guarded by posted_mu_: nothing runs posts

  // Loop-thread state.
  bool stopping_ = false;
  std::optional<std::chrono::steady_clock::time_point> accept_paused_until_;
  bool held_ = false;
  uint16_t node_port_ = 0;                    // 0: not pointed
  std::unique_ptr<ConnectionList> relaying_;  // connecting or relaying
  std::unique_ptr<ConnectionList> parked_;    // held, oldest first
  std::vector<Connection*> closed_;           // freed after the current batch of events

  std::atomic<size_t> relayed_{0};
  std::atomic<size_t> parked_count_{0};
  std::thread thread_;
};

}  // namespace tandem::proxy
