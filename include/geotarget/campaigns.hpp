// geotarget: local campaigns, their targets, offers and allocation settings.
//
//   geotarget::CampaignSet set = geotarget::load_campaigns("campaigns.yaml", index.get());
//   for (const auto& c : set.campaigns)
//     if (c.targets(chain, point) && c.active_on("2026-03-15")) use(c.id);
//
// The file is YAML (JSON is YAML too); the format is in docs/formats.md. Errors name the file,
// the line and the field: "campaigns.yaml:12: campaigns[0].allocation.min_per_area: ...".
// Money is read in currency units and kept as integer cents.
//
// Thread-safety: immutable after loading; targets() may run on any number of threads.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "geotarget/place_index.hpp"
#include "geotarget/segment.hpp"

namespace geotarget {

/// A circle around a point, typically a store: from the campaigns file's `radius` list or one
/// row of a stores file (`stores` with `radius_km`).
struct RadiusArea {
  LatLng centre{0, 0};
  double km = 0;
  std::string name;
  std::string id;  ///< the store's id; in a `radius` list, its `id` or else its name
};

/// Where a campaign runs: place ids at any level, circles around points (stores), and polygons.
///
/// Polygons follow the place index's boundary rule (place_index.hpp): a point on a polygon's
/// boundary is inside exactly when the points immediately east of it are (immediately north of
/// it on an east-west edge), so a point on a border shared by two zones is in exactly one of
/// them, the one east (then north) of it; a point on a boundary with nothing east of it is in
/// none. Longitude 180 is treated as -180, so a zone cut at the antimeridian is whole again.
struct TargetAreas {
  std::vector<std::string> places;
  std::vector<RadiusArea> radius;  ///< `radius` entries, then the rows of `stores` files
  std::vector<Polygon> polygons;  ///< from WKT or GeoJSON files, WGS84; each part with its holes
  [[nodiscard]] bool empty() const noexcept { return places.empty() && radius.empty() && polygons.empty(); }
};

struct Offer {
  std::string id, text;
  Segment segment;  ///< customers it is for; matches everyone when absent
};

enum class ResponseModel : std::uint8_t {
  exponential,  ///< R(x) = A (1 - e^(-x/s))
  hyperbolic,   ///< R(x) = A x / (x + s)
};

/// The response curve of an area with `audience` customers: A = audience * conversion_rate *
/// value_per_conversion (the most it can return), s = audience * cost_per_reach (the spend
/// that reaches the audience once).
struct ResponseSpec {
  ResponseModel model = ResponseModel::exponential;
  double conversion_rate = 0.02;
  double value_per_conversion = 40;
  double cost_per_reach = 0.5;
};

enum class AllocationMethod : std::uint8_t { optimal, proportional };
enum class AllocationWeight : std::uint8_t { audience, population };

struct AllocationSpec {
  AllocationMethod method = AllocationMethod::optimal;
  AllocationWeight weight = AllocationWeight::audience;  ///< proportional only
  std::int64_t min_per_area_cents = 0;
  std::int64_t max_per_area_cents = -1;  ///< -1: no maximum
  std::int64_t fixed_cost_per_area_cents = 0;
  std::int64_t min_audience = 0;
  ResponseSpec response;
  /// Optimal only: the efficiency floor. No cent is planned where its marginal return (currency
  /// returned per currency unit spent) is below this; budget that cannot be spent at or above it
  /// stays unspent ("saturated"). DEFAULT: 1.0 (with the response in money: a dollar returns at
  /// least a dollar).
  double target_marginal_return = 1.0;
  /// Optimal only: spend the whole budget whatever it returns (no floor), as before the floor
  /// existed. DEFAULT: false.
  bool spend_all = false;
};

/// How a campaign's budget is spent over its flight (docs/architecture.md D36): `even` follows
/// the daily traffic curve in each area's local time so that spend tracks it evenly to the end
/// date, `frontloaded` aims 25% ahead of even (the plan is reached at about 80% of the
/// flight), `asap` spends as fast as visitors come, up to the budget.
enum class Pacing : std::uint8_t { even, frontloaded, asap };
[[nodiscard]] std::string_view describe(Pacing p) noexcept;  ///< "even", "frontloaded", "asap"
/// Parses a pacing name; false when unknown.
[[nodiscard]] bool parse_pacing(std::string_view text, Pacing& out) noexcept;

struct Campaign {
  std::string id, name;
  std::int64_t budget_cents = 0;
  /// What one decision that offers the campaign spends, in cents. DEFAULT (-1 in the struct):
  /// the response model's cost_per_reach; cost_per_decision_or_default() resolves it.
  std::int64_t cost_per_decision_cents = -1;
  Pacing pacing = Pacing::even;  ///< DEFAULT even
  std::string start, end;  ///< ISO dates, inclusive; empty: open
  int priority = 0;        ///< higher wins when several match
  PlaceLevel level = PlaceLevel::district;  ///< the level the budget is split over
  TargetAreas include, exclude;
  Segment segment;
  std::vector<Offer> offers;
  AllocationSpec allocation;

  /// True when the point (with its places) is inside an included area and no excluded one.
  /// With an unknown point only the place ids are checked (radius and polygons need a point).
  /// Checks every target in turn: the reference that the spatial index of a whole campaigns
  /// file (used by allocate and serve) must agree with.
  [[nodiscard]] bool targets(const PlaceChain& chain, LatLng point) const noexcept;
  /// cost_per_decision_cents, or else the response's cost_per_reach in cents (at least 1).
  [[nodiscard]] std::int64_t cost_per_decision_or_default() const noexcept;
  /// True when `iso_date` (YYYY-MM-DD) lies within the campaign's dates.
  [[nodiscard]] bool active_on(const std::string& iso_date) const noexcept;
  /// The first offer whose segment the customer matches, or nullptr; `value_of` reads the
  /// customer's columns, as for Segment::matches.
  template <RowValues F>
  [[nodiscard]] const Offer* offer_for(const F& value_of) const noexcept(kNothrowRowValues<F>) {
    for (const Offer& o : offers)
      if (o.segment.matches(value_of)) return &o;
    return nullptr;
  }
};

struct CampaignSet {
  std::string path;
  std::string currency = "USD";  ///< ISO 4217 alphabetic code
  std::vector<Campaign> campaigns;
};

/// The most money any amount may hold: 10^12 currency units, in cents. Ten thousand campaigns
/// of this size still sum within 64 bits.
inline constexpr std::int64_t kMaxMoneyCents = 100'000'000'000'000;
/// The most campaigns one file may declare.
inline constexpr std::size_t kMaxCampaigns = 10'000;
/// The most vertices one polygon file of a campaign target may hold.
inline constexpr std::size_t kMaxZoneVertices = 1'000'000;

/// True for an ISO 4217 alphabetic code: exactly three capital letters A-Z ("USD", "ILS", "GEL").
[[nodiscard]] bool is_currency_code(std::string_view text) noexcept;
/// Decimals an amount in this currency may have: 0 for currencies without minor units in use
/// (JPY, KRW, ISK, CLP, VND, ...), else 2. Amounts are kept in hundredths of a unit whatever it is.
[[nodiscard]] int currency_decimals(std::string_view code) noexcept;

/// Loads and validates a campaigns file. Money is written as digits with at most the currency's
/// decimals (1000, 1000.5, 1000.50; not 1e3, not 1000.005), at most kMaxMoneyCents. With `places`, every place id in a target must exist.
/// Throws geotarget::Error naming the file, line and field.
CampaignSet load_campaigns(const std::string& path, const PlaceIndex* places = nullptr);

}  // namespace geotarget
