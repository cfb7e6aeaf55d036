// The maps: a campaign's areas grouped by country, countries near each other on one map (one
// map when everything fits 3,000 km and fills enough of it, else one per group: a continent, a
// country), each group projected with PROJ on its own (Albers EPSG:5070 for the lower 48
// states, else a Lambert azimuthal equal-area centred on the group), simplified for drawing
// only, written as SVG paths in integer tenths of a pixel with relative moves (about 6 bytes a
// vertex).
#include "report_map.hpp"

#include <geodesic.h>
#include <proj.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <iterator>
#include <map>
#include <set>
#include <utility>

#include "geotarget/error.hpp"
#include "wgs84_geodesic.hpp"

namespace geotarget::detail {

namespace {

// The delivery layer's classes: upper bound of the pace, colour, label.
struct PaceClass {
  double below;
  const char* colour;
  const char* label;
};
constexpr PaceClass kPaceClasses[] = {{0.5, "#b35806", "under 50% of plan"},
                                      {0.95, "#f1a340", "50% to 95%"},
                                      {1.05, "#e8e8e8", "95% to 105%: on plan"},
                                      {1.25, "#998ec3", "105% to 125%"},
                                      {HUGE_VAL, "#542788", "over 125%"}};

// ColorBrewer YlGnBu, 9 classes; legends pick from the darker eight.
constexpr const char* kPalette[] = {"#ffffd9", "#edf8b1", "#c7e9b4", "#7fcdbb", "#41b6c4",
                                    "#1d91c0", "#225ea8", "#253494", "#081d58"};
constexpr int kUnitsPerPx = 10;  // SVG user units are tenths of a pixel

struct GeoBox {
  double min_lon = 1e9, min_lat = 1e9, max_lon = -1e9, max_lat = -1e9;
  void add(double lon, double lat) {
    min_lon = std::min(min_lon, lon), max_lon = std::max(max_lon, lon);
    min_lat = std::min(min_lat, lat), max_lat = std::max(max_lat, lat);
  }
  void add(const GeoBox& o) {
    if (!o.empty()) add(o.min_lon, o.min_lat), add(o.max_lon, o.max_lat);
  }
  [[nodiscard]] bool empty() const { return min_lon > max_lon; }
  [[nodiscard]] bool intersects(const GeoBox& o) const {
    return min_lon <= o.max_lon && o.min_lon <= max_lon && min_lat <= o.max_lat && o.min_lat <= max_lat;
  }
};

class Projection {
 public:
  explicit Projection(const std::string& target) : ctx_(proj_context_create()) {
    PJ* raw = proj_create_crs_to_crs(ctx_, "EPSG:4326", target.c_str(), nullptr);
    pj_ = raw ? proj_normalize_for_visualization(ctx_, raw) : nullptr;  // lon, lat order
    if (raw) proj_destroy(raw);
    if (!pj_) {
      std::string why = proj_context_errno_string(ctx_, proj_context_errno(ctx_));
      proj_context_destroy(ctx_);
      throw Error("report: cannot create the map projection " + target + " (" + why + ")");
    }
  }
  ~Projection() {
    proj_destroy(pj_);
    proj_context_destroy(ctx_);
  }
  Projection(const Projection&) = delete;
  Projection& operator=(const Projection&) = delete;

  /// lon/lat in degrees to metres, in place; points PROJ cannot project become infinite.
  void forward(std::vector<double>& x, std::vector<double>& y) const {
    proj_trans_generic(pj_, PJ_FWD, x.data(), sizeof(double), x.size(), y.data(), sizeof(double), y.size(),
                       nullptr, 0, 0, nullptr, 0, 0);
  }

