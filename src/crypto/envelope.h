// Envelope encryption (DESIGN.md "State"): every sensitive value is sealed with
// its own random 256-bit data key under AES-256-GCM, and the data key is itself
// sealed under the master key. Only envelopes reach the store; the master key
// never does.
//
// An envelope is bound to a context string (for example the store key and
// version id of the record it belongs to) as additional authenticated data, so
// an envelope copied into another record fails to open.
//
// Thread-safety: MasterKey is immutable after load; Seal and Open may be called
// concurrently.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace tandem::crypto {

class MasterKey {
 public:
  // Reads a 32-byte key from path, or, if the file does not exist, creates it
  // with fresh random bytes and mode 0600 (refusing to overwrite anything).
  // kInvalidArgument if the file has the wrong size or is readable by group or
  // others; kIOError on file system errors.
  static StatusOr<MasterKey> LoadOrCreate(const std::string& path);
  // For tests: a key from given bytes (must be 32 bytes).
  static MasterKey FromBytes(std::string_view bytes);

  // A short non-secret identifier of the key (first 8 hex digits of
  // SHA-256("tandem-master-key-id" || key)), recorded in envelopes so that a
  // wrong master key is reported as such rather than as corruption.
  const std::string& id() const { return id_; }

 private:
  friend std::string Seal(const MasterKey&, std::string_view, std::string_view);
  friend StatusOr<std::string> Open(const MasterKey&, std::string_view, std::string_view);
  std::string key_;
  std::string id_;
};

// Seals plaintext; returns a binary envelope (version byte, master key id,
// wrapped data key, nonce, ciphertext, tags).
std::string Seal(const MasterKey& master, std::string_view plaintext, std::string_view context);

// Opens an envelope made by Seal with the same master key and context.
// kCorruption if it was tampered with, bound to another context, or sealed
// under another master key (the message says which, never the plaintext).
StatusOr<std::string> Open(const MasterKey& master, std::string_view envelope,
                           std::string_view context);

}  // namespace tandem::crypto
