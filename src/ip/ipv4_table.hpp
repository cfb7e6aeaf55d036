// Internal: a compiled IPv4 range table. Every IPv4 address maps to a value (a record number,
// or none) through a direct table of the 65,536 /16 blocks and a binary search inside one block:
// two or three cache lines per lookup instead of a 32-level search-tree walk.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <vector>

#include "huge_pages.hpp"

namespace geotarget::detail {

class Ipv4TableBuilder;

class Ipv4Table {
 public:
  static constexpr std::uint32_t none = 0xffffffffu;

  struct Hit {
    std::uint32_t value;
    std::uint8_t prefix_length;
  };

  [[nodiscard]] Hit find(std::uint32_t address) const noexcept {
    const std::uint32_t k = address >> 16;
    const std::uint32_t* first = starts_.data() + blocks_[k];
    const std::uint32_t* last = starts_.data() + blocks_[k + 1] + 1;
    const std::size_t i = static_cast<std::size_t>(std::upper_bound(first, last, address) - starts_.data()) - 1;
    return Hit{values_[i], prefixes_[i]};
  }

  [[nodiscard]] std::size_t entries() const noexcept { return starts_.size(); }
  /// Entry i covers [start(i), end(i)) with value(i); entries are sorted and contiguous.
  [[nodiscard]] std::uint32_t start(std::size_t i) const noexcept { return starts_[i]; }
  [[nodiscard]] std::uint64_t end(std::size_t i) const noexcept {
    return i + 1 < starts_.size() ? std::uint64_t{starts_[i + 1]} : std::uint64_t{1} << 32;
  }
  [[nodiscard]] std::uint32_t value(std::size_t i) const noexcept { return values_[i]; }
  [[nodiscard]] std::size_t bytes() const noexcept {
    return starts_.capacity() * 4 + values_.capacity() * 4 + prefixes_.capacity() + sizeof blocks_;
  }

 private:
  std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>> starts_;
  std::vector<std::uint32_t, HugePageAllocator<std::uint32_t>> values_;
  std::vector<std::uint8_t, HugePageAllocator<std::uint8_t>> prefixes_;
  std::array<std::uint32_t, 65537> blocks_{};

  friend class Ipv4TableBuilder;
};

/// Networks must come in address order and must not overlap; gaps map to none.
class Ipv4TableBuilder {
 public:
  static constexpr std::uint32_t none = Ipv4Table::none;

  void add(std::uint32_t network, int prefix_length, std::uint32_t value) {
    add_range(network, std::uint64_t{network} + (std::uint64_t{1} << (32 - prefix_length)), prefix_length, value);
  }
  /// [start, end) lies in a network of `prefix_length` bits (not necessarily all of it).
  void add_range(std::uint32_t start, std::uint64_t end, int prefix_length, std::uint32_t value) {
    if (next_ < std::uint64_t{start}) push(static_cast<std::uint32_t>(next_), 0, none);
    push(start, static_cast<std::uint8_t>(prefix_length), value);
    next_ = end;
  }
  Ipv4Table build() && {
    if (next_ <= 0xffffffffull) push(static_cast<std::uint32_t>(next_), 0, none);
    if (t_.starts_.front() != 0) {
      t_.starts_.insert(t_.starts_.begin(), 0);
      t_.values_.insert(t_.values_.begin(), none);
      t_.prefixes_.insert(t_.prefixes_.begin(), 0);
    }
    // blocks_[k]: the entry covering the first address of /16 block k.
    std::size_t entry = 0;
    for (std::uint32_t k = 0; k < 65536; ++k) {
      const std::uint32_t first = k << 16;
      while (entry + 1 < t_.starts_.size() && t_.starts_[entry + 1] <= first) ++entry;
      t_.blocks_[k] = static_cast<std::uint32_t>(entry);
    }
    t_.blocks_[65536] = static_cast<std::uint32_t>(t_.starts_.size() - 1);
    return std::move(t_);
  }

 private:
  void push(std::uint32_t start, std::uint8_t prefix, std::uint32_t value) {
    t_.starts_.push_back(start);
    t_.values_.push_back(value);
    t_.prefixes_.push_back(prefix);
  }
  Ipv4Table t_;
  std::uint64_t next_ = 0;
};

}  // namespace geotarget::detail
