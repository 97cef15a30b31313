// NodeLayout: where each file of a node lives below its data root.
//
//   <root>/my.cnf                 generated config (node_config.h), rewritten at every start
//   <root>/initialized            written once the data directory is created and hardened
//   <root>/data/                  datadir (InnoDB, system tables)
//   <root>/binlog/                binary logs and relay logs
//   <root>/log/                   error log, install log, mariadbd's stdout/stderr
//   <root>/run/                   unix socket and pid file
//   <root>/tmp/                   temporary files (encrypted when storage encryption is on)
//   <root>/tls/                   server certificate, key (0600) and CA
//
// Everything below <root> belongs to the node's operating-system account.
// Pure value type; thread-compatible.
#pragma once

#include <string>

namespace tandem::engine {

struct NodeLayout {
  explicit NodeLayout(std::string data_root) : root(std::move(data_root)) {}

  std::string root;

  std::string config_file() const { return root + "/my.cnf"; }
  std::string initialized_marker() const { return root + "/initialized"; }
  std::string data_dir() const { return root + "/data"; }
  std::string binlog_dir() const { return root + "/binlog"; }
  std::string log_dir() const { return root + "/log"; }
  std::string run_dir() const { return root + "/run"; }
  std::string tmp_dir() const { return root + "/tmp"; }
  std::string tls_dir() const { return root + "/tls"; }

  std::string socket() const { return run_dir() + "/mariadbd.sock"; }
  std::string pid_file() const { return run_dir() + "/mariadbd.pid"; }
  std::string error_log() const { return log_dir() + "/error.log"; }
  std::string install_log() const { return log_dir() + "/install.log"; }
  std::string stdout_log() const { return log_dir() + "/mariadbd.out"; }
  std::string binlog_base() const { return binlog_dir() + "/binlog"; }
  std::string relay_log_base() const { return binlog_dir() + "/relay"; }
  std::string tls_certificate() const { return tls_dir() + "/server-cert.pem"; }
  std::string tls_private_key() const { return tls_dir() + "/server-key.pem"; }
  std::string tls_ca() const { return tls_dir() + "/ca.pem"; }
};

}  // namespace tandem::engine
