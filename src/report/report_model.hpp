// Internal: the report's view of an allocation file (geotarget/allocation_file.hpp): the areas that
// may be shown (the privacy rule lives in build_report_model and nowhere else), the "other
// areas" row, totals per region and the merge notes. The HTML page, the map and the exports
// all render this one model.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "geotarget/allocation_file.hpp"
#include "geotarget/place_index.hpp"
#include "geotarget/report.hpp"

namespace geotarget::detail {

/// An area that passes the privacy rule, with where it is.
struct ShownArea {
  const AreaAllocation* area = nullptr;
  const Place* place = nullptr;  ///< nullptr when the geodata has no place with this id
  std::string region_id, region_name;  ///< its region (or country where there are no regions)
  /// The area's merged_into as it may be shown: "other" when the target is itself hidden.
  std::string merged_into;
};

/// The areas below the privacy threshold, summed.
struct OtherAreas {
  std::size_t count = 0;
  std::int64_t audience = 0, budget_cents = 0;
  double expected_response = 0;
};

struct RegionTotal {
  std::string id, name;
  std::size_t areas = 0;
  std::int64_t audience = 0, budget_cents = 0;
  double expected_response = 0;
};

/// One line of "merged areas and why": a shown area by name, or hidden ones as a count.
struct MergeNote {
  std::string merged;  ///< "San Mateo (US-06081)" or "3 areas below the minimum audience"
  std::string into;    ///< "California (US-CA)"
  std::string reason;
};

struct CampaignView {
  const CampaignAllocation* campaign = nullptr;
  std::int64_t threshold = 0;  ///< audiences below this are never shown on their own
  std::vector<ShownArea> areas;  ///< largest budget first, then by id
  OtherAreas other;
  std::vector<RegionTotal> regions;  ///< largest budget first; hidden areas are in `other`
  std::vector<MergeNote> merged;
  std::int64_t spent_cents = 0;
  double expected_response = 0;
};

struct ReportModel {
  const AllocationFile* allocation = nullptr;
  std::string allocation_path;
  std::shared_ptr<const PlaceIndex> places;
  std::vector<CampaignView> campaigns;
};

ReportModel build_report_model(const AllocationFile& allocation, const std::string& allocation_path, std::shared_ptr<const PlaceIndex> places,
                               const ReportOptions& options);

/// "USD 2,500.00" (negative amounts do not occur: the allocation is validated).
std::string format_money(std::int64_t cents, const std::string& currency);
/// "1,234".
std::string format_count(std::int64_t n);
/// Text safe inside HTML/SVG elements and double-quoted attributes.
std::string html_escape(const std::string& text);
/// "San Francisco (US-06075)".
std::string area_label(const AreaAllocation& area);
/// Shortest decimal text that reads back as the same double.
std::string number_text(double v);

}  // namespace geotarget::detail
