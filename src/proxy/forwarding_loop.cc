#include "proxy/forwarding_loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "proxy/relay_buffer.h"

namespace tandem::proxy {

using Clock = std::chrono::steady_clock;

struct ForwardingLoop::Watch {
  enum class Kind { kListener, kWake, kSide };
  Kind kind;
  int fd = -1;
};

// One socket of a relayed connection, with what the loop knows about it.
// Edge-triggered epoll reports changes only, so these flags remember what an
// edge said until the loop has acted on it.
struct ForwardingLoop::Side : Watch {
  Connection* conn = nullptr;
  bool readable = false;     // may have unread bytes or an unread EOF
  bool peer_closed = false;  // the peer sent FIN: read until EOF, even after a short read
  bool writable = false;     // had send-buffer space when last written or reported
  bool eof = false;          // read returned 0
  bool shut = false;         // its write side was shut down after relaying the other's EOF
};

struct ForwardingLoop::Connection {
  enum class State { kParked, kConnecting, kRelaying };

  Connection(int client_fd, size_t buffer_bytes)
      : storage(std::make_unique_for_overwrite<char[]>(2 * buffer_bytes)),
        to_node(storage.get(), buffer_bytes),
        to_client(storage.get() + buffer_bytes, buffer_bytes) {
    client.kind = upstream.kind = Watch::Kind::kSide;
    client.conn = upstream.conn = this;
    client.fd = client_fd;
    client.writable = true;
  }

  Side client;
  Side upstream;
  std::unique_ptr<char[]> storage;
  RelayBuffer to_node;
  RelayBuffer to_client;
  State state = State::kParked;
  uint16_t node_port = 0;
  Clock::time_point deadline;  // when parked: closed if still parked then
  bool closed = false;
  Connection* prev = nullptr;
  Connection* next = nullptr;
};

// Intrusive list, so moving a connection between lists or removing it never
// allocates.
class ForwardingLoop::ConnectionList {
 public:
  bool empty() const { return head_ == nullptr; }
  Connection* front() const { return head_; }
  void PushBack(Connection* c) {
    c->prev = tail_;
    c->next = nullptr;
    (tail_ ? tail_->next : head_) = c;
    tail_ = c;
  }
  void Remove(Connection* c) {
    (c->prev ? c->prev->next : head_) = c->next;
    (c->next ? c->next->prev : tail_) = c->prev;
    c->prev = c->next = nullptr;
  }
  std::vector<Connection*> Snapshot() const {
    std::vector<Connection*> all;
    for (Connection* c = head_; c != nullptr; c = c->next) all.push_back(c);
    return all;
  }

 private:
  Connection* head_ = nullptr;
  Connection* tail_ = nullptr;
};

namespace {

void SetNoDelay(int fd) {
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

bool AddToEpoll(int epoll, int fd, uint32_t events, void* watch) {
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = watch;
  return ::epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &ev) == 0;
}

constexpr uint32_t kSideEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

enum class ReadResult { kProgress, kDrained, kError };

// One read into buf. kProgress: bytes or EOF arrived (or EINTR); kDrained:
// nothing to read now; kError: the socket failed.
ReadResult ReadInto(int fd, bool& readable, bool peer_closed, bool& eof, RelayBuffer& buf) {
  size_t space = buf.space();
  ssize_t n = ::read(fd, buf.tail(), space);
  if (n > 0) {
    buf.Produce(static_cast<size_t>(n));
    // A short read emptied the socket; new bytes raise a new edge. Only a
    // pending FIN needs one more read to be seen.
    if (static_cast<size_t>(n) < space && !peer_closed) readable = false;
    return ReadResult::kProgress;
  }
  if (n == 0) {
    eof = true;
    readable = false;
    return ReadResult::kProgress;
  }
  if (errno == EINTR) return ReadResult::kProgress;
  if (errno == EAGAIN || errno == EWOULDBLOCK) {
    readable = false;
    return ReadResult::kDrained;
  }
  return ReadResult::kError;
}

// Moves bytes from src to dst until src is drained, dst is full, or the
// buffer is full (then src waits: backpressure). Relays EOF as a half-close.
// false if either socket failed.
template <class Side>
bool Relay(Side& src, Side& dst, RelayBuffer& buf) {
  for (;;) {
    if (!buf.empty() && dst.writable) {
      ssize_t n = ::send(dst.fd, buf.data(), buf.size(), MSG_NOSIGNAL);
      if (n >= 0) {
        buf.Consume(static_cast<size_t>(n));
        // A partial write means the send buffer is full; an edge follows when
        // it drains.
        if (!buf.empty()) dst.writable = false;
      } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
        dst.writable = false;
      } else if (errno != EINTR) {
        return false;
      }
    }
    if (buf.empty() && src.eof && !dst.shut) {
      ::shutdown(dst.fd, SHUT_WR);
      dst.shut = true;
    }
    if (!src.readable || src.eof || buf.space() == 0) return true;
    switch (ReadInto(src.fd, src.readable, src.peer_closed, src.eof, buf)) {
      case ReadResult::kProgress:
        break;
      case ReadResult::kDrained:
        return true;
      case ReadResult::kError:
        return false;
    }
  }
}

}  // namespace

