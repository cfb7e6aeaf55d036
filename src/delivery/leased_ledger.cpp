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
  exchange_with_store(true);  // the other replicas' spend so far
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

// What the account reports (spend and conversions since the last report; none for totals only)
// and leases: the first lease is a whole slice; later ones follow the recent spend, and hold at
// least two of the largest cost asked, so that sparse traffic does not find the slice empty.
LeaseExchange LeasedLedger::request(std::size_t account, bool totals_only) {
  LeaseExchange e{.key = keys_[account], .plan_cents = accounts_[account].planned_cents};
  if (totals_only) return e;
  const Slice& s = slices_[account];
  Reported& r = reported_[account];
  e.spent_cents = s.spent.load(std::memory_order_relaxed) - r.spent;
  e.conversions = s.conversions.load(std::memory_order_relaxed) - r.conversions;
  r.recent = 0.7 * r.recent + 0.3 * static_cast<double>(e.spent_cents);
  const std::int64_t cost = s.cost.load(std::memory_order_relaxed);
  const std::int64_t ahead = !r.leased ? slice_cents(account)
                                       : std::clamp(static_cast<std::int64_t>(std::ceil(2 * r.recent)) + 2 * cost,
                                                    std::max<std::int64_t>(2 * cost, 1), slice_cents(account));
  e.want_cents = std::max<std::int64_t>(0, ahead - s.held.load(std::memory_order_relaxed));
  return e;
}

void LeasedLedger::apply(std::size_t account, const LeaseExchange& sent, const LeaseAnswer& answer) {
  Slice& s = slices_[account];
  Reported& r = reported_[account];
  r.spent += sent.spent_cents;
  r.conversions += sent.conversions;
  r.leased = r.leased || sent.want_cents > 0;
  s.held.fetch_add(answer.granted_cents, std::memory_order_relaxed);
  s.others_spent.store(std::max<std::int64_t>(0, answer.totals.spent_cents - r.spent), std::memory_order_relaxed);
  s.others_conversions.store(std::max<std::int64_t>(0, answer.totals.conversions - r.conversions),
                             std::memory_order_relaxed);
}

// One exchange for every account: reports what was spent since the last report, leases ahead
// of need, reads the totals (with `totals_only`, reads them only).
void LeasedLedger::exchange_with_store(bool totals_only) {
  std::vector<LeaseExchange> batch(accounts_.size());
  for (std::size_t i = 0; i < accounts_.size(); ++i) batch[i] = request(i, totals_only);
  const std::vector<std::optional<LeaseAnswer>> answers = store_->exchange(batch);
  bool reached = answers.size() == batch.size();
  for (std::size_t i = 0; i < batch.size() && i < answers.size(); ++i) {
    if (answers[i]) apply(i, batch[i], *answers[i]);
    else reached = false;
  }
  connected_.store(reached, std::memory_order_relaxed);
}

void LeasedLedger::tick(std::chrono::steady_clock::time_point now) {
  if (last_tick_ && now - *last_tick_ < options_.flush_interval) return;
  last_tick_ = now;
  exchange_with_store(options_.read_only);
}

}  // namespace geotarget::detail
