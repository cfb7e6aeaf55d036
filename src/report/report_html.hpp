// Internal: report.html, one self-contained page (inline SVG, CSS and JS only).
#pragma once

#include <string>

#include "report_model.hpp"

namespace geotarget::detail {

/// The whole page: per campaign its totals, map and legend, region totals, the sortable table
/// of areas, the merged areas and why, and the bar chart. Throws Error when a map's projection
/// cannot be created.
std::string report_html(const ReportModel& model, const ReportOptions& options);

}  // namespace geotarget::detail
