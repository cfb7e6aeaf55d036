#include "point_level.hpp"
#include "wgs84_geodesic.hpp"

#include <geodesic.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace geotarget::detail {

const geod_geodesic& wgs84_geodesic() {
  static const geod_geodesic g = [] {
    geod_geodesic init;
    geod_init(&init, 6378137.0, 1 / 298.257223563);
    return init;
  }();
  return g;
}

namespace {

constexpr double kRadians = 3.14159265358979323846 / 180;
constexpr double kSphereKm = 6371.0088;
// The geodesic distance on WGS84 is within 0.7% of the great-circle distance on the mean
// sphere, either way; candidates within this factor squared of the spherical best may win.
constexpr double kSphereSlack = 1.007;
// No degree of latitude is shorter than 110.5 km on WGS84; this bound stops the scan.
constexpr double kMinKmPerDegreeLat = 110.5;

std::array<double, 3> unit_vector(double lat, double lon) {
  const double phi = lat * kRadians, lambda = lon * kRadians;
  return {std::cos(phi) * std::cos(lambda), std::cos(phi) * std::sin(lambda), std::sin(phi)};
}

// Squared chord between unit vectors; great-circle distance grows with it.
double chord2(const std::array<double, 3>& a, const LevelPoint& b) {
  const double dx = a[0] - b.xyz[0], dy = a[1] - b.xyz[1], dz = a[2] - b.xyz[2];
  return dx * dx + dy * dy + dz * dz;
}

double chord2_to_km(double c2) { return 2 * kSphereKm * std::asin(std::min(1.0, std::sqrt(c2) / 2)); }

double km_to_chord2(double km) {
  const double c = 2 * std::sin(std::min(km / (2 * kSphereKm), 1.5707963267948966));
  return c * c;
}

}  // namespace

double geodesic_km(double lat1, double lon1, double lat2, double lon2) noexcept {
  double s12 = 0;
  geod_inverse(&wgs84_geodesic(), lat1, lon1, lat2, lon2, &s12, nullptr, nullptr);
  return s12 / 1000.0;
}

double town_reach_km(std::int64_t population) noexcept {
  return population >= kMinCorePopulation ? 0.01 * std::sqrt(static_cast<double>(population)) : 0;
}

QueryPoint::QueryPoint(double longitude, double latitude) noexcept
    : lon(longitude), lat(latitude), xyz(unit_vector(latitude, longitude)) {}

PointLevel::PointLevel(LevelPoints points, double max_distance_km)
    : points_(std::move(points)),
      max_km_(max_distance_km),
      reach_c2_(km_to_chord2(max_distance_km * kSphereSlack * kSphereSlack * kSphereSlack)) {
  index_points();
}

void PointLevel::index_points() {
  std::sort(points_.begin(), points_.end(), [](const LevelPoint& a, const LevelPoint& b) {
    if (a.parent != b.parent) return a.parent < b.parent;
    if (a.lat != b.lat) return a.lat < b.lat;
    return a.place < b.place;
  });
  lats_.reserve(points_.size());
  for (LevelPoint& p : points_) {
    p.xyz = unit_vector(p.lat, p.lon);
    lats_.push_back(p.lat);
  }
  for (std::uint32_t i = 0; i < points_.size();) {
    std::uint32_t j = i;
    while (j < points_.size() && points_[j].parent == points_[i].parent) ++j;
    const std::uint32_t parent = points_[i].parent;
    if (group_of_parent_.size() <= parent) group_of_parent_.resize(std::size_t{parent} + 1, none);
    group_of_parent_[parent] = static_cast<std::uint32_t>(groups_.size());
    groups_.push_back(Group{parent, i, j});
    i = j;
  }
  build_cores();
}

namespace {

LevelPoints checked_points(IndexFileReader& in, std::size_t place_count) {
  const auto points = in.array<LevelPoint>();
  for (const LevelPoint& p : points)
    require_index(p.place < place_count && p.parent < place_count && (p.area < place_count || p.area == PointLevel::none),
                  "a town, postal or neighbourhood point names no place");
  return LevelPoints(points.begin(), points.end());
}

}  // namespace

