// report.html: one self-contained page; everything it needs is inline (no URL anywhere).
#include "report_html.hpp"

#include <algorithm>
#include <cmath>

#include "report_curves.hpp"
#include "report_map.hpp"

namespace geotarget::detail {

namespace {

constexpr const char* kStyle = R"(body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}
h2{border-top:2px solid #ccc;padding-top:12px}table{border-collapse:collapse;margin:8px 0}
td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}td.n{text-align:right;white-space:nowrap}
table.sortable th{cursor:pointer}table.sortable th:hover{background:#eef}tfoot td{font-style:italic}
.mapbox{display:flex;gap:16px;align-items:flex-start;flex-wrap:wrap}.note{color:#555}
.map{background:#f4f8fb;border:1px solid #ccc}.map path{fill-rule:evenodd}
.map .context{fill:#e2e2e2;stroke:#fff;stroke-width:6}.map .area{stroke:#555;stroke-width:2}
.map circle.area{stroke:#222;stroke-width:6;fill-opacity:.85}.legend text,.chart text{font-size:12px}
.chart .budget{fill:#225ea8}.chart .response{fill:#e6843c}
.map .rolled{fill:url(#hatch);stroke:none;pointer-events:none}.map .zone{fill:none;stroke:#b2182b;stroke-width:12;stroke-dasharray:40 24}
.map .radius{fill:#b2182b;fill-opacity:.06;stroke:#b2182b;stroke-width:12}.map .pin{fill:#b2182b;stroke:#fff;stroke-width:6}
.maps{display:flex;flex-wrap:wrap;gap:16px;max-width:980px}.maps figure{margin:0}.maps figcaption{font-size:13px;color:#333}
.pace-legend{display:none}.layer:checked~.mapbox .pace-legend{display:block}.layer:checked~.mapbox .budget-legend{display:none}
.layer:checked~.mapbox .map .area[style]{fill:var(--pace)}.layer:checked~.mapbox .map .rolled{display:none}
.map .catchment{stroke:#333;stroke-width:12;fill-opacity:.8}.map .rolled-up{fill:none;stroke:#444;stroke-width:6;stroke-dasharray:30 20}
.map .store{font-size:170px;fill:#67001f;paint-order:stroke;stroke:#fff;stroke-width:24px}
.curve text{font-size:11px;fill:#444}.curve .grid{stroke:#e4e4e4}.curve .frontier{fill:none;stroke:#225ea8;stroke-width:2}
.curve .budget{stroke:#888;stroke-dasharray:5 4;fill:#555}.curve .planned{fill:#e6843c}.curve .saturation{fill:none;stroke:#b2182b;stroke-width:2}
.summary td,.summary th{padding:3px 10px}.warn{color:#b2182b}details.area summary{cursor:pointer}
.curvekey span{display:inline-block;margin-right:14px}.k{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}
@page{size:A4;margin:10mm}
@media print{body{margin:0;max-width:none;font-size:10px}.noprint,tr.detail,tr.gone{display:none}h1{font-size:18px;margin:0 0 6px}
section{height:276mm;overflow:hidden;break-before:page}section h2{margin:0 0 2mm;border:0;padding:0;font-size:15px}h3{font-size:11px;margin:2mm 0 1mm}
.mapbox{flex-wrap:nowrap;gap:4mm}svg.map{flex:none;height:100mm;width:auto;max-width:125mm}.mapbox svg.legend{width:55mm;height:auto}
.maps{flex:none;width:125mm;gap:1mm 2mm}.maps svg.map{width:auto;height:36mm;max-width:61mm}.maps figcaption{font-size:7px}svg.curve{width:105mm;height:auto}table.areas tbody tr:nth-child(n+9){display:none}table.areas tfoot{display:none}
table{font-size:9px;margin:1mm 0}td,th{padding:0 4px}details.area svg{display:none}}
)";

// Sorts a table's body by the clicked column (numbers by data-v), toggling the direction; draws
// an area's response curve (from its row's data-a, data-s, data-x) when its details open.
constexpr const char* kSortScript = R"(document.querySelectorAll('details.area').forEach(function(d){
d.addEventListener('toggle',function(){if(!d.open||d.querySelector('svg'))return;var r=d.closest('tr'),
m=d.closest('section').dataset.model,A=+r.dataset.a,s=+r.dataset.s,x0=+r.dataset.x,t=+d.closest('section').dataset.floor,
R=function(x){return m==='hyperbolic'?A*x/(x+s):A*(1-Math.exp(-x/s));},xt=t>0&&A/s>t?(m==='hyperbolic'?Math.sqrt(A*s/t)-s:s*Math.log(A/(s*t))):0,
X=Math.max(2*x0,2*xt,s),W=380,H=120,px=function(x){return 40+(W-50)*x/X;},py=function(y){return H-20-(H-30)*y/(A*1.05);},
p='';for(var i=0;i<=60;i++){var x=X*i/60;p+=(i?'L':'M')+px(x).toFixed(1)+' '+py(R(x)).toFixed(1);}
var box=document.createElement('div');
box.innerHTML='<svg class="curve" width="'+W+'" height="'+H+'"><path class="frontier" d="'+p+'"/><line class="budget" x1="40" x2="'+(W-10)+'" y1="'+py(A).toFixed(1)+'" y2="'+py(A).toFixed(1)+'"/>'+
(xt>0?'<circle class="saturation" r="4" cx="'+px(xt).toFixed(1)+'" cy="'+py(R(xt)).toFixed(1)+'"/>':'')+
'<circle class="planned" r="4" cx="'+px(x0).toFixed(1)+'" cy="'+py(R(x0)).toFixed(1)+'"/><text x="40" y="'+(H-4)+'">spend 0 to '+X.toFixed(0)+
'; dashed: the most it can return, '+A.toFixed(0)+'</text></svg>';d.appendChild(box.firstChild);});});
document.querySelectorAll('table.sortable th').forEach(function(th){
th.addEventListener('click',function(){var body=th.closest('table').tBodies[0],i=th.cellIndex,
num=th.dataset.sort==='num',dir=th.dataset.dir==='desc'?'asc':'desc';th.dataset.dir=dir;
Array.from(body.rows).sort(function(a,b){var x=a.cells[i],y=b.cells[i],c=num?
parseFloat(x.dataset.v)-parseFloat(y.dataset.v):x.textContent.localeCompare(y.textContent);
return dir==='asc'?c:-c;}).forEach(function(r){body.appendChild(r);});});});
)";

std::string cell(const std::string& text) { return "<td>" + html_escape(text) + "</td>"; }
std::string number_cell(double value, const std::string& shown) {
  return "<td class=\"n\" data-v=\"" + fixed_text(value, 6) + "\">" + html_escape(shown) + "</td>";
}
std::string money_cell(std::int64_t cents, const std::string& currency) {
  return number_cell(static_cast<double>(cents), format_money(cents, currency));
}
std::string revenue_text(double r, const std::string& currency) { return currency + " " + fixed_text(r, 2, true); }
std::string conversions_text(double n) { return fixed_text(n, n < 100 ? 1 : 0, true); }
/// "1.08 per USD": the return of one currency unit, two decimals.
std::string per_unit_text(double r, const std::string& currency) { return fixed_text(r, 2, true) + " per " + currency; }

// The plan-against-actual columns that follow a table's own (with a ledger).
constexpr const char* kActualHeaders = "<th data-sort=\"num\">Spent</th><th data-sort=\"num\">Pace</th>"
                                       "<th data-sort=\"num\">Actual conversions</th>";

std::string header_row(std::initializer_list<std::pair<const char*, bool>> columns, bool actual = false) {
  std::string out = "<thead><tr>";
  for (auto [name, numeric] : columns)
    out += std::string("<th") + (numeric ? " data-sort=\"num\"" : "") + ">" + name + "</th>";
  return out + (actual ? kActualHeaders : "") + "</tr></thead>\n";
}

/// "92%": spent ÷ planned; "n/a" when nothing is planned.
std::string pace_text(double pace) { return std::isfinite(pace) ? fixed_text(pace * 100, 0) + "%" : "n/a"; }

// Spent, pace and actual conversions of what was planned.
std::string actual_cells(const AccountSpend& actual, std::int64_t planned_cents, const std::string& currency) {
  const double pace = pace_of(actual.spent_cents, planned_cents);
  return money_cell(actual.spent_cents, currency) + number_cell(std::isfinite(pace) ? pace : -1, pace_text(pace)) +
         number_cell(double(actual.conversions), format_count(actual.conversions));
}
std::string no_actual_cells() { return "<td></td><td></td><td></td>"; }

std::string unspent_text(const CampaignAllocation& c, const std::string& currency) {
  const std::string why = unspent_reason_text(c, currency);
  return format_money(c.unspent_cents, currency) + (why.empty() ? "" : " (" + why + ")");
}

std::string floor_text(const CampaignAllocation& c, const std::string& currency) {
  if (c.method != "optimal") return "none (proportional allocation)";
  if (c.spend_all) return "none: spend_all, the whole budget is spent whatever it returns";
  return per_unit_text(c.target_marginal_return, currency);
}

// spend_all planned money past the point where it returns the target: said, never silent.
bool spent_past_floor(const CampaignAllocation& c) {
  return c.method == "optimal" && c.spend_all && c.response && c.lambda < c.target_marginal_return;
}

std::string campaign_totals(const CampaignView& v, const std::string& currency) {
  const CampaignAllocation& c = *v.campaign;
  auto row = [](const char* label, const std::string& value) { return "<tr><th>" + std::string(label) + "</th>" + cell(value) + "</tr>"; };
  auto detail = [](const char* label, const std::string& value) {  // not printed
    return "<tr class=\"detail\"><th>" + std::string(label) + "</th>" + cell(value) + "</tr>";
  };
  return "<table class=\"totals\">" + row("Budget", format_money(c.budget_cents, currency)) +
         row("Planned", format_money(v.spent_cents, currency)) + row("Unspent", unspent_text(c, currency)) +
         row("Expected conversions", c.response ? conversions_text(v.expected_conversions) : "n/a (no response model)") +
         row("Expected revenue", revenue_text(v.expected_response, currency)) +
         row("Return on spend", v.spent_cents > 0 ? per_unit_text(v.return_on_spend(), currency) : "n/a (nothing planned)") +
         row("Marginal return at the plan", c.method == "optimal" ? per_unit_text(c.lambda, currency) : "n/a (proportional)") +
         row("Target marginal return", floor_text(c, currency)) +
         (spent_past_floor(c) ? "<tr><th class=\"warn\">Warning</th><td class=\"warn\">" +
                                    html_escape("spend_all: the last " + currency + " planned returns " +
                                                per_unit_text(c.lambda, currency) + ", below the target " +
                                                per_unit_text(c.target_marginal_return, currency)) + "</td></tr>"
                              : std::string()) +
         (v.actual ? row("Spent", format_money(v.actual->spent_cents, currency)) +
                         row("Pace (spent ÷ planned)", pace_text(pace_of(v.actual->spent_cents, v.spent_cents))) +
                         row("Actual conversions", format_count(v.actual->conversions))
                   : std::string()) +
         (v.spend_reset ? "<tr><th class=\"warn\">Spend</th><td class=\"warn\">the ledger dropped this campaign's spend: its "
                          "areas or plans changed since it was recorded</td></tr>"
                        : std::string()) +
         detail("Method", c.method) +
         detail("Level", std::string(describe(c.level))) + detail("Minimum audience shown", format_count(v.threshold)) +
         detail("Areas shown", format_count(static_cast<std::int64_t>(v.areas.size()))) +
         detail("Areas in \"other areas\"", format_count(static_cast<std::int64_t>(v.other.count))) + "</table>\n";
}

// The page's first table: every campaign on one line.
std::string summary_table(const ReportModel& model, const std::string& currency) {
  std::string out = "<table class=\"summary sortable\">" +
                    header_row({{"Campaign", false}, {"Budget", true}, {"Planned", true}, {"Unspent", true}, {"Why unspent", false},
                                {"Expected conversions", true}, {"Expected revenue", true}, {"Return on spend", true},
                                {"Areas served", true}, {"Areas rolled up", true}, {"Areas hidden (privacy)", true}},
                               model.spend != nullptr) +
                    "<tbody>\n";
  AccountSpend actual;
  std::int64_t budget = 0, planned = 0, unspent = 0;
  double conversions = 0, revenue = 0;
  for (const CampaignView& v : model.campaigns) {
    const CampaignAllocation& c = *v.campaign;
    budget += c.budget_cents, planned += v.spent_cents, unspent += c.unspent_cents;
    conversions += v.expected_conversions, revenue += v.expected_response;
    const std::string why = unspent_reason_text(c, currency);
    out += "<tr><td><a href=\"#campaign-" + html_escape(c.campaign_id) + "\">" +
           html_escape(c.name.empty() ? c.campaign_id : c.name) + "</a></td>" + money_cell(c.budget_cents, currency) +
           money_cell(v.spent_cents, currency) + money_cell(c.unspent_cents, currency) +
           (!why.empty() ? "<td class=\"warn\" title=\"" + html_escape(why) + "\">" +
                               html_escape(std::string(describe(c.unspent_reason))) + "</td>"
            : spent_past_floor(c) ? "<td class=\"warn\">spend_all: past saturation</td>"
                                  : cell("")) +
           (c.response ? number_cell(v.expected_conversions, conversions_text(v.expected_conversions)) : cell("n/a")) +
           number_cell(v.expected_response, revenue_text(v.expected_response, currency)) +
           number_cell(v.return_on_spend(), v.spent_cents > 0 ? fixed_text(v.return_on_spend(), 2) : "n/a") +
           number_cell(double(v.areas_served), format_count(std::int64_t(v.areas_served))) +
           number_cell(double(v.areas_rolled_up), format_count(std::int64_t(v.areas_rolled_up))) +
           number_cell(double(v.other.count), format_count(std::int64_t(v.other.count))) +
           (v.actual ? actual_cells(*v.actual, v.spent_cents, currency) : std::string()) + "</tr>\n";
    if (v.actual) actual.spent_cents += v.actual->spent_cents, actual.conversions += v.actual->conversions;
  }
  out += "</tbody><tfoot><tr>" + cell("All campaigns") + money_cell(budget, currency) + money_cell(planned, currency) +
         money_cell(unspent, currency) + cell("") + number_cell(conversions, conversions_text(conversions)) +
         number_cell(revenue, revenue_text(revenue, currency)) +
         number_cell(0, planned > 0 ? fixed_text(revenue / (double(planned) / 100), 2) : "n/a") + cell("") + cell("") + cell("") +
         (model.spend ? actual_cells(actual, planned, currency) : std::string()) + "</tr></tfoot></table>\n";
  return out + "<p class=\"note\">Saturated: the rest of the budget would return less than the campaign's target marginal "
         "return (see its section). Return on spend: expected revenue per " + html_escape(currency) +
         " planned. Conversions: audience × conversion rate × share reached by the planned spend.</p>\n" +
         (model.spend ? "<p class=\"note\">Spent and actual conversions: as recorded by the ledger " + html_escape(model.spend->source) +
                            " (conversions reported by the web site). Pace: spent ÷ planned, 100% when the plan is delivered; "
                            "during the flight, compare it with the share of the flight elapsed.</p>\n"
                      : std::string());
}

std::string region_table(const CampaignView& v, const std::string& currency) {
  std::string out = "<table class=\"sortable regions\">" +
                    header_row({{"Region", false}, {"Areas", true}, {"Audience", true}, {"Budget", true}, {"Expected revenue", true}}) +
                    "<tbody>\n";
  for (const RegionTotal& r : v.regions)
    out += "<tr>" + cell(r.id.empty() ? r.name : r.name + " (" + r.id + ")") +
           number_cell(double(r.areas), format_count(std::int64_t(r.areas))) + number_cell(double(r.audience), format_count(r.audience)) +
           money_cell(r.budget_cents, currency) + number_cell(r.expected_response, revenue_text(r.expected_response, currency)) + "</tr>\n";
  out += "</tbody>";
  if (v.other.count > 0)
    out += "<tfoot><tr>" + cell("other areas") + number_cell(double(v.other.count), format_count(std::int64_t(v.other.count))) +
           number_cell(double(v.other.audience), format_count(v.other.audience)) + money_cell(v.other.budget_cents, currency) +
           number_cell(v.other.expected_response, revenue_text(v.other.expected_response, currency)) + "</tr></tfoot>";
  return out + "</table>\n";
}

std::string offer_cell(const CampaignAllocation& c, const std::string& offer_id) {
  if (offer_id.empty()) return cell("");
  return "<td title=\"" + html_escape(offer_id) + "\">" + html_escape(offer_text(c, offer_id)) + "</td>";
}

// The area's name; with a response model, a details element whose curve the script draws.
std::string area_name_cell(const CampaignAllocation& c, const AreaAllocation& a) {
  if (!c.response) return cell(area_label(a));
  return "<td><details class=\"area\"><summary>" + html_escape(area_label(a)) + "</summary></details></td>";
}

std::string area_table(const CampaignView& v, const std::string& currency) {
  const CampaignAllocation& c = *v.campaign;
  std::string out = "<table class=\"sortable areas\">" +
                    header_row({{"Area", false}, {"Level", false}, {"Region", false}, {"Audience", true}, {"Budget", true},
                                {"Offer", false}, {"Expected conversions", true}, {"Expected revenue", true},
                                {"Marginal return per unit", true}, {"Binding", false}},
                               v.actual.has_value()) +
                    "<tbody>\n";
  for (const ShownArea& s : v.areas) {
    const AreaAllocation& a = *s.area;
    const bool gone = a.binding == Binding::merged || a.binding == Binding::excluded;
    out += "<tr" + std::string(gone ? " class=\"gone\"" : "") + area_curve_attributes(c, a) + ">" + area_name_cell(c, a) + cell(std::string(describe(a.level))) + cell(s.region_name) +
           number_cell(double(a.audience), format_count(a.audience)) + money_cell(a.budget_cents, currency) + offer_cell(c, a.offer) +
           (c.response ? number_cell(a.expected_conversions, conversions_text(a.expected_conversions)) : cell("n/a")) +
           number_cell(a.expected_response, revenue_text(a.expected_response, currency)) +
           number_cell(a.marginal_return, fixed_text(a.marginal_return, 2)) + cell(std::string(describe(a.binding))) +
           (!v.actual ? std::string() : s.actual ? actual_cells(*s.actual, a.budget_cents, currency) : no_actual_cells()) + "</tr>\n";
  }
  out += "</tbody>";
  if (v.other.count > 0)
    out += "<tfoot><tr>" + cell("other areas (" + format_count(std::int64_t(v.other.count)) + ", audience below " +
                                format_count(v.threshold) + ")") +
           cell("") + cell("") + number_cell(double(v.other.audience), format_count(v.other.audience)) +
           money_cell(v.other.budget_cents, currency) + cell("") + cell("") +
           number_cell(v.other.expected_response, revenue_text(v.other.expected_response, currency)) + cell("") + cell("") +
           (v.actual ? actual_cells(v.other.actual, v.other.budget_cents, currency) : std::string()) + "</tr></tfoot>";
  return out + "</table>\n";
}

// The stores of a level: store campaign: each shown store with its catchment's budget, or where
// its budget went; stores below the privacy floor only as a count.
std::string store_table(const CampaignView& v, const std::string& currency) {
  std::string out = "<table class=\"sortable stores\">" +
                    header_row({{"Store", false}, {"Region", false}, {"Radius", true}, {"Audience", true}, {"Budget", true},
                                {"Budget held by", false}}) +
                    "<tbody>\n";
  for (const ShownArea& s : v.areas) {
    const AreaAllocation& a = *s.area;
    if (a.level != PlaceLevel::store) continue;
    const double km = a.catchment ? a.catchment->km : 0;
    const std::string held = a.binding == Binding::merged     ? "rolled up into " + s.merged_into_label
                             : a.binding == Binding::excluded ? "excluded: " + a.reason
                                                              : "its own catchment";
    out += "<tr data-store=\"" + html_escape(a.area_id) + "\">" + cell(area_label(a)) + cell(s.region_name) +
           number_cell(km, a.catchment ? fixed_text(km, 1) + " km" : "n/a") + number_cell(double(a.audience), format_count(a.audience)) +
           money_cell(a.budget_cents, currency) + cell(held) + "</tr>\n";
  }
  out += "</tbody>";
  if (v.hidden_stores > 0)
    out += "<tfoot><tr>" + cell(format_count(std::int64_t(v.hidden_stores)) + (v.hidden_stores == 1 ? " store" : " stores") +
                                " below the minimum audience " + format_count(v.threshold) + ": in \"other areas\", not named") +
           cell("") + cell("") + cell("") + cell("") + cell("") + "</tr></tfoot>";
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
                    "\" y=\"14\">Budget</text><text x=\"" + std::to_string(label + bar + gap) + "\" y=\"14\">Expected revenue</text>\n";
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
           std::to_string(label + bar + gap + wr + 4) + "\" y=\"" + ty + "\">" + revenue_text(a.expected_response, currency) + "</text>\n";
  }
  return out + "</svg>\n";
}

std::string rolled_up_note(const CampaignView& v) {
  for (const ShownArea& s : v.areas)
    if (s.rolled_up())
      return "<br><svg width=\"28\" height=\"14\"><rect width=\"28\" height=\"14\" fill=\"url(#hatch-px)\" stroke=\"#555\"/></svg> "
             "Hatched: an area that smaller areas were rolled up into (hover for them).";
  return "";
}

// The map never draws areas below the privacy floor: it says how many it leaves out.
std::string hidden_note(const CampaignView& v, const std::string& currency) {
  if (v.other.count == 0) return "";
  return "<br>Not drawn: " + format_count(std::int64_t(v.other.count)) + (v.other.count == 1 ? " area" : " areas") +
         " below the minimum audience " + format_count(v.threshold) + ", with " + html_escape(format_money(v.other.budget_cents, currency)) +
         ", summed in \"other areas\".";
}

std::string target_note(const CampaignAllocation& c) {
  std::string out;
  if (c.level == PlaceLevel::store)
    out += "<br>Store catchments: each store's circle (its radius, geodesic) in its budget's colour; dashed: a store "
           "rolled up into its district or region, whose budget holds it.";
  else if (!c.target.radius.empty()) out += "<br>Red circles and pins: the campaign's stores and their radius.";
  if (!c.target.polygons.empty()) out += "<br>Dashed red outlines: the campaign's target zones.";
  return out;
}

// With a ledger, the map's second layer: a checkbox before the map box that recolours every
// area by its pace (CSS only: each shape carries its pace colour in --pace).
std::string layer_switch(const CampaignView& v) {
  if (!v.actual) return "";
  const std::string id = "layer-" + html_escape(v.campaign->campaign_id);
  return "<input type=\"checkbox\" class=\"layer noprint\" id=\"" + id + "\"><label class=\"noprint\" for=\"" + id +
         "\"> Delivery against plan: colour the map by pace (spent ÷ planned) instead of budget</label>\n";
}

std::string campaign_section(const CampaignView& v, const PlaceIndex& places, const std::string& currency,
                             const ReportOptions& options) {
  const CampaignAllocation& c = *v.campaign;
  const Legend legend = quantile_legend(drawn_budgets(v), options.legend_classes);
  const bool floor = c.method == "optimal" && !c.spend_all;
  return "<section id=\"campaign-" + html_escape(c.campaign_id) + "\" data-model=\"" +
         (c.response && c.response->model == ResponseModel::hyperbolic ? "hyperbolic" : "exponential") + "\" data-floor=\"" +
         fixed_text(floor ? c.target_marginal_return : 0, 4) + "\">\n<h2>" +
         html_escape(c.name.empty() ? c.campaign_id : c.name + " (" + c.campaign_id + ")") + "</h2>\n" +
         campaign_totals(v, currency) + "<h3>Budget per area</h3>\n" + layer_switch(v) + "<div class=\"mapbox\">\n" +
         map_svg(v, places, legend, currency, options) + "<div><div class=\"budget-legend\">" + legend_svg(legend, currency) + "</div>" +
         (v.actual ? "<div class=\"pace-legend\">" + pace_legend_svg() + "</div>" : std::string()) +
         "<p class=\"note\">Colour classes from the distinct budgets of the areas drawn.<br>Towns and postal areas are "
         "circles whose area is proportional to budget.<br>Grey: surrounding regions and countries, for context." +
         rolled_up_note(v) + hidden_note(v, currency) + target_note(c) + "</p></div>\n</div>\n<h3>Response curve: total spend → expected revenue</h3>\n" +
         campaign_curve_svg(v, currency) +
         "<p class=\"note curvekey\"><span><i class=\"k\" style=\"background:#e6843c\"></i>planned</span><span><i class=\"k\" "
         "style=\"border:2px solid #b2182b\"></i>saturation: past it a further " + html_escape(currency) + " 1.00 returns less than the "
         "target</span><span>dashed: the budget</span></p>\n<h3>Areas</h3>\n<p class=\"note noprint\">Click a column header to sort, "
         "an area's name for its own response curve.</p>\n" + area_table(v, currency) +
         (c.level == PlaceLevel::store ? "<h3>Stores</h3>\n" + store_table(v, currency) : std::string()) + "<div class=\"noprint\"><h3>Totals per region</h3>\n" +
         region_table(v, currency) + "<h3>Merged areas and why</h3>\n" + merge_table(v) + "<h3>Budget and expected revenue, top " +
         std::to_string(options.chart_areas) + " areas</h3>\n" + bar_chart(v, currency, options.chart_areas) + "</div></section>\n";
}

}  // namespace

// The hatch patterns for the whole page (url(#…) resolves across the page's SVGs): one in map
// units (tenths of a pixel), one in pixels for the legend's swatch.
constexpr const char* kHatch =
    "<svg width=\"0\" height=\"0\" style=\"position:absolute\"><defs>"
    "<pattern id=\"hatch\" patternUnits=\"userSpaceOnUse\" width=\"90\" height=\"90\" patternTransform=\"rotate(45)\">"
    "<rect width=\"30\" height=\"90\" fill=\"#222\" fill-opacity=\".5\"/></pattern>"
    "<pattern id=\"hatch-px\" patternUnits=\"userSpaceOnUse\" width=\"9\" height=\"9\" patternTransform=\"rotate(45)\">"
    "<rect width=\"3\" height=\"9\" fill=\"#222\" fill-opacity=\".5\"/></pattern></defs></svg>\n";

std::string report_html(const ReportModel& model, const ReportOptions& options) {
  const AllocationFile& a = *model.allocation;
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html_escape(options.title) +
                    "</title>\n<style>\n" + kStyle + "</style>\n</head>\n<body>\n" + kHatch + "<h1>" + html_escape(options.title) +
                    "</h1>\n" + summary_table(model, a.currency) + "<p class=\"note\">Allocation " +
                    html_escape(model.allocation_path) + ", amounts in " + html_escape(a.currency) +
                    ". Areas with an audience below their campaign's minimum audience are never shown on their own: "
                    "they are summed in \"other areas\".</p>\n";
  for (const CampaignView& v : model.campaigns) out += campaign_section(v, *model.places, a.currency, options);
  return out + "<script>\n" + kSortScript + "</script>\n</body>\n</html>\n";
}

}  // namespace geotarget::detail
