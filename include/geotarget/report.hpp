// geotarget: the regional budget report of an allocation (the OUT.json of `geotarget allocate`).
//
//   geotarget::ReportOptions options;
//   options.default_geodata = "geodata/default.yaml";   // when the allocation names none
//   geotarget::ReportSummary s = geotarget::write_report("out.json", "report/", options);
//   // report/report.html, report.csv, report.json, report.gpkg
//
// report.html is one self-contained page (inline SVG, CSS and JS; nothing fetched): first a
// summary table of every campaign, then per campaign its totals (budget, planned, unspent and
// why, expected conversions and revenue, return on spend), a choropleth map of budget per area drawn from the geodata's polygons (towns and
// postal areas as circles, area proportional to budget), a legend, totals per campaign and per
// region, a response curve (total spend -> expected revenue), a table of areas sortable by
// budget, the merged areas and why, and a bar chart of budget and expected revenue. With
// ReportOptions::pdf_browser, report.pdf too (printed by headless Chromium). The other three files hold the same areas for other tools; the
// GeoPackage layer `areas` is in EPSG:4326.
//
// With ReportOptions::spend, a ledger file that does not exist, or a ledger that cannot be
// reached, is an error (geotarget::Error naming it): the report never shows a spend it did not
// read.
//
// Privacy rule: an area whose audience is below the campaign's min_audience (or below
// ReportOptions::min_audience_shown, whichever is higher) never appears on its own in any
// output; such areas are summed into one "other areas" row per campaign.
//
// The input is validated: malformed JSON, a missing or mistyped field, or area budgets that do
// not add up to budget_cents - unspent_cents throw geotarget::Error naming the file and the
// field, e.g. "out.json: campaigns[0].areas[3].budget_cents: missing".
#pragma once

#include <cstddef>
#include <string>

namespace geotarget {

struct ReportOptions {
  /// Geodata manifest used when the allocation has no "geodata" field. DEFAULT: "" (then an
  /// allocation without "geodata" is an error).
  std::string default_geodata;
  /// Overrides the allocation's "geodata" field when not empty. DEFAULT: "".
  std::string geodata;
  /// Page title. DEFAULT: "Regional budget report".
  std::string title = "Regional budget report";
  /// Areas with a smaller audience are hidden even where the campaign's min_audience is lower.
  /// DEFAULT: 0 (the campaign's min_audience decides).
  double min_audience_shown = 0;
  /// Width of each map in CSS pixels; the height follows the data's aspect ratio. DEFAULT: 960.
  int map_width_px = 960;
  /// Polygons are simplified for drawing only: a vertex closer than this to the last kept one
  /// (after projection, in pixels) is dropped. The exports keep every vertex. DEFAULT: 0.5.
  double simplify_px = 0.5;
  /// Number of quantile classes of the choropleth legend, 1 to 8. DEFAULT: 5.
  int legend_classes = 5;
  /// Areas in each campaign's bar chart, the largest budgets first. DEFAULT: 20.
  int chart_areas = 20;
  /// Headless Chromium that prints report.pdf from report.html (A4: the summary on the first
  /// page, then one page per campaign with its totals, map, response curve and largest areas).
  /// DEFAULT: "" (no PDF).
  std::string pdf_browser;
  /// Seconds Chromium may take to print. DEFAULT: 120.
  int pdf_timeout_s = 120;
  /// Plan against actual: the spend ledger of the allocation (its ledger file, or
  /// "redis://HOST:PORT"), read without writing; every output then sets spent, pace (spent ÷
  /// planned) and actual conversions beside planned and expected, and the map gains a second
  /// layer, under- and over-delivery. DEFAULT: "" (the plan only).
  std::string spend;
};

/// What write_report wrote.
struct ReportSummary {
  std::size_t campaigns = 0;
  std::size_t areas_shown = 0;    ///< area rows over all campaigns, "other areas" rows excluded
  std::size_t areas_hidden = 0;   ///< areas folded into "other areas" by the privacy rule
  std::size_t areas_unmapped = 0; ///< shown areas the geodata has no place for (not drawn)
  std::size_t html_bytes = 0;
  bool pdf = false;               ///< report.pdf was written
};

/// Reads the allocation JSON and writes report.html, report.csv, report.json and report.gpkg
/// into `out_dir` (created when missing). Throws geotarget::Error when the allocation or the
/// geodata cannot be read or an output cannot be written.
ReportSummary write_report(const std::string& allocation_json, const std::string& out_dir,
                           const ReportOptions& options = {});

}  // namespace geotarget
