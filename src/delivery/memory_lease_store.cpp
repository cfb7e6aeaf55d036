#include <algorithm>

#include "leased_ledger.hpp"

namespace geotarget::detail {

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
