#include "target_index.hpp"

#include <boost/function_output_iterator.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "containment.hpp"
#include "point_level.hpp"

namespace geotarget::detail {

namespace bgi = boost::geometry::index;

namespace {

constexpr std::uint8_t kIn = 1, kOut = 2;
constexpr double kDegrees = 180 / std::numbers::pi;
// Below every radius of curvature of WGS84 (the least, the meridian's at the equator, is 6,335
// km), with 1.4% to spare: a geodesic of s km turns by at most s / 6,250 radians of latitude
// and of arc on the sphere, so the box built from it never misses a point within the radius.
constexpr double kKmPerRadian = 6250;

PlaneBox plane_box(double west, double south, double east, double north) {
  return PlaneBox(PlanePoint(west, south), PlanePoint(east, north));
}

PlaneBox envelope_of(const Polygon& polygon) {
  PlaneBox box;
  bg::assign_inverse(box);
  for (const auto& vertex : polygon.front()) bg::expand(box, PlanePoint(vertex[0], vertex[1]));
  return box;
}

}  // namespace

std::string zone_problem(const Polygon& polygon) {
  bg::model::polygon<PlanePoint> p;
  for (std::size_t r = 0; r < polygon.size(); ++r) {
    auto& ring = r == 0 ? p.outer() : p.inners().emplace_back();
    for (const auto& vertex : polygon[r]) ring.emplace_back(vertex[0], vertex[1]);
  }
  bg::correct(p);  // orientation and closure: the even-odd rule does not depend on them
  bg::validity_failure_type failure;
  if (bg::is_valid(p, failure)) return {};
  // After correct(), a ring still turning the wrong way encloses no area: it crosses itself.
  if (failure == bg::failure_wrong_orientation) return "a ring crosses itself and encloses no area";
  std::string why;
  (void)bg::is_valid(p, why);
  return why;
}

int geodesic_boxes(LatLng centre, double km, std::array<PlaneBox, 2>& out) noexcept {
  const double arc = km / kKmPerRadian;
  const double south = std::max(-90.0, centre.lat - arc * kDegrees);
  const double north = std::min(90.0, centre.lat + arc * kDegrees);
  const double cos_lat = std::cos(centre.lat / kDegrees);
  if (arc >= std::numbers::pi / 2 || std::sin(arc) >= cos_lat) {  // the circle holds a pole
    out[0] = plane_box(-180, south, 180, north);
    return 1;
  }
  // The widest longitude of a spherical cap of radius `arc`: where a meridian is tangent to it.
  const double half_width = std::asin(std::sin(arc) / cos_lat) * kDegrees;
  const double west = centre.lon - half_width, east = centre.lon + half_width;
  if (west <= -180) {
    out[0] = plane_box(-180, south, east, north);
    out[1] = plane_box(west + 360, south, 180, north);
    return 2;
  }
  if (east >= 180) {
    out[0] = plane_box(west, south, 180, north);
    out[1] = plane_box(-180, south, east - 360, north);
    return 2;
  }
  out[0] = plane_box(west, south, east, north);
  return 1;
}

PlanePoint plane_point(LatLng point) noexcept { return PlanePoint(antimeridian_as_west(point.lon), point.lat); }

bool nearer_store(double a_km, const std::string& a_id, double b_km, const std::string& b_id) noexcept {
  return a_km < b_km || (a_km == b_km && a_id < b_id);
}

TargetIndex::TargetIndex(const CampaignSet& set) : set_(set) {
  std::vector<Entry> entries;
  for (std::uint32_t c = 0; c < set.campaigns.size(); ++c) {
    const Campaign& campaign = set.campaigns[c];
    add(c, campaign.include, false, entries);
    add(c, campaign.exclude, true, entries);
    if (!campaign.include.places.empty() || !campaign.exclude.places.empty()) by_place_.push_back(c);
  }
  tree_ = decltype(tree_)(entries.begin(), entries.end());  // bulk loading: packed, built once
}

void TargetIndex::add(std::uint32_t campaign, const TargetAreas& areas, bool exclude, std::vector<Entry>& entries) {
  std::array<PlaneBox, 2> boxes;
  for (std::uint32_t i = 0; i < areas.radius.size(); ++i) {
    const auto target = static_cast<std::uint32_t>(targets_.size());
    targets_.push_back({campaign, i, exclude, true});
    const int n = geodesic_boxes(areas.radius[i].centre, areas.radius[i].km, boxes);
    for (int b = 0; b < n; ++b) entries.emplace_back(boxes[b], target);
  }
  for (std::uint32_t i = 0; i < areas.polygons.size(); ++i) {
    if (areas.polygons[i].empty() || areas.polygons[i].front().empty()) continue;  // holds no point
    entries.emplace_back(envelope_of(areas.polygons[i]), static_cast<std::uint32_t>(targets_.size()));
    targets_.push_back({campaign, i, exclude, false});
  }
}

bool TargetIndex::holds(const Target& t, LatLng point, double& km) const noexcept {
  const Campaign& c = set_.campaigns[t.campaign];
  const TargetAreas& areas = t.exclude ? c.exclude : c.include;
  if (!t.radius) return contains(areas.polygons[t.item], point);
  const RadiusArea& circle = areas.radius[t.item];
  km = geodesic_km(point.lat, point.lon, circle.centre.lat, circle.centre.lon);
  return km <= circle.km;
}

void TargetIndex::match(const PlaceChain& chain, LatLng point, Scratch& s, std::vector<Match>& out) const {
  out.clear();
  const std::size_t n = set_.campaigns.size();
  if (s.state.size() != n) {
    s.state.assign(n, 0);
    s.store.assign(n, kNoStore);
    s.store_km.assign(n, 0);
  }
  s.touched.clear();
  auto mark = [&](std::uint32_t c, std::uint8_t bit) {
    if (s.state[c] == 0) s.touched.push_back(c);
    s.state[c] |= bit;
  };
  auto visit = [&](const Entry& entry) {
    const Target& t = targets_[entry.second];
    double km = 0;
    if (!holds(t, point, km)) return;
    mark(t.campaign, t.exclude ? kOut : kIn);
    if (!t.radius || t.exclude) return;
    const auto& circles = set_.campaigns[t.campaign].include.radius;
    std::uint32_t& best = s.store[t.campaign];
    if (best == kNoStore || nearer_store(km, circles[t.item].id, s.store_km[t.campaign], circles[best].id) ||
        (km == s.store_km[t.campaign] && circles[t.item].id == circles[best].id && t.item < best)) {
      best = t.item;
      s.store_km[t.campaign] = km;
    }
  };
  if (point.is_known()) tree_.query(bgi::intersects(plane_point(point)), boost::make_function_output_iterator(visit));
  for (std::uint32_t c : by_place_) {
    if (in_places(set_.campaigns[c].include, chain)) mark(c, kIn);
    if (in_places(set_.campaigns[c].exclude, chain)) mark(c, kOut);
  }
  std::sort(s.touched.begin(), s.touched.end());
  for (std::uint32_t c : s.touched) {
    if (s.state[c] == kIn) out.push_back({c, s.store[c], s.store[c] == kNoStore ? 0 : s.store_km[c]});
    s.state[c] = 0;
    s.store[c] = kNoStore;
  }
}

}  // namespace geotarget::detail
