// Test environment for engine tests against real mariadbd processes: a
// temporary directory, free ports, a CA with server certificates, node specs,
// and a teardown that kills (by pid) every mariadbd a test started, whatever
// happened to the test or its driver objects.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "crypto/certificate_authority.h"
#include "crypto/envelope.h"
#include "crypto/random.h"
#include "engine/local_node_driver.h"
#include "engine/node_spec.h"

namespace tandem::engine {

inline std::string ReadFileText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A port on 127.0.0.1 that nothing listens on right now.
inline uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  ::close(fd);
  return ntohs(addr.sin_port);
}

using Ms = std::chrono::milliseconds;

// The first column of the first row of sql's answer ("<none>" if none).
inline std::string QueryOne(AdminConnection& conn, const std::string& sql) {
  auto rs = conn.Query(sql);
  EXPECT_TRUE(rs.ok()) << sql << ": " << rs.status().ToString();
  if (!rs.ok() || rs->rows.empty() || rs->rows[0].empty() || !rs->rows[0][0]) return "<none>";
  return *rs->rows[0][0];
}

// An admin session on driver's node (nullptr, with a test failure, if none).
inline std::unique_ptr<AdminConnection> Admin(const LocalNodeDriver& driver,
                                              AdminBinlog binlog = AdminBinlog::kSkip) {
  auto conn = driver.ConnectAdmin(binlog);
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  return conn.ok() ? std::move(*conn) : nullptr;
}

inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

class NodeTest : public ::testing::Test {
 protected:
  static constexpr Ms kTimeout{30000};

  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "tandem-engine-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    // The node's account (not root) must be able to pass through to its root.
    ASSERT_EQ(::chmod(dir_.c_str(), 0711), 0);
    auto ca = crypto::CertificateAuthority::LoadOrCreate(
        dir_ + "/ca", crypto::MasterKey::FromBytes(crypto::RandomBytes(32)));
    ASSERT_TRUE(ca.ok()) << ca.status().ToString();
    ca_ = std::move(*ca);
  }

  void TearDown() override {
    KillEveryNode();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // mariadbd drops from root to a dedicated account, as in production.
  static std::string NodeAccount() {
    return ::geteuid() == 0 && ::getpwnam("mysql") != nullptr ? "mysql" : "";
  }

  NodeSpec MakeSpec(const std::string& name, bool encrypted) {
    NodeSpec spec;
    spec.instance_id = "testdb";
    spec.zone = "us-west-2a";
    spec.node_name = name;
    spec.data_root = dir_ + "/" + name;
    spec.port = FreePort();
    spec.server_id = static_cast<uint32_t>(++server_ids_);
    spec.hostname = "ip-10-0-1-" + std::to_string(10 + server_ids_);
    spec.os_user = NodeAccount();
    spec.sizing.innodb_buffer_pool_bytes = 32ull << 20;
    spec.sizing.max_connections = 50;
    auto cert =
        ca_->IssueServerCertificate(spec.hostname, {"localhost", "127.0.0.1", spec.hostname});
    EXPECT_TRUE(cert.ok()) << cert.status().ToString();
    if (cert.ok()) {
      spec.tls.certificate_pem = cert->certificate_pem;
      spec.tls.private_key_pem = cert->private_key_pem;
      spec.tls.ca_pem = ca_->ca_certificate_pem();
    }
    if (encrypted) {
      spec.encryption.enabled = true;
      spec.encryption.keys[1] = crypto::RandomBytes(32);
    }
    roots_.insert(spec.data_root);
    return spec;
  }

  std::unique_ptr<LocalNodeDriver> MakeDriver(const NodeSpec& spec) {
    auto driver = LocalNodeDriver::Create(spec);
    EXPECT_TRUE(driver.ok()) << driver.status().ToString();
    return driver.ok() ? std::move(*driver) : nullptr;
  }

  // Records the driver's current process for teardown.
  void Track(const LocalNodeDriver& driver) {
    if (driver.pid() > 0) pids_.insert(driver.pid());
  }

  // Kills every mariadbd started for one of this test's node roots: those
  // tracked and those named by a pid file (a driver may be gone by now).
  void KillEveryNode() {
    std::set<pid_t> candidates = pids_;
    for (const std::string& root : roots_) {
      std::ifstream in(root + "/run/mariadbd.pid");
      pid_t pid = 0;
      if (in >> pid && pid > 0) candidates.insert(pid);
    }
    for (pid_t pid : candidates) {
      const std::string cmdline = ReadFileText("/proc/" + std::to_string(pid) + "/cmdline");
      bool ours = false;
      for (const std::string& root : roots_) {
        if (cmdline.find("--defaults-file=" + root + "/my.cnf") != std::string::npos) ours = true;
      }
      if (!ours) continue;
      ::kill(pid, SIGKILL);
      for (int i = 0; i < 500 && ::kill(pid, 0) == 0; ++i) {
        if (::waitpid(pid, nullptr, WNOHANG) == pid) break;
        std::this_thread::sleep_for(Ms(10));
      }
    }
    pids_.clear();
  }

  std::string dir_;
  std::unique_ptr<crypto::CertificateAuthority> ca_;
  std::set<std::string> roots_;
  std::set<pid_t> pids_;
  int server_ids_ = 0;
};

}  // namespace tandem::engine
