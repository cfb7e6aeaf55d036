// Internal: the geodata manifest and reading its levels through GDAL/OGR.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cell_table.hpp"
#include "huge_pages.hpp"
#include "geotarget/place_index.hpp"

namespace geotarget::detail {

/// One level of the manifest (docs/formats.md).
struct LevelSource {
  PlaceLevel level = PlaceLevel::country;
  std::string source;       ///< absolute path of the OGR dataset
  std::string layer;        ///< empty: the first layer
  std::string id_field, name_field, parent_field, population_field;
  std::string names_field;      ///< alternate names, separated by '|'
  std::string time_zone_field;  ///< IANA time zone name
  std::string lat_field, lon_field;  ///< point sources without geometry (CSV)
  double max_distance_km = 25;       ///< point levels only
  int line = 0;                      ///< line of the level in the manifest, for messages
};

struct Manifest {
  std::string path;
  std::string name;
  std::vector<LevelSource> levels;
};

/// Reads and validates the manifest. Throws Error naming the file, line and field.
Manifest read_manifest(const std::string& path);

/// One usable feature of a level, in WGS84 lon/lat.
struct SourcePlace {
  std::string id, name, parent_id;
  std::string names;      ///< alternate names, '|'-separated
  std::string time_zone;  ///< IANA name; empty when unknown
  std::int64_t population = -1;
  std::vector<Polygon> parts;  ///< empty for points
  double lon = 0, lat = 0; ///< the point, or a point on the polygon's surface
};

/// A level's places as read; large (171,000 towns), hence on huge pages.
using SourcePlaces = std::vector<SourcePlace, HugePageAllocator<SourcePlace>>;

/// Reads every feature of a level; unusable features are appended to summary.problems and
/// skipped, invalid polygons are repaired (counted in summary.repaired_polygons).
/// Throws Error when the source or layer cannot be opened or a named field does not exist.
/// Bounds on what one level may hold (PlaceIndexOptions).
struct LevelLimits {
  std::size_t places = 0;
  std::size_t vertices_per_place = 0;
};

SourcePlaces read_level(const LevelSource& level, const LevelLimits& limits, PlaceLoadSummary& summary);

}  // namespace geotarget::detail
