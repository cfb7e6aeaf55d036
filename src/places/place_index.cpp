#include "geotarget/place_index.hpp"

#include <algorithm>
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <iostream>
#include <mutex>
#include <optional>

#include "cell_table.hpp"
#include "containment.hpp"
#include "fnv1a.hpp"
#include "geodata_source.hpp"
#include "geotarget/error.hpp"
#include "index_file.hpp"
#include "point_level.hpp"

namespace geotarget {

namespace {

constexpr std::array<std::string_view, kPlaceLevels + 1> kLevelNames = {
    "country", "region", "district", "town", "postal", "neighbourhood", "store"};

std::size_t slot(PlaceLevel level) { return static_cast<std::size_t>(level); }

constexpr std::array<PlaceLevel, 3> kPolygonLevelsDeepestFirst = {
    PlaceLevel::district, PlaceLevel::region, PlaceLevel::country};

}  // namespace

std::string_view describe(PlaceLevel level) noexcept { return kLevelNames[slot(level)]; }

bool parse_place_level(std::string_view text, PlaceLevel& out) noexcept {
  for (std::size_t i = 0; i < kPlaceLevels; ++i) {
    if (kLevelNames[i] == text) {
      out = static_cast<PlaceLevel>(i);
      return true;
    }
  }
  return false;
}

bool parse_area_level(std::string_view text, PlaceLevel& out) noexcept {
  if (text != kLevelNames[slot(PlaceLevel::store)]) return parse_place_level(text, out);
  out = PlaceLevel::store;
  return true;
}

// One level read and indexed on its own thread, before it joins the index.
struct PreparedLevel {
  PlaceLevel level = PlaceLevel::country;
  detail::SourcePlaces places;              // as read
  std::vector<std::uint32_t> order;         // places by id, duplicates dropped
  std::optional<detail::CellTable> table;   // polygon i is places[order[i]]
  PlaceLoadSummary summary;
};

// Reads a level, orders it by id (reporting duplicates) and builds its cell table. Indexes
// are sorted, not the places: a town is 150 bytes, and 171,000 of them were moved around twice.
PreparedLevel prepare_level(const detail::LevelSource& source, const PlaceIndexOptions& options) {
  PreparedLevel out;
  out.level = source.level;
  out.places = detail::read_level(source, {options.max_places_per_level, options.max_vertices_per_place}, out.summary);
  const auto& places = out.places;
  std::vector<std::uint32_t> order(places.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  auto by_id = [&places](std::uint32_t a, std::uint32_t b) { return places[a].id < places[b].id; };
  if (!std::is_sorted(order.begin(), order.end(), by_id)) std::stable_sort(order.begin(), order.end(), by_id);
  std::size_t kept = 0;  // duplicates dropped in place
  for (std::size_t k = 0; k < order.size(); ++k) {
    const detail::SourcePlace& p = places[order[k]];
    if (kept > 0 && p.id == places[order[kept - 1]].id) {
      out.summary.add_problem(source.source + ": duplicate id '" + p.id + "' (kept the first)");
      continue;
    }
    order[kept++] = order[k];
  }
  order.resize(kept);
  out.order = std::move(order);
  if (!is_point_level(source.level)) {
    std::vector<detail::PolygonRings> polygons;
    polygons.reserve(out.order.size());
    for (std::uint32_t i : out.order) {
      detail::PolygonRings& flat = polygons.emplace_back();
      for (const Polygon& part : places[i].parts) flat.insert(flat.end(), part.begin(), part.end());
    }
    out.table.emplace(polygons, options.coarse_cell_degrees, options.fine_cells[slot(source.level)]);
  }
  return out;
}

struct PlaceIndex::Impl {
  std::vector<Place, detail::HugePageAllocator<Place>> places;  // sorted by (level, id)
  // Polygons by place: built here, or materialised from the mapped file on first use.
  mutable std::vector<std::vector<Polygon>> parts;
  // Alternate names, '|'-separated: place i's are text[starts[i], starts[i + 1]).
  std::string names_text;
  std::vector<std::uint64_t> names_starts{0};
  std::string_view names_view;
  std::span<const std::uint64_t> names_starts_view;
  std::array<std::optional<detail::CellTable>, kPlaceLevels> tables;
  std::array<std::vector<std::uint32_t>, kPlaceLevels> table_places;  // polygon -> place
  std::array<std::optional<detail::PointLevel>, kPlaceLevels> point_levels;
  PlaceLoadSummary summary;

  void add_level(PreparedLevel&& level, std::vector<std::string>& parent_ids);
  std::vector<std::uint32_t> by_id;           // place indexes sorted by id

  void index_ids();
  [[nodiscard]] std::uint32_t find_id(std::string_view id) const noexcept;
  void link_parents(const std::vector<std::string>& parent_ids);
  void build_point_levels(const detail::Manifest& manifest);
  std::uint32_t deepest_polygon_place(double lon, double lat, PlaceLevel below) const noexcept;
  void fill_ancestors(PlaceChain& out, std::uint32_t place) const noexcept;
  void locate_neighbourhood(PlaceChain& out, std::optional<detail::QueryPoint>& query, double lon,
                            double lat) const noexcept;
  [[nodiscard]] std::uint32_t reach_area(std::uint32_t place) const noexcept;

  // The compiled index file (index_file.hpp) this index was mapped from, if any.
  std::shared_ptr<const detail::MappedIndexFile> mapped;
  struct FlatPolygons;  // the polygons' arrays in the mapped file
  std::unique_ptr<FlatPolygons> flat_polygons;
  void save(detail::IndexFileWriter& out) const;
  void read(detail::IndexFileReader& in);
  void read_places(detail::IndexFileReader& in);
  void read_tables(detail::IndexFileReader& in);
  void read_summary(detail::IndexFileReader& in);
  [[nodiscard]] const std::vector<Polygon>& polygons_of(std::size_t place) const;

  static std::unique_ptr<Impl> build(const detail::Manifest& manifest, const PlaceIndexOptions& options);
  static std::unique_ptr<Impl> map_compiled(const std::vector<std::string>& paths, const std::string& key);
  void save_compiled(const std::vector<std::string>& paths, const std::string& key) const;
};

// Appends a prepared level's places and takes over its table and its part of the summary.
void PlaceIndex::Impl::add_level(PreparedLevel&& level, std::vector<std::string>& parent_ids) {
  const std::size_t lvl = slot(level.level);
  if (level.table) table_places[lvl].reserve(level.order.size());
  for (std::uint32_t i : level.order) {
    detail::SourcePlace& s = level.places[i];
    Place& p = places.emplace_back();
    p.id = std::move(s.id);
    p.name = std::move(s.name);
    p.level = level.level;
    p.population = s.population;
    p.time_zone = std::move(s.time_zone);
    names_text += s.names;
    names_starts.push_back(names_text.size());
    p.point = LatLng{s.lat, s.lon};
    if (level.table) table_places[lvl].push_back(static_cast<std::uint32_t>(places.size() - 1));
    parts.push_back(std::move(s.parts));
    parent_ids.push_back(std::move(s.parent_id));
  }
  level.places = detail::SourcePlaces();  // freed now, for the allocations to come
  tables[lvl] = std::move(level.table);
  summary.places[lvl] = level.order.size();
  summary.repaired_polygons += level.summary.repaired_polygons;
  for (std::string& problem : level.summary.problems) summary.add_problem(std::move(problem));
  summary.problems_not_listed += level.summary.problems_not_listed;
}

std::uint32_t PlaceIndex::Impl::deepest_polygon_place(double lon, double lat,
                                                      PlaceLevel below) const noexcept {
  for (PlaceLevel level : kPolygonLevelsDeepestFirst) {
    if (slot(level) >= slot(below) || !tables[slot(level)]) continue;
    std::uint32_t polygon = tables[slot(level)]->owner(lon, lat);
    if (polygon != detail::CellTable::none) return table_places[slot(level)][polygon];
  }
  return Place::none;
}

void PlaceIndex::Impl::index_ids() {
  by_id.resize(places.size());
  for (std::uint32_t i = 0; i < places.size(); ++i) by_id[i] = i;
  std::stable_sort(by_id.begin(), by_id.end(), [this](std::uint32_t a, std::uint32_t b) {
    return places[a].id < places[b].id;
  });
}

std::uint32_t PlaceIndex::Impl::find_id(std::string_view id) const noexcept {
  auto it = std::lower_bound(by_id.begin(), by_id.end(), id, [this](std::uint32_t i, std::string_view v) {
    return std::string_view(places[i].id) < v;
  });
  return it != by_id.end() && places[*it].id == id ? *it : Place::none;
}

// Parents from the parent field where given and known; otherwise the deepest polygon place of
// a higher level that contains the place's point.
void PlaceIndex::Impl::link_parents(const std::vector<std::string>& parent_ids) {
  for (std::size_t i = 0; i < places.size(); ++i) {
    Place& p = places[i];
    if (!parent_ids[i].empty()) {
      std::uint32_t found = find_id(parent_ids[i]);
      if (found != Place::none && slot(places[found].level) < slot(p.level)) {
        p.parent = found;
        continue;
      }
      summary.add_problem(std::string(describe(p.level)) + " " + p.id + ": parent '" +
                                 parent_ids[i] + "' not found at a higher level; linked spatially");
    }
    if (p.level == PlaceLevel::country) continue;
    p.parent = deepest_polygon_place(p.point.lon, p.point.lat, p.level);
    if (p.parent != Place::none) ++summary.linked_spatially;
  }
}

void PlaceIndex::Impl::build_point_levels(const detail::Manifest& manifest) {
  for (const detail::LevelSource& source : manifest.levels) {
    if (!is_point_level(source.level)) continue;
    detail::LevelPoints points;
    points.reserve(summary.places[slot(source.level)]);
    for (std::uint32_t i = 0; i < places.size(); ++i) {
      const Place& p = places[i];
      if (p.level != source.level) continue;
      if (p.parent == Place::none) {
        summary.add_problem(std::string(describe(p.level)) + " " + p.id +
                                   ": no parent place contains it; never answered");
        continue;
      }
      if (p.level == PlaceLevel::neighbourhood && places[p.parent].level != PlaceLevel::town) {
        summary.add_problem("neighbourhood " + p.id + ": its parent is not a town; never answered");
        continue;
      }
      const double reach = p.level == PlaceLevel::town ? detail::town_reach_km(p.population) : 0;
      points.push_back(detail::LevelPoint{p.point.lon, p.point.lat, i, p.parent, {}, reach, reach_area(i)});
    }
    point_levels[slot(source.level)].emplace(std::move(points), source.max_distance_km);
  }
}

// Where a town's reach applies (point_level.hpp): its region, else its country.
std::uint32_t PlaceIndex::Impl::reach_area(std::uint32_t place) const noexcept {
  std::uint32_t country = Place::none;
  for (std::uint32_t p = places[place].parent; p != Place::none; p = places[p].parent) {
    if (places[p].level == PlaceLevel::region) return p;
    if (places[p].level == PlaceLevel::country) country = p;
  }
  return country;
}

void PlaceIndex::Impl::fill_ancestors(PlaceChain& out, std::uint32_t place) const noexcept {
  for (std::uint32_t p = place; p != Place::none; p = places[p].parent) {
    const Place& q = places[p];
    if (!out.at[slot(q.level)]) out.at[slot(q.level)] = &q;
  }
}

// A section of the town already in the chain, the nearest within the level's distance; the
// town is never changed by it (D44).
void PlaceIndex::Impl::locate_neighbourhood(PlaceChain& out, std::optional<detail::QueryPoint>& query, double lon,
                                            double lat) const noexcept {
  const auto& sections = point_levels[slot(PlaceLevel::neighbourhood)];
  const Place* town = out[PlaceLevel::town];
  if (!sections || !town) return;
  const auto town_index = static_cast<std::uint32_t>(town - places.data());
  if (!sections->has_parent(town_index)) return;
  if (!query) query.emplace(lon, lat);
  const std::uint32_t hit = sections->nearest(*query, town_index, detail::PointLevel::none);
  if (hit != detail::PointLevel::none) out.at[slot(PlaceLevel::neighbourhood)] = &places[hit];
}

// ---------------------------------------------------------------- the compiled index file

namespace {

// One place in the compiled file: its texts as offsets into one text section.
struct PlaceRecord {
  std::uint64_t id, name, time_zone;
  std::uint32_t id_size, name_size, time_zone_size, parent;
  std::int64_t population;
  double lat, lon;
  std::uint8_t level;
  std::array<std::uint8_t, 7> reserved;
};

// Texts as one section of characters and one of starts (count + 1 of them).
struct TextTable {
  std::string text;
  std::vector<std::uint64_t> starts{0};
  void add(std::string_view s) {
    text += s;
    starts.push_back(text.size());
  }
  void save(detail::IndexFileWriter& out) const {
    out.array(std::span<const std::uint64_t>(starts));
    out.text(text);
  }
};

// Checks that `starts` has count + 1 entries, from 0, never decreasing, ending at `end`.
void check_starts(std::span<const std::uint64_t> starts, std::size_t count, std::size_t end, const char* what) {
  detail::require_index(starts.size() == count + 1 && starts.front() == 0 && starts.back() == end, what);
  for (std::size_t i = 1; i < starts.size(); ++i) detail::require_index(starts[i - 1] <= starts[i], what);
}

std::string_view text_at(std::string_view text, std::uint64_t at, std::uint32_t size) {
  detail::require_index(at <= text.size() && size <= text.size() - at, "a place's text lies outside the text table");
  return text.substr(at, size);
}

}  // namespace

struct PlaceIndex::Impl::FlatPolygons {
  std::span<const std::uint64_t> place_parts, part_rings, ring_points;  // starts, count + 1 each
  std::span<const std::array<double, 2>> points;
  std::unique_ptr<std::once_flag[]> once;  // per place
};

void PlaceIndex::Impl::save(detail::IndexFileWriter& out) const {
  std::vector<PlaceRecord> records;
  records.reserve(places.size());
  std::string text;
  for (const Place& p : places) {
    PlaceRecord& r = records.emplace_back(PlaceRecord{});
    r.id = text.size(), text += p.id, r.id_size = static_cast<std::uint32_t>(p.id.size());
    r.name = text.size(), text += p.name, r.name_size = static_cast<std::uint32_t>(p.name.size());
    r.time_zone = text.size(), text += p.time_zone, r.time_zone_size = static_cast<std::uint32_t>(p.time_zone.size());
    r.parent = p.parent, r.population = p.population, r.lat = p.point.lat, r.lon = p.point.lon;
    r.level = static_cast<std::uint8_t>(p.level);
  }
  out.array(std::span<const PlaceRecord>(records));
  out.text(text);
  out.array(names_starts_view);
  out.text(names_view);
  out.array(std::span<const std::uint32_t>(by_id));
  std::vector<std::uint64_t> place_parts{0}, part_rings{0}, ring_points{0};
  std::vector<std::array<double, 2>> points;
  for (std::size_t i = 0; i < places.size(); ++i) {
    for (const Polygon& part : polygons_of(i)) {
      for (const Ring& ring : part) {
        points.insert(points.end(), ring.begin(), ring.end());
        ring_points.push_back(points.size());
      }
      part_rings.push_back(ring_points.size() - 1);
    }
    place_parts.push_back(part_rings.size() - 1);
  }
  for (const auto* starts : {&place_parts, &part_rings, &ring_points}) out.array(std::span<const std::uint64_t>(*starts));
  out.array(std::span<const std::array<double, 2>>(points));
  for (std::size_t l = 0; l < kPlaceLevels; ++l) {
    out.value(static_cast<std::uint8_t>(tables[l] ? 1 : point_levels[l] ? 2 : 0));
    if (tables[l]) {
      out.array(std::span<const std::uint32_t>(table_places[l]));
      tables[l]->save(out);
    } else if (point_levels[l]) {
      point_levels[l]->save(out);
    }
  }
  std::array<std::uint64_t, kPlaceLevels + 3> counts{};
  std::copy(summary.places.begin(), summary.places.end(), counts.begin());
  counts[kPlaceLevels] = summary.repaired_polygons, counts[kPlaceLevels + 1] = summary.linked_spatially;
  counts[kPlaceLevels + 2] = summary.problems_not_listed;
  out.value(counts);
  TextTable problems;
  for (const std::string& problem : summary.problems) problems.add(problem);
  problems.save(out);
}

void PlaceIndex::Impl::read(detail::IndexFileReader& in) {
  read_places(in);
  read_tables(in);
  read_summary(in);
  in.finish();
}

void PlaceIndex::Impl::read_places(detail::IndexFileReader& in) {
  const auto records = in.array<PlaceRecord>();
  const std::string_view text = in.text();
  detail::require_index(records.size() < Place::none, "too many places");
  places.reserve(records.size());
  for (const PlaceRecord& r : records) {
    detail::require_index(r.level < kPlaceLevels, "a place has no level");
    detail::require_index(r.parent == Place::none || (r.parent < places.size() && slot(places[r.parent].level) < r.level),
                          "a place's parent is not a place of a higher level before it");
    Place& p = places.emplace_back();
    p.id = text_at(text, r.id, r.id_size);
    p.name = text_at(text, r.name, r.name_size);
    p.time_zone = text_at(text, r.time_zone, r.time_zone_size);
    p.level = static_cast<PlaceLevel>(r.level);
    p.parent = r.parent, p.population = r.population, p.point = LatLng{r.lat, r.lon};
  }
  names_starts_view = in.array<std::uint64_t>();
  names_view = in.text();
  check_starts(names_starts_view, places.size(), names_view.size(), "the alternate names do not match the places");
  const auto ids = in.array<std::uint32_t>();
  detail::require_index(ids.size() == places.size(), "the id order does not match the places");
  for (std::uint32_t i : ids) detail::require_index(i < places.size(), "the id order names no place");
  by_id.assign(ids.begin(), ids.end());
  auto flat = std::make_unique<FlatPolygons>();
  flat->place_parts = in.array<std::uint64_t>();
  flat->part_rings = in.array<std::uint64_t>();
  flat->ring_points = in.array<std::uint64_t>();
  flat->points = in.array<std::array<double, 2>>();
  check_starts(flat->place_parts, places.size(), flat->part_rings.size() - 1, "the polygons do not match the places");
  check_starts(flat->part_rings, flat->part_rings.size() - 1, flat->ring_points.size() - 1, "the polygons' rings do not match");
  check_starts(flat->ring_points, flat->ring_points.size() - 1, flat->points.size(), "the rings' points do not match");
  flat->once = std::make_unique<std::once_flag[]>(places.size());
  flat_polygons = std::move(flat);
  parts.resize(places.size());
}

void PlaceIndex::Impl::read_tables(detail::IndexFileReader& in) {
  for (std::size_t l = 0; l < kPlaceLevels; ++l) {
    const auto kind = in.value<std::uint8_t>();
    if (kind == 1) {
      detail::require_index(!is_point_level(static_cast<PlaceLevel>(l)), "a point level has a cell table");
      const auto polygon_places = in.array<std::uint32_t>();
      for (std::uint32_t p : polygon_places)
        detail::require_index(p < places.size() && slot(places[p].level) == l, "a cell table names a place of another level");
      table_places[l].assign(polygon_places.begin(), polygon_places.end());
      tables[l].emplace(in, polygon_places.size());
    } else if (kind == 2) {
      detail::require_index(is_point_level(static_cast<PlaceLevel>(l)), "a polygon level has points");
      point_levels[l].emplace(in, places.size());
    } else {
      detail::require_index(kind == 0, "a level has an unknown kind");
    }
  }
}

void PlaceIndex::Impl::read_summary(detail::IndexFileReader& in) {
  const auto counts = in.value<std::array<std::uint64_t, kPlaceLevels + 3>>();
  std::copy(counts.begin(), counts.begin() + kPlaceLevels, summary.places.begin());
  summary.repaired_polygons = counts[kPlaceLevels], summary.linked_spatially = counts[kPlaceLevels + 1];
  summary.problems_not_listed = counts[kPlaceLevels + 2];
  const auto starts = in.array<std::uint64_t>();
  const std::string_view text = in.text();
  detail::require_index(!starts.empty() && starts.size() - 1 <= PlaceLoadSummary::kMaxListed, "too many problems listed");
  check_starts(starts, starts.size() - 1, text.size(), "the problems do not match their text");
  for (std::size_t i = 0; i + 1 < starts.size(); ++i)
    summary.problems.emplace_back(text.substr(starts[i], starts[i + 1] - starts[i]));
}

const std::vector<Polygon>& PlaceIndex::Impl::polygons_of(std::size_t place) const {
  if (!flat_polygons) return parts[place];
  const FlatPolygons& f = *flat_polygons;
  std::call_once(f.once[place], [&] {
    std::vector<Polygon>& out = parts[place];
    for (std::uint64_t part = f.place_parts[place]; part < f.place_parts[place + 1]; ++part) {
      Polygon& polygon = out.emplace_back();
      for (std::uint64_t ring = f.part_rings[part]; ring < f.part_rings[part + 1]; ++ring)
        polygon.emplace_back(f.points.begin() + static_cast<std::ptrdiff_t>(f.ring_points[ring]),
                             f.points.begin() + static_cast<std::ptrdiff_t>(f.ring_points[ring + 1]));
    }
  });
  return parts[place];
}

namespace {

// "size crc32" of a file's content, or "missing": what makes a compiled index stale. Contents,
// not modification times, which are too coarse to see a file rewritten within milliseconds.
std::string file_stamp(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return "missing";
  uLong crc = crc32(0, nullptr, 0);
  std::uint64_t size = 0;
  std::vector<unsigned char> buffer(1 << 20);
  for (std::size_t n; (n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0; size += n)
    crc = crc32(crc, buffer.data(), static_cast<uInt>(n));
  std::fclose(f);
  return std::to_string(size) + " " + std::to_string(crc);
}

// A source and the files that belong to it (a Shapefile's .dbf, .shx, .prj beside its .shp):
// the files of its folder named like it up to the first dot.
std::string source_stamp(const std::string& source) {
  const std::filesystem::path path(source);
  std::string stamp = file_stamp(source);
  const std::string stem = path.filename().string().substr(0, path.filename().string().find('.')) + ".";
  std::error_code error;
  std::vector<std::string> siblings;
  for (const auto& entry : std::filesystem::directory_iterator(path.parent_path(), error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(stem, 0) == 0 && entry.path() != path && name.find(".index") == std::string::npos &&
        name.find(".tmp-") == std::string::npos)
      siblings.push_back(name);
  }
  std::sort(siblings.begin(), siblings.end());
  for (const std::string& name : siblings) stamp += " " + name + " " + file_stamp((path.parent_path() / name).string());
  return stamp;
}

// Everything the compiled index depends on besides this code (whose changes raise
// kIndexFileVersion): the manifest, each source and the options.
std::string compiled_key(const detail::Manifest& manifest, const PlaceIndexOptions& o) {
  std::string key = "manifest " + manifest.path + " " + file_stamp(manifest.path) + "\n";
  key += "options " + std::to_string(o.coarse_cell_degrees);
  for (int f : o.fine_cells) key += " " + std::to_string(f);
  key += " " + std::to_string(o.max_places_per_level) + " " + std::to_string(o.max_vertices_per_place) + "\n";
  for (const detail::LevelSource& level : manifest.levels)
    key += "level " + std::string(describe(level.level)) + " " + level.source + " " + source_stamp(level.source) + "\n";
  return key;
}

// Where compiled indexes of a manifest live: beside it, else in the user's cache folder
// ($XDG_CACHE_HOME or ~/.cache, geotarget/<hash of the manifest's path>.index).
std::vector<std::string> compiled_paths(const std::string& manifest) {
  std::vector<std::string> paths{manifest + ".index"};
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  const std::string cache = xdg && *xdg ? std::string(xdg) : home && *home ? std::string(home) + "/.cache" : "";
  if (cache.empty()) return paths;
  const std::uint64_t hash = detail::fnv1a(std::filesystem::absolute(manifest).string());
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.index", static_cast<unsigned long long>(hash));
  paths.push_back(cache + "/geotarget/" + name);
  return paths;
}

}  // namespace

// The index from the first compiled file that matches `key`; nullptr when none does. When none
// does, the files that exist but cannot be used are named on stderr.
std::unique_ptr<PlaceIndex::Impl> PlaceIndex::Impl::map_compiled(const std::vector<std::string>& paths, const std::string& key) {
  std::string notes;
  for (const std::string& path : paths) {
    try {
      auto file = detail::MappedIndexFile::open(path, key);
      if (!file) continue;
      auto impl = std::make_unique<Impl>();
      impl->mapped = file;
      detail::IndexFileReader in(*file);
      impl->read(in);
      impl->summary.compiled_index = path;
      return impl;
    } catch (const detail::IndexFileError& e) {
      notes += "geotarget: compiled place index " + path + " not used: " + e.what() + "; building from the sources\n";
    }
  }
  std::cerr << notes;
  return nullptr;
}

// Writes the compiled file to the first of `paths` that can be written; says on stderr when none can.
void PlaceIndex::Impl::save_compiled(const std::vector<std::string>& paths, const std::string& key) const {
  std::string why;
  for (const std::string& path : paths) {
    try {
      std::filesystem::create_directories(std::filesystem::path(path).parent_path());
      detail::IndexFileWriter out(path, key);
      save(out);
      out.commit();
      return;
    } catch (const std::exception& e) {
      why += std::string(why.empty() ? "" : "; ") + e.what();
    }
  }
  std::cerr << "geotarget: no compiled place index written (" << why << "); the next load builds from the sources again\n";
}

std::unique_ptr<PlaceIndex::Impl> PlaceIndex::Impl::build(const detail::Manifest& manifest, const PlaceIndexOptions& options) {
  // Levels are independent until they are linked: read and index them in parallel.
  std::vector<std::future<PreparedLevel>> prepared;
  for (const detail::LevelSource& level : manifest.levels)
    prepared.push_back(std::async(std::launch::async, prepare_level, std::cref(level), std::cref(options)));
  auto impl = std::make_unique<Impl>();
  std::vector<std::string> parent_ids;
  std::vector<PreparedLevel> levels;
  std::size_t total = 0;
  for (auto& level : prepared) total += levels.emplace_back(level.get()).order.size();
  impl->places.reserve(total);
  impl->parts.reserve(total);
  impl->names_starts.reserve(total + 1);
  parent_ids.reserve(total);
  for (PreparedLevel& level : levels) impl->add_level(std::move(level), parent_ids);
  impl->index_ids();
  impl->link_parents(parent_ids);
  impl->build_point_levels(manifest);
  impl->names_view = impl->names_text;
  impl->names_starts_view = impl->names_starts;
  return impl;
}

std::shared_ptr<const PlaceIndex> PlaceIndex::load(const std::string& manifest_path,
                                                   const PlaceIndexOptions& options) {
  if (!(options.coarse_cell_degrees > 0) ||
      std::any_of(options.fine_cells.begin(), options.fine_cells.end(), [](int f) { return f < 1; }))
    throw Error("PlaceIndexOptions: coarse_cell_degrees and fine_cells must be positive");
  auto start = std::chrono::steady_clock::now();
  detail::Manifest manifest = detail::read_manifest(manifest_path);
  std::sort(manifest.levels.begin(), manifest.levels.end(),
            [](const auto& a, const auto& b) { return a.level < b.level; });
  const std::string key = options.compiled_index ? compiled_key(manifest, options) : "";
  const std::vector<std::string> paths = options.compiled_index ? compiled_paths(manifest_path) : std::vector<std::string>{};
  std::unique_ptr<Impl> impl = Impl::map_compiled(paths, key);
  if (!impl) {
    impl = Impl::build(manifest, options);
    if (options.compiled_index) impl->save_compiled(paths, key);
  }
  impl->summary.load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::shared_ptr<const PlaceIndex>(new PlaceIndex(std::move(impl)));
}


void PlaceLoadSummary::add_problem(std::string problem) {
  if (problems.size() < kMaxListed) {
    problems.push_back(std::move(problem));
  } else {
    ++problems_not_listed;
  }
}

PlaceIndex::PlaceIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PlaceIndex::~PlaceIndex() = default;

LocateStatus PlaceIndex::locate(LatLng point, PlaceChain& out) const noexcept {
  out = PlaceChain{};
  if (const LocateStatus s = check(point); s != LocateStatus::ok) return s;
  const double lat = point.lat;
  const double lon = detail::antimeridian_as_west(point.lon);
  const Impl& m = *impl_;
  for (PlaceLevel level : kPolygonLevelsDeepestFirst) {
    const std::size_t l = slot(level);
    if (out.at[l] || !m.tables[l]) continue;
    std::uint32_t polygon = m.tables[l]->owner(lon, lat);
    if (polygon != detail::CellTable::none) m.fill_ancestors(out, m.table_places[l][polygon]);
  }
  std::optional<detail::QueryPoint> query;  // its unit vector only when a point level needs it
  for (PlaceLevel level : {PlaceLevel::town, PlaceLevel::postal}) {
    const auto& points = m.point_levels[slot(level)];
    if (!points) continue;
    // The deepest resolved place that has points of this level decides which ones compete.
    for (PlaceLevel parent : kPolygonLevelsDeepestFirst) {
      const Place* p = out[parent];
      if (!p) continue;
      auto parent_index = static_cast<std::uint32_t>(p - m.places.data());
      if (!points->has_parent(parent_index)) continue;
      if (!query) query.emplace(lon, lat);
      const Place* area = out[PlaceLevel::region] ? out[PlaceLevel::region] : out[PlaceLevel::country];
      const std::uint32_t area_index = area ? static_cast<std::uint32_t>(area - m.places.data()) : Place::none;
      std::uint32_t hit = points->nearest(*query, parent_index, area_index);
      if (hit != detail::PointLevel::none) out.at[slot(level)] = &m.places[hit];
      break;
    }
  }
  m.locate_neighbourhood(out, query, lon, lat);
  return LocateStatus::ok;
}

std::span<const Place> PlaceIndex::places() const noexcept { return impl_->places; }

void PlaceIndex::chain_of(const Place& place, PlaceChain& out) const noexcept {
  impl_->fill_ancestors(out, static_cast<std::uint32_t>(&place - impl_->places.data()));
}

std::string_view PlaceIndex::alternate_names(const Place& place) const noexcept {
  const auto i = static_cast<std::size_t>(&place - impl_->places.data());
  const auto& starts = impl_->names_starts_view;
  return impl_->names_view.substr(starts[i], starts[i + 1] - starts[i]);
}

const Place* PlaceIndex::find(std::string_view id) const noexcept {
  std::uint32_t i = impl_->find_id(id);
  return i == Place::none ? nullptr : &impl_->places[i];
}

const std::vector<Polygon>& PlaceIndex::polygons(const Place& place) const noexcept {
  return impl_->polygons_of(static_cast<std::size_t>(&place - impl_->places.data()));
}

const Place* PlaceIndex::place_at(LatLng point, PlaceLevel level) const noexcept {
  const auto& table = impl_->tables[slot(level)];
  if (!table || !point.is_valid()) return nullptr;
  std::uint32_t polygon = table->owner(detail::antimeridian_as_west(point.lon), point.lat);
  return polygon == detail::CellTable::none
             ? nullptr
             : &impl_->places[impl_->table_places[slot(level)][polygon]];
}

bool PlaceIndex::has_level(PlaceLevel level) const noexcept {
  return impl_->summary.places[slot(level)] > 0;
}

const PlaceLoadSummary& PlaceIndex::summary() const noexcept { return impl_->summary; }

}  // namespace geotarget