 private:
  PJ_CONTEXT* ctx_;
  PJ* pj_ = nullptr;
};

// Projected metres to integer SVG units.
struct Frame {
  double min_x = 0, max_y = 0, scale = 1;
  int width_px = 0, height_px = 0;
  [[nodiscard]] std::array<long, 2> units(double x, double y) const {
    return {std::lround((x - min_x) * scale), std::lround((max_y - y) * scale)};
  }
};

struct Point {
  long x, y;
};

struct ProjectedRing {
  std::vector<double> x, y;
};

ProjectedRing project(const Ring& ring, const Projection& proj) {
  ProjectedRing p;
  p.x.reserve(ring.size());
  p.y.reserve(ring.size());
  for (const auto& v : ring) p.x.push_back(v[0]), p.y.push_back(v[1]);
  proj.forward(p.x, p.y);
  return p;
}

// Drops vertices closer than `tolerance` units to the last kept one; the closing vertex goes
// too (the path closes with z).
std::vector<Point> simplified(const ProjectedRing& ring, const Frame& frame, double tolerance) {
  std::vector<Point> out;
  for (std::size_t i = 0; i + 1 < ring.x.size(); ++i) {
    if (!std::isfinite(ring.x[i]) || !std::isfinite(ring.y[i])) continue;
    auto [x, y] = frame.units(ring.x[i], ring.y[i]);
    if (!out.empty() && std::hypot(double(x - out.back().x), double(y - out.back().y)) < tolerance) continue;
    out.push_back({x, y});
  }
  return out;
}

void append_ring(std::string& d, const std::vector<Point>& pts) {
  d += 'M' + std::to_string(pts[0].x) + ' ' + std::to_string(pts[0].y) + 'l';
  for (std::size_t i = 1; i < pts.size(); ++i) {
    long dx = pts[i].x - pts[i - 1].x, dy = pts[i].y - pts[i - 1].y;
    if (i > 1 && dx >= 0) d += ' ';
    d += std::to_string(dx);
    if (dy >= 0) d += ' ';
    d += std::to_string(dy);
  }
  d += 'z';
}

// The path data of a polygon place; never empty for a place inside the frame, so that every
// drawn area keeps its path: a place smaller than the tolerance becomes its bounding box. A
// ring left with fewer than three vertices for another reason (vertices PROJ cannot project,
// near the antipode of the projection's centre) is not drawn.
std::string polygon_path(const std::vector<Polygon>& polygons, const Projection& proj, const Frame& frame,
                         double tolerance) {
  std::string d;
  long min_x = LONG_MAX, min_y = LONG_MAX, max_x = LONG_MIN, max_y = LONG_MIN;
  for (const Polygon& polygon : polygons)
    for (const Ring& ring : polygon) {
      std::vector<Point> pts = simplified(project(ring, proj), frame, tolerance);
      for (const Point& p : pts)
        min_x = std::min(min_x, p.x), min_y = std::min(min_y, p.y), max_x = std::max(max_x, p.x), max_y = std::max(max_y, p.y);
      if (pts.size() >= 3) append_ring(d, pts);
    }
  if (d.empty() && min_x <= max_x && max_x - min_x <= 4 * tolerance && max_y - min_y <= 4 * tolerance)
    d = 'M' + std::to_string(min_x) + ' ' + std::to_string(min_y) + 'h' + std::to_string(std::max(1L, max_x - min_x)) +
        'v' + std::to_string(std::max(1L, max_y - min_y)) + 'H' + std::to_string(min_x) + 'z';
  return d;
}

GeoBox box_of(const std::vector<Polygon>& polygons) {
  GeoBox box;
  for (const Polygon& polygon : polygons)
    for (const auto& v : polygon.at(0)) box.add(v[0], v[1]);
  return box;
}

bool is_point(const Place& p) { return is_point_level(p.level); }
// Filled with its budget's colour: a place of the geodata, or a store's catchment circle. A
// merged area is not: its budget is in the area it was merged into.
bool drawn(const ShownArea& s) { return (s.place || s.area->catchment) && s.area->binding != Binding::merged; }
// A store rolled up into its district or region keeps its circle, as a dashed outline.
bool outlined(const ShownArea& s) { return s.area->catchment && s.area->binding == Binding::merged; }
bool is_point_area(const ShownArea& s) { return s.place && is_point(*s.place); }

// Where a map's shapes are: their bounding box, and which 1° bins of longitude they touch
// (to centre the projection on the shortest arc that holds them, across ±180 if need be).
struct Spread {
  GeoBox box;
  std::array<bool, 360> lon_bins{};
  void add(double lon, double lat) {
    box.add(lon, lat);
    lon_bins[static_cast<std::size_t>(std::clamp(std::floor(lon + 180), 0.0, 359.0))] = true;
  }
  // The middle of the arc opposite the widest run of empty bins.
  [[nodiscard]] double centre_longitude() const {
    std::size_t best_start = 0, best_length = 0;
    for (std::size_t start = 0; start < 360; ++start) {
      std::size_t length = 0;
      while (length < 360 && !lon_bins[(start + length) % 360]) ++length;
      if (length > best_length) best_start = start, best_length = length;
    }
    if (best_length == 0) return (box.min_lon + box.max_lon) / 2;
    return std::fmod(double(best_start + best_length) + (360.0 - double(best_length)) / 2, 360.0) - 180;
  }
};

// The size of a box in square degrees of longitude at its latitude (for comparing parts).
double box_size(const GeoBox& b) {
  return (b.max_lon - b.min_lon) * std::cos((b.min_lat + b.max_lat) / 2 * M_PI / 180) * (b.max_lat - b.min_lat);
}

// The gap between two boxes in km (0 when they touch), on the mean sphere.
double gap_km(const GeoBox& a, const GeoBox& b) {
  const double lat = (std::max(a.min_lat, b.min_lat) + std::min(a.max_lat, b.max_lat)) / 2;
  const double dx = std::max({0.0, a.min_lon - b.max_lon, b.min_lon - a.max_lon}) * std::cos(lat * M_PI / 180);
  const double dy = std::max({0.0, a.min_lat - b.max_lat, b.min_lat - a.max_lat});
  return std::hypot(dx, dy) * 111.2;
}

// What the map must show of an area: a store's circle, a town's point, or the outer rings of a
// polygon place's main parts (at least 10% the size of its largest, by bounding box) and of the
// parts of at least 2% within 120 km of a main part. So remote islands do not set the frame:
// Tokyo's Ogasawara (1,000 km south) and Hachijō-jima (290 km) are left out, Izu Ōshima (85 km)
// kept; Hawaii's Kauai (11% of the Big Island) is a main part. Other parts are drawn where they
// fall inside the frame.
std::vector<Ring> outline_of(const ShownArea& s, const PlaceIndex& places) {
  if (s.area->catchment) return {geodesic_circle(*s.area->catchment)};
  if (is_point(*s.place)) return {Ring{{s.place->point.lon, s.place->point.lat}}};
  const std::vector<Polygon>& parts = places.polygons(*s.place);
  std::vector<GeoBox> boxes;
  double largest = 0;
  for (const Polygon& part : parts) largest = std::max(largest, box_size(boxes.emplace_back(box_of({part}))));
  std::vector<GeoBox> main_parts;
  for (const GeoBox& b : boxes)
    if (box_size(b) >= 0.1 * largest) main_parts.push_back(b);
  std::vector<Ring> out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const double size = box_size(boxes[i]);
    const bool near = std::any_of(main_parts.begin(), main_parts.end(), [&](const GeoBox& m) { return gap_km(boxes[i], m) <= 120; });
    if (size >= 0.1 * largest || (size >= 0.02 * largest && near)) out.push_back(parts[i].at(0));
  }
  return out;
}

// One map of a campaign: its areas, radius targets and zones in some countries near each other.
struct MapGroup {
  std::vector<const ShownArea*> areas;    ///< drawn or outlined, largest budget first
  std::vector<const RadiusArea*> radius;  ///< target circles (none with level store: its catchments are drawn)
  std::vector<const Polygon*> zones;
  std::set<std::string> countries;
  std::vector<Ring> outlines;  ///< of everything above, for the projection and the frame
  GeoBox box;
  /// The box of each country (or outlying part of one) merged into this map.
  std::vector<GeoBox> member_boxes;
  std::int64_t budget_cents = 0;
  bool outlying = false;  ///< areas far from the rest of their country
};

std::string country_at(LatLng point, const PlaceIndex& places) {
  PlaceChain chain;
  if (places.locate(point, chain) != LocateStatus::ok || !chain[PlaceLevel::country]) return "";
  return chain[PlaceLevel::country]->id;
}

// The geodesic length of a box's longer diagonal; a box over half the globe wide is the widest.
double span_km(const GeoBox& b) {
  if (b.max_lon - b.min_lon > 180) return 20'004;
  double d1 = 0, d2 = 0;
  geod_inverse(&wgs84_geodesic(), b.min_lat, b.min_lon, b.max_lat, b.max_lon, &d1, nullptr, nullptr);
  geod_inverse(&wgs84_geodesic(), b.max_lat, b.min_lon, b.min_lat, b.max_lon, &d2, nullptr, nullptr);
  return std::max(d1, d2) / 1000;
}

// Countries whose shapes fit one map of at most kMaxMapSpanKm across (about the lower 48's
// height, at which a district of 15 km is still a few pixels wide) share it, closest first
// (the pair whose joint box is smallest), unless their own boxes would cover less than
// kMinCoveredShare of the joint one (D45: Georgia's and Israel's regions, 1,200 km apart, are
// a few pixels in a frame of empty land; Germany's and France's fill theirs); a country is never
// split. Beyond kMaxMaps maps the closest still merge, however far and empty.
constexpr double kMaxMapSpanKm = 3000;
constexpr double kMinCoveredShare = 0.25;
constexpr std::size_t kMaxMaps = 6;

// The part of the box holding both groups that their countries' own boxes cover (summed: the
// boxes of neighbours may overlap). 1 when a group is only points: symbols keep their size at
// any scale, so an empty frame does not shrink them.
double covered_share(const MapGroup& a, const MapGroup& b, const GeoBox& joint) {
  auto covered = [](const MapGroup& g) {
    double sum = 0;
    for (const GeoBox& m : g.member_boxes) sum += box_size(m);
    return sum;
  };
  const double by_a = covered(a), by_b = covered(b);
  return by_a > 0 && by_b > 0 ? (by_a + by_b) / box_size(joint) : 1;
}

struct MergeChoice {
  std::size_t i = 0, j = 1;
  double span = HUGE_VAL;
};

// The closest pair that makes a map that reads (`fitting`), and the closest pair at all.
std::pair<MergeChoice, MergeChoice> closest_pairs(const std::vector<MapGroup>& groups) {
  MergeChoice fitting, any;
  for (std::size_t i = 0; i < groups.size(); ++i)
    for (std::size_t j = i + 1; j < groups.size(); ++j) {
      GeoBox joint = groups[i].box;
      joint.add(groups[j].box);
      const double span = span_km(joint);
      if (span < any.span) any = {i, j, span};
      if (span < fitting.span && span <= kMaxMapSpanKm && covered_share(groups[i], groups[j], joint) >= kMinCoveredShare)
        fitting = {i, j, span};
    }
  return {fitting, any};
}

void merge_near_groups(std::vector<MapGroup>& groups) {
  while (groups.size() > 1) {
    const auto [fitting, any] = closest_pairs(groups);
    const bool fits = fitting.span != HUGE_VAL;
    if (!fits && groups.size() <= kMaxMaps) return;
    const std::size_t best_i = fits ? fitting.i : any.i, best_j = fits ? fitting.j : any.j;
    MapGroup& into = groups[best_i];
    MapGroup& from = groups[best_j];
    into.areas.insert(into.areas.end(), from.areas.begin(), from.areas.end());
    into.radius.insert(into.radius.end(), from.radius.begin(), from.radius.end());
    into.zones.insert(into.zones.end(), from.zones.begin(), from.zones.end());
    into.countries.insert(from.countries.begin(), from.countries.end());
    std::move(from.outlines.begin(), from.outlines.end(), std::back_inserter(into.outlines));
    into.box.add(from.box);
    into.member_boxes.insert(into.member_boxes.end(), from.member_boxes.begin(), from.member_boxes.end());
    into.budget_cents += from.budget_cents;
    into.outlying = into.outlying && from.outlying;
    groups.erase(groups.begin() + static_cast<std::ptrdiff_t>(best_j));
  }
}

// An area to place on a map, with what the map must show of it.
struct Placed {
  const ShownArea* area;
  std::vector<Ring> outlines;
  LatLng centre;  ///< of the outlines' bounding box
};

double distance_km(LatLng a, LatLng b) {
  double metres = 0;
  geod_inverse(&wgs84_geodesic(), a.lat, a.lon, b.lat, b.lon, &metres, nullptr, nullptr);
  return metres / 1000;
}

// The map key of each area: its country, or "<country> far" for an area more than
// kOutlyingKm from the median of its country's areas when they do not fit one map and such
// areas are a minority (Hawaii, Alaska and the Pacific territories beside the lower 48; Réunion
// beside metropolitan France; not British Columbia beside Québec).
constexpr double kOutlyingKm = 3500;

std::map<std::string, std::vector<Placed>> areas_by_map_key(const CampaignView& view, const PlaceIndex& places) {
  std::map<std::string, std::vector<Placed>> by_country;
  for (const ShownArea& s : view.areas) {
    if (!drawn(s) && !outlined(s)) continue;
    Placed p{&s, outline_of(s, places), {}};
    GeoBox box;
    for (const Ring& ring : p.outlines)
      for (const auto& v : ring) box.add(v[0], v[1]);
    p.centre = {(box.min_lat + box.max_lat) / 2, (box.min_lon + box.max_lon) / 2};
    by_country[s.country_id].push_back(std::move(p));
  }
  std::map<std::string, std::vector<Placed>> out;
  for (auto& [country, placed] : by_country) {
    GeoBox box;
    std::vector<double> lats, lons;
    for (const Placed& p : placed) box.add(p.centre.lon, p.centre.lat), lats.push_back(p.centre.lat), lons.push_back(p.centre.lon);
    std::nth_element(lats.begin(), lats.begin() + lats.size() / 2, lats.end());
    std::nth_element(lons.begin(), lons.begin() + lons.size() / 2, lons.end());
    const LatLng median{lats[lats.size() / 2], lons[lons.size() / 2]};
    std::vector<bool> far;
    for (const Placed& p : placed) far.push_back(span_km(box) > kMaxMapSpanKm && distance_km(p.centre, median) > kOutlyingKm);
    const bool split = 2 * std::size_t(std::count(far.begin(), far.end(), true)) < placed.size();  // a minority only
    for (std::size_t i = 0; i < placed.size(); ++i) out[split && far[i] ? country + " far" : country].push_back(std::move(placed[i]));
  }
  return out;
}

// The campaign's maps, the largest budget first; each area keeps the view's order (largest
// budget first) within its map.
std::vector<MapGroup> map_groups(const CampaignView& view, const PlaceIndex& places) {
  std::map<std::string, MapGroup> by_country;
  for (auto& [key, placed] : areas_by_map_key(view, places)) {
    MapGroup& g = by_country[key];
    g.outlying = key.ends_with(" far");
    for (Placed& p : placed) {
      g.areas.push_back(p.area);
      std::move(p.outlines.begin(), p.outlines.end(), std::back_inserter(g.outlines));
      g.budget_cents += drawn(*p.area) ? p.area->area->budget_cents : 0;
    }
  }
  const CampaignAllocation& c = *view.campaign;
  if (c.level != PlaceLevel::store)
    for (const RadiusArea& r : c.target.radius) {
      MapGroup& g = by_country[country_at(r.centre, places)];
      g.radius.push_back(&r);
      g.outlines.push_back(geodesic_circle(r));
    }
  for (const Polygon& zone : c.target.polygons) {
    const auto& first = zone.at(0).front();
    MapGroup& g = by_country[country_at({first[1], first[0]}, places)];
    g.zones.push_back(&zone);
    g.outlines.push_back(zone.at(0));
  }
  std::vector<MapGroup> groups;
  for (auto& [key, g] : by_country) {
    if (!key.empty()) g.countries.insert(key.substr(0, key.find(' ')));
    for (const Ring& ring : g.outlines)
      for (const auto& v : ring) g.box.add(v[0], v[1]);
    g.member_boxes = {g.box};
    groups.push_back(std::move(g));
  }
  merge_near_groups(groups);
  std::stable_sort(groups.begin(), groups.end(), [](const MapGroup& a, const MapGroup& b) { return a.budget_cents > b.budget_cents; });
  return groups;
}

// Albers (the USGS CONUS equal-area CRS) when everything is in the lower 48; elsewhere a
// Lambert azimuthal equal-area projection centred on the map's shapes.
std::string projection_for(const Spread& spread) {
  const GeoBox& box = spread.box;
  if (box.min_lon >= -125 && box.max_lon <= -66 && box.min_lat >= 24 && box.max_lat <= 50) return "EPSG:5070";
  return "+proj=laea +lat_0=" + fixed_text((box.min_lat + box.max_lat) / 2, 6) +
         " +lon_0=" + fixed_text(spread.centre_longitude(), 6) + " +datum=WGS84 +units=m +no_defs +type=crs";
}

struct Extent {
  double min_x = HUGE_VAL, min_y = HUGE_VAL, max_x = -HUGE_VAL, max_y = -HUGE_VAL;
  void add(double x, double y) {
    if (!std::isfinite(x) || !std::isfinite(y)) return;
    min_x = std::min(min_x, x), max_x = std::max(max_x, x), min_y = std::min(min_y, y), max_y = std::max(max_y, y);
  }
};

Extent projected_extent(const MapGroup& g, const Projection& proj) {
  Extent e;
  for (const Ring& ring : g.outlines) {
    ProjectedRing p = project(ring, proj);
    for (std::size_t i = 0; i < p.x.size(); ++i) e.add(p.x[i], p.y[i]);
  }
  return e;
}

// Fits the extent, padded by 4% and at least 50 km across, into width_px less `margin_px` on
// every side (room for the point symbols, so none is cut at the frame); the height follows the
// extent's aspect ratio within 0.3 to 1.2 of the width.
Frame frame_for(Extent e, int width_px, double margin_px) {
  const double cx = (e.min_x + e.max_x) / 2, cy = (e.min_y + e.max_y) / 2;
  const double w = std::max(50e3, (e.max_x - e.min_x) * 1.08), h = std::max(50e3, (e.max_y - e.min_y) * 1.08);
  Frame f;
  f.width_px = width_px;
  f.height_px = static_cast<int>(std::lround(width_px * std::clamp(h / w, 0.3, 1.2)));
  const double inner_w = std::max(1.0, width_px - 2 * margin_px), inner_h = std::max(1.0, f.height_px - 2 * margin_px);
  f.scale = std::min(inner_w * kUnitsPerPx / w, inner_h * kUnitsPerPx / h);
  f.min_x = cx - width_px * kUnitsPerPx / f.scale / 2;
  f.max_y = cy + f.height_px * kUnitsPerPx / f.scale / 2;
  return f;
}

// Countries, then regions, whose bounding box meets the areas' box grown by a quarter; on a map
// wider than twice kMaxMapSpanKm (an ocean's outlying areas) countries only.
std::string context_paths(const GeoBox& areas, const PlaceIndex& places, const Projection& proj, const Frame& frame,
                          double tolerance) {
  GeoBox near = areas;
  const double grow_lon = std::max(1.0, (areas.max_lon - areas.min_lon) / 4), grow_lat = std::max(1.0, (areas.max_lat - areas.min_lat) / 4);
  near.min_lon -= grow_lon, near.max_lon += grow_lon, near.min_lat -= grow_lat, near.max_lat += grow_lat;
  if (areas.max_lon - areas.min_lon > 180) near.min_lon = -180, near.max_lon = 180;  // wraps: latitude only
  std::string out;
  const bool wide = span_km(areas) > 2 * kMaxMapSpanKm;
  for (PlaceLevel level : {PlaceLevel::country, PlaceLevel::region})
    for (const Place& p : places.places()) {
      if (p.level != level || (wide && level == PlaceLevel::region) || !box_of(places.polygons(p)).intersects(near)) continue;
      std::string d = polygon_path(places.polygons(p), proj, frame, tolerance);
      if (!d.empty()) out += "<path class=\"context\" d=\"" + d + "\"/>\n";
    }
  return out;
}

// With a ledger: the shape's spend and conversions, and its colour on the delivery layer.
std::string actual_attributes(const ShownArea& s) {
  if (!s.actual) return "";
  return " data-spent-cents=\"" + std::to_string(s.actual->spent_cents) + "\" data-conversions=\"" +
         std::to_string(s.actual->conversions) + "\" style=\"--pace:" + pace_colour(pace_of(s.actual->spent_cents, s.area->budget_cents)) +
         "\"";
}

// The tooltip: name, budget, spend, offer by its text, and the areas rolled up into it.
std::string area_title(const CampaignView& view, const ShownArea& s, const std::string& currency) {
  std::string text = area_label(*s.area) + ": " + format_money(s.area->budget_cents, currency);
  if (s.actual)
    text += "\nspent " + format_money(s.actual->spent_cents, currency) + " (" +
            fixed_text(100 * pace_of(s.actual->spent_cents, s.area->budget_cents), 0) + "% of plan), " +
            format_count(s.actual->conversions) + " conversions";
  if (!s.area->offer.empty()) text += "\noffer: " + offer_text(*view.campaign, s.area->offer);
  if (s.rolled_up()) {
    text += "\nrolled up from: ";
    constexpr std::size_t kListed = 30;
    for (std::size_t i = 0; i < s.merged_children.size() && i < kListed; ++i) text += (i ? ", " : "") + s.merged_children[i];
    if (s.merged_children.size() > kListed) text += " and " + format_count(std::int64_t(s.merged_children.size() - kListed)) + " more";
    if (s.hidden_children > 0)
      text += std::string(s.merged_children.empty() ? "" : "; ") + format_count(std::int64_t(s.hidden_children)) +
              (s.hidden_children == 1 ? " area" : " areas") + " below the minimum audience";
  }
  return "<title>" + html_escape(text) + "</title>";
}

std::string area_polygons(const CampaignView& view, const MapGroup& g, const PlaceIndex& places, const Legend& legend,
                          const std::string& currency, const Projection& proj, const Frame& frame, double tolerance) {
  std::string out;
  for (PlaceLevel level : {PlaceLevel::country, PlaceLevel::region, PlaceLevel::district})  // coarser under finer
    for (auto it = g.areas.rbegin(); it != g.areas.rend(); ++it) {  // smaller budgets under larger
      const ShownArea& s = **it;
      if (!drawn(s) || !s.place || s.place->level != level) continue;
      std::string d = polygon_path(places.polygons(*s.place), proj, frame, tolerance);
      if (d.empty()) continue;
      out += "<path class=\"area " + std::string(describe(s.area->level)) + "\" data-area=\"" + html_escape(s.area->area_id) + "\" fill=\"" +
             legend.colour_of(s.area->budget_cents) + "\" d=\"" + d + "\"" + actual_attributes(s) + ">" + area_title(view, s, currency) +
             "</path>\n";
      if (s.rolled_up()) out += "<path class=\"rolled\" data-rolled=\"" + html_escape(s.area->area_id) + "\" d=\"" + d + "\"/>\n";
    }
  return out;
}

// Store catchments: each store's circle (geodesic, its radius) in its budget's colour, smaller
// budgets under larger; stores rolled up into their district or region as dashed outlines over
// it, saying where their budget went.
std::string catchment_shapes(const CampaignView& view, const MapGroup& g, const Legend& legend, const std::string& currency,
                             const Projection& proj, const Frame& frame, double tolerance) {
  std::string filled, rolled;
  for (auto it = g.areas.rbegin(); it != g.areas.rend(); ++it) {
    const ShownArea& s = **it;
    if (!s.area->catchment) continue;
    const RadiusArea& circle = *s.area->catchment;
    const std::string d = polygon_path({Polygon{geodesic_circle(circle)}}, proj, frame, tolerance);
    if (d.empty()) continue;
    const std::string radius = fixed_text(circle.km, 1) + " km";
    if (outlined(s)) {
      rolled += "<path class=\"catchment rolled-up\" data-store=\"" + html_escape(s.area->area_id) + "\" d=\"" + d + "\"><title>" +
                html_escape(area_label(*s.area) + ", " + radius + ": rolled up into " + s.merged_into_label +
                            ", whose budget holds it") + "</title></path>\n";
      continue;
    }
    filled += "<path class=\"area catchment\" data-area=\"" + html_escape(s.area->area_id) + "\" data-budget-cents=\"" +
              std::to_string(s.area->budget_cents) + "\" fill=\"" + legend.colour_of(s.area->budget_cents) + "\" d=\"" + d + "\"" +
              actual_attributes(s) + ">" + area_title(view, s, currency) + "</path>\n";
    if (s.rolled_up()) filled += "<path class=\"rolled\" data-rolled=\"" + html_escape(s.area->area_id) + "\" d=\"" + d + "\"/>\n";
  }
  return filled + rolled;
}

// Circle area proportional to budget; the largest is 2% of the map width in radius, and
// circles with no budget stay visible at 1.5 px. Drawn largest first so small ones stay on top.
std::string area_circles(const CampaignView& view, const MapGroup& g, const Legend& legend, const std::string& currency,
                         const Projection& proj, const Frame& frame) {
  std::int64_t largest = 1;
  for (const ShownArea* s : g.areas)
    if (drawn(*s) && is_point_area(*s)) largest = std::max(largest, s->area->budget_cents);
  const double max_radius = 0.02 * frame.width_px * kUnitsPerPx;
  std::string out;
  for (const ShownArea* shown : g.areas) {  // largest budget first
    const ShownArea& s = *shown;
    if (!drawn(s) || !is_point_area(s)) continue;
    ProjectedRing p = project(Ring{{s.place->point.lon, s.place->point.lat}}, proj);
    if (!std::isfinite(p.x[0]) || !std::isfinite(p.y[0])) continue;
    auto [x, y] = frame.units(p.x[0], p.y[0]);
    long r = std::max(15L, std::lround(max_radius * std::sqrt(double(s.area->budget_cents) / double(largest))));
    out += "<circle class=\"area " + std::string(describe(s.area->level)) + "\" data-area=\"" + html_escape(s.area->area_id) + "\" cx=\"" +
           std::to_string(x) + "\" cy=\"" + std::to_string(y) + "\" r=\"" + std::to_string(r) + "\" fill=\"" +
           legend.colour_of(s.area->budget_cents) + "\"" + actual_attributes(s) + ">" + area_title(view, s, currency) + "</circle>\n";
    if (s.rolled_up())
      out += "<circle class=\"rolled\" data-rolled=\"" + html_escape(s.area->area_id) + "\" cx=\"" + std::to_string(x) + "\" cy=\"" +
             std::to_string(y) + "\" r=\"" + std::to_string(r) + "\"/>\n";
  }
  return out;
}

// The campaign's zones outlined, its radii as circles with a pin and the store's name at the
// centre (the name left of the pin in the right half of the map, so it stays inside).
std::string target_shapes(const MapGroup& g, const Projection& proj, const Frame& frame, double tolerance) {
  std::string out;
  for (const Polygon* polygon : g.zones) {
    std::string d = polygon_path({*polygon}, proj, frame, tolerance);
    if (!d.empty()) out += "<path class=\"zone\" d=\"" + d + "\"><title>target zone</title></path>\n";
  }
  for (const RadiusArea* target : g.radius) {
    const RadiusArea& r = *target;
    const std::string name = r.name.empty() ? "radius " + fixed_text(r.km, 1) + " km" : r.name;
    const std::string title = "<title>" + html_escape(name + ": " + fixed_text(r.km, 1) + " km around " + fixed_text(r.centre.lat, 4) +
                                                      ", " + fixed_text(r.centre.lon, 4)) + "</title>";
    std::string d = polygon_path({Polygon{geodesic_circle(r)}}, proj, frame, tolerance);
    if (!d.empty()) out += "<path class=\"radius\" d=\"" + d + "\">" + title + "</path>\n";
    ProjectedRing p = project(Ring{{r.centre.lon, r.centre.lat}}, proj);
    if (!std::isfinite(p.x[0]) || !std::isfinite(p.y[0])) continue;
    auto [x, y] = frame.units(p.x[0], p.y[0]);
    const bool right_half = x > frame.width_px * kUnitsPerPx / 2;
    out += "<path class=\"pin\" d=\"M" + std::to_string(x) + ' ' + std::to_string(y) + "l-70 -150a75 75 0 1 1 140 0z\">" + title +
           "</path><text class=\"store\" x=\"" + std::to_string(right_half ? x - 110 : x + 110) + "\" y=\"" + std::to_string(y - 160) +
           "\"" + (right_half ? " text-anchor=\"end\"" : "") + ">" + html_escape(name) + "</text>\n";
  }
  return out;
}

// One map: its own projection and frame, so that each country or continent is drawn at its
// own scale (the page's svg clips what reaches past the frame).
std::string group_svg(const CampaignView& view, const MapGroup& g, const PlaceIndex& places, const Legend& legend,
                      const std::string& currency, int width_px, const ReportOptions& options) {
  Spread spread;
  for (const Ring& ring : g.outlines)
    for (const auto& v : ring) spread.add(v[0], v[1]);
  const std::string crs = projection_for(spread);
  Projection proj(crs);
  // Room for the largest circle (2% of the width) and its outline, and for a store's pin.
  const bool symbols = !g.radius.empty() || std::any_of(g.areas.begin(), g.areas.end(), [](const ShownArea* s) { return is_point_area(*s); });
  const Frame frame = frame_for(projected_extent(g, proj), width_px, symbols ? 0.02 * width_px + 2 : 0);
  const double tolerance = options.simplify_px * kUnitsPerPx;
  const std::string w = std::to_string(frame.width_px * kUnitsPerPx), h = std::to_string(frame.height_px * kUnitsPerPx);
  return "<svg class=\"map\" role=\"img\" width=\"" + std::to_string(frame.width_px) + "\" height=\"" +
         std::to_string(frame.height_px) + "\" viewBox=\"0 0 " + w + ' ' + h + "\" data-crs=\"" + html_escape(crs) + "\">\n" +
         context_paths(spread.box, places, proj, frame, tolerance) +
         area_polygons(view, g, places, legend, currency, proj, frame, tolerance) +
         catchment_shapes(view, g, legend, currency, proj, frame, tolerance) + area_circles(view, g, legend, currency, proj, frame) +
         target_shapes(g, proj, frame, tolerance) + "</svg>\n";
}

// "Israel, Georgia: USD 5,538.46 in 5 areas".
std::string group_caption(const MapGroup& g, const PlaceIndex& places, const std::string& currency) {
  std::string names;
  for (const std::string& id : g.countries) {
    const Place* country = places.find(id);
    names += (names.empty() ? "" : ", ") + (country ? country->name : id);
  }
  std::size_t areas = 0;
  for (const ShownArea* s : g.areas) areas += drawn(*s) ? 1 : 0;
  return (names.empty() ? std::string("Elsewhere") : names) + (g.outlying ? " (outlying areas)" : "") + ": " + format_money(g.budget_cents, currency) + " in " +
         format_count(std::int64_t(areas)) + (areas == 1 ? " area" : " areas");
}

}  // namespace

