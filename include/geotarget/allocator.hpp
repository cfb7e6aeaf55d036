// geotarget: splitting a campaign's budget across areas.
//
//   std::vector<geotarget::AllocationArea> areas = ...;   // audience per area, with parents
//   geotarget::CampaignAllocation a = geotarget::allocate_budget(campaign, areas);
//   // a.areas[i].budget_cents sum with a.unspent_cents to campaign.budget_cents exactly
//
// Optimal: maximise the total expected response sum R_i(x_i) subject to sum x_i = budget and
// min <= x_i <= max, where R_i is the campaign's saturating response curve for the area's
// audience (campaigns.hpp). The curves are concave, so the optimum is where every area not at a
// bound has the same marginal return lambda (KKT); x_i(lambda) has a closed form per model and
// sum x_i(lambda) falls as lambda rises, so lambda is found by bisection ("water-filling").
// Proportional: x_i proportional to audience or population, within the same bounds.
//
// The efficiency floor (optimal, unless spend_all): no cent is planned where its marginal return
// is below target_marginal_return t. That is the same problem with sum x_i <= budget and the
// objective sum R_i(x_i) - t sum x_i; its KKT conditions make the common marginal return
// lambda = t + mu >= t, mu being the budget's multiplier: either the whole budget is spent at
// some lambda >= t, or mu = 0, lambda = t and the rest stays unspent with reason "saturated".
// min_per_area is bought whole or not at all: an area whose minimum returns less than t per unit
// spent (R(min) < t min) rolls up like one below min_audience; above the minimum every cent
// returns at least t at the margin (cents are rounded down when the floor binds).
//
// Micro to macro: an area whose audience is below min_audience, or whose expected response at
// the optimum does not cover the fixed cost per area, is merged into its parent area (town >
// district > region) and the allocation is solved again, until nothing changes. A region-level
// area that still fails is excluded. Money is integer cents, rounded by largest remainder
// (ties by area id), so areas plus unspent equal the budget exactly. The result does not
// depend on the order of the input areas.
//
// Thread-safety: a pure function.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "geotarget/campaigns.hpp"

namespace geotarget {

/// A place an area can roll up into.
struct AreaRef {
  std::string id, name;
  PlaceLevel level = PlaceLevel::region;
};

/// One candidate area of a campaign.
struct AllocationArea {
  std::string id, name;
  PlaceLevel level = PlaceLevel::district;
  std::int64_t audience = 0;
  double population = 0;           ///< for proportional-by-population; 0 when unknown
  std::vector<AreaRef> ancestors;  ///< nearest first, up to the region; empty at the top
  std::string offer;               ///< the offer most of its audience gets
};

/// Why part of a campaign's budget is not planned.
enum class UnspentReason : std::uint8_t {
  none,          ///< everything is planned
  saturated,     ///< the rest would return less than target_marginal_return
  max_per_area,  ///< every area is at its maximum
};
[[nodiscard]] std::string_view describe(UnspentReason r) noexcept;  ///< "none", "saturated", ...
/// Parses an unspent reason; false when unknown.
[[nodiscard]] bool parse_unspent_reason(std::string_view text, UnspentReason& out) noexcept;

/// An offer as a reader sees it.
struct OfferLabel {
  std::string id, text;
};

enum class Binding : std::uint8_t { none, min, max, merged, excluded };
[[nodiscard]] std::string_view describe(Binding b) noexcept;  ///< "none", "min", ...
/// Parses a binding name; false when unknown.
[[nodiscard]] bool parse_binding(std::string_view text, Binding& out) noexcept;

struct AreaAllocation {
  std::string area_id, name;
  PlaceLevel level = PlaceLevel::district;
  std::int64_t audience = 0;
  std::int64_t budget_cents = 0;
  std::string offer;
  double expected_response = 0;  ///< R(x): the expected revenue, in currency units
  double expected_conversions = 0;  ///< audience x conversion_rate x reach(x) = R(x) / value_per_conversion
  double marginal_return = 0;    ///< R'(x)
  Binding binding = Binding::none;
  std::string merged_into;       ///< for merged areas
  std::string reason;            ///< why merged or excluded
  /// Level store: the store's circle (centre, radius_km, and its name and id), which the report
  /// draws; absent for place areas and in files written before it was added.
  std::optional<RadiusArea> catchment;
};

struct CampaignAllocation {
  std::string campaign_id, name;
  std::string method;  ///< "optimal" or "proportional"
  PlaceLevel level = PlaceLevel::district;  ///< the level the budget is split over
  std::int64_t budget_cents = 0, unspent_cents = 0;
  std::int64_t min_audience = 0;  ///< the campaign's; areas below it are never shown alone
  double lambda = 0;  ///< the common marginal return (optimal only; >= the floor unless spend_all)
  UnspentReason unspent_reason = UnspentReason::none;
  /// The campaign's settings the report shows and draws (copied by allocate_budget).
  double target_marginal_return = 0;
  bool spend_all = false;
  std::int64_t min_per_area_cents = 0, max_per_area_cents = -1;  ///< -1: no maximum
  std::optional<ResponseSpec> response;  ///< absent in files written before it was added
  std::vector<OfferLabel> offers;
  TargetAreas target;  ///< the included places, circles and polygons
  std::vector<AreaAllocation> areas;  ///< allocated areas by id, then merged/excluded ones
  /// Customers in the campaign's targets and segment, and those of them mapped too coarsely
  /// for its level (set by allocate_customers; 0 from allocate_budget).
  std::size_t targeted_customers = 0, customers_without_area = 0;
};

struct AllocatorOptions {
  /// Bisection stops when the lambda interval is this narrow relative to lambda. DEFAULT: 1e-14.
  double relative_tolerance = 1e-14;
  /// Upper bound on bisection steps. DEFAULT: 200.
  int max_steps = 200;
};

/// Allocates `campaign.budget_cents` over `areas`. Throws geotarget::Error naming the field for
/// infeasible input: "min_per_area: 3 areas x 100.00 exceed the budget 250.00", no area with
/// any audience, a maximum below the minimum; and for areas that overlap (an area whose
/// ancestors include another area of `areas`).
CampaignAllocation allocate_budget(const Campaign& campaign, const std::vector<AllocationArea>& areas,
                                   const AllocatorOptions& options = {});

/// The response curve of an area: value, derivative, and the spend at which the derivative
/// equals lambda (unclamped, 0 when even the first cent returns less than lambda).
struct ResponseCurve {
  double max_value, scale;  ///< A and s of campaigns.hpp
  ResponseModel model;
  static ResponseCurve of(const ResponseSpec& spec, std::int64_t audience);
  [[nodiscard]] double value(double x) const noexcept;
  [[nodiscard]] double marginal(double x) const noexcept;
  [[nodiscard]] double spend_at(double lambda) const noexcept;
};

/// The best split of `total` (currency units) over areas with these curves, each between `min`
/// and `max` (currency units; infinity: none), with no floor: the spend per area, in the order of
/// `curves`. `total` below the sum of the minimums gives every area its minimum. The report's
/// response curves are drawn from it.
std::vector<double> optimal_split(const std::vector<ResponseCurve>& curves, double min, double max, double total,
                                  const AllocatorOptions& options = {});

}  // namespace geotarget
