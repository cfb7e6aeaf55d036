#include "geotarget/stores.hpp"

#include <gdal/ogrsf_frmts.h>

#include <boost/function_output_iterator.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>

#include "csv_reader.hpp"
#include "geotarget/error.hpp"
#include "point_level.hpp"
#include "target_index.hpp"
#include "text.hpp"
#include "yaml_file.hpp"

namespace geotarget {

namespace {

namespace bgi = boost::geometry::index;

// One store more, or why not: a missing id, a duplicate, a bad coordinate, one too many.
void add_store(Store store, const std::string& where, std::set<std::string>& ids, std::vector<Store>& out) {
  if (store.id.empty()) throw Error(where + ": the store has no id");
  if (!ids.insert(store.id).second) throw Error(where + ": duplicate store id '" + store.id + "'");
  if (out.size() == kMaxStores)
    throw Error(where + ": more than " + std::to_string(kMaxStores) + " stores", ErrorCode::limit_exceeded);
  out.push_back(std::move(store));
}

std::size_t column_of(const std::map<std::string, std::size_t>& columns, std::initializer_list<const char*> names,
                      const std::string& path, const char* what) {
  for (const char* n : names)
    if (auto it = columns.find(n); it != columns.end()) return it->second;
  throw Error(path + ":1: no " + what + " column (the header needs id, name, lat and lon)");
}

std::vector<Store> read_csv_stores(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read the stores file", ErrorCode::io);
  detail::CsvReader reader(in);
  detail::CsvRecord r;
  if (reader.next(r) != detail::CsvStatus::ok) throw Error(path + ":1: no header row");
  std::map<std::string, std::size_t> columns;
  for (std::size_t i = 0; i < r.fields.size(); ++i) columns.emplace(detail::ascii_lower(trim(r.fields[i])), i);
  const std::size_t id = column_of(columns, {"id"}, path, "id"), name = column_of(columns, {"name"}, path, "name");
  const std::size_t lat = column_of(columns, {"lat", "latitude"}, path, "lat");
  const std::size_t lon = column_of(columns, {"lon", "lng", "longitude"}, path, "lon");
  const std::size_t width = r.fields.size();
  std::vector<Store> out;
  std::set<std::string> ids;
  for (detail::CsvStatus s; (s = reader.next(r)) != detail::CsvStatus::end_of_input;) {
    const std::string where = path + ":" + std::to_string(r.line);
    if (s != detail::CsvStatus::ok) throw Error(where + ": " + std::string(describe(s)));
    if (r.fields.size() != width)
      throw Error(where + ": " + std::to_string(r.fields.size()) + " fields, the header has " + std::to_string(width));
    Store store{std::string(trim(r.fields[id])), std::string(trim(r.fields[name])), {}};
    if (const auto status = parse_lat_lng(r.fields[lat], r.fields[lon], store.point); status != CoordinateStatus::ok)
      throw Error(where + ": " + explain(status, r.fields[lat], r.fields[lon], "lat", "lon"));
    add_store(std::move(store), where, ids, out);
  }
  return out;
}

// Any point layer OGR reads: fields id and name, geometries reprojected to WGS84 (lon, lat).
std::vector<Store> read_ogr_stores(const std::string& path) {
  static std::once_flag registered;
  std::call_once(registered, [] { GDALAllRegister(); });
  std::unique_ptr<GDALDataset> ds(static_cast<GDALDataset*>(
      GDALOpenEx(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr, nullptr)));
  if (!ds || ds->GetLayerCount() == 0) throw Error(path + ": cannot read stores (no vector layer)", ErrorCode::io);
  OGRLayer* layer = ds->GetLayer(0);
  const int id = layer->GetLayerDefn()->GetFieldIndex("id"), name = layer->GetLayerDefn()->GetFieldIndex("name");
  if (id < 0 || name < 0) throw Error(path + ": the stores layer needs the fields id and name");
  OGRSpatialReference wgs84;
  wgs84.SetWellKnownGeogCS("WGS84");
  wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
  std::unique_ptr<OGRCoordinateTransformation> to_wgs84;
  if (const OGRSpatialReference* srs = layer->GetSpatialRef(); srs && !srs->IsSame(&wgs84))
    to_wgs84.reset(OGRCreateCoordinateTransformation(srs, &wgs84));
  std::vector<Store> out;
  std::set<std::string> ids;
  for (auto& feature : *layer) {
    const std::string where = path + ": feature " + std::to_string(feature->GetFID());
    const OGRGeometry* g = feature->GetGeometryRef();
    if (!g || wkbFlatten(g->getGeometryType()) != wkbPoint) throw Error(where + ": not a point");
    double x = g->toPoint()->getX(), y = g->toPoint()->getY();
    if (to_wgs84 && !to_wgs84->Transform(1, &x, &y)) throw Error(where + ": cannot reproject to WGS84");
    Store store{feature->GetFieldAsString(id), feature->GetFieldAsString(name), {y, x}};
    if (const auto status = check(store.point); status != CoordinateStatus::ok)
      throw Error(where + ": " + explain(status, std::to_string(y), std::to_string(x)));
    add_store(std::move(store), where, ids, out);
  }
  return out;
}

}  // namespace

std::vector<Store> load_stores(const std::string& path) {
  if (const std::string why = detail::not_a_local_file(path); !why.empty()) throw Error(path + ": " + why);
  std::vector<Store> stores = detail::ascii_lower(std::filesystem::path(path).extension().string()) == ".csv"
                                  ? read_csv_stores(path)
                                  : read_ogr_stores(path);
  if (stores.empty()) throw Error(path + ": no store in the file");
  return stores;
}

struct StoreIndex::Impl {
  std::vector<Store> stores;
  bgi::rtree<std::pair<detail::PlanePoint, std::uint32_t>, bgi::rstar<16>> tree;
};

StoreIndex::StoreIndex(std::vector<Store> stores) : impl_(std::make_unique<Impl>()) {
  std::vector<std::pair<detail::PlanePoint, std::uint32_t>> entries;
  for (std::uint32_t i = 0; i < stores.size(); ++i) entries.emplace_back(detail::plane_point(stores[i].point), i);
  impl_->stores = std::move(stores);
  impl_->tree = decltype(impl_->tree)(entries.begin(), entries.end());
}

StoreIndex::~StoreIndex() = default;

const std::vector<Store>& StoreIndex::stores() const noexcept { return impl_->stores; }

NearestStore StoreIndex::nearest(LatLng point, double max_km) const noexcept {
  NearestStore best;
  if (!point.is_valid() || !(max_km >= 0)) return best;
  auto visit = [&](const std::pair<detail::PlanePoint, std::uint32_t>& entry) {
    const Store& s = impl_->stores[entry.second];
    const double km = detail::geodesic_km(point.lat, point.lon, s.point.lat, s.point.lon);
    if (km <= max_km && (!best.store || detail::nearer_store(km, s.id, best.km, best.store->id))) best = {&s, km};
  };
  std::array<detail::PlaneBox, 2> boxes;
  const int n = detail::geodesic_boxes(point, max_km, boxes);
  for (int b = 0; b < n; ++b) impl_->tree.query(bgi::intersects(boxes[b]), boost::make_function_output_iterator(visit));
  return best;
}

}  // namespace geotarget