Ring geodesic_circle(const RadiusArea& r) {
  Ring ring;
  for (int i = 0; i <= 72; ++i) {
    double lat = 0, lon = 0;
    geod_direct(&wgs84_geodesic(), r.centre.lat, r.centre.lon, i * 5.0, r.km * 1000, &lat, &lon, nullptr);
    ring.push_back({lon, lat});
  }
  return ring;
}

const std::string& Legend::colour_of(std::int64_t cents) const {
  if (cents <= 0 || upper_cents.empty()) return zero_colour;
  for (std::size_t i = 0; i < upper_cents.size(); ++i)
    if (cents <= upper_cents[i]) return colours[i];
  return colours.back();
}

Legend quantile_legend(std::vector<std::int64_t> budgets, int classes) {
  Legend legend;
  legend.zero_colour = "#ffffff";
  std::erase_if(budgets, [](std::int64_t b) { return b <= 0; });
  std::sort(budgets.begin(), budgets.end());
  classes = std::clamp(classes, 1, 8);
  // Budgets within a cent of the lowest of a run are one value: [lowest, highest].
  std::vector<std::pair<std::int64_t, std::int64_t>> values;
  for (std::int64_t b : budgets) {
    if (!values.empty() && b - values.back().first <= 1) values.back().second = b;
    else values.emplace_back(b, b);
  }
  const std::size_t n = values.size(), k = std::min<std::size_t>(n, static_cast<std::size_t>(classes));
  std::size_t first = 0;
  for (std::size_t i = 1; i <= k; ++i) {  // quantiles of the distinct values
    const std::size_t last = (n * i + k - 1) / k - 1;
    legend.lower_cents.push_back(values[first].first);
    legend.upper_cents.push_back(values[last].second);
    first = last + 1;
  }
  for (std::size_t i = 0; i < k; ++i)  // spread over palette entries 1..8, darkest last
    legend.colours.push_back(kPalette[k == 1 ? 5 : 1 + (i * 7 + (k - 1) / 2) / (k - 1)]);
  return legend;
}

