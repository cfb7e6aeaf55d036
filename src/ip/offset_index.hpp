// Internal: an immutable open-addressing map from MMDB data-section offsets to dense record
// numbers. Built once at load; find() is one multiply and, almost always, one probe.
#pragma once

#include <bit>
#include <cstdint>
#include <vector>

namespace geotarget::detail {

class OffsetIndex {
 public:
  static constexpr std::uint32_t npos = 0xffffffffu;

  /// `offsets` must be distinct; record number i is offsets[i].
  explicit OffsetIndex(const std::vector<std::uint32_t>& offsets) {
    std::size_t capacity = std::bit_ceil(offsets.size() * 2 + 2);
    shift_ = 64 - std::countr_zero(capacity);
    slots_.assign(capacity, Slot{npos, npos});
    for (std::uint32_t i = 0; i < offsets.size(); ++i) {
      std::size_t at = home(offsets[i]);
      while (slots_[at].offset != npos) at = (at + 1) & (capacity - 1);
      slots_[at] = Slot{offsets[i], i};
    }
  }

  /// The record number of `offset`, or npos.
  [[nodiscard]] std::uint32_t find(std::uint32_t offset) const noexcept {
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t at = home(offset);; at = (at + 1) & mask) {
      const Slot& s = slots_[at];
      if (s.offset == offset) return s.record;
      if (s.offset == npos) return npos;
    }
  }

 private:
  struct Slot {
    std::uint32_t offset;
    std::uint32_t record;
  };
  [[nodiscard]] std::size_t home(std::uint32_t offset) const noexcept {
    return static_cast<std::size_t>((offset * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  int shift_ = 63;
  std::vector<Slot> slots_;
};

}  // namespace geotarget::detail
