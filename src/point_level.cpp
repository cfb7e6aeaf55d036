#include "point_level.hpp"

#include <geodesic.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace geotarget::detail {

namespace {

const geod_geodesic& wgs84() {
  static const geod_geodesic g = [] {
    geod_geodesic init;
    geod_init(&init, 6378137.0, 1 / 298.257223563);
    return init;
  }();
  return g;
}

constexpr double kPi = 3.14159265358979323846;
constexpr double kSphereKm = 6371.0088;
// The ellipsoidal distance is within 0.6% of the spherical one; candidates within this factor
// of the spherical best are ranked exactly.
constexpr double kSphereSlack = 1.007;
// No degree of latitude is shorter than 110.5 km on WGS84; this bound stops the scan.
constexpr double kMinKmPerDegreeLat = 110.5;

double haversine_km(double lat1, double lon1, double lat2, double lon2) noexcept {
  const double r = kPi / 180;
  double dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r;
  double a = std::sin(dlat / 2) * std::sin(dlat / 2) +
             std::cos(lat1 * r) * std::cos(lat2 * r) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kSphereKm * std::asin(std::min(1.0, std::sqrt(a)));
}

}  // namespace

double geodesic_km(double lat1, double lon1, double lat2, double lon2) noexcept {
  double s12 = 0;
  geod_inverse(&wgs84(), lat1, lon1, lat2, lon2, &s12, nullptr, nullptr);
  return s12 / 1000.0;
}

PointLevel::PointLevel(std::vector<LevelPoint> points, double max_distance_km)
    : points_(std::move(points)), max_km_(max_distance_km) {
  std::sort(points_.begin(), points_.end(), [](const LevelPoint& a, const LevelPoint& b) {
    if (a.parent != b.parent) return a.parent < b.parent;
    if (a.lat != b.lat) return a.lat < b.lat;
    return a.place < b.place;
  });
  for (std::uint32_t i = 0; i < points_.size();) {
    std::uint32_t j = i;
    while (j < points_.size() && points_[j].parent == points_[i].parent) ++j;
    groups_.push_back(Group{points_[i].parent, i, j});
    i = j;
  }
}

const PointLevel::Group* PointLevel::group_of(std::uint32_t parent) const noexcept {
  auto it = std::lower_bound(groups_.begin(), groups_.end(), parent,
                             [](const Group& g, std::uint32_t p) { return g.parent < p; });
  return it != groups_.end() && it->parent == parent ? &*it : nullptr;
}

bool PointLevel::has_parent(std::uint32_t parent) const noexcept {
  return group_of(parent) != nullptr;
}

std::uint32_t PointLevel::nearest(double lon, double lat, std::uint32_t parent) const noexcept {
  const Group* g = group_of(parent);
  if (!g) return none;
  // Candidates by spherical distance, scanning outwards in latitude from the query.
  constexpr int kMax = 32;
  std::array<std::pair<double, std::uint32_t>, kMax> cand;
  int n = 0;
  double best = max_km_ * kSphereSlack;
  auto mid = std::lower_bound(points_.begin() + g->begin, points_.begin() + g->end, lat,
                              [](const LevelPoint& p, double v) { return p.lat < v; });
  auto consider = [&](const LevelPoint& p) {
    double d = haversine_km(lat, lon, p.lat, p.lon);
    if (d > best * kSphereSlack) return;
    best = std::min(best, d);
    if (n < kMax) {
      cand[n++] = {d, static_cast<std::uint32_t>(&p - points_.data())};
    } else {  // replace the worst candidate
      auto worst = std::max_element(cand.begin(), cand.end());
      if (d < worst->first) *worst = {d, static_cast<std::uint32_t>(&p - points_.data())};
    }
  };
  const auto first = points_.begin() + g->begin, last = points_.begin() + g->end;
  for (auto up = mid; up != last && (up->lat - lat) * kMinKmPerDegreeLat <= best * kSphereSlack; ++up)
    consider(*up);
  for (auto down = mid; down != first && (lat - (down - 1)->lat) * kMinKmPerDegreeLat <= best * kSphereSlack;)
    consider(*--down);
  // Exact ranking of the survivors.
  std::uint32_t answer = none;
  double answer_km = max_km_;
  for (int i = 0; i < n; ++i) {
    if (cand[i].first > best * kSphereSlack) continue;
    const LevelPoint& p = points_[cand[i].second];
    double d = geodesic_km(lat, lon, p.lat, p.lon);
    if (d < answer_km || (d == answer_km && answer != none && p.place < answer) ||
        (d <= answer_km && answer == none)) {
      answer = p.place;
      answer_km = d;
    }
  }
  return answer;
}

}  // namespace geotarget::detail