// Members are initialised in the order declared: the points, then the distance, as written.
PointLevel::PointLevel(IndexFileReader& in, std::size_t place_count)
    : points_(checked_points(in, place_count)),
      max_km_(in.value<double>()),
      reach_c2_(km_to_chord2(max_km_ * kSphereSlack * kSphereSlack * kSphereSlack)) {
  require_index(max_km_ >= 0 && max_km_ <= 20'100, "a point level's maximum distance is out of range");
  index_points();
}

void PointLevel::save(IndexFileWriter& out) const {
  out.array(std::span<const LevelPoint>(points_));
  out.value(max_km_);
}

// The towns with a reach, grouped by area and sorted by latitude, so that a query scans only
// the band of latitudes its area's largest reach can cover.
void PointLevel::build_cores() {
  for (const LevelPoint& p : points_)
    if (p.reach_km > 0) cores_.push_back(Core{p.xyz, p.lat, km_to_chord2(p.reach_km), p.area, p.place});
  std::sort(cores_.begin(), cores_.end(), [](const Core& a, const Core& b) {
    if (a.area != b.area) return a.area < b.area;
    if (a.lat != b.lat) return a.lat < b.lat;
    return a.place < b.place;
  });
  for (std::uint32_t i = 0; i < cores_.size();) {
    std::uint32_t j = i;
    double max_c2 = 0;
    for (; j < cores_.size() && cores_[j].area == cores_[i].area; ++j) max_c2 = std::max(max_c2, cores_[j].reach_c2);
    const std::uint32_t area = cores_[i].area;
    if (core_group_of_area_.size() <= area) core_group_of_area_.resize(std::size_t{area} + 1, none);
    core_group_of_area_[area] = static_cast<std::uint32_t>(core_groups_.size());
    core_groups_.push_back(CoreGroup{i, j, chord2_to_km(max_c2)});
    i = j;
  }
}

// The most populous town of the area whose reach covers the query (reach grows with
// population, so: the largest reach), if any; ties go to the lower place index.
std::uint32_t PointLevel::covering(const QueryPoint& q, std::uint32_t area) const noexcept {
  if (area >= core_group_of_area_.size() || core_group_of_area_[area] == none) return none;
  const CoreGroup& g = core_groups_[core_group_of_area_[area]];
  const double band = g.max_reach_km * kSphereSlack / kMinKmPerDegreeLat;
  auto it = std::lower_bound(cores_.begin() + g.begin, cores_.begin() + g.end, q.lat - band,
                             [](const Core& c, double lat) { return c.lat < lat; });
  const Core* best = nullptr;
  for (; it != cores_.begin() + g.end && it->lat <= q.lat + band; ++it) {
    const double dx = q.xyz[0] - it->xyz[0], dy = q.xyz[1] - it->xyz[1], dz = q.xyz[2] - it->xyz[2];
    if (dx * dx + dy * dy + dz * dz > it->reach_c2) continue;
    if (!best || it->reach_c2 > best->reach_c2 || (it->reach_c2 == best->reach_c2 && it->place < best->place))
      best = &*it;
  }
  return best ? best->place : none;
}

const PointLevel::Group* PointLevel::group_of(std::uint32_t parent) const noexcept {
  if (parent >= group_of_parent_.size() || group_of_parent_[parent] == none) return nullptr;
  return &groups_[group_of_parent_[parent]];
}

bool PointLevel::has_parent(std::uint32_t parent) const noexcept {
  return group_of(parent) != nullptr;
}

// The spherical ranking is the geodesic one when the best candidate is alone within the slack
// and clearly inside or outside the limit; otherwise the close candidates are ranked exactly.
std::uint32_t PointLevel::rank(double lon, double lat, const Candidate* cand, int n,
                               double best_km) const noexcept {
  const double close_km = best_km * kSphereSlack * kSphereSlack;
  int best_i = -1, close = 0;
  for (int i = 0; i < n; ++i) {
    if (cand[i].km > close_km) continue;
    ++close;
    if (best_i < 0 || cand[i].km < cand[best_i].km) best_i = i;
  }
  if (best_i < 0) return none;
  const double sphere = cand[best_i].km;
  if (close == 1 && sphere * kSphereSlack < max_km_) return points_[cand[best_i].point].place;
  if (close == 1 && sphere > max_km_ * kSphereSlack) return none;
  std::uint32_t answer = none;
  double answer_km = max_km_;
  for (int i = 0; i < n; ++i) {
    if (cand[i].km > close_km) continue;
    const LevelPoint& p = points_[cand[i].point];
    const double d = geodesic_km(lat, lon, p.lat, p.lon);
    if (d < answer_km || (d == answer_km && (answer == none || p.place < answer))) {
      answer = p.place;
      answer_km = d;
    }
  }
  return answer;
}

std::uint32_t PointLevel::nearest(const QueryPoint& query, std::uint32_t parent, std::uint32_t area) const noexcept {
  if (const std::uint32_t core = covering(query, area); core != none) return core;
  const Group* g = group_of(parent);
  if (!g) return none;
  const std::array<double, 3>& q = query.xyz;
  const double lat = query.lat;
  std::array<Candidate, kMaxCandidates> cand;
  int n = 0;
  double best_km = max_km_ * kSphereSlack;
  double keep_c2 = reach_c2_;  // points farther than this cannot win
  auto consider = [&](const LevelPoint& p) {
    const double c2 = chord2(q, p);
    if (c2 > keep_c2) return;
    const double km = chord2_to_km(c2);
    if (km < best_km) {
      best_km = km;
      keep_c2 = km_to_chord2(best_km * kSphereSlack * kSphereSlack);
    }
    const Candidate c{km, static_cast<std::uint32_t>(&p - points_.data())};
    if (n < kMaxCandidates) {
      cand[static_cast<std::size_t>(n++)] = c;
    } else {  // replace the farthest candidate
      auto worst = std::max_element(cand.begin(), cand.end(),
                                    [](const Candidate& a, const Candidate& b) { return a.km < b.km; });
      if (c.km < worst->km) *worst = c;
    }
  };
  // Scan outwards in latitude until no farther point can be within reach.
  const auto first = points_.begin() + g->begin, last = points_.begin() + g->end;
  const auto mid = first + (std::lower_bound(lats_.begin() + g->begin, lats_.begin() + g->end, lat) -
                            (lats_.begin() + g->begin));
  for (auto up = mid; up != last && (up->lat - lat) * kMinKmPerDegreeLat <= best_km * kSphereSlack; ++up)
    consider(*up);
  for (auto down = mid; down != first && (lat - (down - 1)->lat) * kMinKmPerDegreeLat <= best_km * kSphereSlack;)
    consider(*--down);
  return rank(query.lon, lat, cand.data(), n, best_km);
}

}  // namespace geotarget::detail
