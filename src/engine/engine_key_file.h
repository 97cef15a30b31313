// The key file of MariaDB's file_key_management plugin, built in memory.
//
// The plugin reads a text file of "<id>;<hex key>" lines, optionally
// encrypted the way `openssl enc -aes-256-cbc -md sha1` does it ("Salted__",
// 8-byte salt, AES-256-CBC with key and IV from EVP_BytesToKey/SHA-1) under
// a "file key" it reads from a second file. Tandem always encrypts it, under
// a file key drawn fresh for every start, so the long-lived key material
// exists only in the caller's key store and in mariadbd's memory.
//
// Pure functions (apart from drawing randomness); thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/status.h"

namespace tandem::engine {

struct EngineKeyFile {
  std::string encrypted;  // the key file as the plugin reads it
  std::string file_key;   // the text (hex) that decrypts it; secret
};

// Encrypts keys (id -> 16, 24 or 32 raw bytes; id 1 required) under a fresh
// random file key. kInvalidArgument for a missing key 1 or a bad size.
StatusOr<EngineKeyFile> SealEngineKeyFile(const std::map<uint32_t, std::string>& keys);

// The plaintext key file ("<id>;<hex>\n" lines), as the plugin would see it
// after decryption. kCorruption if the file key does not open it. For tests
// and diagnostics.
StatusOr<std::string> OpenEngineKeyFile(const EngineKeyFile& file);

}  // namespace tandem::engine
