#include "map_output.hpp"

#include <gdal/ogrsf_frmts.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <optional>

#include "csv_reader.hpp"
#include "file_output.hpp"
#include "geotarget/error.hpp"

namespace geotarget::detail {

namespace {

void append_number(std::string& out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Two decimals: confidences, and store distances to 10 m.
void append_fixed2(std::string& out, double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
  out.append(buf, end);
}

std::string_view id_at(const MappedRow& g, PlaceLevel level) {
  const Place* p = g.chain[level];
  return p ? std::string_view(p->id) : std::string_view();
}

// Place ids never hold a delimiter or quote; names are not written; the reason is escaped. "-" is standard output,
// written as it goes (there is nothing to rename).
class CsvSink final : public MapSink {
 public:
  CsvSink(const std::string& path, const std::vector<std::string>& header, char delimiter, bool header_row,
          bool with_stores)
      : path_(path), delimiter_(delimiter), with_stores_(with_stores) {
    if (path == "-") {
      file_ = stdout;
    } else {
      pending_.emplace(path);
      file_ = std::fopen(pending_->temporary().c_str(), "wb");
    }
    if (!file_) throw Error(path + ": cannot write", ErrorCode::io);
    if (header_row) write_header(header);
  }
  ~CsvSink() override {
    if (file_ && file_ != stdout) std::fclose(file_);
  }
  void write_header(const std::vector<std::string>& header) {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (i) buffer_ += delimiter_;
      buffer_ += csv_escape(header[i], delimiter_);
    }
    for (std::string_view c : kGeoColumns) (buffer_ += delimiter_) += c;
    if (with_stores_) for (std::string_view c : kStoreColumns) (buffer_ += delimiter_) += c;
    buffer_ += '\n';
  }

  void add(std::string_view raw, const MappedRow& g, const std::function<std::string_view(int)>&) override {
    buffer_ += raw;
    buffer_ += delimiter_;
    if (g.has_point()) {
      append_number(buffer_, g.point.lat);
      buffer_ += delimiter_;
      append_number(buffer_, g.point.lon);
    } else {
      buffer_ += delimiter_;
    }
    for (PlaceLevel l : kGeoColumnLevels) (buffer_ += delimiter_) += id_at(g, l);
    (buffer_ += delimiter_) += describe(g.level);
    buffer_ += delimiter_;
    append_fixed2(buffer_, g.confidence);
    (buffer_ += delimiter_) += id_at(g, PlaceLevel::neighbourhood);
    (buffer_ += delimiter_) += csv_escape(g.reason, delimiter_);
    if (with_stores_) add_store(g);
    buffer_ += '\n';
    if (buffer_.size() > (1 << 20)) flush();
  }

  void finish() override {
    flush();
    const int closed = file_ == stdout ? std::fflush(file_) : std::fclose(file_);
    file_ = nullptr;
    if (closed != 0) throw Error(path_ + ": cannot write", ErrorCode::io);
    if (pending_) pending_->commit();
  }

 private:
  void add_store(const MappedRow& g) {
    buffer_ += delimiter_;
    if (g.store) buffer_ += csv_escape(g.store->id, delimiter_);
    buffer_ += delimiter_;
    if (g.store) append_fixed2(buffer_, g.store_km);
  }
  void flush() {
    if (std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size()) throw Error(path_ + ": cannot write", ErrorCode::io);
    buffer_.clear();
  }
  std::string path_;
  std::optional<PendingFile> pending_;
  char delimiter_;
  bool with_stores_;
  std::FILE* file_ = nullptr;
  std::string buffer_;
};

// Every input column as text, the geo_ columns typed, the point as geometry.
class GpkgSink final : public MapSink {
 public:
  GpkgSink(const std::string& path, const std::vector<std::string>& header, bool with_stores)
      : path_(path), pending_(path), width_(header.size()), with_stores_(with_stores) {
    GDALAllRegister();
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    ds_ = driver ? driver->Create(pending_.temporary().c_str(), 0, 0, 0, GDT_Unknown, nullptr) : nullptr;
    if (!ds_) throw Error(path + ": cannot create GeoPackage (" + CPLGetLastErrorMsg() + ")", ErrorCode::io);
    OGRSpatialReference wgs84;
    wgs84.SetWellKnownGeogCS("WGS84");
    wgs84.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    layer_ = ds_->CreateLayer("customers", &wgs84, wkbPoint, nullptr);
    if (!layer_) throw Error(path + ": cannot create layer", ErrorCode::io);
    for (const auto& name : header) add_field(name, OFTString);
    for (std::string_view c : kGeoColumns)
      add_field(std::string(c), c == "geo_lat" || c == "geo_lon" || c == "geo_confidence" ? OFTReal : OFTString);
    if (with_stores)
      for (std::string_view c : kStoreColumns) add_field(std::string(c), c == "geo_store_km" ? OFTReal : OFTString);
    check(layer_->StartTransaction());
  }
  ~GpkgSink() override {
    if (ds_) GDALClose(ds_);
  }

