#include <mutex>
#include <shared_mutex>

#include "store/store.h"
#include "store/versioned_map.h"

namespace tandem {
namespace {

class MemoryStore : public Store {
 public:
  StatusOr<std::optional<StoreEntry>> Get(std::string_view key) const override {
    std::shared_lock lock(mu_);
    return map_.Get(key);
  }

  StatusOr<std::vector<StoreEntry>> List(std::string_view prefix) const override {
    std::shared_lock lock(mu_);
    return map_.List(prefix);
  }

  Status Commit(const std::vector<StoreWrite>& writes) override {
    std::unique_lock lock(mu_);
    TANDEM_RETURN_IF_ERROR(map_.Check(writes));
    if (!writes.empty()) map_.Apply(writes);
    return Status::Ok();
  }

 private:
  mutable std::shared_mutex mu_;
  store_internal::VersionedMap map_;
};

}  // namespace

std::unique_ptr<Store> NewMemoryStore() { return std::make_unique<MemoryStore>(); }

}  // namespace tandem
