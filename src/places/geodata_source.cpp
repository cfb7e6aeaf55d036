#include "geodata_source.hpp"

#include <gdal/ogr_spatialref.h>
#include <gdal/ogrsf_frmts.h>
#include <yaml-cpp/yaml.h>

#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <istream>
#include <streambuf>
#include <functional>
#include <memory>
#include <mutex>

#include "csv_reader.hpp"
#include "geotarget/lat_lng.hpp"
#include "text.hpp"
#include "geotarget/error.hpp"
#include "yaml_file.hpp"

namespace geotarget::detail {

namespace fs = std::filesystem;

namespace {

// A non-empty text field of a level; "" when absent and optional.
std::string text_field(const YamlReader& r, const YAML::Node& level, const char* key, const std::string& field,
                       bool required) {
  std::string v = r.text(level, key, field, required);
  if (level[key] && v.empty()) r.fail(level[key], field_of(field, key), "must be a non-empty string");
  return v;
}

LevelSource parse_level(const YamlReader& r, const YAML::Node& node, const std::string& field) {
  r.only_keys(node, {"level", "source", "layer", "id", "name", "parent", "population", "names", "time_zone", "lat", "lon",
                     "max_distance_km"},
              field);
  LevelSource l;
  l.line = node.Mark().line + 1;
  const std::string level = text_field(r, node, "level", field, true);
  if (!parse_place_level(level, l.level))
    r.fail(node["level"], field + ".level", "unknown level '" + level + "' (country, region, district, town, postal, neighbourhood)");
  l.source = r.file(node, "source", field, true);
  if (fs::path(l.source).extension() == ".gz") l.source = "/vsigzip/" + l.source;  // e.g. towns.csv.gz
  l.layer = text_field(r, node, "layer", field, false);
  l.id_field = text_field(r, node, "id", field, true);
  l.name_field = text_field(r, node, "name", field, true);
  l.parent_field = text_field(r, node, "parent", field, false);
  l.population_field = text_field(r, node, "population", field, false);
  l.names_field = text_field(r, node, "names", field, false);
  l.time_zone_field = text_field(r, node, "time_zone", field, false);
  l.lat_field = text_field(r, node, "lat", field, false);
  l.lon_field = text_field(r, node, "lon", field, false);
  if (l.lat_field.empty() != l.lon_field.empty()) r.fail(node, field, "'lat' and 'lon' must be given together");
  if (node["max_distance_km"]) {
    l.max_distance_km = r.number(node, "max_distance_km", field, 0);
    if (!(l.max_distance_km > 0)) r.fail(node["max_distance_km"], field + ".max_distance_km", "must be a positive number");
  }
  return l;
}

}  // namespace

Manifest read_manifest(const std::string& path) {
  const YAML::Node root = load_yaml_file(path, "geodata manifest");
  if (!root.IsMap()) throw Error(path + ": the manifest must be a YAML mapping");
  const YamlReader r(path);
  r.only_keys(root, {"name", "levels"}, "");
  Manifest m;
  m.path = path;
  m.name = root["name"] ? root["name"].as<std::string>("") : fs::path(path).stem().string();
  YAML::Node levels = root["levels"];
  if (!levels || !levels.IsSequence() || levels.size() == 0)
    throw Error(path + ": field 'levels' must be a non-empty list");
  std::array<bool, kPlaceLevels> seen{};
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const YAML::Node node = levels[i];
    LevelSource l = parse_level(r, node, "levels[" + std::to_string(i) + "]");
    auto& s = seen[static_cast<std::size_t>(l.level)];
    if (s) throw Error(yaml_where(path, node) + ": level '" + std::string(describe(l.level)) +
                       "' is declared twice");
    s = true;
    m.levels.push_back(std::move(l));
  }
  return m;
}

