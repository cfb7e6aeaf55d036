// Internal: FNV-1a, 64 bits (Fowler, Noll, Vo): a hash of bytes that is the same in every
// process, build and platform, for names that are persisted (compiled index files in the cache,
// the plan fingerprint in lease keys). Not for hash tables under attack, nor for integrity.
//
//   std::uint64_t h = detail::fnv1a("foobar");             // 0x85944171f73967e8
//   detail::Fnv1a parts;
//   parts.add("DE-BY").add_byte(0xff).add("1000");        // several fields, one hash
#pragma once

#include <cstdint>
#include <string_view>

namespace geotarget::detail {

class Fnv1a {
 public:
  constexpr Fnv1a& add(std::string_view bytes) noexcept {
    for (const char c : bytes) add_byte(static_cast<unsigned char>(c));
    return *this;
  }
  constexpr Fnv1a& add_byte(unsigned char byte) noexcept {
    hash_ = (hash_ ^ byte) * kPrime;
    return *this;
  }
  [[nodiscard]] constexpr std::uint64_t value() const noexcept { return hash_; }

 private:
  static constexpr std::uint64_t kOffsetBasis = 14695981039346656037ull, kPrime = 1099511628211ull;
  std::uint64_t hash_ = kOffsetBasis;
};

[[nodiscard]] constexpr std::uint64_t fnv1a(std::string_view bytes) noexcept { return Fnv1a().add(bytes).value(); }

}  // namespace geotarget::detail
