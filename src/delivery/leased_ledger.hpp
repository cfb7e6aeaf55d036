// Internal: the leased ledger, one replica's view of budgets shared through a LeaseStore.
//
// Each account holds a slice leased from the store: try_spend() takes from it with a
// compare-and-swap and never waits; an empty slice refuses. tick(), on the ledger thread, for
// every account: reports the spend and conversions made since the last report, leases more
// when the slice runs low (a whole slice the first time, then about two flush intervals of the
// recent spend plus two of the largest cost asked, at most the slice), and reads the
// totals of all replicas. The store never leases past the plan, so the replicas together never
// spend past it; the stated bound per replica (overspend_bound_cents) is the slice, what a
// replica may hold when the store loses its lease records (a Redis restarted without
// persistence) and leases the plan again. While the store cannot be reached, the replica spends
// what it holds and then refuses (fails closed); every tick tries again.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "geotarget/budget_ledger.hpp"

namespace geotarget::detail {

/// The store keys of accounts: "CAMPAIGN:FINGERPRINT:AREA", the ids escaped (every byte but
/// letters, digits, '.', '-' and '_' as %XX, so that crafted ids cannot make two accounts share
/// a key), the fingerprint (16 hex digits) being a hash of the campaign's area ids and plans, so that a changed allocation starts the
/// campaign afresh (its old keys are left to expire or be deleted by the store).
std::vector<std::string> lease_keys(std::span<const BudgetAccount> accounts);

class LeasedLedger final : public BudgetLedger {
 public:
  /// Reads the totals of every account once (the store may be unreachable: then they start at
  /// zero and connected() is false until a tick reaches it).
  LeasedLedger(std::shared_ptr<LeaseStore> store, std::span<const BudgetAccount> accounts, const LedgerOptions& options);

  [[nodiscard]] bool try_spend(std::size_t account, std::int64_t cents) noexcept override;
  void record_conversion(std::size_t account) noexcept override;
  [[nodiscard]] AccountSpend spend(std::size_t account) const noexcept override;
  [[nodiscard]] std::int64_t overspend_bound_cents(std::size_t account) const noexcept override;
  [[nodiscard]] bool connected() const noexcept override { return connected_.load(std::memory_order_relaxed); }
  void tick(std::chrono::steady_clock::time_point now) override;

  /// The cents this replica holds of the account and has not spent.
  [[nodiscard]] std::int64_t held_cents(std::size_t account) const noexcept;

 private:
  struct alignas(64) Slice {
    std::atomic<std::int64_t> held{0}, spent{0}, conversions{0};
    std::atomic<std::int64_t> cost{0};  // the largest cost asked of the account
    std::atomic<std::int64_t> others_spent{0}, others_conversions{0};  // other replicas', as of the last exchange
  };
  struct Reported {  // ledger thread only
    std::int64_t spent = 0, conversions = 0;
    double recent = 0;  // spend per flush interval, smoothed
    bool leased = false;
  };
  /// The slice: slice_share of the plan, at least two of the largest cost asked.
  [[nodiscard]] std::int64_t slice_cents(std::size_t account) const noexcept;
  // This tick's part of the account in the exchange with the store.
  [[nodiscard]] LeaseExchange request(std::size_t account, bool totals_only);
  void apply(std::size_t account, const LeaseExchange& sent, const LeaseAnswer& answer);
  void exchange_with_store(bool totals_only);

  std::shared_ptr<LeaseStore> store_;
  std::vector<BudgetAccount> accounts_;
  std::vector<std::string> keys_;
  LedgerOptions options_;
  std::unique_ptr<Slice[]> slices_;
  std::vector<Reported> reported_;
  std::optional<std::chrono::steady_clock::time_point> last_tick_;  // none before the first tick
  std::atomic<bool> connected_{true};
};

/// A LeaseStore in memory, for the simulator and the tests: several leased ledgers over one
/// instance behave as replicas over one Redis. set_reachable(false) makes every call fail, as
/// a Redis that is down. Thread-safe (one mutex).
class MemoryLeaseStore final : public LeaseStore {
 public:
  std::vector<std::optional<LeaseAnswer>> exchange(std::span<const LeaseExchange> batch) override;
  void set_reachable(bool reachable);
  /// What has been leased of the account over all replicas.
  [[nodiscard]] std::int64_t leased_cents(std::string_view key) const;

 private:
  struct Account {
    std::int64_t leased = 0;
    AccountSpend spend;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Account, std::less<>> accounts_;
  bool reachable_ = true;
};

}  // namespace geotarget::detail
