#include "proxy/nat_connection_reset.h"

#include <arpa/inet.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/inet_diag.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "common/unique_fd.h"

namespace tandem::proxy {
namespace {

// One TCP connection as seen from the node's socket; network byte order.
struct NodeSocket {
  uint32_t local_addr;
  uint16_t local_port;
  uint32_t peer_addr;
  uint16_t peer_port;
};

// States of a connection that can still carry data or is closing; not
// LISTEN (the node's listener) nor TIME_WAIT (already gone).
constexpr uint32_t kConnectedStates =
    (1u << TCP_ESTABLISHED) | (1u << TCP_SYN_RECV) | (1u << TCP_FIN_WAIT1) | (1u << TCP_FIN_WAIT2) |
    (1u << TCP_CLOSE_WAIT) | (1u << TCP_LAST_ACK) | (1u << TCP_CLOSING);

inet_diag_req_v2 Request(uint32_t states) {
  inet_diag_req_v2 r{};
  r.sdiag_family = AF_INET;
  r.sdiag_protocol = IPPROTO_TCP;
  r.idiag_states = states;
  return r;
}

// NLMSG_OK(h, left) without the macro's comparison of the unsigned
// nlmsg_len with the signed left, which clang refuses (-Wsign-compare).
bool MessageFits(const nlmsghdr* h, int left) {
  return left >= static_cast<int>(sizeof(nlmsghdr)) && h->nlmsg_len >= sizeof(nlmsghdr) &&
         h->nlmsg_len <= static_cast<uint32_t>(left);
}

// The connected TCP sockets bound to 127.0.0.1:node_port.
StatusOr<std::vector<NodeSocket>> NodeSockets(int diag, uint16_t node_port) {
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof(message);
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.request = Request(kConnectedStates);
  if (::send(diag, &message, sizeof(message), 0) < 0) {
    return Status::IOError(std::string("cannot list sockets: ") + strerror(errno));
  }
  std::vector<NodeSocket> found;
  std::vector<char> buf(64 * 1024);
  for (;;) {
    ssize_t n = ::recv(diag, buf.data(), buf.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(std::string("cannot list sockets: ") + strerror(errno));
    int left = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); MessageFits(h, left);
         h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type == NLMSG_DONE) return found;
      if (h->nlmsg_type == NLMSG_ERROR) {
        int error = -static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
        return Status::IOError(std::string("cannot list sockets: ") + strerror(error));
      }
      auto* msg = static_cast<inet_diag_msg*>(NLMSG_DATA(h));
      if (msg->id.idiag_sport == htons(node_port) &&
          msg->id.idiag_src[0] == htonl(INADDR_LOOPBACK)) {
        found.push_back(
            {msg->id.idiag_src[0], msg->id.idiag_sport, msg->id.idiag_dst[0], msg->id.idiag_dport});
      }
    }
  }
}

// Destroys the node's socket; false if it could not (gone already, or the
// kernel cannot destroy sockets).
bool DestroySocket(int diag, const NodeSocket& s) {
  struct {
    nlmsghdr header;
    inet_diag_req_v2 request;
  } message{};
  message.header.nlmsg_len = sizeof(message);
  message.header.nlmsg_type = SOCK_DESTROY;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  message.request = Request(~0u);
  message.request.id.idiag_sport = s.local_port;
  message.request.id.idiag_dport = s.peer_port;
  message.request.id.idiag_src[0] = s.local_addr;
  message.request.id.idiag_dst[0] = s.peer_addr;
  message.request.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
  message.request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
  if (::send(diag, &message, sizeof(message), 0) < 0) return false;
  char reply[512];
  ssize_t n = ::recv(diag, reply, sizeof(reply), 0);
  if (n < static_cast<ssize_t>(NLMSG_LENGTH(sizeof(nlmsgerr)))) return false;
  auto* header = reinterpret_cast<nlmsghdr*>(reply);
  return header->nlmsg_type == NLMSG_ERROR &&
         static_cast<nlmsgerr*>(NLMSG_DATA(header))->error == 0;
}

// A ctnetlink request naming one conntrack entry by its reply tuple: the
// node's socket exactly. (libnetfilter_conntrack's own requests always name
// the original tuple, which may not show the client's port: conntrack remaps
// it when two clients' ports would collide after DNAT.)
class ConntrackRequest {
 public:
  ConntrackRequest(uint16_t type, uint16_t flags, const NodeSocket& s) {
    auto* h = reinterpret_cast<nlmsghdr*>(buf_);
    h->nlmsg_type = static_cast<uint16_t>((NFNL_SUBSYS_CTNETLINK << 8) | type);
    h->nlmsg_flags = flags;
    len_ = NLMSG_HDRLEN;
    nfgenmsg family{AF_INET, NFNETLINK_V0, 0};
    std::memcpy(buf_ + len_, &family, sizeof(family));
    len_ += NLMSG_ALIGN(sizeof(family));
    size_t tuple = Begin(CTA_TUPLE_REPLY);
    size_t ip = Begin(CTA_TUPLE_IP);
    Put(CTA_IP_V4_SRC, s.local_addr);
    Put(CTA_IP_V4_DST, s.peer_addr);
    End(ip);
    size_t proto = Begin(CTA_TUPLE_PROTO);
    Put(CTA_PROTO_NUM, static_cast<uint8_t>(IPPROTO_TCP));
    Put(CTA_PROTO_SRC_PORT, s.local_port);
    Put(CTA_PROTO_DST_PORT, s.peer_port);
    End(proto);
    End(tuple);
    h->nlmsg_len = static_cast<uint32_t>(len_);
  }

