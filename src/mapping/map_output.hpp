// Internal: where `geotarget map` writes: CSV (the input row verbatim plus the geo_ columns)
// or a GeoPackage point layer through GDAL, and the rejects file. Each is written under a
// temporary name and renamed over its target by finish(); destroyed before that, it leaves the
// target as it was.
#pragma once

#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "geotarget/batch_mapper.hpp"
#include "geotarget/gazetteer.hpp"
#include "file_output.hpp"
#include "geotarget/place_index.hpp"
#include "geotarget/stores.hpp"

namespace geotarget::detail {

/// The columns appended to every output row, in this order.
inline constexpr std::string_view kGeoColumns[] = {"geo_lat",      "geo_lon",      "geo_country",
                                                   "geo_region",   "geo_district", "geo_town",
                                                   "geo_postal",   "geo_match",    "geo_confidence",
                                                   "geo_neighbourhood", "geo_reason"};
/// The levels of the place id columns geo_country to geo_postal, in their order. The columns
/// added after the brief's nine (geo_neighbourhood, geo_reason) follow geo_confidence, so the
/// nine keep their places for every consumer that reads them by position (D44).
inline constexpr PlaceLevel kGeoColumnLevels[] = {PlaceLevel::country, PlaceLevel::region, PlaceLevel::district,
                                                  PlaceLevel::town, PlaceLevel::postal};
/// Appended after them when the nearest store is asked for.
inline constexpr std::string_view kStoreColumns[] = {"geo_store", "geo_store_km"};

class MapSink {
 public:
  virtual ~MapSink() = default;
  /// One mapped row: its raw text and a way to get each input field.
  virtual void add(std::string_view raw, const MappedRow& geo,
                   const std::function<std::string_view(int)>& field) = 0;
  /// Flushes and closes; throws geotarget::Error when the output cannot be completed.
  virtual void finish() = 0;
};

/// A sink by the output's extension: ".gpkg" is a GeoPackage; ".csv", ".tsv", ".txt" or none is
/// CSV with the input's delimiter, and so is "-", standard output. Throws geotarget::Error for another extension, or when the
/// file cannot be created. `header_row`: write the CSV's header row (a GeoPackage always has its
/// fields). `with_stores` adds kStoreColumns.
std::unique_ptr<MapSink> open_map_output(const std::string& path, const std::vector<std::string>& header,
                                         char delimiter, bool header_row = true, bool with_stores = false);

/// The rejects file: line, reason, raw text, as CSV (with that header row when `header_row`).
class RejectsWriter {
 public:
  explicit RejectsWriter(const std::string& path, bool header_row = true);
  ~RejectsWriter();
  RejectsWriter(const RejectsWriter&) = delete;
  RejectsWriter& operator=(const RejectsWriter&) = delete;
  void add(std::size_t line, std::string_view reason, std::string_view raw);
  void finish();

 private:
  std::string path_;
  PendingFile pending_;
  std::FILE* file_ = nullptr;
};

}  // namespace geotarget::detail