  void add(std::string_view, const MappedRow& g, const std::function<std::string_view(int)>& field) override {
    OGRFeature f(layer_->GetLayerDefn());
    for (std::size_t i = 0; i < width_; ++i) f.SetField(static_cast<int>(i), std::string(field(static_cast<int>(i))).c_str());
    int at = static_cast<int>(width_);
    if (g.has_point()) {
      f.SetField(at, g.point.lat);
      f.SetField(at + 1, g.point.lon);
      f.SetGeometry(std::make_unique<OGRPoint>(g.point.lon, g.point.lat).get());
    }
    at += 2;
    for (PlaceLevel l : kGeoColumnLevels) {
      if (std::string_view id = id_at(g, l); !id.empty()) f.SetField(at, std::string(id).c_str());
      ++at;
    }
    f.SetField(at, std::string(describe(g.level)).c_str());
    f.SetField(at + 1, g.confidence);
    if (std::string_view id = id_at(g, PlaceLevel::neighbourhood); !id.empty()) f.SetField(at + 2, std::string(id).c_str());
    if (!g.reason.empty()) f.SetField(at + 3, std::string(g.reason).c_str());
    if (with_stores_ && g.store) {
      f.SetField(at + 4, g.store->id.c_str());
      f.SetField(at + 5, std::round(g.store_km * 100) / 100);
    }
    if (layer_->CreateFeature(&f) != OGRERR_NONE) throw Error(path_ + ": cannot write a feature", ErrorCode::io);
    if (++since_commit_ == 50000) {
      check(layer_->CommitTransaction());
      check(layer_->StartTransaction());
      since_commit_ = 0;
    }
  }

  void finish() override {
    check(layer_->CommitTransaction());
    CPLErrorReset();
    GDALClose(ds_);
    ds_ = nullptr;
    if (CPLGetLastErrorType() >= CE_Failure)
      throw Error(path_ + ": cannot write (" + CPLGetLastErrorMsg() + ")", ErrorCode::io);
    pending_.commit();
  }

 private:
  void check(OGRErr err) const {
    if (err != OGRERR_NONE) throw Error(path_ + ": GeoPackage transaction failed (" + CPLGetLastErrorMsg() + ")");
  }
  void add_field(const std::string& name, OGRFieldType type) {
    OGRFieldDefn def(name.c_str(), type);
    if (layer_->CreateField(&def) != OGRERR_NONE) throw Error(path_ + ": cannot create field '" + name + "'", ErrorCode::io);
  }
  std::string path_;
  PendingFile pending_;
  std::size_t width_;
  bool with_stores_;
  GDALDataset* ds_ = nullptr;
  OGRLayer* layer_ = nullptr;
  int since_commit_ = 0;
};

}  // namespace

std::unique_ptr<MapSink> open_map_output(const std::string& path, const std::vector<std::string>& header,
                                         char delimiter, bool header_row, bool with_stores) {
  const std::string extension = std::filesystem::path(path).extension().string();
  if (extension == ".gpkg") return std::make_unique<GpkgSink>(path, header, with_stores);
  if (path == "-" || extension.empty() || extension == ".csv" || extension == ".tsv" || extension == ".txt")
    return std::make_unique<CsvSink>(path, header, delimiter, header_row, with_stores);
  throw Error(path + ": geotarget map writes CSV (.csv, .tsv, .txt) or GeoPackage (.gpkg), not " + extension,
              ErrorCode::invalid_option);
}

RejectsWriter::RejectsWriter(const std::string& path, bool header_row)
    : path_(path), pending_(path), file_(std::fopen(pending_.temporary().c_str(), "wb")) {
  if (!file_) throw Error(path + ": cannot write the rejects file", ErrorCode::io);
  if (header_row) std::fputs("line,reason,raw\n", file_);
}

RejectsWriter::~RejectsWriter() {
  if (file_) std::fclose(file_);
}

void RejectsWriter::add(std::size_t line, std::string_view reason, std::string_view raw) {
  std::string row = std::to_string(line) + "," + csv_escape(reason) + "," + csv_escape(raw) + "\n";
  if (std::fwrite(row.data(), 1, row.size(), file_) != row.size()) throw Error(path_ + ": cannot write", ErrorCode::io);
}

void RejectsWriter::finish() {
  const int closed = std::fclose(file_);
  file_ = nullptr;
  if (closed != 0) throw Error(path_ + ": cannot write", ErrorCode::io);
  pending_.commit();
}

}  // namespace geotarget::detail
