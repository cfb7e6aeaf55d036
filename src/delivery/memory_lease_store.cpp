#include <algorithm>

#include "leased_ledger.hpp"

namespace geotarget::detail {

std::optional<std::int64_t> MemoryLeaseStore::lease(std::string_view key, std::int64_t want_cents, std::int64_t plan_cents) {
  std::lock_guard lock(mutex_);
  if (!reachable_) return std::nullopt;
  auto it = accounts_.find(key);
  if (it == accounts_.end()) it = accounts_.emplace(std::string(key), Account{}).first;
  const std::int64_t added = std::clamp<std::int64_t>(plan_cents - it->second.leased, 0, std::max<std::int64_t>(want_cents, 0));
  it->second.leased += added;
  return added;
}

bool MemoryLeaseStore::report(std::string_view key, std::int64_t spent_cents, std::int64_t conversions) {
  std::lock_guard lock(mutex_);
  if (!reachable_) return false;
  auto it = accounts_.find(key);
  if (it == accounts_.end()) it = accounts_.emplace(std::string(key), Account{}).first;
  it->second.spend.spent_cents += spent_cents;
  it->second.spend.conversions += conversions;
  return true;
}

std::optional<AccountSpend> MemoryLeaseStore::totals(std::string_view key) {
  std::lock_guard lock(mutex_);
  if (!reachable_) return std::nullopt;
  const auto it = accounts_.find(key);
  return it == accounts_.end() ? AccountSpend{} : it->second.spend;
}

std::vector<std::optional<LeaseAnswer>> MemoryLeaseStore::exchange(std::span<const LeaseExchange> batch) {
  std::lock_guard lock(mutex_);
  std::vector<std::optional<LeaseAnswer>> answers(batch.size());
  if (!reachable_) return answers;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const LeaseExchange& e = batch[i];
    auto it = accounts_.find(e.key);
    if (it == accounts_.end()) it = accounts_.emplace(std::string(e.key), Account{}).first;
    Account& a = it->second;
    a.spend.spent_cents += e.spent_cents;
    a.spend.conversions += e.conversions;
    const std::int64_t granted = std::clamp<std::int64_t>(e.plan_cents - a.leased, 0, std::max<std::int64_t>(e.want_cents, 0));
    a.leased += granted;
    answers[i] = LeaseAnswer{granted, a.spend};
  }
  return answers;
}

void MemoryLeaseStore::set_reachable(bool reachable) {
  std::lock_guard lock(mutex_);
  reachable_ = reachable;
}

std::int64_t MemoryLeaseStore::leased_cents(std::string_view key) const {
  std::lock_guard lock(mutex_);
  const auto it = accounts_.find(key);
  return it == accounts_.end() ? 0 : it->second.leased;
}

}  // namespace geotarget::detail
