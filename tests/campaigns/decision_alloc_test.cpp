// decide() and choose() promise to allocate nothing. This executable replaces the global
// operator new (its own executable, so no other test pays for the hook) and counts the
// allocations made while a test holds an AllocationCount.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <string_view>
#include <utility>
#include <vector>

#include "geotarget/decision.hpp"
#include "test_support.hpp"

namespace {

bool counting = false;
std::size_t allocations = 0;

void* allocate(std::size_t size, std::size_t alignment) {
  if (counting) ++allocations;
  // aligned_alloc wants a size that is a multiple of the alignment.
  void* p = std::aligned_alloc(alignment, (std::max<std::size_t>(size, 1) + alignment - 1) / alignment * alignment);
  if (!p) throw std::bad_alloc();
  return p;
}

// Counts from construction to destruction. The suite is single-threaded while one lives:
// the table's load threads have finished.
class AllocationCount {
 public:
  AllocationCount() noexcept {
    allocations = 0;
    counting = true;
  }
  ~AllocationCount() { counting = false; }
  AllocationCount(const AllocationCount&) = delete;
  AllocationCount& operator=(const AllocationCount&) = delete;
  [[nodiscard]] std::size_t seen() const noexcept { return allocations; }
};

}  // namespace

// Every form, not only the two that libstdc++ routes the array and nothrow forms through: a
// sanitizer's runtime replaces those forms itself, so under ASan they were neither counted nor
// paired with the deletes here (ASan reported alloc-dealloc-mismatch on Catch's nothrow new).
namespace {
void* allocate_nothrow(std::size_t size, std::size_t alignment) noexcept {
  try {
    return allocate(size, alignment);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
constexpr std::size_t kDefault = alignof(std::max_align_t);
std::size_t value(std::align_val_t a) { return static_cast<std::size_t>(a); }
}  // namespace

void* operator new(std::size_t size) { return allocate(size, kDefault); }
void* operator new[](std::size_t size) { return allocate(size, kDefault); }
void* operator new(std::size_t size, std::align_val_t a) { return allocate(size, value(a)); }
void* operator new[](std::size_t size, std::align_val_t a) { return allocate(size, value(a)); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept { return allocate_nothrow(size, kDefault); }
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept { return allocate_nothrow(size, kDefault); }
void* operator new(std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return allocate_nothrow(size, value(a));
}
void* operator new[](std::size_t size, std::align_val_t a, const std::nothrow_t&) noexcept {
  return allocate_nothrow(size, value(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

using namespace geotarget;

TEST_CASE("the allocation count sees an allocation, in every form of operator new") {
  AllocationCount count;
  ::operator delete(::operator new(16));  // a call, not a new-expression: it cannot be elided
  CHECK(count.seen() == 1);
  ::operator delete[](::operator new[](16));
  ::operator delete(::operator new(16, std::nothrow), std::nothrow);
  ::operator delete(::operator new(16, std::align_val_t{64}), std::align_val_t{64});
  CHECK(count.seen() == 4);
}

TEST_CASE("decide() and choose() allocate nothing, with and without visitor attributes") {
  const auto table = DecisionTable::load({{GEOTARGET_DEMO_DB}, test::source_path("geodata/default.yaml").string(),
                                          test::source_path("geodata/samples/campaigns.yaml").string(), {}, {}});
  // Los Angeles, New York, Chicago, Houston (IPv4 table); Mountain View (IPv6, the resolver's
  // tree walk); a private address; an address no network covers.
  std::vector<IpAddress> addresses;
  for (const char* text : {"63.140.0.1", "66.0.0.1", "24.12.0.1", "66.7.0.1", "2001:4860::1", "10.1.2.3", "1.2.3.4"})
    REQUIRE(parse_ip(text, addresses.emplace_back()));
  using Pairs = std::vector<std::pair<std::string_view, std::string_view>>;
  const Pairs gold{{"loyalty_tier", "gold"}, {"days_since_purchase", "200"}, {"price_sensitivity", "low"}};
  const Pairs platinum{{"loyalty_tier", "platinum"}, {"days_since_purchase", "400.5"}};
  const Pairs strangers{{"favourite_colour", "green"}};
  const VisitorAttributes visitors[] = {gold, platinum, strangers, {}};
  // Every sample campaign but the summer one runs on this day.
  const std::int64_t day =
      std::chrono::sys_days{std::chrono::year{2026} / 4 / 1}.time_since_epoch().count();
  std::array<CampaignChoice, 16> out;
  std::size_t anyone = 0, with_attributes = 0, seen = 0;
  {
    AllocationCount count;
    for (const IpAddress& address : addresses) {
      const Decision d = table->decide(address);
      anyone += table->choose(d, day, nullptr, out);
      for (const VisitorAttributes& visitor : visitors) with_attributes += table->choose(d, day, &visitor, out);
    }
    seen = count.seen();
  }
  CHECK(seen == 0);
  // The checks ran on decisions with candidates, and segments matched some visitors.
  CHECK(anyone >= 4);
  CHECK(with_attributes >= 3);
}
