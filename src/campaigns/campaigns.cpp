#include "geotarget/campaigns.hpp"

#include <gdal/ogrsf_frmts.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include "geotarget/error.hpp"
#include "geotarget/stores.hpp"
#include "containment.hpp"
#include "point_level.hpp"
#include "target_index.hpp"
#include "yaml_file.hpp"

namespace geotarget {

namespace {

namespace fs = std::filesystem;

// ------------------------------------------------------------------ reading YAML with places

using detail::field_of;
using detail::YamlReader;

// The cents of a money text ("1000", "1000.5", "1000.50"), or why it is not one. Parsed as
// decimal text, never through a double, so 1000.005 is refused rather than rounded.
std::string parse_cents(std::string_view text, int decimals, std::int64_t& cents) {
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? std::string_view() : text.substr(dot + 1);
  const auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (whole.empty() || !digits(whole) || !digits(fraction) || (dot != std::string_view::npos && fraction.empty()))
    return "must be an amount written as digits with an optional decimal point, not '" + std::string(text) + "'";
  if (fraction.size() > static_cast<std::size_t>(decimals))
    return "'" + std::string(text) + "' has more than " + std::to_string(decimals) + " decimals for this currency";
  if (whole.size() > 13) return "'" + std::string(text) + "' is above the maximum of 1000000000000";
  std::int64_t units = 0;
  for (char c : whole) units = units * 10 + (c - '0');
  cents = units * 100;
  for (std::size_t i = 0; i < 2; ++i) cents += (i < fraction.size() ? fraction[i] - '0' : 0) * (i == 0 ? 10 : 1);
  if (cents > kMaxMoneyCents) return "'" + std::string(text) + "' is above the maximum of 1000000000000";
  return {};
}

// Money in currency units, kept as integer cents; `fallback` when absent.
std::int64_t cents(const YamlReader& r, const YAML::Node& map, const char* key, const std::string& field,
                   std::int64_t fallback, int decimals) {
  const YAML::Node v = map[key];
  if (!v) return fallback;
  if (!v.IsScalar()) r.fail(v, field + "." + key, "must be an amount");
  std::int64_t out = 0;
  if (const std::string why = parse_cents(v.Scalar(), decimals, out); !why.empty()) r.fail(v, field + "." + key, why);
  return out;
}

std::vector<Polygon> read_polygons(const std::string& file, const YamlReader& r, const YAML::Node& at,
                                   const std::string& field) {
  static std::once_flag registered;
  std::call_once(registered, [] { GDALAllRegister(); });
  std::vector<Polygon> out;
  std::size_t vertices = 0;
  auto add = [&](const OGRGeometry* g) {
    std::unique_ptr<OGRGeometry> multi(OGRGeometryFactory::forceToMultiPolygon(g->clone()));
    for (const OGRGeometry* part : *multi->toMultiPolygon()) {
      Polygon p;
      for (const OGRLinearRing* ring : *part->toPolygon()) {
        vertices += static_cast<std::size_t>(ring->getNumPoints());
        if (vertices > kMaxZoneVertices)
          r.fail(at, field, file + ": more than " + std::to_string(kMaxZoneVertices) + " vertices");
        Ring pts;
        for (const auto& pt : *ring) pts.push_back({pt.getX(), pt.getY()});
        p.push_back(std::move(pts));
      }
      out.push_back(std::move(p));
    }
  };
  if (fs::path(file).extension() == ".wkt") {
    std::ifstream in(file);
    std::string wkt((std::istreambuf_iterator<char>(in)), {});
    OGRGeometry* g = nullptr;
    if (!in || OGRGeometryFactory::createFromWkt(wkt.c_str(), nullptr, &g) != OGRERR_NONE || !g)
      r.fail(at, field, "cannot read WKT polygon from " + file);
    std::unique_ptr<OGRGeometry> owned(g);
    add(g);
  } else {
    std::unique_ptr<GDALDataset> ds(static_cast<GDALDataset*>(
        GDALOpenEx(file.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
    if (!ds || ds->GetLayerCount() == 0) r.fail(at, field, "cannot read polygons from " + file);
    for (auto& feature : *ds->GetLayer(0)) {
      const OGRGeometry* g = feature->GetGeometryRef();
      const auto type = g ? wkbFlatten(g->getGeometryType()) : wkbUnknown;
      if (type == wkbPolygon || type == wkbMultiPolygon) add(g);
    }
  }
  if (out.empty()) r.fail(at, field, "no polygon in " + file);
  for (std::size_t i = 0; i < out.size(); ++i)
    if (const std::string why = detail::zone_problem(out[i]); !why.empty())
      r.fail(at, field, file + ": polygon " + std::to_string(i + 1) + " is not valid: " + why);
  return out;
}

// node[key] when it is a list, an empty node when absent; anything else is an error naming the
// field (yaml-cpp would iterate a mapping's pairs as invalid nodes and throw its own error).
YAML::Node list_of(const YamlReader& r, const YAML::Node& node, const char* key, const std::string& field) {
  YAML::Node list = node[key];
  if (list && !list.IsSequence() && !list.IsNull()) r.fail(list, field_of(field, key), "must be a list");
  return list;
}

// The place ids of a list, each a scalar.
void read_place_ids(const YamlReader& r, const YAML::Node& list, const std::string& field, const PlaceIndex* places,
                    std::vector<std::string>& out) {
  for (const auto& id : list) {
    if (!id.IsScalar()) r.fail(id, field, "must be a list of place ids");
    if (places && !places->find(id.Scalar())) r.fail(id, field, "unknown place id '" + id.Scalar() + "'");
    out.push_back(id.Scalar());
  }
}

// Stores files read so far while loading one campaigns file: campaigns sharing a chain's
// stores read the file once.
using StoreFiles = std::map<std::string, std::vector<Store>>;

// `stores: FILE` with `radius_km: KM`: one circle per store.
void read_stores(const YamlReader& r, const YAML::Node& node, const std::string& field, StoreFiles& files,
                 std::vector<RadiusArea>& out) {
  const std::string path = r.file(node, "stores", field, false);
  if (path.empty()) {
    if (node["radius_km"]) r.fail(node["radius_km"], field + ".radius_km", "needs a stores file (stores: FILE)");
    return;
  }
  const double km = r.number(node, "radius_km", field, NAN);
  if (!(km > 0)) r.fail(node, field + ".radius_km", "must be a positive number of km around each store");
  auto cached = files.find(path);
  if (cached == files.end()) {
    try {
      cached = files.emplace(path, load_stores(path)).first;
    } catch (const Error& e) {
      r.fail(node["stores"], field + ".stores", e.what());
    }
  }
  for (const Store& s : cached->second) out.push_back(RadiusArea{s.point, km, s.name, s.id});
}

TargetAreas read_targets(const YamlReader& r, const YAML::Node& node, const std::string& field,
                         const PlaceIndex* places, StoreFiles& store_files) {
  TargetAreas t;
  if (!node) return t;
  if (!node.IsMap()) r.fail(node, field, "must be a mapping with places, radius, stores and/or polygons");
  r.only_keys(node, {"include", "places", "radius", "stores", "radius_km", "polygons", "exclude"}, field);
  for (const char* key : {"include", "places"})
    read_place_ids(r, list_of(r, node, key, field), field_of(field, key), places, t.places);
  for (const auto& c : list_of(r, node, "radius", field)) {
    r.only_keys(c, {"lat", "lon", "km", "name", "id"}, field + ".radius");
    RadiusArea a{{r.number(c, "lat", field + ".radius", NAN), r.number(c, "lon", field + ".radius", NAN)},
                 r.number(c, "km", field + ".radius", NAN), r.text(c, "name", field + ".radius", false),
                 r.text(c, "id", field + ".radius", false)};
    if (a.id.empty()) a.id = a.name;
    if (!a.centre.is_valid())
      r.fail(c, field + ".radius", "lat and lon must be valid coordinates");
    if (!(a.km > 0)) r.fail(c, field + ".radius.km", "must be a positive number");
    t.radius.push_back(a);
  }
  read_stores(r, node, field, store_files, t.radius);
  for (const auto& p : list_of(r, node, "polygons", field)) {
    auto polygons = read_polygons(r.file(p, field + ".polygons"), r, p, field + ".polygons");
    t.polygons.insert(t.polygons.end(), polygons.begin(), polygons.end());
  }
  return t;
}

// `segment_case` of a campaign, or of the file (field ""); `fallback` when absent.
TextCase read_segment_case(const YamlReader& r, const YAML::Node& map, const std::string& field, TextCase fallback) {
  if (!map["segment_case"]) return fallback;
  const std::string value = r.text(map, "segment_case", field, false);
  if (value == "exact") return TextCase::exact;
  if (value == "insensitive") return TextCase::insensitive;
  r.fail(map["segment_case"], field.empty() ? "segment_case" : field + ".segment_case",
         "exact or insensitive, not '" + value + "'");
}

Segment read_segment(const YamlReader& r, const YAML::Node& map, const std::string& field, TextCase text_case) {
  std::string text = r.text(map, "segment", field, false);
  try {
    return Segment::parse(text, text_case);
  } catch (const Error& e) {
    r.fail(map["segment"], field + ".segment", e.what());
  }
}

AllocationSpec read_allocation(const YamlReader& r, const YAML::Node& node, const std::string& field, int decimals) {
  AllocationSpec a;
  if (!node) return a;
  r.only_keys(node, {"method", "weight", "min_per_area", "max_per_area", "fixed_cost_per_area", "min_audience", "response",
                     "target_marginal_return", "spend_all"},
              field);
  std::string method = r.text(node, "method", field, false);
  if (method == "proportional") a.method = AllocationMethod::proportional;
  else if (!method.empty() && method != "optimal") r.fail(node["method"], field + ".method", "optimal or proportional, not '" + method + "'");
  std::string weight = r.text(node, "weight", field, false);
  if (weight == "population") a.weight = AllocationWeight::population;
  else if (!weight.empty() && weight != "audience") r.fail(node["weight"], field + ".weight", "audience or population, not '" + weight + "'");
  a.min_per_area_cents = cents(r, node, "min_per_area", field, 0, decimals);
  a.max_per_area_cents = cents(r, node, "max_per_area", field, -1, decimals);
  if (a.max_per_area_cents >= 0 && a.max_per_area_cents < a.min_per_area_cents)
    r.fail(node["max_per_area"], field + ".max_per_area", "is below min_per_area");
  a.fixed_cost_per_area_cents = cents(r, node, "fixed_cost_per_area", field, 0, decimals);
  a.min_audience = r.whole_number(node, "min_audience", field, 0, 0);
  a.target_marginal_return = r.number(node, "target_marginal_return", field, a.target_marginal_return);
  if (!(a.target_marginal_return >= 0 && a.target_marginal_return <= 1e6))
    r.fail(node["target_marginal_return"], field + ".target_marginal_return", "must be between 0 and 1000000");
  a.spend_all = r.boolean(node, "spend_all", field, a.spend_all);
  if (YAML::Node resp = node["response"]) {
    const std::string f = field + ".response";
    r.only_keys(resp, {"model", "conversion_rate", "value_per_conversion", "cost_per_reach"}, f);
    std::string model = r.text(resp, "model", f, false);
    if (model == "hyperbolic") a.response.model = ResponseModel::hyperbolic;
    else if (!model.empty() && model != "exponential") r.fail(resp["model"], f + ".model", "exponential or hyperbolic, not '" + model + "'");
    a.response.conversion_rate = r.number(resp, "conversion_rate", f, a.response.conversion_rate);
    a.response.value_per_conversion = r.number(resp, "value_per_conversion", f, a.response.value_per_conversion);
    a.response.cost_per_reach = r.number(resp, "cost_per_reach", f, a.response.cost_per_reach);
    if (!(a.response.conversion_rate > 0 && a.response.conversion_rate <= 1))
      r.fail(resp, f + ".conversion_rate", "must be in (0, 1]");
    if (!(a.response.value_per_conversion > 0)) r.fail(resp, f + ".value_per_conversion", "must be positive");
    if (!(a.response.cost_per_reach > 0)) r.fail(resp, f + ".cost_per_reach", "must be positive");
  }
  return a;
}

bool valid_date(const std::string& d) {
  return d.size() == 10 && d[4] == '-' && d[7] == '-' &&
         std::all_of(d.begin(), d.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '-'; }) &&
         d.substr(5, 2) >= "01" && d.substr(5, 2) <= "12" && d.substr(8, 2) >= "01" && d.substr(8, 2) <= "31";
}

// What a campaign inherits from the top of its file.
struct FileDefaults {
  int decimals = 2;  // of the file's currency
  TextCase segment_case = TextCase::exact;
};

Campaign read_campaign(const YamlReader& r, const YAML::Node& node, std::size_t i, const PlaceIndex* places,
                       const FileDefaults& defaults, StoreFiles& store_files) {
  const std::string field = "campaigns[" + std::to_string(i) + "]";
  r.only_keys(node,
              {"id", "name", "budget", "cost_per_decision", "pacing", "priority", "level", "dates", "target", "segment",
               "segment_case", "offers", "allocation"},
              field);
  const int decimals = defaults.decimals;
  Campaign c;
  c.id = r.text(node, "id", field, true);
  if (c.id.empty()) r.fail(node["id"], field + ".id", "must not be empty");
  c.name = r.text(node, "name", field, false);
  c.budget_cents = cents(r, node, "budget", field, -1, decimals);
  if (c.budget_cents < 0) r.fail(node, field + ".budget", "missing");
  c.cost_per_decision_cents = cents(r, node, "cost_per_decision", field, -1, decimals);
  if (c.cost_per_decision_cents == 0) r.fail(node["cost_per_decision"], field + ".cost_per_decision", "must be positive");
  const std::string pacing = r.text(node, "pacing", field, false);
  if (!pacing.empty() && !parse_pacing(pacing, c.pacing))
    r.fail(node["pacing"], field + ".pacing", "even, frontloaded or asap, not '" + pacing + "'");
  c.priority = static_cast<int>(r.whole_number(node, "priority", field, 0, -1'000'000));
  if (c.priority > 1'000'000) r.fail(node["priority"], field + ".priority", "must be at most 1000000");
  std::string level = r.text(node, "level", field, false);
  if (!level.empty() && (!parse_area_level(level, c.level) || c.level == PlaceLevel::country))
    r.fail(node["level"], field + ".level", "region, district, town, postal or store, not '" + level + "'");
  if (YAML::Node dates = node["dates"]) {
    r.only_keys(dates, {"start", "end"}, field + ".dates");
    c.start = r.text(dates, "start", field + ".dates", false);
    c.end = r.text(dates, "end", field + ".dates", false);
    for (const auto* d : {&c.start, &c.end})
      if (!d->empty() && !valid_date(*d)) r.fail(dates, field + ".dates", "'" + *d + "' is not a YYYY-MM-DD date");
    if (!c.start.empty() && !c.end.empty() && c.end < c.start) r.fail(dates, field + ".dates", "end is before start");
  }
  YAML::Node target = node["target"];
  c.include = read_targets(r, target, field + ".target", places, store_files);
  if (target && target["exclude"]) {
    YAML::Node ex = target["exclude"];
    if (ex.IsSequence()) {  // a plain list of place ids
      read_place_ids(r, ex, field + ".target.exclude", places, c.exclude.places);
    } else {
      c.exclude = read_targets(r, ex, field + ".target.exclude", places, store_files);
    }
  }
  if (c.include.empty()) r.fail(node, field + ".target", "names no place, radius or polygon to include");
  if (c.level == PlaceLevel::store && c.include.radius.empty())
    r.fail(node["level"], field + ".level", "store needs stores (or radius targets) to include");
  const TextCase text_case = read_segment_case(r, node, field, defaults.segment_case);
  c.segment = read_segment(r, node, field, text_case);
  std::size_t k = 0;
  for (const auto& o : list_of(r, node, "offers", field)) {
    const std::string f = field + ".offers[" + std::to_string(k++) + "]";
    r.only_keys(o, {"id", "text", "segment"}, f);
    c.offers.push_back(Offer{r.text(o, "id", f, true), r.text(o, "text", f, false), read_segment(r, o, f, text_case)});
  }
  c.allocation = read_allocation(r, node["allocation"], field + ".allocation", decimals);
  return c;
}

bool in_areas(const TargetAreas& t, const PlaceChain& chain, LatLng point) {
  if (detail::in_places(t, chain)) return true;
  if (!point.is_known()) return false;  // known only by its places
  for (const RadiusArea& r : t.radius)
    if (detail::geodesic_km(point.lat, point.lon, r.centre.lat, r.centre.lon) <= r.km) return true;
  return std::any_of(t.polygons.begin(), t.polygons.end(),
                     [&](const Polygon& p) { return detail::contains(p, point); });
}

}  // namespace

bool detail::in_places(const TargetAreas& areas, const PlaceChain& chain) noexcept {
  for (const Place* p : chain.at)
    if (p && std::find(areas.places.begin(), areas.places.end(), p->id) != areas.places.end()) return true;
  return false;
}

std::string_view describe(Pacing p) noexcept {
  switch (p) {
    case Pacing::even: return "even";
    case Pacing::frontloaded: return "frontloaded";
    case Pacing::asap: return "asap";
  }
  return "even";
}

bool parse_pacing(std::string_view text, Pacing& out) noexcept {
  for (const Pacing p : {Pacing::even, Pacing::frontloaded, Pacing::asap})
    if (text == describe(p)) return out = p, true;
  return false;
}

std::int64_t Campaign::cost_per_decision_or_default() const noexcept {
  if (cost_per_decision_cents > 0) return cost_per_decision_cents;
  return std::max<std::int64_t>(1, std::llround(allocation.response.cost_per_reach * 100));
}

bool is_currency_code(std::string_view text) noexcept {
  return text.size() == 3 && std::all_of(text.begin(), text.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

int currency_decimals(std::string_view code) noexcept {
  // ISO 4217 currencies whose minor unit is 0 (or not used in practice).
  static constexpr std::string_view kWhole[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
                                                "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"};
  return std::find(std::begin(kWhole), std::end(kWhole), code) != std::end(kWhole) ? 0 : 2;
}

bool Campaign::targets(const PlaceChain& chain, LatLng point) const noexcept {
  return in_areas(include, chain, point) && !in_areas(exclude, chain, point);
}

bool Campaign::active_on(const std::string& iso_date) const noexcept {
  return (start.empty() || iso_date >= start) && (end.empty() || iso_date <= end);
}

CampaignSet load_campaigns(const std::string& path, const PlaceIndex* places) {
  const YAML::Node root = detail::load_yaml_file(path, "campaigns file");
  const YamlReader r(path);
  if (!root.IsMap()) throw Error(path + ": the campaigns file must be a mapping with 'campaigns'");
  r.only_keys(root, {"currency", "segment_case", "campaigns"}, "");
  CampaignSet set;
  set.path = path;
  if (root["currency"]) {
    set.currency = r.text(root, "currency", "", false);
    if (!is_currency_code(set.currency))
      r.fail(root["currency"], "currency", "must be an ISO 4217 code of three capital letters (USD, EUR, ILS), not '" +
                                               set.currency + "'");
  }
  YAML::Node list = root["campaigns"];
  if (!list || !list.IsSequence() || list.size() == 0) throw Error(path + ": campaigns: must be a non-empty list");
  if (list.size() > kMaxCampaigns)
    throw Error(path + ": campaigns: " + std::to_string(list.size()) + " campaigns, more than the maximum of " +
                    std::to_string(kMaxCampaigns),
                ErrorCode::limit_exceeded);
  const FileDefaults defaults{currency_decimals(set.currency),
                              read_segment_case(r, root, "", TextCase::exact)};
  std::set<std::string> ids;
  StoreFiles store_files;
  for (std::size_t i = 0; i < list.size(); ++i) {
    set.campaigns.push_back(read_campaign(r, list[i], i, places, defaults, store_files));
    if (!ids.insert(set.campaigns.back().id).second)
      r.fail(list[i], "campaigns[" + std::to_string(i) + "].id", "duplicate id '" + set.campaigns.back().id + "'");
  }
  return set;
}

}  // namespace geotarget
