// geotarget: the spend ledger, where the decision service records what each (campaign, area)
// budget of an allocation has spent, and where the report reads it back.
//
//   std::vector<geotarget::BudgetAccount> accounts = geotarget::budget_accounts(allocation);
//   auto ledger = geotarget::open_ledger("alloc.ledger", accounts, {});   // or "redis://127.0.0.1:6379"
//   if (ledger->try_spend(account, 25)) offer();                          // request path: lock-free
//   ledger->tick(std::chrono::steady_clock::now());                       // ledger thread: persist, lease
//
// An account is one campaign's area at the campaign's allocation level, or the area it was
// rolled up into (AreaAllocation::merged_into); accounts are numbered in the order
// budget_accounts() returns them, and that number is what the request path passes.
//
// Two kinds of ledger implement BudgetLedger:
// - the embedded ledger (a local file, the default): counters in memory, shared by all worker
//   threads through atomics, written to the file every flush interval; a kill -9 loses at most
//   one interval of spend.
// - the leased ledger (several replicas): each replica holds a small slice of every account's
//   budget, taken atomically from a LeaseStore (Redis, or an in-memory store in the simulator),
//   spends from its slices without waiting, and leases more ahead of need on tick(). The
//   overspend of an account across N replicas is at most N x its slice.
//
// Thread-safety: try_spend(), spend(), record_conversion() may run on any number of threads at
// once, take no lock and never block; tick() runs on one thread (the ledger thread) at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "geotarget/allocation_file.hpp"

namespace geotarget {

/// One budget account of an allocation.
struct BudgetAccount {
  std::string campaign_id;
  std::string area_id;
  std::int64_t planned_cents = 0;  ///< the area's budget in the allocation
};

/// The accounts of an allocation: every campaign's allocated areas with a budget, in the
/// allocation's order (campaigns, then areas).
std::vector<BudgetAccount> budget_accounts(const AllocationFile& allocation);

/// What the ledger knows of one account.
struct AccountSpend {
  std::int64_t spent_cents = 0;
  std::int64_t conversions = 0;
};

struct LedgerOptions {
  /// How often tick() persists (embedded) or reports and leases (leased). DEFAULT 1 s.
  std::chrono::milliseconds flush_interval{1000};
  /// Leased ledger: the slice leased at a time, as a share of the account's plan, at least one
  /// cost per decision. DEFAULT 1%.
  double slice_share = 0.01;
  /// Only read the spend recorded so far (the report): tick() never writes the file, leases or
  /// reports, and try_spend() spends nothing. DEFAULT false.
  bool read_only = false;
};

class BudgetLedger {
 public:
  virtual ~BudgetLedger() = default;
  /// Spends `cents` from the account when that much is left (of the plan for the embedded
  /// ledger, of the slices held for the leased one); false, spending nothing, otherwise.
  [[nodiscard]] virtual bool try_spend(std::size_t account, std::int64_t cents) noexcept = 0;
  /// A conversion reported for the account (POST /v1/events).
  virtual void record_conversion(std::size_t account) noexcept = 0;
  /// The account's spend as known here: this process's, plus the other replicas' as of the
  /// last exchange with the lease store.
  [[nodiscard]] virtual AccountSpend spend(std::size_t account) const noexcept = 0;
  /// The most the account can spend beyond its plan (0 for the embedded ledger).
  [[nodiscard]] virtual std::int64_t overspend_bound_cents(std::size_t account) const noexcept = 0;
  /// False while the leased ledger cannot reach its store (it spends only the slices it holds).
  [[nodiscard]] virtual bool connected() const noexcept = 0;
  /// Off the request path, on the ledger thread: persist, report spend, lease ahead.
  virtual void tick(std::chrono::steady_clock::time_point now) = 0;
};

/// One account's part of an exchange with the lease store.
struct LeaseExchange {
  std::string_view key;
  std::int64_t spent_cents = 0;  ///< spend of this replica since its last report
  std::int64_t conversions = 0;  ///< conversions of this replica since its last report
  std::int64_t want_cents = 0;   ///< to lease; 0: nothing
  std::int64_t plan_cents = 0;   ///< the account's plan, which caps the leased total
};

/// The store's answer to one LeaseExchange.
struct LeaseAnswer {
  std::int64_t granted_cents = 0;  ///< min(want, plan - leased total); 0 when the plan is used up
  AccountSpend totals;             ///< over all replicas, this report included
};

/// Where leased ledgers of several replicas take their slices: Redis, or in memory.
class LeaseStore {
 public:
  virtual ~LeaseStore() = default;
  /// Reports, leases and reads the totals of many accounts at once, each account atomically
  /// (Redis: one pipelined round trip for up to 1,000 accounts, not three per account).
  /// Answers in the order asked; an answer is nullopt when the store could not be reached for
  /// it, and then nothing of that account's exchange counted (it is sent again next time).
  virtual std::vector<std::optional<LeaseAnswer>> exchange(std::span<const LeaseExchange> batch) = 0;

  // One account's exchange, one part of it at a time.
  /// Atomically adds to the account's leased total min(want, plan - leased) cents and returns
  /// what it added (0 when the plan is used up); nullopt when the store cannot be reached.
  std::optional<std::int64_t> lease(std::string_view key, std::int64_t want_cents, std::int64_t plan_cents);
  /// Adds spend and conversions this replica made since its last report; false when unreachable.
  bool report(std::string_view key, std::int64_t spent_cents, std::int64_t conversions);
  /// The account's totals over all replicas; nullopt when unreachable.
  std::optional<AccountSpend> totals(std::string_view key);
};

/// Opens the ledger named by `address`: "redis://HOST:PORT" (a leased ledger over Redis), or a
/// local file path (the embedded ledger; created when missing). Spend recorded for a campaign
/// whose accounts (area ids and plans) differ from `accounts` is reset, campaign by campaign.
/// Throws geotarget::Error naming the address and what failed.
std::unique_ptr<BudgetLedger> open_ledger(const std::string& address,
                                          std::span<const BudgetAccount> accounts,
                                          const LedgerOptions& options = {});

/// The default ledger of an allocation: "alloc.json" -> "alloc.ledger" beside it.
[[nodiscard]] std::string default_ledger_path(const std::string& allocation_json);

}  // namespace geotarget
