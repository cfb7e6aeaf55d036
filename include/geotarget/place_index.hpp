// geotarget: point -> places (country ▸ region ▸ district ▸ town ▸ neighbourhood, plus postal).
//
//   auto index = geotarget::PlaceIndex::load("geodata/default.yaml");   // throws geotarget::Error
//   geotarget::PlaceChain chain;
//   if (index->locate({40.7831, -73.9712}, chain) == geotarget::LocateStatus::ok)
//     if (const geotarget::Place* d = chain[geotarget::PlaceLevel::district]) use(d->id);  // US-36061
//
// Polygon levels are answered exactly by a precomputed cell table: cells that no boundary
// crosses answer directly; in cells that a boundary crosses, a horizontal ray is cast east
// through the boundary cells to the first uncrossed one, and its crossings are counted exactly.
//
// Boundary rule: a point on an edge or vertex shared by several polygons belongs to exactly one
// of them, the one that contains the points immediately east of it (immediately north of it on
// an east-west edge); that polygon always covers the point. Where no polygon lies east of a
// boundary point (a coast facing east), it belongs to the polygon with the lowest id among those
// whose boundary it is on. Longitude 180 is treated as -180, so a polygon cut at the
// antimeridian is whole again.
//
// Point levels (towns, postal centroids) answer the nearest point inside the already-resolved
// parent place, by geodesic distance on WGS84, within the level's max_distance_km.
// Neighbourhoods (sections of a town: Tribeca, Chicago Loop) answer only under the town already
// resolved: the nearest section of that town within the level's max_distance_km, else none. The
// town never depends on them (docs/architecture.md D44).
//
// Thread-safety: immutable after load; locate() may run on any number of threads without locks
// and allocates nothing.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "geotarget/lat_lng.hpp"

namespace geotarget {

/// The levels of places, and `store`: a store's catchment, which is an area a campaign's budget
/// can be split over (`level: store`) but never a place of the index (no chain holds one).
/// A neighbourhood is a section of a town (its parent); it comes after postal so that the
/// numbers of the older levels stay as they were.
enum class PlaceLevel : std::uint8_t { country, region, district, town, postal, neighbourhood, store };
inline constexpr std::size_t kPlaceLevels = 6;  ///< the levels of places: store is not one

/// Levels whose places are points (town, postal, neighbourhood), not polygons.
[[nodiscard]] constexpr bool is_point_level(PlaceLevel level) noexcept {
  return level == PlaceLevel::town || level == PlaceLevel::postal || level == PlaceLevel::neighbourhood;
}

/// "country", "region", "district", "town", "postal", "neighbourhood", "store".
[[nodiscard]] std::string_view describe(PlaceLevel level) noexcept;
/// Parses the name of a level of places; false when unknown (and for "store").
[[nodiscard]] bool parse_place_level(std::string_view text, PlaceLevel& out) noexcept;
/// Parses the name of a level an allocation area can have: a level of places, or "store".
[[nodiscard]] bool parse_area_level(std::string_view text, PlaceLevel& out) noexcept;

struct Place {
  static constexpr std::uint32_t none = 0xffffffffu;
  std::string id;    ///< stable: "US", "US-CA", "US-06037", "GN-5391959", "US-ZIP-94103"
  std::string name;
  PlaceLevel level = PlaceLevel::country;
  std::uint32_t parent = none;  ///< index of the parent place in PlaceIndex::places()
  std::int64_t population = -1; ///< -1 when unknown
  std::string time_zone;        ///< IANA name ("Asia/Tbilisi"); empty when the source has none
  LatLng point{0, 0};           ///< the point (point levels) or a representative interior point
};

/// The places containing one point, by level; nullptr where the level has no place there.
struct PlaceChain {
  std::array<const Place*, kPlaceLevels> at{};
  [[nodiscard]] const Place* operator[](PlaceLevel level) const noexcept {
    return level == PlaceLevel::store ? nullptr : at[static_cast<std::size_t>(level)];
  }
};

/// ok: the chain is filled (possibly with empty levels: the sea is no place); otherwise which
/// coordinate is NaN or out of range (lat_lng.hpp).
using LocateStatus = CoordinateStatus;

struct PlaceIndexOptions {
  /// Side of the coarse cells of the cell table, in degrees. DEFAULT: 1.
  double coarse_cell_degrees = 1.0;
  /// Each coarse cell that a boundary crosses is split into fine x fine cells, per polygon
  /// level (country, region, district). Countries get coarser cells: their coastlines touch
  /// 400,000 cells at 1/32 degree (70 MB, 0.6 s to build) and 97,000 at 1/8 (19 MB, 0.15 s),
  /// and most points reach a district first anyway. DEFAULT: {8, 32, 32}.
  std::array<int, 3> fine_cells = {8, 32, 32};
  /// Places one level may hold; a source with more is an error (limit_exceeded), so that a small
  /// gzip that inflates to tens of millions of rows cannot take the memory. GeoNames' cities1000
  /// has 150,000 towns, all ZIP codes of the world about 1.5 million. DEFAULT: 5,000,000.
  std::size_t max_places_per_level = 5'000'000;
  /// Vertices one place's polygons may have; a feature with more is reported and left out.
  /// Natural Earth's largest country at 1:10m has about 100,000. DEFAULT: 2,000,000.
  std::size_t max_vertices_per_place = 2'000'000;
  /// Map a compiled index file instead of building from the sources when one matches them
  /// (the manifest's and each source's size and modification time, these options, the format
  /// version), and write one after building: MANIFEST.index beside the manifest, else
  /// $XDG_CACHE_HOME (or ~/.cache)/geotarget/. A stale or damaged file is named on stderr and
  /// rebuilt (docs/formats.md, D41). DEFAULT: true.
  bool compiled_index = true;
};

/// What loading did, for the load summary: counts per level, repairs, unusable features.
struct PlaceLoadSummary {
  std::array<std::size_t, kPlaceLevels> places{};
  std::size_t repaired_polygons = 0;   ///< invalid polygons made valid with GEOS
  std::size_t linked_spatially = 0;    ///< parents found by containment, not by a field
  std::vector<std::string> problems;   ///< "source:layer:fid: reason", the first kMaxListed
  std::size_t problems_not_listed = 0; ///< problems beyond those
  double load_seconds = 0;
  /// The compiled index file the index was mapped from; empty when built from the sources.
  std::string compiled_index;

