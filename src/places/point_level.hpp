// Internal: a point level (towns, postal centroids): the nearest point inside a given parent
// place, by geodesic distance on WGS84, within a maximum distance.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "huge_pages.hpp"

namespace geotarget::detail {

struct LevelPoint {
  double lon, lat;
  std::uint32_t place;   ///< the answer: index of the place
  std::uint32_t parent;  ///< index of the parent place the point belongs to
  std::array<double, 3> xyz{};  ///< unit vector, filled by PointLevel
};

using LevelPoints = std::vector<LevelPoint, HugePageAllocator<LevelPoint>>;

/// A query point with its unit vector, computed once for all the point levels of a query.
struct QueryPoint {
  QueryPoint(double lon, double lat) noexcept;
  double lon, lat;
  std::array<double, 3> xyz;
};

class PointLevel {
 public:
  static constexpr std::uint32_t none = 0xffffffffu;

  PointLevel(LevelPoints points, double max_distance_km);

  /// The place of the nearest point whose parent is `parent`, within the maximum distance;
  /// ties go to the lower place index. Never allocates.
  [[nodiscard]] std::uint32_t nearest(const QueryPoint& q, std::uint32_t parent) const noexcept;
  [[nodiscard]] bool has_parent(std::uint32_t parent) const noexcept;
  [[nodiscard]] double max_distance_km() const noexcept { return max_km_; }

 private:
  struct Group {
    std::uint32_t parent, begin, end;  // points_[begin, end), sorted by latitude
  };
  struct Candidate {
    double km;  // great-circle distance on the mean sphere
    std::uint32_t point;
  };
  static constexpr int kMaxCandidates = 32;

  [[nodiscard]] const Group* group_of(std::uint32_t parent) const noexcept;
  [[nodiscard]] std::uint32_t rank(double lon, double lat, const Candidate* candidates, int n,
                                   double best_km) const noexcept;

  LevelPoints points_;
  std::vector<double> lats_;  // points_[i].lat, searched apart: 8 bytes a step, not 56
  std::vector<Group> groups_;
  std::vector<std::uint32_t> group_of_parent_;  // parent place -> group, or none
  double max_km_;
  double reach_c2_;  // chord squared beyond which no point can win, before any is seen
};

/// Geodesic distance in km on the WGS84 ellipsoid (Karney's algorithm, through PROJ).
[[nodiscard]] double geodesic_km(double lat1, double lon1, double lat2, double lon2) noexcept;

}  // namespace geotarget::detail