StatusOr<std::unique_ptr<ForwardingLoop>> ForwardingLoop::Start(Config config,
                                                                std::vector<UniqueFd> listeners) {
  UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll.valid()) return Status::IOError(std::string("epoll_create1: ") + strerror(errno));
  UniqueFd wake(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wake.valid()) return Status::IOError(std::string("eventfd: ") + strerror(errno));
  std::unique_ptr<ForwardingLoop> loop(
      new ForwardingLoop(config, std::move(listeners), std::move(epoll), std::move(wake)));
  if (!AddToEpoll(loop->epoll_.get(), loop->wake_.get(), EPOLLIN, loop->wake_watch_.get())) {
    return Status::IOError(std::string("epoll_ctl: ") + strerror(errno));
  }
  for (auto& w : loop->listener_watches_) {
    // Level-triggered: Accept takes a bounded batch and comes back for more.
    if (!AddToEpoll(loop->epoll_.get(), w->fd, EPOLLIN, w.get())) {
      return Status::IOError(std::string("epoll_ctl: ") + strerror(errno));
    }
  }
  loop->thread_ = std::thread([l = loop.get()] { l->Run(); });
  return loop;
}

ForwardingLoop::ForwardingLoop(Config config, std::vector<UniqueFd> listeners, UniqueFd epoll,
                               UniqueFd wake)
    : config_(config),
      listeners_(std::move(listeners)),
      epoll_(std::move(epoll)),
      wake_(std::move(wake)),
      wake_watch_(new Watch{Watch::Kind::kWake, wake_.get()}),
      relaying_(new ConnectionList),
      parked_(new ConnectionList) {
  for (const UniqueFd& l : listeners_) {
    listener_watches_.push_back(std::make_unique<Watch>(Watch{Watch::Kind::kListener, l.get()}));
  }
}

ForwardingLoop::~ForwardingLoop() {
  if (thread_.joinable()) {
    Post([this] { stopping_ = true; });
    thread_.join();
  }
}

std::future<void> ForwardingLoop::PointAt(uint16_t node_port) {
  return Post([this, node_port] { ApplyPointAt(node_port); });
}

std::future<void> ForwardingLoop::Hold() {
  return Post([this] { ApplyHold(); });
}

std::future<void> ForwardingLoop::Post(std::function<void()> change) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> future = done->get_future();
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    if (exited_) {
      done->set_value();  // the loop is gone, and its connections with it
      return future;
    }
    posted_.emplace_back([change = std::move(change), done] {
      change();
      done->set_value();
    });
  }
  uint64_t one = 1;
  // Cannot fail short of a counter overflow; a lost wake-up would only delay
  // the change until the next event.
  [[maybe_unused]] ssize_t n = ::write(wake_.get(), &one, sizeof(one));
  return future;
}

