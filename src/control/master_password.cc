#include "control/master_password.h"

namespace tandem::control {

StatusOr<std::string> ManagedMasterPassword(secrets::SecretsService& secrets,
                                            const rds::DbInstance& instance) {
  const std::string& arn = instance.desired.master_user_secret_arn;
  if (arn.empty()) {
    return Status::NotFound("DB instance " + instance.identifier +
                            " manages its master password but names no secret");
  }
  auto value = secrets.Invoke(instance.region, "GetSecretValue", {{"SecretId", arn}});
  if (!value.ok()) {
    return Status::NotFound("cannot read the master user secret " + arn + ": " +
                            value.error().code + ": " + value.error().message);
  }
  const auto string = value->find("SecretString");
  if (string == value->end() || !string->is_string()) {
    return Status::Corruption("the master user secret " + arn + " holds no SecretString");
  }
  auto doc = api::Json::parse(string->get<std::string>(), nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("password") ||
      !doc["password"].is_string()) {
    return Status::Corruption("the master user secret " + arn +
                              " is not a JSON object with a \"password\" string");
  }
  return doc["password"].get<std::string>();
}

StatusOr<std::optional<SealedPassword>> WaitingMasterPassword(const Store& store,
                                                              const crypto::MasterKey& master,
                                                              const rds::DbInstance& instance) {
  const std::string key = rds::DbInstance::PasswordStoreKey(instance.region, instance.identifier);
  auto entry = store.Get(key);
  if (!entry.ok()) return entry.status();
  if (!entry->has_value()) return std::optional<SealedPassword>();
  auto password = crypto::Open(master, (*entry)->value, key);
  if (!password.ok()) return password.status();
  return std::optional<SealedPassword>(SealedPassword{std::move(*password), (*entry)->version});
}

}  // namespace tandem::control
