// geotarget: a chain's stores, read from a file, and the nearest store to a point.
//
//   std::vector<geotarget::Store> stores = geotarget::load_stores("stores.csv");  // throws Error
//   geotarget::StoreIndex index(stores);
//   geotarget::NearestStore n = index.nearest({40.7831, -73.9712}, 25.0);
//   if (n.store) use(n.store->id, n.km);
//
// A stores file is a CSV (header row; columns id, name, lat/latitude, lon/lng/longitude; other
// columns are ignored) or any point source GDAL/OGR reads (GeoPackage, GeoJSON, Shapefile,
// FlatGeobuf...: the first layer, fields id and name, point geometries, reprojected to WGS84
// when the layer says so). Every row must be a store: a missing id, a duplicate id or a bad
// coordinate is an error naming the file and the line (CSV) or feature. Paths are plain local
// files: GDAL's /vsi... prefixes and URLs are refused.
//
// Distances are geodesic on WGS84 (Karney, through PROJ). Ties in distance go to the lower id
// (byte order), so the answer is the same for any order of the file.
//
// Thread-safety: StoreIndex is immutable after construction; nearest() may run on any number of
// threads and allocates nothing.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "geotarget/lat_lng.hpp"

namespace geotarget {

struct Store {
  std::string id, name;
  LatLng point;
};

/// The most stores one file may hold; a file with more is an error (limit_exceeded).
inline constexpr std::size_t kMaxStores = 1'000'000;

/// Reads a stores file (see above). Throws geotarget::Error naming the file and the row.
std::vector<Store> load_stores(const std::string& path);

struct NearestStore {
  const Store* store = nullptr;  ///< nullptr: no store within the maximum
  double km = 0;                 ///< geodesic distance to it
};

class StoreIndex {
 public:
  /// Indexes `stores` (copied) in a Boost.Geometry R-tree.
  explicit StoreIndex(std::vector<Store> stores);
  ~StoreIndex();
  StoreIndex(const StoreIndex&) = delete;
  StoreIndex& operator=(const StoreIndex&) = delete;

  /// The nearest store within `max_km` of `point` (ties: the lower id); none for an invalid point.
  [[nodiscard]] NearestStore nearest(LatLng point, double max_km) const noexcept;
  [[nodiscard]] const std::vector<Store>& stores() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace geotarget
