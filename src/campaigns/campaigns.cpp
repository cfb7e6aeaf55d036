#include "geotarget/campaigns.hpp"

#include <gdal/ogrsf_frmts.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>

#include "geotarget/error.hpp"
#include "containment.hpp"
#include "point_level.hpp"
#include "yaml_file.hpp"

namespace geotarget {

namespace {

namespace fs = std::filesystem;

// ------------------------------------------------------------------ reading YAML with places

using detail::field_of;
using detail::YamlReader;

// The largest amount of money a field may hold, in currency units: as cents, far inside int64.
constexpr double kMaxUnits = 1e15;

// Money in currency units, kept as integer cents; `fallback` when absent.
std::int64_t cents(const YamlReader& r, const YAML::Node& map, const char* key, const std::string& field,
                   std::int64_t fallback) {
  if (!map[key]) return fallback;
  const double units = r.number(map, key, field, 0);
  if (units < 0) r.fail(map[key], field + "." + key, "must not be negative");
  if (units > kMaxUnits) r.fail(map[key], field + "." + key, "must be at most 1000000000000000");
  return static_cast<std::int64_t>(std::llround(units * 100));
}

std::vector<Polygon> read_polygons(const std::string& file, const YamlReader& r, const YAML::Node& at,
                                   const std::string& field) {
  static std::once_flag registered;
  std::call_once(registered, [] { GDALAllRegister(); });
  std::vector<Polygon> out;
  auto add = [&](const OGRGeometry* g) {
    std::unique_ptr<OGRGeometry> multi(OGRGeometryFactory::forceToMultiPolygon(g->clone()));
    for (const OGRGeometry* part : *multi->toMultiPolygon()) {
      Polygon p;
      for (const OGRLinearRing* ring : *part->toPolygon()) {
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

TargetAreas read_targets(const YamlReader& r, const YAML::Node& node, const std::string& field,
                         const PlaceIndex* places) {
  TargetAreas t;
  if (!node) return t;
  if (!node.IsMap()) r.fail(node, field, "must be a mapping with places, radius and/or polygons");
  r.only_keys(node, {"include", "places", "radius", "polygons", "exclude"}, field);
  for (const char* key : {"include", "places"})
    read_place_ids(r, list_of(r, node, key, field), field_of(field, key), places, t.places);
  for (const auto& c : list_of(r, node, "radius", field)) {
    r.only_keys(c, {"lat", "lon", "km", "name"}, field + ".radius");
    RadiusArea a{{r.number(c, "lat", field + ".radius", NAN), r.number(c, "lon", field + ".radius", NAN)},
                 r.number(c, "km", field + ".radius", NAN), r.text(c, "name", field + ".radius", false)};
    if (!a.centre.is_valid())
      r.fail(c, field + ".radius", "lat and lon must be valid coordinates");
    if (!(a.km > 0)) r.fail(c, field + ".radius.km", "must be a positive number");
    t.radius.push_back(a);
  }
  for (const auto& p : list_of(r, node, "polygons", field)) {
    auto polygons = read_polygons(r.file(p, field + ".polygons"), r, p, field + ".polygons");
    t.polygons.insert(t.polygons.end(), polygons.begin(), polygons.end());
  }
  return t;
}

Segment read_segment(const YamlReader& r, const YAML::Node& map, const std::string& field) {
  std::string text = r.text(map, "segment", field, false);
  try {
    return Segment::parse(text);
  } catch (const Error& e) {
    r.fail(map["segment"], field + ".segment", e.what());
  }
}

AllocationSpec read_allocation(const YamlReader& r, const YAML::Node& node, const std::string& field) {
  AllocationSpec a;
  if (!node) return a;
  r.only_keys(node, {"method", "weight", "min_per_area", "max_per_area", "fixed_cost_per_area", "min_audience", "response"},
              field);
  std::string method = r.text(node, "method", field, false);
  if (method == "proportional") a.method = AllocationMethod::proportional;
  else if (!method.empty() && method != "optimal") r.fail(node["method"], field + ".method", "optimal or proportional, not '" + method + "'");
  std::string weight = r.text(node, "weight", field, false);
  if (weight == "population") a.weight = AllocationWeight::population;
  else if (!weight.empty() && weight != "audience") r.fail(node["weight"], field + ".weight", "audience or population, not '" + weight + "'");
  a.min_per_area_cents = cents(r, node, "min_per_area", field, 0);
  a.max_per_area_cents = cents(r, node, "max_per_area", field, -1);
  if (a.max_per_area_cents >= 0 && a.max_per_area_cents < a.min_per_area_cents)
    r.fail(node["max_per_area"], field + ".max_per_area", "is below min_per_area");
  a.fixed_cost_per_area_cents = cents(r, node, "fixed_cost_per_area", field, 0);
  a.min_audience = static_cast<std::int64_t>(r.number(node, "min_audience", field, 0));
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

Campaign read_campaign(const YamlReader& r, const YAML::Node& node, std::size_t i, const PlaceIndex* places) {
  const std::string field = "campaigns[" + std::to_string(i) + "]";
  r.only_keys(node, {"id", "name", "budget", "priority", "level", "dates", "target", "segment", "offers", "allocation"},
              field);
  Campaign c;
  c.id = r.text(node, "id", field, true);
  c.name = r.text(node, "name", field, false);
  c.budget_cents = cents(r, node, "budget", field, -1);
  if (c.budget_cents < 0) r.fail(node, field + ".budget", "missing");
  const double priority = r.number(node, "priority", field, 0);
  if (priority < std::numeric_limits<int>::min() || priority > std::numeric_limits<int>::max())
    r.fail(node["priority"], field + ".priority", "must be between -2147483648 and 2147483647");
  c.priority = static_cast<int>(priority);
  std::string level = r.text(node, "level", field, false);
  if (!level.empty() && (!parse_place_level(level, c.level) || c.level == PlaceLevel::country))
    r.fail(node["level"], field + ".level", "region, district, town or postal, not '" + level + "'");
  if (YAML::Node dates = node["dates"]) {
    r.only_keys(dates, {"start", "end"}, field + ".dates");
    c.start = r.text(dates, "start", field + ".dates", false);
    c.end = r.text(dates, "end", field + ".dates", false);
    for (const auto* d : {&c.start, &c.end})
      if (!d->empty() && !valid_date(*d)) r.fail(dates, field + ".dates", "'" + *d + "' is not a YYYY-MM-DD date");
    if (!c.start.empty() && !c.end.empty() && c.end < c.start) r.fail(dates, field + ".dates", "end is before start");
  }
  YAML::Node target = node["target"];
  c.include = read_targets(r, target, field + ".target", places);
  if (target && target["exclude"]) {
    YAML::Node ex = target["exclude"];
    if (ex.IsSequence()) {  // a plain list of place ids
      read_place_ids(r, ex, field + ".target.exclude", places, c.exclude.places);
    } else {
      c.exclude = read_targets(r, ex, field + ".target.exclude", places);
    }
  }
  if (c.include.empty()) r.fail(node, field + ".target", "names no place, radius or polygon to include");
  c.segment = read_segment(r, node, field);
  std::size_t k = 0;
  for (const auto& o : list_of(r, node, "offers", field)) {
    const std::string f = field + ".offers[" + std::to_string(k++) + "]";
    r.only_keys(o, {"id", "text", "segment"}, f);
    c.offers.push_back(Offer{r.text(o, "id", f, true), r.text(o, "text", f, false), read_segment(r, o, f)});
  }
  c.allocation = read_allocation(r, node["allocation"], field + ".allocation");
  return c;
}

bool in_areas(const TargetAreas& t, const PlaceChain& chain, LatLng point) {
  for (const Place* p : chain.at)
    if (p && std::find(t.places.begin(), t.places.end(), p->id) != t.places.end()) return true;
  if (!point.is_known()) return false;  // known only by its places
  for (const RadiusArea& r : t.radius)
    if (detail::geodesic_km(point.lat, point.lon, r.centre.lat, r.centre.lon) <= r.km) return true;
  return std::any_of(t.polygons.begin(), t.polygons.end(),
                     [&](const Polygon& p) { return detail::contains(p, point); });
}

}  // namespace

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
  r.only_keys(root, {"currency", "campaigns"}, "");
  CampaignSet set;
  set.path = path;
  if (root["currency"]) set.currency = r.text(root, "currency", "file", false);
  YAML::Node list = root["campaigns"];
  if (!list || !list.IsSequence() || list.size() == 0) throw Error(path + ": campaigns: must be a non-empty list");
  for (std::size_t i = 0; i < list.size(); ++i) {
    set.campaigns.push_back(read_campaign(r, list[i], i, places));
    for (std::size_t j = 0; j < i; ++j)
      if (set.campaigns[j].id == set.campaigns[i].id) r.fail(list[i], "campaigns[" + std::to_string(i) + "].id", "duplicate id '" + set.campaigns[i].id + "'");
  }
  return set;
}

}  // namespace geotarget