namespace {

struct DatasetCloser {
  void operator()(GDALDataset* d) const { GDALClose(d); }
};
using Dataset = std::unique_ptr<GDALDataset, DatasetCloser>;

std::string feature_where(const LevelSource& l, OGRLayer& layer, const OGRFeature& f) {
  return l.source + ":" + layer.GetName() + ":" + std::to_string(f.GetFID());
}

int field_index(const LevelSource& l, OGRLayer& layer, const std::string& name) {
  if (name.empty()) return -1;
  int i = layer.GetLayerDefn()->GetFieldIndex(name.c_str());
  if (i < 0)
    throw Error(l.source + ":" + layer.GetName() + ": no field '" + name +
                "' (named by the manifest level at line " + std::to_string(l.line) + ")");
  return i;
}

// Rings and an interior point of a (multi)polygon, after making it valid. False when nothing
// polygonal is left.
bool polygon_rings(OGRGeometry& geometry, SourcePlace& place, bool& repaired) {
  std::vector<Polygon>& out = place.parts;
  std::unique_ptr<OGRGeometry> fixed;
  OGRGeometry* g = &geometry;
  if (!g->IsValid()) {
    fixed.reset(g->MakeValid());
    if (!fixed) return false;
    g = fixed.get();
    repaired = true;
  }
  auto add_polygon = [&out](const OGRPolygon& p) {
    Polygon polygon;
    for (int r = 0; r < p.getNumInteriorRings() + 1; ++r) {
      const OGRLinearRing* ring = r == 0 ? p.getExteriorRing() : p.getInteriorRing(r - 1);
      if (!ring || ring->getNumPoints() < 4) continue;
      Ring pts;
      pts.reserve(static_cast<std::size_t>(ring->getNumPoints()));
      for (int i = 0; i < ring->getNumPoints(); ++i) pts.push_back({ring->getX(i), ring->getY(i)});
      polygon.push_back(std::move(pts));
    }
    if (!polygon.empty()) out.push_back(std::move(polygon));
  };
  // make-valid may return a collection holding multipolygons: take polygons at any depth.
  std::function<void(const OGRGeometry&)> collect = [&](const OGRGeometry& part) {
    const OGRwkbGeometryType type = wkbFlatten(part.getGeometryType());
    if (type == wkbPolygon) add_polygon(*part.toPolygon());
    if (type == wkbMultiPolygon || type == wkbGeometryCollection)
      for (const OGRGeometry* inner : *part.toGeometryCollection()) collect(*inner);
  };
  collect(*g);
  if (out.empty()) return false;
  OGRGeometryH inside = OGR_G_PointOnSurface(OGRGeometry::ToHandle(g));
  if (!inside) return false;
  place.lon = OGR_G_GetX(inside, 0);
  place.lat = OGR_G_GetY(inside, 0);
  OGR_G_DestroyGeometry(inside);
  return true;
}

// Vertices of a (multi)polygon or collection, counted before anything costly is done with it.
std::size_t vertex_count(const OGRGeometry& g) {
  const OGRwkbGeometryType type = wkbFlatten(g.getGeometryType());
  if (type == wkbPolygon) {
    std::size_t n = 0;
    for (const OGRLinearRing* ring : *g.toPolygon()) n += static_cast<std::size_t>(ring->getNumPoints());
    return n;
  }
  if (OGR_GT_IsSubClassOf(type, wkbGeometryCollection)) {
    std::size_t n = 0;
    for (const OGRGeometry* part : *g.toGeometryCollection()) n += vertex_count(*part);
    return n;
  }
  return 1;
}

// Fills the geometry of one feature; returns the reason when it cannot be used.
std::string read_geometry(const LevelSource& l, OGRFeature& f, int lat_i, int lon_i, OGRCoordinateTransformation* to_wgs84,
                          std::size_t max_vertices, SourcePlace& p, bool& repaired) {
  if (lat_i >= 0) {
    if (!f.IsFieldSetAndNotNull(lat_i) || !f.IsFieldSetAndNotNull(lon_i)) return "no coordinates";
    p.lat = f.GetFieldAsDouble(lat_i);
    p.lon = f.GetFieldAsDouble(lon_i);
  } else {
    OGRGeometry* g = f.GetGeometryRef();
    if (!g || g->IsEmpty()) return "no geometry";
    if (const std::size_t n = vertex_count(*g); n > max_vertices)
      return std::to_string(n) + " vertices, more than " + std::to_string(max_vertices) +
             " (PlaceIndexOptions::max_vertices_per_place)";
    if (to_wgs84 && g->transform(to_wgs84) != OGRERR_NONE) return "cannot reproject";
    if (wkbFlatten(g->getGeometryType()) == wkbPoint) {
      p.lon = g->toPoint()->getX();
      p.lat = g->toPoint()->getY();
    } else {
      if (!polygon_rings(*g, p, repaired)) return "not a usable polygon";
    }
  }
  if (!LatLng{p.lat, p.lon}.is_valid()) return "coordinates outside WGS84 range";
  const bool point_level = is_point_level(l.level);
  if (point_level != p.parts.empty()) return point_level ? "polygon on a point level" : "point on a polygon level";
  return {};
}

// GDAL's messages would go to stderr unasked; problems are reported per feature instead.
struct QuietGdal {
  QuietGdal() { CPLPushErrorHandler(CPLQuietErrorHandler); }
  ~QuietGdal() { CPLPopErrorHandler(); }
  QuietGdal(const QuietGdal&) = delete;
  QuietGdal& operator=(const QuietGdal&) = delete;
};

// A read-only stream over a gzipped (or plain) file, so that CsvReader decompresses chunk by
// chunk straight into its own buffer instead of the whole file being inflated first.
class GzipStreamBuf : public std::streambuf {
 public:
  explicit GzipStreamBuf(const std::string& path) : file_(gzopen(path.c_str(), "rb")) {
    if (file_) gzbuffer(file_, 1 << 17);
  }
  ~GzipStreamBuf() override {
    if (file_) gzclose(file_);
  }
  GzipStreamBuf(const GzipStreamBuf&) = delete;
  GzipStreamBuf& operator=(const GzipStreamBuf&) = delete;