std::vector<std::int64_t> drawn_budgets(const CampaignView& view) {
  std::vector<std::int64_t> out;
  for (const ShownArea& s : view.areas)
    if (drawn(s)) out.push_back(s.area->budget_cents);
  return out;
}

std::string map_svg(const CampaignView& view, const PlaceIndex& places, const Legend& legend,
                    const std::string& currency, const ReportOptions& options) {
  const std::vector<MapGroup> groups = map_groups(view, places);
  if (groups.empty()) return "<p class=\"note\">No area of this campaign is in the geodata: nothing to draw.</p>\n";
  if (groups.size() == 1) return group_svg(view, groups[0], places, legend, currency, options.map_width_px, options);
  const int width_px = std::max(1, (options.map_width_px - 16) / 2);  // two maps a row
  std::string out = "<div class=\"maps\">\n";
  for (const MapGroup& g : groups)
    out += "<figure class=\"mapgroup\">" + group_svg(view, g, places, legend, currency, width_px, options) + "<figcaption>" +
           html_escape(group_caption(g, places, currency)) + "</figcaption></figure>\n";
  return out + "</div>\n";
}

const char* pace_colour(double pace) {
  if (!std::isfinite(pace)) return "#ffffff";
  for (const PaceClass& c : kPaceClasses)
    if (pace < c.below) return c.colour;
  return kPaceClasses[std::size(kPaceClasses) - 1].colour;
}

