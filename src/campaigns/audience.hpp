// Internal: audience per campaign and area, counted from a mapped customer file.
#pragma once

#include <string>
#include <vector>

#include "geotarget/allocator.hpp"
#include "geotarget/campaigns.hpp"

namespace geotarget::detail {

struct CampaignAudience {
  std::vector<AllocationArea> areas;   ///< areas with at least one targeted customer
  std::size_t targeted = 0;            ///< customers in the targets and the segment
  std::size_t without_area = 0;        ///< of those, mapped too coarsely for the campaign's level (or in no store's circle)
};

/// Reads `mapped_csv` (the output of geotarget map) once and counts, for every campaign, the
/// customers it targets per area at its level, with each area's ancestors and main offer.
/// Targets are found through the campaigns' spatial index (target_index.hpp). At level store,
/// a customer counts for the nearest of the campaign's stores whose circle holds them (ties by
/// store id), so overlapping circles never count a customer twice; a customer targeted only
/// through places or polygons has no store and counts as without area.
/// Throws geotarget::Error when the file cannot be read or lacks the geo_ columns.
std::vector<CampaignAudience> count_audience(const std::string& mapped_csv, const CampaignSet& campaigns,
                                             const PlaceIndex& index);

}  // namespace geotarget::detail