  bool Send(int fd) const { return ::send(fd, buf_, len_, 0) == static_cast<ssize_t>(len_); }

 private:
  template <class T>
  void Put(uint16_t type, T value) {
    nlattr a{static_cast<uint16_t>(NLA_HDRLEN + sizeof(T)), type};
    std::memcpy(buf_ + len_, &a, sizeof(a));
    std::memcpy(buf_ + len_ + NLA_HDRLEN, &value, sizeof(T));
    len_ += NLA_ALIGN(NLA_HDRLEN + sizeof(T));
  }
  size_t Begin(uint16_t type) {
    size_t at = len_;
    nlattr a{0, static_cast<uint16_t>(type | NLA_F_NESTED)};
    std::memcpy(buf_ + len_, &a, sizeof(a));
    len_ += NLA_HDRLEN;
    return at;
  }
  void End(size_t at) {
    uint16_t n = static_cast<uint16_t>(len_ - at);
    std::memcpy(buf_ + at, &n, sizeof(n));  // nla_len comes first
  }

  alignas(nlmsghdr) char buf_[256] = {};
  size_t len_ = 0;
};

// The original destination (address and port, network order) of the
// connection the node's socket s belongs to; false if conntrack has no entry
// for it (it did not pass through NAT, or it ended).
bool OriginalDestination(int conntrack, const NodeSocket& s, uint32_t* address, uint16_t* port) {
  if (!ConntrackRequest(IPCTNL_MSG_CT_GET, NLM_F_REQUEST, s).Send(conntrack)) return false;
  alignas(nlmsghdr) char reply[8192];
  ssize_t n = ::recv(conntrack, reply, sizeof(reply), 0);
  auto* h = reinterpret_cast<nlmsghdr*>(reply);
  if (n < static_cast<ssize_t>(NLMSG_HDRLEN) || !MessageFits(h, static_cast<int>(n)) ||
      h->nlmsg_type == NLMSG_ERROR) {
    return false;
  }
  nf_conntrack* ct = nfct_new();
  bool ok = ct != nullptr && nfct_nlmsg_parse(h, ct) == 0 &&
            nfct_attr_is_set(ct, ATTR_ORIG_IPV4_DST) > 0 &&
            nfct_attr_is_set(ct, ATTR_ORIG_PORT_DST) > 0;
  if (ok) {
    *address = nfct_get_attr_u32(ct, ATTR_ORIG_IPV4_DST);
    *port = nfct_get_attr_u16(ct, ATTR_ORIG_PORT_DST);
  }
  if (ct != nullptr) nfct_destroy(ct);
  return ok;
}

bool DeleteEntry(int conntrack, const NodeSocket& s) {
  if (!ConntrackRequest(IPCTNL_MSG_CT_DELETE, NLM_F_REQUEST | NLM_F_ACK, s).Send(conntrack)) {
    return false;
  }
  alignas(nlmsghdr) char reply[512];
  ssize_t n = ::recv(conntrack, reply, sizeof(reply), 0);
  if (n < static_cast<ssize_t>(NLMSG_LENGTH(sizeof(nlmsgerr)))) return false;
  auto* h = reinterpret_cast<nlmsghdr*>(reply);
  return h->nlmsg_type == NLMSG_ERROR && static_cast<nlmsgerr*>(NLMSG_DATA(h))->error == 0;
}

}  // namespace

StatusOr<NatConnectionReset> ResetNatConnections(const std::vector<EndpointAddress>& endpoint,
                                                 uint16_t endpoint_port, uint16_t node_port) {
  UniqueFd diag(::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
  if (!diag.valid()) {
    return Status::IOError(std::string("cannot open socket diagnostics: ") + strerror(errno));
  }
  auto sockets = NodeSockets(diag.get(), node_port);
  if (!sockets.ok()) return sockets.status();
  NatConnectionReset reset;
  if (sockets->empty()) return reset;

  UniqueFd conntrack(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER));
  if (!conntrack.valid()) {
    return Status::IOError(std::string("cannot open conntrack: ") + strerror(errno));
  }
  for (const NodeSocket& s : *sockets) {
    uint32_t address = 0;
    uint16_t port = 0;
    if (!OriginalDestination(conntrack.get(), s, &address, &port)) continue;  // not NATed
    bool to_endpoint = port == htons(endpoint_port);
    bool to_endpoint_address = false;
    for (const EndpointAddress& a : endpoint) to_endpoint_address |= a.address.s_addr == address;
    if (!to_endpoint || !to_endpoint_address) continue;
    ++reset.connections;
    if (DestroySocket(diag.get(), s)) ++reset.sockets;
    if (DeleteEntry(conntrack.get(), s)) ++reset.entries;
  }
  return reset;
}

}  // namespace tandem::proxy
