#include "report_exports.hpp"

#include <gdal/ogrsf_frmts.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "csv_reader.hpp"
#include "geotarget/error.hpp"
#include "report_map.hpp"

namespace geotarget::detail {

namespace {

// A campaign × area row as every export writes it.
struct ExportRow {
  std::string campaign_id, area_id, level, name, region_id, offer, binding, merged_into, reason;
  std::int64_t audience = 0, budget_cents = 0;
  double expected_response = 0, marginal_return = 0, expected_conversions = 0;
  std::optional<AccountSpend> actual;  ///< with a ledger, for a budget account or "other areas"
  const Place* place = nullptr;
  const RadiusArea* catchment = nullptr;  ///< a store's circle
};

ExportRow row_of(const CampaignView& v, const ShownArea& s) {
  const AreaAllocation& a = *s.area;
  return {v.campaign->campaign_id, a.area_id, std::string(describe(a.level)), a.name, s.region_id, a.offer,
          std::string(describe(a.binding)), s.merged_into, a.reason,
          a.audience, a.budget_cents, a.expected_response, a.marginal_return, a.expected_conversions, s.actual, s.place,
          a.catchment ? &*a.catchment : nullptr};
}

ExportRow other_row(const CampaignView& v) {
  ExportRow r;
  r.campaign_id = v.campaign->campaign_id;
  r.area_id = "other";
  r.name = "other areas (" + std::to_string(v.other.count) + ")";
  r.reason = "audience below min_audience " + std::to_string(v.threshold);
  r.audience = v.other.audience;
  r.budget_cents = v.other.budget_cents;
  r.expected_response = v.other.expected_response;
  if (v.actual) r.actual = v.other.actual;
  return r;
}

std::vector<ExportRow> rows_of(const CampaignView& v) {
  std::vector<ExportRow> rows;
  for (const ShownArea& s : v.areas) rows.push_back(row_of(v, s));
  if (v.other.count > 0) rows.push_back(other_row(v));
  return rows;
}

// Spent ÷ planned, null without a ledger or a plan.
nlohmann::ordered_json json_pace(const std::optional<AccountSpend>& actual, std::int64_t planned_cents) {
  const double pace = actual ? pace_of(actual->spent_cents, planned_cents) : std::nan("");
  return std::isfinite(pace) ? nlohmann::ordered_json(pace) : nlohmann::ordered_json();
}

nlohmann::ordered_json json_of(const ExportRow& r) {
  auto text_or_null = [](const std::string& s) { return s.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(s); };
  return {{"area_id", r.area_id},
          {"level", text_or_null(r.level)},
          {"name", r.name},
          {"region_id", text_or_null(r.region_id)},
          {"audience", r.audience},
          {"budget_cents", r.budget_cents},
          {"offer", text_or_null(r.offer)},
          {"expected_response", r.expected_response},
          {"marginal_return", r.marginal_return},
          {"binding", text_or_null(r.binding)},
          {"merged_into", text_or_null(r.merged_into)},
          {"reason", text_or_null(r.reason)},
          {"expected_conversions", r.expected_conversions},
          {"spent_cents", r.actual ? nlohmann::ordered_json(r.actual->spent_cents) : nlohmann::ordered_json()},
          {"pace", json_pace(r.actual, r.budget_cents)},
          {"actual_conversions", r.actual ? nlohmann::ordered_json(r.actual->conversions) : nlohmann::ordered_json()}};
}

nlohmann::ordered_json json_of(const CampaignView& v) {
  const CampaignAllocation& c = *v.campaign;
  nlohmann::ordered_json j = {{"id", c.campaign_id},
                              {"name", c.name},
                              {"method", c.method},
                              {"level", std::string(describe(c.level))},
                              {"budget_cents", c.budget_cents},
                              {"allocated_cents", v.spent_cents},
                              {"unspent_cents", c.unspent_cents},
                              {"unspent_reason", c.unspent_reason == UnspentReason::none
                                                     ? nlohmann::ordered_json()
                                                     : nlohmann::ordered_json(std::string(describe(c.unspent_reason)))},
                              {"lambda", c.lambda},
                              {"target_marginal_return", c.target_marginal_return},
                              {"expected_response", v.expected_response},
                              {"expected_conversions", c.response ? nlohmann::ordered_json(v.expected_conversions) : nlohmann::ordered_json()},
                              {"return_on_spend", v.return_on_spend()},
                              {"min_audience_shown", v.threshold},
                              {"areas_hidden", v.other.count},
                              {"spent_cents", v.actual ? nlohmann::ordered_json(v.actual->spent_cents) : nlohmann::ordered_json()},
                              {"pace", json_pace(v.actual, v.spent_cents)},
                              {"actual_conversions", v.actual ? nlohmann::ordered_json(v.actual->conversions) : nlohmann::ordered_json()},
                              {"spend_reset", v.spend_reset}};
  j["regions"] = nlohmann::ordered_json::array();
  for (const RegionTotal& r : v.regions)
    j["regions"].push_back({{"region_id", r.id.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(r.id)},
                            {"name", r.name},
                            {"areas", r.areas},
                            {"audience", r.audience},
                            {"budget_cents", r.budget_cents},
                            {"expected_response", r.expected_response}});
  j["areas"] = nlohmann::ordered_json::array();
  for (const ExportRow& r : rows_of(v)) j["areas"].push_back(json_of(r));
  j["merged"] = nlohmann::ordered_json::array();
  for (const MergeNote& m : v.merged) j["merged"].push_back({{"merged", m.merged}, {"into", m.into}, {"reason", m.reason}});
  return j;
}

// The place's polygons as one MultiPolygon, or its point, or a store's circle; nullptr for no
// geometry.
std::unique_ptr<OGRGeometry> geometry_of(const ExportRow& r, const PlaceIndex& places) {
  if (r.catchment) {
    auto polygon = std::make_unique<OGRPolygon>();
    OGRLinearRing ring;
    for (const auto& v : geodesic_circle(*r.catchment)) ring.addPoint(v[0], v[1]);
    polygon->addRing(&ring);
    return polygon;
  }
  if (!r.place) return nullptr;
  if (is_point_level(r.place->level))
    return std::make_unique<OGRPoint>(r.place->point.lon, r.place->point.lat);
  auto multi = std::make_unique<OGRMultiPolygon>();
  for (const Polygon& polygon : places.polygons(*r.place)) {
    OGRPolygon ogr_polygon;
    for (const Ring& ring : polygon) {
      OGRLinearRing ogr_ring;
      for (const auto& v : ring) ogr_ring.addPoint(v[0], v[1]);
      ogr_polygon.addRing(&ogr_ring);
    }
    multi->addGeometry(&ogr_polygon);
  }
  return multi;
}

constexpr std::pair<const char*, OGRFieldType> kGpkgFields[] = {
    {"campaign_id", OFTString},   {"area_id", OFTString},         {"level", OFTString},
    {"name", OFTString},          {"region_id", OFTString},       {"audience", OFTInteger64},
    {"budget_cents", OFTInteger64}, {"offer", OFTString},         {"expected_response", OFTReal},
    {"marginal_return", OFTReal}, {"binding", OFTString},         {"merged_into", OFTString},
    {"reason", OFTString},        {"expected_conversions", OFTReal}, {"spent_cents", OFTInteger64},
    {"pace", OFTReal},            {"actual_conversions", OFTInteger64}};

void set_fields(OGRFeature& f, const ExportRow& r) {
  int i = 0;
  for (const std::string* s : {&r.campaign_id, &r.area_id, &r.level, &r.name, &r.region_id})
    if (!s->empty()) f.SetField(i++, s->c_str()); else f.SetFieldNull(i++);
  f.SetField(i++, static_cast<GIntBig>(r.audience));
  f.SetField(i++, static_cast<GIntBig>(r.budget_cents));
  if (!r.offer.empty()) f.SetField(i, r.offer.c_str()); else f.SetFieldNull(i);
  f.SetField(++i, r.expected_response);
  f.SetField(++i, r.marginal_return);
  ++i;
  for (const std::string* s : {&r.binding, &r.merged_into, &r.reason})
    if (!s->empty()) f.SetField(i++, s->c_str()); else f.SetFieldNull(i++);
  f.SetField(i++, r.expected_conversions);
  const double pace = r.actual ? pace_of(r.actual->spent_cents, r.budget_cents) : std::nan("");
  if (r.actual) f.SetField(i, static_cast<GIntBig>(r.actual->spent_cents)); else f.SetFieldNull(i);
  if (std::isfinite(pace)) f.SetField(++i, pace); else f.SetFieldNull(++i);
  if (r.actual) f.SetField(++i, static_cast<GIntBig>(r.actual->conversions)); else f.SetFieldNull(++i);
}

class GpkgFile {
 public:
  explicit GpkgFile(const std::string& path) : path_(path) {
    GDALAllRegister();
    std::filesystem::remove(path);
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    ds_ = driver ? driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr) : nullptr;
    if (!ds_) throw Error(path + ": cannot create GeoPackage (" + CPLGetLastErrorMsg() + ")", ErrorCode::io);
  }
  ~GpkgFile() {
    if (ds_) GDALClose(ds_);
  }
  GpkgFile(const GpkgFile&) = delete;
  GpkgFile& operator=(const GpkgFile&) = delete;

