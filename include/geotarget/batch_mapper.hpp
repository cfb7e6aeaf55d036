// geotarget: map a customer file (CSV with coordinates and/or addresses) into places, as
// `geotarget map` does, streaming and multi-threaded.
//
//   auto index = geotarget::PlaceIndex::load("geodata/default.yaml");
//   geotarget::MapOptions options;
//   options.input = "customers.csv";
//   options.output = "mapped.csv";                    // or .gpkg
//   geotarget::GazetteerSource gazetteer(index);       // built only if the file has addresses
//   geotarget::MapSummary s = geotarget::map_customers(options, *index, gazetteer, std::cerr);
//   std::cerr << geotarget::describe(s) << '\n';        // rows in/out/rejected, rows/s
//
// Columns are found by name (lat/latitude, lon/lng/longitude, address, street, city/town,
// state/region, postal_code/zip/postcode, country) unless MapColumns names them. The output keeps
// every input column and appends geo_lat, geo_lon, geo_country, geo_region, geo_district,
// geo_town, geo_postal, geo_match, geo_confidence (docs/formats.md), and with a chain's stores
// geo_store, geo_store_km. A row that cannot be read
// goes to the rejects file with its line number and reason; no row is dropped silently.
//
// The reader (the calling thread) cuts the input into batches of rows; worker threads map
// batches (coordinates through the PlaceIndex, addresses through the Gazetteer) into output
// text; a writer thread writes batches in input order. Memory is bounded by the batches in
// flight (twice the workers, plus two, each at most batch_bytes and one row), whatever the file
// size. A row is at most 1 MiB (longer ones are rejected as record_too_long).
#pragma once

#include <array>
#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>

#include "geotarget/gazetteer.hpp"
#include "geotarget/place_index.hpp"
#include "geotarget/stores.hpp"

namespace geotarget {

/// Input column names; empty means "find it by the usual names".
struct MapColumns {
  std::string lat, lon, address, street, city, state, postal, country;
};

struct MapOptions {
  std::string input;    ///< CSV path
  std::string output;   ///< .csv (.tsv, .txt), .gpkg for a GeoPackage point layer, "-" for stdout
  std::string rejects;  ///< DEFAULT: OUTPUT + ".rejects.csv"; "rejects.csv" when OUTPUT is "-"
  int threads = 0;      ///< DEFAULT: 0, the number of cores
  char delimiter = 0;   ///< DEFAULT: 0, detected
  MapColumns columns;
  bool progress = false;  ///< a progress bar on the progress stream. DEFAULT: false
  std::size_t batch_rows = 4096;  ///< rows a worker maps at a time, at most. DEFAULT: 4096
  /// Bytes of input text in one batch, at most (one row more may end it). With the batches in
  /// flight (twice the workers, plus two) this bounds memory whatever the rows' size; at most
  /// 1 GiB. DEFAULT: 8 MiB.
  std::size_t batch_bytes = 8 << 20;
  /// A chain's stores: with them, geo_store and geo_store_km (the nearest store's id and its
  /// geodesic distance in km, to 0.01) are appended after geo_confidence, empty when no store
  /// is within store_max_km or the row has no point. DEFAULT: none, no store columns.
  const StoreIndex* stores = nullptr;
  double store_max_km = 50;  ///< DEFAULT: 50 km
};

struct MapSummary {
  std::size_t rows_in = 0, rows_out = 0, rejected = 0;
  std::array<std::size_t, 6> by_match{};  ///< indexed by MatchLevel
  double seconds = 0;  ///< reading, mapping and writing the rows (not building the gazetteer)
  std::string rejects_path;
};

/// The gazetteer for map_customers: one already built, or one built from the index only when
/// the input's header names an address column (a file of coordinates never pays the 0.3 s it
/// takes from the default pack).
class GazetteerSource {
 public:
  explicit GazetteerSource(std::shared_ptr<const PlaceIndex> index) : index_(std::move(index)) {}
  explicit GazetteerSource(const Gazetteer& built) noexcept : built_(&built) {}

  /// Builds it on the first call. Not thread-safe: map_customers asks before its workers start.
  const Gazetteer& get();

 private:
  std::shared_ptr<const PlaceIndex> index_;
  const Gazetteer* built_ = nullptr;
  std::optional<Gazetteer> own_;
};

/// Maps options.input to options.output. Throws geotarget::Error when a file cannot be opened
/// or the header names no location column; rows are never an exception (see the rejects).
MapSummary map_customers(const MapOptions& options, const PlaceIndex& index, GazetteerSource& gazetteer,
                         std::ostream& progress);

/// The summary as printed at the end of `geotarget map`.
std::string describe(const MapSummary& summary);

}  // namespace geotarget