void ForwardingLoop::RunPostedChanges() {
  uint64_t count;
  [[maybe_unused]] ssize_t n = ::read(wake_.get(), &count, sizeof(count));
  std::vector<std::function<void()>> changes;
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    changes.swap(posted_);
  }
  for (auto& change : changes) change();
}

void ForwardingLoop::Run() {
  constexpr int kMaxEvents = 128;
  epoll_event events[kMaxEvents];
  while (!stopping_) {
    int n = ::epoll_wait(epoll_.get(), events, kMaxEvents, NextTimeoutMillis());
    if (n < 0 && errno != EINTR) break;  // cannot happen on a valid epoll instance
    for (int i = 0; i < n; ++i) {
      auto* watch = static_cast<Watch*>(events[i].data.ptr);
      switch (watch->kind) {
        case Watch::Kind::kListener:
          Accept(watch->fd);
          break;
        case Watch::Kind::kWake:
          RunPostedChanges();
          break;
        case Watch::Kind::kSide:
          OnSideEvent(static_cast<Side*>(watch), events[i].events);
          break;
      }
    }
    if (!parked_->empty()) ExpireParked();
    if (accept_paused_until_ && *accept_paused_until_ <= Clock::now()) ResumeAccepting();
    // Events later in the same batch may name a closed connection, so
    // connections are freed only between batches.
    for (Connection* c : closed_) delete c;
    closed_.clear();
  }
  for (Connection* c : relaying_->Snapshot()) Close(c, /*reset=*/true);
  for (Connection* c : parked_->Snapshot()) Close(c, /*reset=*/true);
  for (Connection* c : closed_) delete c;
  closed_.clear();
  // Runs whatever was posted before this point; later posts return at once.
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    exited_ = true;
  }
  RunPostedChanges();
}

void ForwardingLoop::Accept(int listener) {
  // Bounded, so a flood of connections cannot starve the relayed ones; the
  // level-triggered listener reports the rest on the next wait.
  for (int i = 0; i < 64; ++i) {
    int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
        PauseAccepting();
      }
      return;
    }
    if (node_port_ == 0 && !held_) {
      ::close(fd);  // not pointed yet: nowhere to go
      continue;
    }
    SetNoDelay(fd);
    auto* c = new Connection(fd, config_.buffer_bytes);
    if (!AddToEpoll(epoll_.get(), fd, kSideEvents, &c->client)) {
      ::close(fd);
      delete c;
      continue;
    }
    if (held_) {
      c->state = Connection::State::kParked;
      c->deadline = Clock::now() + config_.hold_bound;
      parked_->PushBack(c);
      parked_count_.fetch_add(1, std::memory_order_relaxed);
    } else {
      relaying_->PushBack(c);
      relayed_.fetch_add(1, std::memory_order_relaxed);
      Connect(c);
    }
  }
}

void ForwardingLoop::PauseAccepting() {
  if (accept_paused_until_) return;
  for (const UniqueFd& l : listeners_) ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, l.get(), nullptr);
  accept_paused_until_ = Clock::now() + std::chrono::milliseconds(100);
}

void ForwardingLoop::ResumeAccepting() {
  for (auto& w : listener_watches_) AddToEpoll(epoll_.get(), w->fd, EPOLLIN, w.get());
  accept_paused_until_.reset();
}

void ForwardingLoop::Connect(Connection* c) {
  c->state = Connection::State::kConnecting;  // listed as relaying from here on
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    Close(c, /*reset=*/true);
    return;
  }
  c->upstream.fd = fd;
  c->node_port = node_port_;
  SetNoDelay(fd);
  sockaddr_in node{};
  node.sin_family = AF_INET;
  node.sin_port = htons(node_port_);
  node.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&node), sizeof(node));
  if (rc != 0 && errno != EINPROGRESS) {
    Close(c, /*reset=*/true);  // the node refuses: the client learns at once
    return;
  }
  if (!AddToEpoll(epoll_.get(), fd, kSideEvents, &c->upstream)) {
    Close(c, /*reset=*/true);
    return;
  }
  if (rc == 0) {
    c->state = Connection::State::kRelaying;
    c->upstream.writable = true;
    Pump(c);
  }
}