  [[nodiscard]] bool is_open() const noexcept { return file_ != nullptr; }
  /// True once the whole file has been read without a decompression error. zlib reports a
  /// truncated file only as Z_BUF_ERROR after the last read, not through gzread's result.
  [[nodiscard]] bool complete() const noexcept {
    int error = Z_OK;
    if (file_) gzerror(file_, &error);
    return file_ && !failed_ && gzeof(file_) && error == Z_OK;
  }

 protected:
  std::streamsize xsgetn(char* out, std::streamsize n) override {
    std::streamsize got = 0;
    while (file_ && !failed_ && got < n) {
      const auto want = static_cast<unsigned>(std::min<std::streamsize>(n - got, 1 << 30));
      const int r = gzread(file_, out + got, want);
      if (r < 0) failed_ = true;
      if (r <= 0) break;
      got += r;
    }
    return got;
  }
  int_type underflow() override {
    if (xsgetn(&one_, 1) != 1) return traits_type::eof();
    setg(&one_, &one_, &one_ + 1);
    return traits_type::to_int_type(one_);
  }

 private:
  gzFile file_;
  bool failed_ = false;
  char one_ = 0;
};

}  // namespace

// Point levels given as CSV with lat/lon fields are read directly: OGR's CSV driver costs
// about 2.5 us a feature, which for 171,000 towns was most of the index build.
void check_place_count(const LevelSource& l, const SourcePlaces& places, const LevelLimits& limits) {
  if (places.size() >= limits.places)
    throw Error(l.source + ": more than " + std::to_string(limits.places) + " places in the " +
                    std::string(describe(l.level)) + " level (PlaceIndexOptions::max_places_per_level)",
                ErrorCode::limit_exceeded);
}

SourcePlaces read_point_csv(const LevelSource& l, const LevelLimits& limits, PlaceLoadSummary& summary) {
  const std::string path = l.source.rfind("/vsigzip/", 0) == 0 ? l.source.substr(9) : l.source;
  GzipStreamBuf file(path);
  if (!file.is_open()) throw Error(path + ": cannot read", ErrorCode::io);
  std::istream in(&file);
  CsvReader reader(in);
  CsvRecord r;
  if (reader.next(r) != CsvStatus::ok) throw Error(path + ": no header row");
  auto index_of = [&](const std::string& name) {
    if (name.empty()) return -1;
    auto it = std::find(r.fields.begin(), r.fields.end(), std::string_view(name));
    if (it == r.fields.end())
      throw Error(path + ": no field '" + name + "' (named by the manifest level at line " + std::to_string(l.line) + ")");
    return static_cast<int>(it - r.fields.begin());
  };
  const int id = index_of(l.id_field), name = index_of(l.name_field), parent = index_of(l.parent_field),
            pop = index_of(l.population_field), lat = index_of(l.lat_field), lon = index_of(l.lon_field),
            names = index_of(l.names_field), time_zone = index_of(l.time_zone_field);
  SourcePlaces places;
  auto field = [&](int i) { return i >= 0 && static_cast<std::size_t>(i) < r.fields.size() ? r.fields[static_cast<std::size_t>(i)] : std::string_view(); };
  for (CsvStatus s; (s = reader.next(r)) != CsvStatus::end_of_input;) {
    SourcePlace p;
    p.id = field(id), p.name = field(name), p.parent_id = field(parent);
    p.names = field(names), p.time_zone = field(time_zone);
    std::string problem = s != CsvStatus::ok ? std::string(describe(s)) : p.id.empty() ? "empty id" : "";
    double population = 0;
    if (problem.empty() && !(parse_coordinate(field(lat), p.lat) && parse_coordinate(field(lon), p.lon)))
      problem = "no coordinates";
    if (problem.empty() && !LatLng{p.lat, p.lon}.is_valid()) problem = "coordinates outside WGS84 range";
    if (parse_double(field(pop), population)) p.population = static_cast<std::int64_t>(population);
    if (!problem.empty()) {
      summary.add_problem(path + ":" + std::to_string(r.line) + ": " + problem);
      continue;
    }
    check_place_count(l, places, limits);
    places.push_back(std::move(p));
  }
  if (!file.complete()) throw Error(path + ": cannot decompress");
  return places;
}

