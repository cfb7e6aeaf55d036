// Internal: a point level (towns, postal centroids): the nearest point inside a given parent
// place, by geodesic distance on WGS84, within a maximum distance.
//
// Population-aware rule (towns): a town of kMinCorePopulation people or more covers the points
// within town_reach_km(population) of it, 0.01 km x sqrt(population) (a town at an urban density
// of about 3,200 people per km2: 2 km at 40,000 people, 10 km at a million, 29 km for New York
// City's 8.2 million). A point covered by such towns of its region (of its country where it has
// no region) belongs to the most populous of them; any other point to the nearest town of its
// parent. So a point in Manhattan or Brooklyn is in New York City, not in the borough's own
// GeoNames point or in a village nearer to it, though the boroughs are districts of their own.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "huge_pages.hpp"
#include "index_file.hpp"

namespace geotarget::detail {

struct LevelPoint {
  double lon, lat;
  std::uint32_t place;   ///< the answer: index of the place
  std::uint32_t parent;  ///< index of the parent place the point belongs to
  std::array<double, 3> xyz{};  ///< unit vector, filled by PointLevel
  double reach_km = 0;          ///< town_reach_km of its population; 0: nearest rule only
  std::uint32_t area = 0;       ///< where its reach applies: its region, else its country
};

/// Towns smaller than this cover no point by their population: the nearest town decides.
inline constexpr std::int64_t kMinCorePopulation = 40'000;
/// The reach of a town of `population` people (0 below kMinCorePopulation), in km.
[[nodiscard]] double town_reach_km(std::int64_t population) noexcept;

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
  /// The level save() wrote; every point's place, parent and area must be below
  /// `place_count` (area may be none). Throws IndexFileError.
  PointLevel(IndexFileReader& in, std::size_t place_count);

  /// Appends the level's points and maximum distance to a compiled index file.
  void save(IndexFileWriter& out) const;

  /// The place of the most populous point of `area` (LevelPoint::area) whose reach covers the
  /// query, else of the nearest point whose parent is `parent`, within the maximum distance;
  /// ties go to the lower place index. Never allocates.
  [[nodiscard]] std::uint32_t nearest(const QueryPoint& q, std::uint32_t parent, std::uint32_t area) const noexcept;
  [[nodiscard]] bool has_parent(std::uint32_t parent) const noexcept;
  [[nodiscard]] double max_distance_km() const noexcept { return max_km_; }

 private:
  struct Group {
    std::uint32_t parent, begin, end;  // points_[begin, end), sorted by latitude
  };
  struct Core {
    std::array<double, 3> xyz;
    double lat;
    double reach_c2;  // chord squared of the reach
    std::uint32_t area, place;
  };
  struct CoreGroup {
    std::uint32_t begin, end;  // cores_[begin, end) of one area, sorted by latitude
    double max_reach_km;
  };
  struct Candidate {
    double km;  // great-circle distance on the mean sphere
    std::uint32_t point;
  };
  static constexpr int kMaxCandidates = 32;

  [[nodiscard]] const Group* group_of(std::uint32_t parent) const noexcept;
  [[nodiscard]] std::uint32_t rank(double lon, double lat, const Candidate* candidates, int n,
                                   double best_km) const noexcept;

  void index_points();
  void build_cores();
  [[nodiscard]] std::uint32_t covering(const QueryPoint& q, std::uint32_t area) const noexcept;

  LevelPoints points_;
  std::vector<Core> cores_;
  std::vector<CoreGroup> core_groups_;
  std::vector<std::uint32_t> core_group_of_area_;  // area place -> core group, or none
  std::vector<double> lats_;  // points_[i].lat, searched apart: 8 bytes a step, not 56
  std::vector<Group> groups_;
  std::vector<std::uint32_t> group_of_parent_;  // parent place -> group, or none
  double max_km_;
  double reach_c2_;  // chord squared beyond which no point can win, before any is seen
};

/// Geodesic distance in km on the WGS84 ellipsoid (Karney's algorithm, through PROJ).
[[nodiscard]] double geodesic_km(double lat1, double lon1, double lat2, double lon2) noexcept;

}  // namespace geotarget::detail
