// geotarget: spending an allocation's budgets from the decision path, paced per area.
//
//   std::shared_ptr<geotarget::BudgetLedger> ledger =
//       geotarget::open_ledger(geotarget::default_ledger_path("alloc.json"), geotarget::budget_accounts(alloc));
//   auto delivery = geotarget::Delivery::compile(*table, alloc, ledger);
//   std::size_t n = table->choose(d, day, visitor, picks);
//   n = delivery->spend(d, std::span(picks).first(n), random_state);   // request path
//   delivery->update(std::chrono::system_clock::now());               // pacing thread, every few seconds
//
// compile() finds, once per snapshot, the budget account of every (campaign, place) and
// (campaign, store) of the allocation: the area at the campaign's allocation level, or the area
// it was merged into (an ancestor). spend() then keeps, of the campaigns chosen for a visitor,
// those whose account passes its pacing draw and has budget left, spending each one's cost per
// decision; a campaign dropped leaves its place to the next candidate. Campaigns the allocation
// does not name are kept and spend nothing.
//
// Pacing (docs/architecture.md D36): every account has a pass-through probability, read by
// spend() from an atomic and recomputed by update() from the spend against the target curve of
// its campaign's pacing mode; even pacing follows a daily traffic profile in the area's local
// time (IANA zone of the place data), over the campaign's dates (UTC days, as choose() reads
// them). A campaign without both dates, or with pacing asap, is not paced: its areas spend until
// their budget is gone.
//
// Thread-safety: spend(), record_conversion(), figures() and account_of() may run on any number
// of threads at once; they take no lock and allocate nothing. update() runs on one thread at a
// time.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "geotarget/budget_ledger.hpp"
#include "geotarget/decision.hpp"

namespace geotarget {

/// Relative visitor traffic by local hour, 0:00-1:00 first: a retail web site's day, low at
/// night, rising through the morning, highest in the evening.
inline constexpr std::array<double, 24> kDefaultDailyProfile = {1.4, 0.9, 0.6, 0.5, 0.5, 0.7, 1.3, 2.4,
                                                                3.6, 4.5, 5.0, 5.3, 5.5, 5.4, 5.3, 5.2,
                                                                5.2, 5.4, 5.8, 6.3, 6.6, 6.2, 4.8, 3.0};

struct DeliveryOptions {
  /// How often the caller runs update(); the controller plans one interval ahead. DEFAULT 5 s.
  std::chrono::seconds pacing_interval{5};
  /// Catch-up bound: behind its curve, an account aims at most (1 + this) times the planned
  /// rate. DEFAULT 0.5.
  double max_catch_up = 0.5;
  /// The traffic profile even pacing follows, by local hour. DEFAULT kDefaultDailyProfile.
  std::array<double, 24> daily_profile = kDefaultDailyProfile;
};

/// One account as /v1/budget and /metrics show it.
struct AccountFigures {
  std::int64_t planned_cents = 0, spent_cents = 0, conversions = 0;
  std::int64_t target_cents = 0;  ///< what the campaign's curve asks to be spent by now
  double pace = 0;                ///< spent / target; 0 before any target
  double pass_probability = 1;    ///< of the pacing draw, 1 when not paced
};

class Delivery {
 public:
  static constexpr std::size_t no_account = static_cast<std::size_t>(-1);

  /// Maps the allocation onto the table's campaigns and places. `previous` (the snapshot's before
  /// a reload) hands over its pacing state for the accounts both have. Throws geotarget::Error
  /// when the allocation names a campaign the table has with another level, or its currency
  /// differs from the campaigns file's.
  static std::shared_ptr<Delivery> compile(const DecisionTable& table, const AllocationFile& allocation,
                                           std::shared_ptr<BudgetLedger> ledger, const DeliveryOptions& options = {},
                                           const Delivery* previous = nullptr);
  ~Delivery();
  Delivery(const Delivery&) = delete;
  Delivery& operator=(const Delivery&) = delete;

  /// Keeps, in order, the choices that may be offered and spends their cost; returns how many.
  /// `random` is the caller's generator state (any seed), advanced per draw.
  std::size_t spend(const Decision& decision, std::span<CampaignChoice> chosen, std::uint64_t& random) noexcept;
  /// Counts a conversion of `offer_id` for a visitor with this decision; false when no account
  /// of a campaign with that offer holds the visitor's area.
  bool record_conversion(const Decision& decision, std::string_view offer_id) noexcept;
  /// The account a choice of this decision spends from, or no_account.
  [[nodiscard]] std::size_t account_of(const Decision& decision, const CampaignChoice& choice) const noexcept;
  /// Recomputes every pass-through probability for `now`.
  void update(std::chrono::system_clock::time_point now);

  [[nodiscard]] std::span<const BudgetAccount> accounts() const noexcept;
  [[nodiscard]] AccountFigures figures(std::size_t account, std::chrono::system_clock::time_point now) const noexcept;
  /// The IANA zone the account's daily curve follows ("UTC" when the place data has none).
  [[nodiscard]] std::string_view time_zone(std::size_t account) const noexcept;
  [[nodiscard]] const std::shared_ptr<BudgetLedger>& ledger() const noexcept;

 private:
  struct Impl;
  explicit Delivery(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace geotarget
