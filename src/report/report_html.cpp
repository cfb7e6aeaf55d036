// report.html: one self-contained page; everything it needs is inline (no URL anywhere).
#include "report_html.hpp"

#include <algorithm>
#include <cmath>

#include "report_map.hpp"

namespace geotarget::detail {

namespace {

constexpr const char* kStyle = R"(body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
h2{border-top:2px solid #ccc;padding-top:12px}table{border-collapse:collapse;margin:8px 0}
td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}td.n{text-align:right}
table.sortable th{cursor:pointer}table.sortable th:hover{background:#eef}tfoot td{font-style:italic}
.mapbox{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}.note{color:#555}
.map{background:#f4f8fb;border:1px solid #ccc}.map path{fill-rule:evenodd}
.map .context{fill:#e2e2e2;stroke:#fff;stroke-width:6}.map .area{stroke:#555;stroke-width:2}
.map circle.area{stroke:#222;stroke-width:6;fill-opacity:.85}.legend text,.chart text{font-size:12px}
.chart .budget{fill:#225ea8}.chart .response{fill:#e6843c}
)";

// Sorts a table's body by the clicked column (numbers by data-v), toggling the direction.
constexpr const char* kSortScript = R"(document.querySelectorAll('table.sortable th').forEach(function(th){
th.addEventListener('click',function(){var body=th.closest('table').tBodies[0],i=th.cellIndex,
num=th.dataset.sort==='num',dir=th.dataset.dir==='desc'?'asc':'desc';th.dataset.dir=dir;
Array.from(body.rows).sort(function(a,b){var x=a.cells[i],y=b.cells[i],c=num?
parseFloat(x.dataset.v)-parseFloat(y.dataset.v):x.textContent.localeCompare(y.textContent);
return dir==='asc'?c:-c;}).forEach(function(r){body.appendChild(r);});});});
)";

std::string cell(const std::string& text) { return "<td>" + html_escape(text) + "</td>"; }
std::string number_cell(double value, const std::string& shown) {
  return "<td class=\"n\" data-v=\"" + number_text(value) + "\">" + html_escape(shown) + "</td>";
}
std::string money_cell(std::int64_t cents, const std::string& currency) {
  return number_cell(static_cast<double>(cents), format_money(cents, currency));
}
std::string response_text(double r) { return format_count(static_cast<std::int64_t>(r + 0.5)); }

std::string header_row(std::initializer_list<std::pair<const char*, bool>> columns) {
  std::string out = "<thead><tr>";
  for (auto [name, numeric] : columns)
    out += std::string("<th") + (numeric ? " data-sort=\"num\"" : "") + ">" + name + "</th>";
  return out + "</tr></thead>\n";
}

std::string campaign_totals(const CampaignView& v, const std::string& currency) {
  const CampaignAllocation& c = *v.campaign;
  auto row = [](const char* label, const std::string& value) { return "<tr><th>" + std::string(label) + "</th>" + cell(value) + "</tr>"; };
  return "<table class=\"totals\">" + row("Budget", format_money(c.budget_cents, currency)) +
         row("Allocated", format_money(v.spent_cents, currency)) + row("Unspent", format_money(c.unspent_cents, currency)) +
         row("Expected response", response_text(v.expected_response)) + row("Method", c.method) + row("Level", std::string(describe(c.level))) +
         row("Marginal return λ", number_text(c.lambda)) + row("Minimum audience shown", format_count(v.threshold)) +
         row("Areas shown", format_count(static_cast<std::int64_t>(v.areas.size()))) +
         row("Areas in \"other areas\"", format_count(static_cast<std::int64_t>(v.other.count))) + "</table>\n";
}

std::string region_table(const CampaignView& v, const std::string& currency) {
  std::string out = "<table class=\"sortable regions\">" +
                    header_row({{"Region", false}, {"Areas", true}, {"Audience", true}, {"Budget", true}, {"Expected response", true}}) +
                    "<tbody>\n";
  for (const RegionTotal& r : v.regions)
    out += "<tr>" + cell(r.id.empty() ? r.name : r.name + " (" + r.id + ")") +
           number_cell(double(r.areas), format_count(std::int64_t(r.areas))) + number_cell(double(r.audience), format_count(r.audience)) +
           money_cell(r.budget_cents, currency) + number_cell(r.expected_response, response_text(r.expected_response)) + "</tr>\n";
  out += "</tbody>";
  if (v.other.count > 0)
    out += "<tfoot><tr>" + cell("other areas") + number_cell(double(v.other.count), format_count(std::int64_t(v.other.count))) +
           number_cell(double(v.other.audience), format_count(v.other.audience)) + money_cell(v.other.budget_cents, currency) +
           number_cell(v.other.expected_response, response_text(v.other.expected_response)) + "</tr></tfoot>";
  return out + "</table>\n";
}

std::string area_table(const CampaignView& v, const std::string& currency) {
  std::string out = "<table class=\"sortable areas\">" +
                    header_row({{"Area", false}, {"Level", false}, {"Region", false}, {"Audience", true}, {"Budget", true},
                                {"Offer", false}, {"Expected response", true}, {"Marginal return", true}, {"Binding", false}}) +
                    "<tbody>\n";
  for (const ShownArea& s : v.areas) {
    const AreaAllocation& a = *s.area;
    out += "<tr>" + cell(area_label(a)) + cell(std::string(describe(a.level))) + cell(s.region_name) +
           number_cell(double(a.audience), format_count(a.audience)) + money_cell(a.budget_cents, currency) + cell(a.offer) +
           number_cell(a.expected_response, response_text(a.expected_response)) +
           number_cell(a.marginal_return, number_text(a.marginal_return)) + cell(std::string(describe(a.binding))) + "</tr>\n";
  }
  out += "</tbody>";
  if (v.other.count > 0)
    out += "<tfoot><tr>" + cell("other areas (" + format_count(std::int64_t(v.other.count)) + ", audience below " +
                                format_count(v.threshold) + ")") +
           cell("") + cell("") + number_cell(double(v.other.audience), format_count(v.other.audience)) +
           money_cell(v.other.budget_cents, currency) + cell("") +
           number_cell(v.other.expected_response, response_text(v.other.expected_response)) + cell("") + cell("") + "</tr></tfoot>";
  return out + "</table>\n";
}

std::string merge_table(const CampaignView& v) {
  if (v.merged.empty()) return "<p class=\"note\">No area was merged.</p>\n";
  std::string out = "<table class=\"merged\"><thead><tr><th>Merged</th><th>Into</th><th>Why</th></tr></thead><tbody>\n";
  for (const MergeNote& m : v.merged) out += "<tr>" + cell(m.merged) + cell(m.into) + cell(m.reason) + "</tr>\n";
  return out + "</tbody></table>\n";
}

// Two bars per area, each scaled to its own largest value: budget and expected response.
std::string bar_chart(const CampaignView& v, const std::string& currency, int top) {
  std::vector<const ShownArea*> rows;
  for (const ShownArea& s : v.areas)
    if (s.area->binding != Binding::merged && rows.size() < static_cast<std::size_t>(std::max(top, 0))) rows.push_back(&s);
  if (rows.empty()) return "";
  double max_budget = 1, max_response = 1e-9;
  for (const ShownArea* s : rows)
    max_budget = std::max(max_budget, double(s->area->budget_cents)), max_response = std::max(max_response, s->area->expected_response);
  const int label = 240, bar = 280, gap = 130, row_h = 20;
  std::string out = "<svg class=\"chart\" width=\"" + std::to_string(label + 2 * (bar + gap)) + "\" height=\"" +
                    std::to_string((rows.size() + 1) * row_h + 4) + "\">\n<text x=\"" + std::to_string(label) +
                    "\" y=\"14\">Budget</text><text x=\"" + std::to_string(label + bar + gap) + "\" y=\"14\">Expected response</text>\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const AreaAllocation& a = *rows[i]->area;
    const int y = int(i + 1) * row_h;
    const long wb = std::lround(bar * double(a.budget_cents) / max_budget), wr = std::lround(bar * a.expected_response / max_response);
    const std::string ys = std::to_string(y + 3), ty = std::to_string(y + 16);
    out += "<text x=\"0\" y=\"" + ty + "\">" + html_escape(area_label(a).substr(0, 36)) + "</text>" +
           "<rect class=\"budget\" x=\"" + std::to_string(label) + "\" y=\"" + ys + "\" width=\"" + std::to_string(wb) +
           "\" height=\"15\"/><text x=\"" + std::to_string(label + wb + 4) + "\" y=\"" + ty + "\">" +
           html_escape(format_money(a.budget_cents, currency)) + "</text>" + "<rect class=\"response\" x=\"" +
           std::to_string(label + bar + gap) + "\" y=\"" + ys + "\" width=\"" + std::to_string(wr) + "\" height=\"15\"/><text x=\"" +
           std::to_string(label + bar + gap + wr + 4) + "\" y=\"" + ty + "\">" + response_text(a.expected_response) + "</text>\n";
  }
  return out + "</svg>\n";
}

std::string campaign_section(const CampaignView& v, const PlaceIndex& places, const std::string& currency,
                             const ReportOptions& options) {
  const CampaignAllocation& c = *v.campaign;
  const Legend legend = quantile_legend(drawn_budgets(v), options.legend_classes);
  return "<section id=\"campaign-" + html_escape(c.campaign_id) + "\">\n<h2>" +
         html_escape(c.name.empty() ? c.campaign_id : c.name + " (" + c.campaign_id + ")") +
         "</h2>\n" + campaign_totals(v, currency) + "<h3>Budget per area</h3>\n<div class=\"mapbox\">\n" +
         map_svg(v, places, legend, currency, options) + "<div>" + legend_svg(legend, currency) +
         "<p class=\"note\">Colour classes are quantiles of the budgets of the areas drawn.<br>Towns and postal areas are "
         "circles whose area is proportional to budget.<br>Grey: surrounding regions and countries, for context.</p></div>\n"
         "</div>\n<h3>Totals per region</h3>\n" + region_table(v, currency) + "<h3>Areas</h3>\n<p class=\"note\">Click a column "
         "header to sort.</p>\n" + area_table(v, currency) + "<h3>Merged areas and why</h3>\n" + merge_table(v) +
         "<h3>Budget and expected response, top " + std::to_string(options.chart_areas) + " areas</h3>\n" +
         bar_chart(v, currency, options.chart_areas) + "</section>\n";
}

}  // namespace

std::string report_html(const ReportModel& model, const ReportOptions& options) {
  const AllocationFile& a = *model.allocation;
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html_escape(options.title) +
                    "</title>\n<style>\n" + kStyle + "</style>\n</head>\n<body>\n<h1>" + html_escape(options.title) + "</h1>\n" +
                    "<p class=\"note\">Allocation " + html_escape(model.allocation_path) + ", amounts in " + html_escape(a.currency) +
                    ". Areas with an audience below their campaign's minimum audience are never shown on their own: "
                    "they are summed in \"other areas\".</p>\n<ul>\n";
  for (const CampaignView& v : model.campaigns)
    out += "<li><a href=\"#campaign-" + html_escape(v.campaign->campaign_id) + "\">" + html_escape(v.campaign->campaign_id) + "</a> " +
           html_escape(format_money(v.campaign->budget_cents, a.currency)) + "</li>\n";
  out += "</ul>\n";
  for (const CampaignView& v : model.campaigns) out += campaign_section(v, *model.places, a.currency, options);
  return out + "<script>\n" + kSortScript + "</script>\n</body>\n</html>\n";
}

}  // namespace geotarget::detail
