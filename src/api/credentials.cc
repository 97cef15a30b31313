#include "api/credentials.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>
#include <vector>

#include "crypto/digest.h"
#include "crypto/random.h"

namespace tandem::api {
namespace {

constexpr std::string_view kStorePrefix = "access-keys/";
// AWS key ids are "AKIA" followed by base32 characters.
constexpr std::string_view kKeyIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kSecretAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

AccessKey RandomAccessKey() {
  return AccessKey{"AKIA" + crypto::RandomString(16, kKeyIdAlphabet),
                   crypto::RandomString(40, kSecretAlphabet)};
}
constexpr size_t kMaxKeyLength = 128;

std::string StoreKey(const std::string& access_key_id) {
  return std::string(kStorePrefix) + access_key_id;
}

// A key id appears inside the SigV4 credential scope ("<id>/<date>/...") and a
// store key, so it is limited to word characters, as IAM's are.
Status ValidateKey(const AccessKey& key) {
  const std::string& id = key.access_key_id;
  if (id.empty() || id.size() > kMaxKeyLength) {
    return Status::InvalidArgument("access key id must have 1-128 characters");
  }
  for (char c : id) {
    bool word =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!word) {
      return Status::InvalidArgument("access key id '" + id +
                                     "' is invalid: use letters, digits and '_' only");
    }
  }
  const std::string& secret = key.secret_access_key;
  if (secret.empty() || secret.size() > kMaxKeyLength) {
    return Status::InvalidArgument("secret access key for '" + id + "' must have 1-128 characters");
  }
  for (char c : secret) {
    if (c <= ' ' || c > '~') {
      return Status::InvalidArgument("secret access key for '" + id +
                                     "' must be printable ASCII without spaces");
    }
  }
  return Status::Ok();
}

// The stored record: the secret only as an envelope bound to the record's key.
std::string Record(const crypto::MasterKey& master, const AccessKey& key, bool root) {
  std::string envelope = crypto::Seal(master, key.secret_access_key, StoreKey(key.access_key_id));
  nlohmann::json doc = {{"access_key_id", key.access_key_id},
                        {"secret_access_key_envelope", crypto::Base64Encode(envelope)},
                        {"root", root}};
  return doc.dump();
}

struct LoadedKey {
  AccessKey key;
  bool root = false;
};

StatusOr<LoadedKey> OpenRecord(const crypto::MasterKey& master, const StoreEntry& entry) {
  nlohmann::json doc = nlohmann::json::parse(entry.value, nullptr, /*allow_exceptions=*/false);
  std::string id(std::string_view(entry.key).substr(kStorePrefix.size()));
  if (!doc.is_object() || !doc.contains("secret_access_key_envelope") ||
      !doc["secret_access_key_envelope"].is_string() ||
      doc.value("access_key_id", std::string()) != id) {
    return Status::Corruption("access key record '" + entry.key + "' is malformed");
  }
  std::optional<std::string> envelope =
      crypto::Base64Decode(doc["secret_access_key_envelope"].get<std::string>());
  if (!envelope) {
    return Status::Corruption("access key record '" + entry.key + "' has an invalid envelope");
  }
  StatusOr<std::string> secret = crypto::Open(master, *envelope, entry.key);
  if (!secret.ok()) {
    return Status::Corruption("cannot open access key '" + id + "': " + secret.status().message());
  }
  LoadedKey loaded;
  loaded.key = {id, std::move(secret.value())};
  const nlohmann::json& root = doc["root"];
  loaded.root = root.is_boolean() && root.get<bool>();
  return loaded;
}

}  // namespace