  static constexpr std::size_t kMaxListed = 1000;
  /// Lists a problem, or only counts it once kMaxListed are listed.
  void add_problem(std::string problem);
};

/// One polygon ring as loaded: (lon, lat) pairs, closed (first point repeated last).
using Ring = std::vector<std::array<double, 2>>;
/// One polygon: the outer ring, then its holes.
using Polygon = std::vector<Ring>;

class PlaceIndex {
 public:
  /// Loads the manifest at `manifest_path` (YAML; docs/formats.md) and builds the index.
  /// Throws geotarget::Error naming the manifest, the level and the field when it cannot.
  static std::shared_ptr<const PlaceIndex> load(const std::string& manifest_path,
                                                const PlaceIndexOptions& options = {});
  ~PlaceIndex();

  /// Fills `out` with the places containing `point`. Never throws, never allocates.
  [[nodiscard]] LocateStatus locate(LatLng point, PlaceChain& out) const noexcept;

  /// Every place, ordered by level, then id; Place::parent indexes into this.
  [[nodiscard]] std::span<const Place> places() const noexcept;
  /// Fills `out` with `place` and its ancestors (by parent links); other levels are left as
  /// they are. Never allocates.
  void chain_of(const Place& place, PlaceChain& out) const noexcept;
  /// The other names of a place (native, historical, in other scripts: "München", "תל אביב",
  /// "NYC"), separated by '|'; empty when the source gives none.
  [[nodiscard]] std::string_view alternate_names(const Place& place) const noexcept;
  /// The place with this id, or nullptr.
  [[nodiscard]] const Place* find(std::string_view id) const noexcept;
  /// The polygons of a polygon place, as loaded and repaired (empty for point places).
  [[nodiscard]] const std::vector<Polygon>& polygons(const Place& place) const noexcept;
  /// The place of one polygon level containing `point`, by the boundary rule; nullptr for
  /// none, for invalid coordinates and for point levels. Never allocates.
  [[nodiscard]] const Place* place_at(LatLng point, PlaceLevel level) const noexcept;
  [[nodiscard]] bool has_level(PlaceLevel level) const noexcept;
  [[nodiscard]] const PlaceLoadSummary& summary() const noexcept;

 private:
  struct Impl;
  explicit PlaceIndex(std::unique_ptr<Impl> impl);  // load() is the only way to build one
  std::unique_ptr<Impl> impl_;
};

}  // namespace geotarget