  OGRLayer* create_areas_layer() {
    OGRSpatialReference wgs84;
    wgs84.importFromEPSG(4326);
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    OGRLayer* layer = ds_->CreateLayer("areas", &wgs84, wkbUnknown, nullptr);  // polygons and points
    if (!layer) throw Error(path_ + ": cannot create layer 'areas'", ErrorCode::io);
    for (auto [name, type] : kGpkgFields) {
      OGRFieldDefn def(name, type);
      check(layer->CreateField(&def), "create field");
    }
    return layer;
  }
  void check(OGRErr err, const char* what) const {
    if (err != OGRERR_NONE) throw Error(path_ + ": cannot " + what + " (" + CPLGetLastErrorMsg() + ")");
  }
  void close() {
    CPLErrorReset();
    GDALClose(ds_);  // GDAL 3.6 reports a failed flush only through the error state
    ds_ = nullptr;
    if (CPLGetLastErrorType() >= CE_Failure) throw Error(path_ + ": cannot write (" + CPLGetLastErrorMsg() + ")", ErrorCode::io);
  }

 private:
  std::string path_;
  GDALDataset* ds_ = nullptr;
};

}  // namespace

void write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out.flush()) throw Error(path + ": cannot write", ErrorCode::io);
}

namespace {

// "spent_cents,pace,actual_conversions", each empty where unknown.
std::string csv_actual(const ExportRow& r) {
  if (!r.actual) return ",,";
  const double pace = pace_of(r.actual->spent_cents, r.budget_cents);
  return std::to_string(r.actual->spent_cents) + ',' + (std::isfinite(pace) ? number_text(pace) : "") + ',' +
         std::to_string(r.actual->conversions);
}

}  // namespace

