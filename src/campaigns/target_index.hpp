// Internal: the spatial index of a campaigns file's radius and polygon targets (Boost.Geometry
// R-tree), so that finding the campaigns at a point costs in the number of targets near it,
// not in all targets.
//
// Every radius (store) and polygon target of every campaign, included or excluded, is one or
// two boxes in the (lon, lat) plane: a polygon's envelope, or a box certain to hold every point
// within the radius (geodesic_boxes). A point's candidates are the boxes holding it; each is
// then tested exactly, by the same rules as Campaign::targets: geodesic distance <= km for a
// radius, the place index's boundary rule for a polygon (containment.hpp). A campaign matches
// when the point is in one of its included areas (place ids, circles, polygons) and in none of
// its excluded ones, exactly as Campaign::targets says; the index only skips targets that
// cannot hold the point.
//
// With each match comes the campaign's nearest store: of its included circles holding the point,
// the one with the least geodesic distance, ties by id, then by position in the file.
//
// Thread-safety: immutable after construction; match() may run on any number of threads, each
// with its own Scratch.
#pragma once

#include <boost/geometry.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <array>
#include <cstdint>
#include <vector>

#include "geotarget/campaigns.hpp"

namespace geotarget::detail {

namespace bg = boost::geometry;
/// (lon, lat) in degrees, in the plane: the plane of the boundary rule, where polygon edges are
/// straight, so a polygon's envelope there holds the polygon exactly.
using PlanePoint = bg::model::point<double, 2, bg::cs::cartesian>;
using PlaneBox = bg::model::box<PlanePoint>;

/// Fills `out` with one or two boxes that together hold every point within `km` (geodesic,
/// WGS84) of `centre`, split at the antimeridian; returns how many. Points on longitude 180
/// are held as -180 (antimeridian_as_west), as the boundary rule reads them.
int geodesic_boxes(LatLng centre, double km, std::array<PlaneBox, 2>& out) noexcept;

/// The query point of a location in the plane of the boxes.
[[nodiscard]] PlanePoint plane_point(LatLng point) noexcept;

/// Why a zone polygon is not valid in the (lon, lat) plane of the boundary rule, by
/// Boost.Geometry's is_valid (OGC rules: self-intersections, spikes, too few points, holes
/// outside...); empty when it is valid. Ring orientation and closure are not held against it.
[[nodiscard]] std::string zone_problem(const Polygon& polygon);

/// Does the chain hold one of the place ids of `areas`? (Campaign::targets' first test.)
[[nodiscard]] bool in_places(const TargetAreas& areas, const PlaceChain& chain) noexcept;

/// Is `a` a better store than `b` at distances `a_km`, `b_km`: nearer, then the lower id?
[[nodiscard]] bool nearer_store(double a_km, const std::string& a_id, double b_km, const std::string& b_id) noexcept;

class TargetIndex {
 public:
  static constexpr std::uint32_t kNoStore = 0xffffffffu;

  /// One campaign whose targets contain the point.
  struct Match {
    std::uint32_t campaign;  ///< index in CampaignSet::campaigns
    std::uint32_t store;     ///< its nearest store: an index in include.radius, or kNoStore
    double store_km;         ///< the geodesic distance to it
  };
  /// Per-thread working memory of match(); grows once, then is reused.
  struct Scratch {
    std::vector<std::uint8_t> state;   // per campaign: kIn, kOut bits, reset after each point
    std::vector<std::uint32_t> store;  // per campaign: nearest store so far
    std::vector<double> store_km;
    std::vector<std::uint32_t> touched;
  };

  explicit TargetIndex(const CampaignSet& set);

  /// Fills `out` with the campaigns whose targets contain the point, in file order. With an
  /// unknown point, only place ids are checked (as Campaign::targets does).
  void match(const PlaceChain& chain, LatLng point, Scratch& scratch, std::vector<Match>& out) const;

  [[nodiscard]] std::size_t targets() const noexcept { return targets_.size(); }

 private:
  struct Target {
    std::uint32_t campaign;
    std::uint32_t item;  // index in the campaign's radius or polygons
    bool exclude, radius;
  };
  using Entry = std::pair<PlaneBox, std::uint32_t>;  // box, index in targets_

  void add(std::uint32_t campaign, const TargetAreas& areas, bool exclude, std::vector<Entry>& entries);
  [[nodiscard]] bool holds(const Target& t, LatLng point, double& km) const noexcept;

  const CampaignSet& set_;
  std::vector<Target> targets_;
  std::vector<std::uint32_t> by_place_;  // campaigns naming place ids (included or excluded)
  bg::index::rtree<Entry, bg::index::rstar<16>> tree_;
};

}  // namespace geotarget::detail
