// Internal: the boundary rule of polygons, for one edge and for one polygon.
//
// Half-open rule: a point on a polygon's boundary is inside exactly when the points immediately
// east of it are inside (immediately north of it on an east-west edge). A point on an edge or
// vertex shared by several polygons that tile the plane around it is therefore inside exactly
// one of them, the one east (then north) of it.
//
// It is an even-odd count of the edges crossed by the ray cast east from the point, with one
// tie-breaking: an edge (a, b), lower endpoint first, is crossed when a.y <= py < b.y and the
// point lies strictly west of the line a -> b, decided exactly (orientation.hpp). Horizontal
// edges are never crossed.
//
// Longitude 180 is read as -180 (one meridian, so a polygon cut at the antimeridian is whole
// again and a point on the cut belongs to the part east of it).
//
// The place index's cell table counts its crossings with RayEdge too (cell_table.hpp). It adds
// one rule for a whole level that a single polygon cannot have: a boundary point with no polygon
// east of it still goes to the lowest-numbered polygon whose boundary it is on.
#pragma once

#include <array>
#include <utility>

#include "geotarget/place_index.hpp"

namespace geotarget::detail {

/// One polygon edge as the east-ray crossing test needs it.
struct RayEdge {
  double x0, y0, x1, y1;  // lower endpoint first: y0 <= y1 (y0 == y1: horizontal, west end first)
  double slope;           // dx/dy, computed once from these endpoints; 0 when horizontal

  [[nodiscard]] static RayEdge between(std::array<double, 2> a, std::array<double, 2> b) noexcept {
    if (a[1] > b[1] || (a[1] == b[1] && a[0] > b[0])) std::swap(a, b);
    return {a[0], a[1], b[0], b[1], a[1] == b[1] ? 0 : (b[0] - a[0]) / (b[1] - a[1])};
  }
  /// Does the ray's latitude fall in the edge's half-open span [y0, y1)?
  [[nodiscard]] bool spans(double py) const noexcept { return y0 <= py && py < y1; }
  [[nodiscard]] double x_at(double py) const noexcept { return x0 + (py - y0) * slope; }
  /// Exactly: is (px, py) strictly west of this (non-horizontal) edge's line? `x_at_py` is
  /// x_at(py), which settles all but near ties. Out of line: inlined, the exact fallback
  /// makes the cell table's query function four times its size.
  [[nodiscard]] bool west_of(double px, double py, double x_at_py) const noexcept;
  /// Does the ray cast east from (px, py) cross this edge?
  [[nodiscard]] bool crossed_from(double px, double py) const noexcept {
    return spans(py) && west_of(px, py, x_at(py));
  }
};

/// Longitude 180 read as -180: the meridian where polygons are cut is one line.
[[nodiscard]] inline double antimeridian_as_west(double lon) noexcept { return lon == 180 ? -180 : lon; }

/// Is `point` inside `polygon` (outer ring, then holes; closed or not) by the rule above?
[[nodiscard]] bool contains(const Polygon& polygon, LatLng point) noexcept;

}  // namespace geotarget::detail
