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
  double expected_response = 0;  ///< R(x) in currency units
  double marginal_return = 0;    ///< R'(x)
  Binding binding = Binding::none;
  std::string merged_into;       ///< for merged areas
  std::string reason;            ///< why merged or excluded
};

struct CampaignAllocation {
  std::string campaign_id, name;
  std::string method;  ///< "optimal" or "proportional"
  PlaceLevel level = PlaceLevel::district;  ///< the level the budget is split over
  std::int64_t budget_cents = 0, unspent_cents = 0;
  std::int64_t min_audience = 0;  ///< the campaign's; areas below it are never shown alone
  double lambda = 0;  ///< the common marginal return (optimal only)
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

}  // namespace geotarget