SourcePlaces read_level(const LevelSource& l, const LevelLimits& limits, PlaceLoadSummary& summary) {
  const bool point_csv = is_point_level(l.level) && !l.lat_field.empty() &&
                         (l.source.ends_with(".csv") || l.source.ends_with(".csv.gz"));
  if (point_csv) return read_point_csv(l, limits, summary);
  static std::once_flag registered;  // levels are read on several threads at once
  std::call_once(registered, [] {
    GDALAllRegister();
    // Reading a .gz through /vsigzip/ would otherwise write a .properties file beside it.
    CPLSetConfigOption("CPL_VSIL_GZIP_WRITE_PROPERTIES", "NO");
  });
  QuietGdal quiet;
  Dataset ds(static_cast<GDALDataset*>(
      GDALOpenEx(l.source.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
  if (!ds) throw Error(l.source + ": cannot open as a vector dataset (" + CPLGetLastErrorMsg() + ")", ErrorCode::io);
  OGRLayer* layer = l.layer.empty() ? ds->GetLayer(0) : ds->GetLayerByName(l.layer.c_str());
  if (!layer) throw Error(l.source + ": no layer '" + l.layer + "'");
  const int id_i = field_index(l, *layer, l.id_field), name_i = field_index(l, *layer, l.name_field);
  const int parent_i = field_index(l, *layer, l.parent_field);
  const int pop_i = field_index(l, *layer, l.population_field);
  const int names_i = field_index(l, *layer, l.names_field), time_zone_i = field_index(l, *layer, l.time_zone_field);
  const int lat_i = field_index(l, *layer, l.lat_field), lon_i = field_index(l, *layer, l.lon_field);

  std::unique_ptr<OGRCoordinateTransformation> to_wgs84;
  if (const OGRSpatialReference* srs = layer->GetSpatialRef()) {
    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (!srs->IsSame(&wgs84)) {
      to_wgs84.reset(OGRCreateCoordinateTransformation(srs, &wgs84));
      if (!to_wgs84) throw Error(l.source + ": cannot reproject layer to WGS84");
    }
  }
  SourcePlaces places;
  layer->ResetReading();
  for (std::unique_ptr<OGRFeature> f(layer->GetNextFeature()); f; f.reset(layer->GetNextFeature())) {
    SourcePlace p;
    p.id = f->IsFieldSetAndNotNull(id_i) ? f->GetFieldAsString(id_i) : "";
    p.name = f->IsFieldSetAndNotNull(name_i) ? f->GetFieldAsString(name_i) : "";
    if (parent_i >= 0 && f->IsFieldSetAndNotNull(parent_i)) p.parent_id = f->GetFieldAsString(parent_i);
    if (pop_i >= 0 && f->IsFieldSetAndNotNull(pop_i)) p.population = f->GetFieldAsInteger64(pop_i);
    if (names_i >= 0 && f->IsFieldSetAndNotNull(names_i)) p.names = f->GetFieldAsString(names_i);
    if (time_zone_i >= 0 && f->IsFieldSetAndNotNull(time_zone_i)) p.time_zone = f->GetFieldAsString(time_zone_i);
    bool repaired = false;
    std::string problem = p.id.empty() ? "empty id" : read_geometry(l, *f, lat_i, lon_i, to_wgs84.get(),
                                                                          limits.vertices_per_place, p, repaired);
    if (!problem.empty()) {
      summary.add_problem(feature_where(l, *layer, *f) + ": " + problem);
      continue;
    }
    summary.repaired_polygons += repaired;
    check_place_count(l, places, limits);
    places.push_back(std::move(p));
  }
  return places;
}

}  // namespace geotarget::detail
