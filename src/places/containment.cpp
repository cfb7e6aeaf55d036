#include "containment.hpp"

#include "orientation.hpp"

namespace geotarget::detail {

bool RayEdge::west_of(double px, double py, double x_at_py) const noexcept {
  // x(py) is within a few ulps of the true crossing: only a near tie needs the exact test.
  const double gap = x_at_py - px;
  if (gap > 1e-9) return true;
  if (gap < -1e-9) return false;
  return orientation(x0, y0, x1, y1, px, py) > 0;
}

bool contains(const Polygon& polygon, LatLng point) noexcept {
  const double x = antimeridian_as_west(point.lon), y = point.lat;
  bool in = false;
  for (const Ring& ring : polygon)
    for (std::size_t i = 0, j = ring.size() - 1; i < ring.size(); j = i++)
      if (RayEdge::between(ring[j], ring[i]).crossed_from(x, y)) in = !in;
  return in;
}

}  // namespace geotarget::detail
