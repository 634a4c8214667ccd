// 64-bit FNV-1a (Fowler–Noll–Vo): the fingerprint of training data and of weights files. Not
// cryptographic; it detects corruption, tells data sets apart and names bench jobs and cache entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

namespace hearsay {

class Fnv1a64 {
 public:
  void add(const void* data, size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < size; ++i) {
      hash_ ^= p[i];
      hash_ *= 0x100000001b3ull;
    }
  }
  uint64_t value() const { return hash_; }
  /// "fnv1a64:" and 16 hex digits.
  std::string text() const {
    char hex[32];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash_));
    return std::string("fnv1a64:") + hex;
  }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ull;
};

}  // namespace hearsay
