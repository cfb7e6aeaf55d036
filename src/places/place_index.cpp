#include "geotarget/place_index.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <optional>

#include "cell_table.hpp"
#include "containment.hpp"
#include "geodata_source.hpp"
#include "geotarget/error.hpp"
#include "point_level.hpp"

namespace geotarget {

namespace {

constexpr std::array<std::string_view, kPlaceLevels + 1> kLevelNames = {"country", "region", "district",
                                                                        "town",    "postal", "store"};

std::size_t slot(PlaceLevel level) { return static_cast<std::size_t>(level); }

bool is_point_level(PlaceLevel level) {
  return level == PlaceLevel::town || level == PlaceLevel::postal;
}

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
  std::vector<std::vector<Polygon>> parts;    // by place
  std::vector<std::string> alternate_names;   // by place, '|'-separated
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
  [[nodiscard]] std::uint32_t reach_area(std::uint32_t place) const noexcept;
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
    alternate_names.push_back(std::move(s.names));
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

std::shared_ptr<const PlaceIndex> PlaceIndex::load(const std::string& manifest_path,
                                                   const PlaceIndexOptions& options) {
  if (!(options.coarse_cell_degrees > 0) ||
      std::any_of(options.fine_cells.begin(), options.fine_cells.end(), [](int f) { return f < 1; }))
    throw Error("PlaceIndexOptions: coarse_cell_degrees and fine_cells must be positive");
  auto start = std::chrono::steady_clock::now();
  detail::Manifest manifest = detail::read_manifest(manifest_path);
  std::sort(manifest.levels.begin(), manifest.levels.end(),
            [](const auto& a, const auto& b) { return a.level < b.level; });
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
  impl->alternate_names.reserve(total);
  parent_ids.reserve(total);
  for (PreparedLevel& level : levels) impl->add_level(std::move(level), parent_ids);
  impl->index_ids();
  impl->link_parents(parent_ids);
  impl->build_point_levels(manifest);
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
  return LocateStatus::ok;
}

std::span<const Place> PlaceIndex::places() const noexcept { return impl_->places; }

void PlaceIndex::chain_of(const Place& place, PlaceChain& out) const noexcept {
  impl_->fill_ancestors(out, static_cast<std::uint32_t>(&place - impl_->places.data()));
}

std::string_view PlaceIndex::alternate_names(const Place& place) const noexcept {
  return impl_->alternate_names[static_cast<std::size_t>(&place - impl_->places.data())];
}

const Place* PlaceIndex::find(std::string_view id) const noexcept {
  std::uint32_t i = impl_->find_id(id);
  return i == Place::none ? nullptr : &impl_->places[i];
}

const std::vector<Polygon>& PlaceIndex::polygons(const Place& place) const noexcept {
  return impl_->parts[static_cast<std::size_t>(&place - impl_->places.data())];
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