std::string pace_legend_svg() {
  const std::size_t rows = std::size(kPaceClasses);
  const std::string height = std::to_string(rows * 22 + 4);
  std::string out = "<svg class=\"legend\" width=\"320\" height=\"" + height + "\" viewBox=\"0 0 320 " + height + "\">\n";
  for (std::size_t i = 0; i < rows; ++i)
    out += "<rect x=\"2\" y=\"" + std::to_string(i * 22 + 2) + "\" width=\"28\" height=\"18\" stroke=\"#555\" fill=\"" +
           kPaceClasses[i].colour + "\"/><text x=\"38\" y=\"" + std::to_string(i * 22 + 16) + "\">spent " +
           html_escape(kPaceClasses[i].label) + "</text>\n";
  return out + "</svg>\n";
}

std::string legend_svg(const Legend& legend, const std::string& currency) {
  const std::size_t rows = legend.colours.size() + 1;
  const std::string height = std::to_string(rows * 22 + 4);
  std::string out = "<svg class=\"legend\" width=\"320\" height=\"" + height + "\" viewBox=\"0 0 320 " + height + "\">\n";
  auto row = [&](std::size_t i, const std::string& colour, const std::string& label) {
    const std::string y = std::to_string(i * 22 + 2);
    out += "<rect x=\"2\" y=\"" + y + "\" width=\"28\" height=\"18\" fill=\"" + colour + "\"/><text x=\"38\" y=\"" +
           std::to_string(i * 22 + 16) + "\">" + html_escape(label) + "</text>\n";
  };
  row(0, legend.zero_colour, "no budget");
  for (std::size_t i = 0; i < legend.colours.size(); ++i) {
    const std::int64_t lower = legend.lower_cents[i], upper = legend.upper_cents[i];
    row(i + 1, legend.colours[i],
        lower == upper ? format_money(upper, currency) : format_money(lower, currency) + " to " + format_money(upper, currency));
  }
  return out + "</svg>\n";
}

}  // namespace geotarget::detail