void write_report_csv(const ReportModel& model, const std::string& path) {
  std::string out =
      "campaign_id,area_id,level,name,region_id,audience,budget_cents,offer,expected_response,marginal_return,binding,"
      "merged_into,reason,expected_conversions,spent_cents,pace,actual_conversions\n";
  for (const CampaignView& v : model.campaigns)
    for (const ExportRow& r : rows_of(v))
      out += csv_escape(r.campaign_id) + ',' + csv_escape(r.area_id) + ',' + r.level + ',' + csv_escape(r.name) + ',' +
             csv_escape(r.region_id) + ',' + std::to_string(r.audience) + ',' + std::to_string(r.budget_cents) + ',' + csv_escape(r.offer) +
             ',' + number_text(r.expected_response) + ',' + number_text(r.marginal_return) + ',' + r.binding + ',' +
             csv_escape(r.merged_into) + ',' + csv_escape(r.reason) + ',' + number_text(r.expected_conversions) + ',' +
             csv_actual(r) + '\n';
  write_text_file(path, out);
}

void write_report_json(const ReportModel& model, const std::string& path) {
  const AllocationFile& a = *model.allocation;
  nlohmann::ordered_json j = {{"currency", a.currency}, {"allocation", model.allocation_path}, {"generated_by", "geotarget report"}};
  j["spend"] = model.spend ? nlohmann::ordered_json(model.spend->source) : nlohmann::ordered_json();
  j["campaigns"] = nlohmann::ordered_json::array();
  for (const CampaignView& v : model.campaigns) j["campaigns"].push_back(json_of(v));
  write_text_file(path, j.dump(1) + "\n");
}

void write_report_gpkg(const ReportModel& model, const std::string& path) {
  GpkgFile file(path);
  OGRLayer* layer = file.create_areas_layer();
  file.check(layer->StartTransaction(), "start a transaction");
  for (const CampaignView& v : model.campaigns)
    for (const ExportRow& r : rows_of(v)) {
      OGRFeature f(layer->GetLayerDefn());
      set_fields(f, r);
      if (auto g = geometry_of(r, *model.places)) f.SetGeometryDirectly(g.release());
      file.check(layer->CreateFeature(&f), "write a feature");
    }
  file.check(layer->CommitTransaction(), "commit");
  file.close();
}

}  // namespace geotarget::detail
