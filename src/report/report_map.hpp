// Internal: the choropleth map of one campaign as inline SVG, and its legend.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "report_model.hpp"

namespace geotarget::detail {

/// A circle of geodesic radius on WGS84 as a closed ring of 73 [lon, lat] vertices: a radius
/// target, or a store's catchment.
Ring geodesic_circle(const RadiusArea& circle);

/// Quantile classes of the distinct budgets of the drawn areas; a zero budget has its own colour.
struct Legend {
  std::vector<std::int64_t> upper_cents;  ///< class i holds budgets in (upper[i-1], upper[i]]
  std::vector<std::int64_t> lower_cents;  ///< the smallest budget in class i
  std::vector<std::string> colours;       ///< one per class, light to dark
  std::string zero_colour;                ///< areas with no budget (excluded, or none given)
  [[nodiscard]] const std::string& colour_of(std::int64_t cents) const;
};

/// Up to `classes` (1 to 8) quantile classes of the distinct positive budgets, budgets at most
/// one cent above the lowest of their run counting as equal (largest-remainder rounding splits equal shares by a cent): equal
/// budgets always share a class, and all-equal budgets make one class.
Legend quantile_legend(std::vector<std::int64_t> budgets, int classes);

/// The budgets of the areas the map draws (shown, known to the geodata, not merged).
std::vector<std::int64_t> drawn_budgets(const CampaignView& view);

/// `<svg class="map">` with the context (regions and countries around the areas, light grey),
/// one `<path class="area">` per polygon area and per store catchment (its geodesic circle,
/// `data-budget-cents`), one `<path class="catchment rolled-up">` per store rolled up into its
/// district or region, and one `<circle class="area">` per point area. When the areas span
/// more than one map (countries more than 3,000 km apart, or whose own boxes cover less than a
/// quarter of the box holding them), one `<figure class="mapgroup">` a map, each with its own
/// projection and a caption naming its countries and budget.
/// Throws Error when PROJ cannot create the projection.
std::string map_svg(const CampaignView& view, const PlaceIndex& places, const Legend& legend,
                    const std::string& currency, const ReportOptions& options);

/// The colour of a pace (spent ÷ planned) on the map's delivery layer, ColorBrewer PuOr:
/// under 50% dark orange, 50% to 95% orange, 95% to 105% (on plan) light grey, 105% to 125%
/// light purple, over 125% dark purple.
const char* pace_colour(double pace);
/// `<svg class="legend">` of the delivery layer's classes.
std::string pace_legend_svg();

/// `<svg class="legend">`: one swatch per class, the zero colour, and how classes were made.
std::string legend_svg(const Legend& legend, const std::string& currency);

}  // namespace geotarget::detail
