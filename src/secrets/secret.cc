#include "secrets/secret.h"

#include <algorithm>

namespace tandem::secrets {
namespace {

using Json = nlohmann::json;

// Writes member only when it is set, so that documents stay small and a field
// added later reads back as "not set" from older documents.
void PutIfSet(Json& doc, const char* member, const std::string& value) {
  if (!value.empty()) doc[member] = value;
}
void PutIfSet(Json& doc, const char* member, int64_t value) {
  if (value != 0) doc[member] = value;
}

Json EncodeVersion(const SecretVersion& v) {
  Json doc = {{"id", v.id}, {"labels", v.labels}, {"created", v.created_ms}};
  PutIfSet(doc, "accessed", v.last_accessed_ms);
  if (v.has_value) doc["value"] = true;
  PutIfSet(doc, "kms", v.kms_key_id);
  return doc;
}

SecretVersion DecodeVersion(const Json& doc) {
  SecretVersion v;
  v.id = doc.at("id").get<std::string>();
  v.labels = doc.at("labels").get<std::set<std::string>>();
  v.created_ms = doc.at("created").get<int64_t>();
  v.last_accessed_ms = doc.value("accessed", int64_t{0});
  v.has_value = doc.value("value", false);
  v.kms_key_id = doc.value("kms", "");
  return v;
}

}  // namespace

SecretVersion* Secret::FindVersion(std::string_view id) {
  auto it = std::find_if(versions.begin(), versions.end(),
                         [&](const SecretVersion& v) { return v.id == id; });
  return it == versions.end() ? nullptr : &*it;
}

const SecretVersion* Secret::FindVersion(std::string_view id) const {
  return const_cast<Secret*>(this)->FindVersion(id);
}

const SecretVersion* Secret::VersionWithLabel(std::string_view label) const {
  for (const SecretVersion& v : versions) {
    if (v.labels.count(std::string(label))) return &v;
  }
  return nullptr;
}

std::string EncodeSecret(const Secret& s) {
  Json doc = {{"name", s.name},
              {"arn", s.arn},
              {"uid", s.uid},
              {"created", s.created_ms},
              {"changed", s.last_changed_ms}};
  PutIfSet(doc, "description", s.description);
  PutIfSet(doc, "kms", s.kms_key_id);
  PutIfSet(doc, "owner", s.owning_service);
  PutIfSet(doc, "policy", s.policy);
  PutIfSet(doc, "accessed", s.last_accessed_ms);
  PutIfSet(doc, "deleted", s.deleted_ms);
  PutIfSet(doc, "deletion", s.deletion_date_ms);
  if (s.tags) {
    Json tags = Json::array();
    for (const Tag& t : *s.tags) tags.push_back({{"k", t.key}, {"v", t.value}});
    doc["tags"] = std::move(tags);
  }
  if (s.rotation) {
    Json r = {{"enabled", s.rotation->enabled}, {"rules", s.rotation->rules}};
    PutIfSet(r, "lambda", s.rotation->lambda_arn);
    PutIfSet(r, "rotated", s.rotation->last_rotated_ms);
    PutIfSet(r, "next", s.rotation->next_rotation_ms);
    PutIfSet(r, "testing", s.rotation->test_version_id);
    doc["rotation"] = std::move(r);
  }
  Json versions = Json::array();
  for (const SecretVersion& v : s.versions) versions.push_back(EncodeVersion(v));
  doc["versions"] = std::move(versions);
  return doc.dump();
}

StatusOr<Secret> DecodeSecret(std::string_view document) {
  try {
    Json doc = Json::parse(document);
    Secret s;
    s.name = doc.at("name").get<std::string>();
    s.arn = doc.at("arn").get<std::string>();
    s.uid = doc.at("uid").get<std::string>();
    s.created_ms = doc.at("created").get<int64_t>();
    s.last_changed_ms = doc.at("changed").get<int64_t>();
    s.description = doc.value("description", "");
    s.kms_key_id = doc.value("kms", "");
    s.owning_service = doc.value("owner", "");
    s.policy = doc.value("policy", "");
    s.last_accessed_ms = doc.value("accessed", int64_t{0});
    s.deleted_ms = doc.value("deleted", int64_t{0});
    s.deletion_date_ms = doc.value("deletion", int64_t{0});
    if (auto it = doc.find("tags"); it != doc.end()) {
      s.tags.emplace();
      for (const Json& t : *it) s.tags->push_back({t.at("k"), t.at("v")});
    }
    if (auto it = doc.find("rotation"); it != doc.end()) {
      RotationSettings r;
      r.enabled = it->at("enabled").get<bool>();
      r.rules = it->at("rules");
      r.lambda_arn = it->value("lambda", "");
      r.last_rotated_ms = it->value("rotated", int64_t{0});
      r.next_rotation_ms = it->value("next", int64_t{0});
      r.test_version_id = it->value("testing", "");
      s.rotation = std::move(r);
    }
    for (const Json& v : doc.at("versions")) s.versions.push_back(DecodeVersion(v));
    return s;
  } catch (const Json::exception& e) {
    return Status::Corruption(std::string("secret metadata is not readable: ") + e.what());
  }
}

}  // namespace tandem::secrets
