#include "leased_ledger.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "fnv1a.hpp"

namespace geotarget::detail {

namespace {

// A fingerprint of a campaign's accounts, stable across processes and builds: each area id and
// plan followed by 0xff, a separator no text byte can fake.
std::uint64_t fingerprint(std::span<const BudgetAccount> campaign) {
  Fnv1a h;
  for (const BudgetAccount& a : campaign) {
    h.add(a.area_id).add_byte(0xff);
    h.add(std::to_string(a.planned_cents)).add_byte(0xff);
  }
  return h.value();
}

// A part of a key with every byte but letters, digits, '.', '-' and '_' written as %XX, so that
// ':' separates the parts unambiguously whatever the ids hold (no two accounts share a key).
std::string key_part(std::string_view id) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(id.size());
  for (const char c : id) {
    const auto byte = static_cast<unsigned char>(c);
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                       c == '-' || c == '_';
    if (plain) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> lease_keys(std::span<const BudgetAccount> accounts) {
  std::vector<std::string> keys;
  keys.reserve(accounts.size());
  for (std::size_t first = 0; first < accounts.size();) {
    std::size_t end = first;
    while (end < accounts.size() && accounts[end].campaign_id == accounts[first].campaign_id) ++end;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx",
                  static_cast<unsigned long long>(fingerprint(accounts.subspan(first, end - first))));
    const std::string campaign = key_part(accounts[first].campaign_id) + ":" + hex + ":";
    for (std::size_t i = first; i < end; ++i) keys.push_back(campaign + key_part(accounts[i].area_id));
    first = end;
  }
  return keys;
}

LeasedLedger::LeasedLedger(std::shared_ptr<LeaseStore> store, std::span<const BudgetAccount> accounts,
                           const LedgerOptions& options)
    : store_(std::move(store)),
      accounts_(accounts.begin(), accounts.end()),
      keys_(lease_keys(accounts)),
      options_(options),
      slices_(std::make_unique<Slice[]>(accounts.size())),
      reported_(accounts.size()) {
  bool reached = true;
  for (std::size_t i = 0; i < accounts_.size() && reached; ++i) reached = refresh_totals(i);
  connected_.store(reached);
}

bool LeasedLedger::try_spend(std::size_t account, std::int64_t cents) noexcept {
  Slice& s = slices_[account];
  if (s.cost.load(std::memory_order_relaxed) < cents) s.cost.store(cents, std::memory_order_relaxed);
  std::int64_t held = s.held.load(std::memory_order_relaxed);
  do {
    if (held < cents) return false;
  } while (!s.held.compare_exchange_weak(held, held - cents, std::memory_order_relaxed));
  s.spent.fetch_add(cents, std::memory_order_relaxed);
  return true;
}

void LeasedLedger::record_conversion(std::size_t account) noexcept {
  slices_[account].conversions.fetch_add(1, std::memory_order_relaxed);
}

AccountSpend LeasedLedger::spend(std::size_t account) const noexcept {
  const Slice& s = slices_[account];
  return {s.spent.load(std::memory_order_relaxed) + s.others_spent.load(std::memory_order_relaxed),
          s.conversions.load(std::memory_order_relaxed) + s.others_conversions.load(std::memory_order_relaxed)};
}

std::int64_t LeasedLedger::slice_cents(std::size_t account) const noexcept {
  const auto share = static_cast<std::int64_t>(std::ceil(options_.slice_share * static_cast<double>(accounts_[account].planned_cents)));
  return std::max({share, 2 * slices_[account].cost.load(std::memory_order_relaxed), std::int64_t{1}});
}

std::int64_t LeasedLedger::overspend_bound_cents(std::size_t account) const noexcept { return slice_cents(account); }

std::int64_t LeasedLedger::held_cents(std::size_t account) const noexcept {
  return slices_[account].held.load(std::memory_order_relaxed);
}

bool LeasedLedger::refresh_totals(std::size_t account) {
  const std::optional<AccountSpend> all = store_->totals(keys_[account]);
  if (!all) return false;
  Slice& s = slices_[account];
  s.others_spent.store(std::max<std::int64_t>(0, all->spent_cents - reported_[account].spent), std::memory_order_relaxed);
  s.others_conversions.store(std::max<std::int64_t>(0, all->conversions - reported_[account].conversions),
                             std::memory_order_relaxed);
  return true;
}

// Reports what was spent since the last report, leases ahead of need, reads the totals.
bool LeasedLedger::exchange(std::size_t account) {
  Slice& s = slices_[account];
  Reported& r = reported_[account];
  const std::int64_t spent = s.spent.load(std::memory_order_relaxed);
  const std::int64_t conversions = s.conversions.load(std::memory_order_relaxed);
  const std::int64_t new_spend = spent - r.spent;
  r.recent = 0.7 * r.recent + 0.3 * static_cast<double>(new_spend);
  if (new_spend > 0 || conversions > r.conversions) {
    if (!store_->report(keys_[account], new_spend, conversions - r.conversions)) return false;
    r.spent = spent;
    r.conversions = conversions;
  }
  // The first lease is a whole slice; later ones follow the recent spend, and hold at least
  // two of the largest cost asked, so that sparse traffic does not find the slice empty.
  const std::int64_t cost = s.cost.load(std::memory_order_relaxed);
  const std::int64_t ahead = !r.leased ? slice_cents(account)
                                       : std::clamp(static_cast<std::int64_t>(std::ceil(2 * r.recent)) + 2 * cost,
                                                    std::max<std::int64_t>(2 * cost, 1), slice_cents(account));
  const std::int64_t held = s.held.load(std::memory_order_relaxed);
  if (held < ahead) {
    const std::optional<std::int64_t> added = store_->lease(keys_[account], ahead - held, accounts_[account].planned_cents);
    if (!added) return false;
    r.leased = true;
    s.held.fetch_add(*added, std::memory_order_relaxed);
  }
  return refresh_totals(account);
}

void LeasedLedger::tick(std::chrono::steady_clock::time_point now) {
  if (last_tick_ && now - *last_tick_ < options_.flush_interval) return;
  last_tick_ = now;
  bool reached = true;
  for (std::size_t i = 0; i < accounts_.size() && reached; ++i)
    reached = options_.read_only ? refresh_totals(i) : exchange(i);
  connected_.store(reached, std::memory_order_relaxed);
}

}  // namespace geotarget::detail