StatusOr<AccessKey> AccessKeyRegistry::LoadAndEnsureRoot() {
  StatusOr<std::vector<StoreEntry>> entries = store_.List(kStorePrefix);
  if (!entries.ok()) return entries.status();
  std::unordered_map<std::string, std::string> loaded;
  std::optional<AccessKey> stored_root;
  for (const StoreEntry& entry : *entries) {
    StatusOr<LoadedKey> key = OpenRecord(master_, entry);
    if (!key.ok()) return key.status();
    if (key->root) stored_root = key->key;
    loaded[key->key.access_key_id] = key->key.secret_access_key;
  }

  std::optional<AccessKey> root = stored_root;
  std::vector<StoreWrite> writes;
  const char* env_id = std::getenv("TANDEM_ACCESS_KEY_ID");
  const char* env_secret = std::getenv("TANDEM_SECRET_ACCESS_KEY");
  if (env_id != nullptr || env_secret != nullptr) {
    if (env_id == nullptr || env_secret == nullptr) {
      return Status::InvalidArgument(
          "set both TANDEM_ACCESS_KEY_ID and TANDEM_SECRET_ACCESS_KEY, or neither");
    }
    AccessKey wanted{env_id, env_secret};
    TANDEM_RETURN_IF_ERROR(ValidateKey(wanted));
    bool unchanged = stored_root && stored_root->access_key_id == wanted.access_key_id &&
                     stored_root->secret_access_key == wanted.secret_access_key;
    if (!unchanged) {
      // The operator named the root key: it replaces the stored root, which
      // stays valid as an ordinary key.
      if (stored_root && stored_root->access_key_id != wanted.access_key_id) {
        writes.push_back(StoreWrite::Put(StoreKey(stored_root->access_key_id),
                                         Record(master_, *stored_root, /*root=*/false)));
      }
      writes.push_back(
          StoreWrite::Put(StoreKey(wanted.access_key_id), Record(master_, wanted, /*root=*/true)));
    }
    root = wanted;
  } else if (!root) {
    AccessKey fresh = RandomAccessKey();
    writes.push_back(StoreWrite::Put(StoreKey(fresh.access_key_id),
                                     Record(master_, fresh, /*root=*/true),
                                     StoreWrite::kMustNotExist));
    root = fresh;
  }
  if (!writes.empty()) TANDEM_RETURN_IF_ERROR(store_.Commit(writes));
  loaded[root->access_key_id] = root->secret_access_key;

  std::unique_lock lock(mu_);
  secrets_ = std::move(loaded);
  return *root;
}

Status AccessKeyRegistry::Add(const AccessKey& key) {
  TANDEM_RETURN_IF_ERROR(ValidateKey(key));
  Status st = store_.Commit(
      {StoreWrite::Put(StoreKey(key.access_key_id), Record(master_, key, /*root=*/false),
                       StoreWrite::kMustNotExist)});
  if (st.code() == Status::Code::kConflict) {
    return Status::AlreadyExists("access key '" + key.access_key_id + "' already exists");
  }
  TANDEM_RETURN_IF_ERROR(st);
  std::unique_lock lock(mu_);
  secrets_[key.access_key_id] = key.secret_access_key;
  return Status::Ok();
}

AccessKey AccessKeyRegistry::AddEphemeral(std::vector<std::string> services) {
  AccessKey key = RandomAccessKey();
  std::unique_lock lock(mu_);
  secrets_[key.access_key_id] = key.secret_access_key;
  scopes_[key.access_key_id] = std::move(services);
  return key;
}

bool AccessKeyRegistry::Allows(const std::string& access_key_id, const std::string& service) const {
  std::shared_lock lock(mu_);
  auto it = scopes_.find(access_key_id);
  if (it == scopes_.end()) return true;
  return std::find(it->second.begin(), it->second.end(), service) != it->second.end();
}

std::optional<std::string> AccessKeyRegistry::SecretKeyFor(const std::string& access_key_id) const {
  std::shared_lock lock(mu_);
  auto it = secrets_.find(access_key_id);
  if (it == secrets_.end()) return std::nullopt;
  return it->second;
}

Status WriteCredentialsFile(const std::string& path, const AccessKey& key,
                            const std::string& region) {
  std::string content = "[default]\naws_access_key_id = " + key.access_key_id +
                        "\naws_secret_access_key = " + key.secret_access_key + "\n";
  if (!region.empty()) content += "region = " + region + "\n";

  auto fail = [&](const std::string& what) {
    return Status::IOError(what + " " + path + ": " + std::strerror(errno));
  };
  // The temporary file sits next to the target so that rename is atomic.
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail("cannot create temporary file for");
  // A stale temporary file keeps its old mode through O_TRUNC.
  bool ok = ::fchmod(fd, 0600) == 0;
  for (size_t done = 0; ok && done < content.size();) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  if (!ok) {
    Status st = fail("cannot write");
    ::close(fd);
    ::unlink(tmp.c_str());
    return st;
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status st = fail("cannot rename temporary file to");
    ::unlink(tmp.c_str());
    return st;
  }
  // Make the rename itself durable.
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::Ok();
}

}  // namespace tandem::api
