// Internal: the response curve of a campaign as inline SVG (total spend -> expected revenue of
// the best split of that spend, with the plan, the budget and the saturation point), and the
// data the page's script needs to draw one area's curve on demand.
#pragma once

#include <string>

#include "report_model.hpp"

namespace geotarget::detail {

/// `<svg class="curve">` for spends from 0 to twice the budget, or a note when the allocation
/// has no response model or no area is allocated.
std::string campaign_curve_svg(const CampaignView& view, const std::string& currency);

/// Attributes for an area's row: `data-a`, `data-s`, `data-x` (A, s of its response curve and
/// its spend, currency units) for the script that draws its curve; "" without a response.
std::string area_curve_attributes(const CampaignAllocation& c, const AreaAllocation& area);

}  // namespace geotarget::detail
