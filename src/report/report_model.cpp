#include "report_model.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cmath>
#include <map>
#include <set>

namespace geotarget::detail {

namespace {

constexpr const char* kHiddenTarget = "other areas (below the minimum audience)";

// The region of a place, or its country where the pack has no region above it.
void set_region(ShownArea& shown, const PlaceIndex& places) {
  PlaceChain chain;
  if (shown.place) places.chain_of(*shown.place, chain);
  else if (!shown.area->catchment || places.locate(shown.area->catchment->centre, chain) != LocateStatus::ok) return;
  if (chain[PlaceLevel::country]) shown.country_id = chain[PlaceLevel::country]->id;
  const Place* region = chain[PlaceLevel::region] ? chain[PlaceLevel::region] : chain[PlaceLevel::country];
  if (!region) return;
  shown.region_id = region->id;
  shown.region_name = region->name;
}

// The label of a merge target: its name and id, unless it is itself an area below the privacy
// threshold, which no output may name.
std::string name_of(const std::string& id, const CampaignAllocation& c, const PlaceIndex& places,
                    const std::set<std::string>& hidden_ids) {
  if (hidden_ids.count(id)) return kHiddenTarget;
  for (const AreaAllocation& a : c.areas)
    if (a.area_id == id && !a.name.empty()) return a.name + " (" + id + ")";
  if (const Place* p = places.find(id)) return p->name + " (" + id + ")";
  return id;
}

void add_region_totals(CampaignView& view) {
  std::map<std::string, RegionTotal> by_id;
  for (const ShownArea& s : view.areas) {
    RegionTotal& r = by_id[s.region_id];
    r.id = s.region_id;
    r.name = s.region_id.empty() ? "(not in the geodata)" : s.region_name;
    ++r.areas;
    r.audience += s.area->audience;
    r.budget_cents += s.area->budget_cents;
    r.expected_response += s.area->expected_response;
  }
  for (auto& [id, total] : by_id) view.regions.push_back(std::move(total));
  std::stable_sort(view.regions.begin(), view.regions.end(),
                   [](const RegionTotal& a, const RegionTotal& b) { return a.budget_cents > b.budget_cents; });
}

// Shown merged areas by name; hidden ones only as a count per target, without their reasons
// (a reason may quote the audience).
void add_merge_notes(CampaignView& view, const std::vector<const AreaAllocation*>& hidden, const PlaceIndex& places) {
  const CampaignAllocation& c = *view.campaign;
  std::set<std::string> hidden_ids;
  for (const AreaAllocation* a : hidden) hidden_ids.insert(a->area_id);
  std::map<std::string, ShownArea*> by_id;
  for (ShownArea& s : view.areas) by_id[s.area->area_id] = &s;
  for (ShownArea& s : view.areas) {
    s.merged_into = hidden_ids.count(s.area->merged_into) ? "other" : s.area->merged_into;
    if (s.area->binding != Binding::merged) continue;
    s.merged_into_label = name_of(s.area->merged_into, c, places, hidden_ids);
    view.merged.push_back({area_label(*s.area), s.merged_into_label, s.area->reason});
    if (auto into = by_id.find(s.area->merged_into); into != by_id.end()) into->second->merged_children.push_back(area_label(*s.area));
  }
  std::map<std::string, std::size_t> hidden_into;
  for (const AreaAllocation* a : hidden)
    if (a->binding == Binding::merged) ++hidden_into[a->merged_into];
  for (const auto& [into, n] : hidden_into)
    if (auto shown = by_id.find(into); shown != by_id.end()) shown->second->hidden_children += n;
  for (const auto& [into, n] : hidden_into)
    view.merged.push_back({format_count(static_cast<std::int64_t>(n)) + (n == 1 ? " area" : " areas") +
                               " below the minimum audience",
                           name_of(into, c, places, hidden_ids), "audience below min_audience " + format_count(view.threshold)});
}

void add_spend(AccountSpend& total, const AccountSpend& more) {
  total.spent_cents += more.spent_cents;
  total.conversions += more.conversions;
}

// The ledger's record of an area that is a budget account.
std::optional<AccountSpend> actual_of(const CampaignAllocation& c, const AreaAllocation& a, const SpendBook* spend) {
  if (!spend) return std::nullopt;
  auto it = spend->by_account.find({c.campaign_id, a.area_id});
  if (it == spend->by_account.end()) return std::nullopt;
  return it->second;
}

CampaignView view_of(const CampaignAllocation& c, const PlaceIndex& places, const ReportOptions& options, const SpendBook* spend) {
  CampaignView view;
  view.campaign = &c;
  if (spend) {
    view.actual = AccountSpend{};
    view.spend_reset = spend->reset_campaigns.count(c.campaign_id) > 0;
  }
  view.threshold = std::max(c.min_audience, static_cast<std::int64_t>(std::ceil(options.min_audience_shown)));
  std::vector<const AreaAllocation*> hidden;
  for (const AreaAllocation& a : c.areas) {
    view.spent_cents += a.budget_cents;
    view.expected_response += a.expected_response;
    view.expected_conversions += a.expected_conversions;
    view.areas_served += a.budget_cents > 0 ? 1 : 0;
    view.areas_rolled_up += a.binding == Binding::merged ? 1 : 0;
    const std::optional<AccountSpend> actual = actual_of(c, a, spend);
    if (actual) add_spend(*view.actual, *actual);
    if (a.audience < view.threshold) {  // the privacy rule
      if (actual) add_spend(view.other.actual, *actual);
      hidden.push_back(&a);
      ++view.other.count;
      view.hidden_stores += a.level == PlaceLevel::store ? 1 : 0;
      view.other.audience += a.audience;
      view.other.budget_cents += a.budget_cents;
      view.other.expected_response += a.expected_response;
      continue;
    }
    ShownArea& s = view.areas.emplace_back();
    s.area = &a;
    s.place = places.find(a.area_id);
    s.actual = actual;
    set_region(s, places);
  }
  std::stable_sort(view.areas.begin(), view.areas.end(), [](const ShownArea& x, const ShownArea& y) {
    if (x.area->budget_cents != y.area->budget_cents) return x.area->budget_cents > y.area->budget_cents;
    return x.area->area_id < y.area->area_id;
  });
  add_region_totals(view);
  add_merge_notes(view, hidden, places);
  return view;
}

}  // namespace

ReportModel build_report_model(const AllocationFile& allocation, const std::string& allocation_path,
                               std::shared_ptr<const PlaceIndex> places, const ReportOptions& options, const SpendBook* spend) {
  ReportModel model;
  model.allocation = &allocation;
  model.allocation_path = allocation_path;
  model.places = std::move(places);
  model.spend = spend;
  for (const CampaignAllocation& c : allocation.campaigns) model.campaigns.push_back(view_of(c, *model.places, options, spend));
  return model;
}

double pace_of(std::int64_t spent_cents, std::int64_t planned_cents) {
  return planned_cents > 0 ? static_cast<double>(spent_cents) / static_cast<double>(planned_cents) : std::nan("");
}

std::string format_count(std::int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string format_money(std::int64_t cents, const std::string& currency) {
  std::string fraction = std::to_string(cents % 100);
  return currency + " " + format_count(cents / 100) + "." + (fraction.size() == 1 ? "0" : "") + fraction;
}

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string area_label(const AreaAllocation& area) {
  return area.name.empty() ? area.area_id : area.name + " (" + area.area_id + ")";
}

std::string fixed_text(double v, int decimals, bool grouped) {
  if (!std::isfinite(v)) return "n/a";
  const double scale = std::pow(10.0, decimals);
  double rounded = std::round(std::abs(v) * scale) / scale;
  if (!std::isfinite(rounded)) rounded = std::abs(v);  // beyond 1e300: printed as it is, still no exponent
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, rounded);
  std::string text(buf);
  const bool negative = v < 0 && rounded > 0;
  if (grouped) {
    const std::size_t dot = text.find('.');
    const std::string whole = text.substr(0, dot), fraction = dot == std::string::npos ? "" : text.substr(dot);
    std::string out;
    for (std::size_t i = 0; i < whole.size(); ++i) {
      if (i > 0 && (whole.size() - i) % 3 == 0) out += ',';
      out += whole[i];
    }
    text = out + fraction;
  }
  return negative ? "-" + text : text;
}

std::string offer_text(const CampaignAllocation& c, const std::string& offer_id) {
  for (const OfferLabel& o : c.offers)
    if (o.id == offer_id && !o.text.empty()) return o.text;
  return offer_id;
}

std::string unspent_reason_text(const CampaignAllocation& c, const std::string& currency) {
  switch (c.unspent_reason) {
    case UnspentReason::saturated:
      return "saturated: the rest would return less than " + currency + " " + fixed_text(c.target_marginal_return, 2) +
             " per " + currency + " 1.00";
    case UnspentReason::max_per_area: return "every area is at its maximum";
    case UnspentReason::none: return "";
  }
  return "";
}

std::string number_text(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

}  // namespace geotarget::detail
