// Internal: report.csv, report.json and report.gpkg. They hold the areas as the page shows
// them: hidden areas only inside each campaign's "other areas" row (area_id "other").
#pragma once

#include <string>

#include "report_model.hpp"

namespace geotarget::detail {

/// Writes `text` to `path`; throws Error when it cannot.
void write_text_file(const std::string& path, const std::string& text);
/// One row per campaign × shown area, then the campaign's "other areas" row when it has one.
void write_report_csv(const ReportModel& model, const std::string& path);
/// Campaign totals, totals per region, the shown areas, "other areas" and the merge notes.
void write_report_json(const ReportModel& model, const std::string& path);
/// Layer `areas`, EPSG:4326, the CSV's rows as features: the place's polygons for polygon
/// levels, its point for towns and postal areas, no geometry for "other areas" and for ids the
/// geodata does not have.
void write_report_gpkg(const ReportModel& model, const std::string& path);

}  // namespace geotarget::detail
