// RotationRecord: the stored progress of one rotation the rotation engine
// runs, so that a tandemd killed between two steps resumes at the step that
// did not complete (every step of the protocol may be repeated).
//
// Store key: rotations/<region>/<token> (the token is the new version's id,
// unique per rotation). Written when the rotation is asked for, after every
// completed step and every failed attempt; deleted once finishSecret
// succeeded and the secret's LastRotatedDate is recorded, or when the secret
// or its AWSPENDING version is gone.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace tandem::rotation {

struct RotationRecord {
  std::string region;
  std::string secret_arn;
  std::string function_arn;
  std::string token;
  int next_step = 0;  // 0 createSecret .. 3 finishSecret
  // "running" (steps left, next attempt at next_attempt_ms) or "failed"
  // (attempts used up; tried again at next_attempt_ms, an hour later, or at
  // once when RotateSecret asks for it again).
  std::string state = "running";
  int attempts = 0;  // failed attempts of next_step in a row
  std::string last_error;
  int64_t started_ms = 0;
  int64_t next_attempt_ms = 0;
  // RotateImmediately=false: only testSecret, once, against an AWSPENDING
  // copy of the current value that is removed afterwards.
  bool test_only = false;

  static std::string StoreKey(const std::string& region, const std::string& token) {
    return "rotations/" + region + "/" + token;
  }
  std::string StoreKey() const { return StoreKey(region, token); }
};

std::string EncodeRotationRecord(const RotationRecord& record);
StatusOr<RotationRecord> DecodeRotationRecord(const std::string& text);

}  // namespace tandem::rotation
