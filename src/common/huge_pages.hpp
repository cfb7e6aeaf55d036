// Internal: an allocator for large lookup tables that asks the kernel for transparent huge
// pages (madvise MADV_HUGEPAGE). A random read into a 64 MB table otherwise costs a TLB miss
// and a page walk on top of the cache miss; with 2 MB pages the walk mostly disappears.
// Small allocations and systems without THP behave as with std::allocator.
#pragma once

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace geotarget::detail {

template <class T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) {
      void* p = std::malloc(bytes);
      if (!p) throw std::bad_alloc();
      return static_cast<T*>(p);
    }
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (!p) throw std::bad_alloc();
    (void)madvise(p, rounded, MADV_HUGEPAGE);  // advice only: without THP the pages stay small
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t) noexcept { std::free(p); }

  template <class U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace geotarget::detail
