// Internal: the standard GEOS approach to point-in-polygon (an STRtree over the polygons plus
// prepared-geometry predicates), used as the reference by `geotarget bench locate` and by the
// tests that check the place index against GEOS.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "geotarget/place_index.hpp"

namespace geotarget::detail {

class GeosReference {
 public:
  static constexpr std::uint32_t none = 0xffffffffu;

  /// Prepares every place of `level` of `index`. Answers are indexes into index.places().
  GeosReference(const PlaceIndex& index, PlaceLevel level);
  ~GeosReference();
  GeosReference(const GeosReference&) = delete;
  GeosReference& operator=(const GeosReference&) = delete;

  /// The first polygon (in STRtree order) that contains the point: what an application does.
  [[nodiscard]] std::uint32_t first_containing(double lon, double lat) const;
  /// Every polygon that contains the point (interior), and every one that covers it.
  void containing(double lon, double lat, std::vector<std::uint32_t>& contains,
                  std::vector<std::uint32_t>& covers) const;
  /// True when the place's polygon covers the point (interior or boundary).
  [[nodiscard]] bool covers(std::uint32_t place, double lon, double lat) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace geotarget::detail