void ForwardingLoop::FinishConnect(Connection* c) {
  int error = 0;
  socklen_t len = sizeof(error);
  if (::getsockopt(c->upstream.fd, SOL_SOCKET, SO_ERROR, &error, &len) != 0 || error != 0) {
    Close(c, /*reset=*/true);
    return;
  }
  c->state = Connection::State::kRelaying;
  Pump(c);
}

void ForwardingLoop::OnSideEvent(Side* side, uint32_t events) {
  Connection* c = side->conn;
  if (c->closed) return;
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) side->readable = true;
  if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) side->peer_closed = true;
  if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) side->writable = true;
  switch (c->state) {
    case Connection::State::kParked: {
      // Keep what the client sends for the node; a client that gives up
      // waiting is dropped instead of being handed to the node.
      Side& client = c->client;
      while (client.readable && !client.eof && c->to_node.space() > 0) {
        ReadResult r =
            ReadInto(client.fd, client.readable, client.peer_closed, client.eof, c->to_node);
        if (r == ReadResult::kError) {
          Close(c, /*reset=*/true);
          return;
        }
        if (r == ReadResult::kDrained) break;
      }
      if (client.eof && c->to_node.empty()) Close(c, /*reset=*/false);
      return;
    }
    case Connection::State::kConnecting:
      if (side == &c->upstream && side->writable) FinishConnect(c);
      return;
    case Connection::State::kRelaying:
      Pump(c);
      return;
  }
}

void ForwardingLoop::Pump(Connection* c) {
  if (!Relay(c->client, c->upstream, c->to_node) || !Relay(c->upstream, c->client, c->to_client)) {
    Close(c, /*reset=*/true);  // one side failed: the other learns by a reset, not a clean EOF
    return;
  }
  if (c->client.shut && c->upstream.shut) Close(c, /*reset=*/false);
}

void ForwardingLoop::Close(Connection* c, bool reset) {
  if (c->closed) return;
  c->closed = true;
  if (c->state == Connection::State::kParked) {
    parked_->Remove(c);
    parked_count_.fetch_sub(1, std::memory_order_relaxed);
  } else {
    relaying_->Remove(c);
    relayed_.fetch_sub(1, std::memory_order_relaxed);
  }
  for (Side* side : {&c->client, &c->upstream}) {
    if (side->fd < 0) continue;
    if (reset) {
      linger abort{1, 0};
      ::setsockopt(side->fd, SOL_SOCKET, SO_LINGER, &abort, sizeof(abort));
    }
    ::close(side->fd);  // also leaves the epoll set
    side->fd = -1;
  }
  closed_.push_back(c);
}

void ForwardingLoop::ApplyPointAt(uint16_t node_port) {
  held_ = false;
  if (node_port != node_port_) {
    node_port_ = node_port;
    for (Connection* c : relaying_->Snapshot()) {
      if (c->node_port != node_port) Close(c, /*reset=*/true);
    }
  }
  while (!parked_->empty()) {
    Connection* c = parked_->front();
    parked_->Remove(c);
    parked_count_.fetch_sub(1, std::memory_order_relaxed);
    relaying_->PushBack(c);
    relayed_.fetch_add(1, std::memory_order_relaxed);
    Connect(c);
  }
}

void ForwardingLoop::ApplyHold() {
  if (held_) return;
  held_ = true;
  for (Connection* c : relaying_->Snapshot()) Close(c, /*reset=*/true);
}

void ForwardingLoop::ExpireParked() {
  Clock::time_point now = Clock::now();
  while (!parked_->empty() && parked_->front()->deadline <= now) {
    Close(parked_->front(), /*reset=*/false);
  }
}

int ForwardingLoop::NextTimeoutMillis() const {
  std::optional<Clock::time_point> next = accept_paused_until_;
  // Parked connections share one bound, so the oldest expires first.
  if (!parked_->empty() && (!next || parked_->front()->deadline < *next)) {
    next = parked_->front()->deadline;
  }
  if (!next) return -1;
  auto left = *next - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  return static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

}  // namespace tandem::proxy
