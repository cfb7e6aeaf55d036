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
// geo_town, geo_postal, geo_match, geo_confidence, geo_reason (docs/formats.md), and with a chain's stores
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
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "geotarget/gazetteer.hpp"
#include "geotarget/place_index.hpp"
#include "geotarget/stores.hpp"

namespace geotarget {

/// Input column names; empty means "find it by the usual names".
struct MapColumns {
  std::string lat, lon, address, street, city, state, postal, country;
};

/// A part of the input file: the records that start at byte offsets in [begin, end). Mapping a
/// file part by part, each part on another machine, and concatenating the outputs (and the
/// rejects files) in order gives what mapping it whole gives, byte for byte, provided each part
/// begins where a record of the whole file begins (MapSummary::next of the part before says
/// where; geotarget.dask checks it). The header is always read from the start of the file.
struct MapPart {
  std::uint64_t begin = 0;  ///< a record start, or 0: just after the header. DEFAULT: 0
  std::uint64_t end = UINT64_MAX;  ///< DEFAULT: the end of the file
  std::size_t first_line = 1;  ///< the line of the file at `begin` (for rejects). DEFAULT: 1
  /// Write the header rows of a CSV output and of the rejects file: only the first part does,
  /// so that the parts concatenate to one file. DEFAULT: true
  bool header = true;
};

/// Where a record starts in the input: byte offset and line. At the end of the input, the
/// file's size and line 0.
struct RecordPosition {
  std::uint64_t offset = 0;
  std::size_t line = 0;
  friend bool operator==(const RecordPosition&, const RecordPosition&) = default;
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
  MapPart part;  ///< DEFAULT: the whole file
  /// A chain's stores: with them, geo_store and geo_store_km (the nearest store's id and its
  /// geodesic distance in km, to 0.01) are appended after geo_reason, empty when no store
  /// is within store_max_km or the row has no point. DEFAULT: none, no store columns.
  const StoreIndex* stores = nullptr;
  double store_max_km = 50;  ///< DEFAULT: 50 km
};

struct MapSummary {
  std::size_t rows_in = 0, rows_out = 0, rejected = 0;
  std::array<std::size_t, 6> by_match{};  ///< indexed by MatchLevel
  double seconds = 0;  ///< reading, mapping and writing the rows (not building the gazetteer)
  std::string rejects_path;
  RecordPosition first;  ///< the first record read after part.begin (it may lie past part.end)
  RecordPosition next;   ///< the first record at or after part.end: where the next part begins
};

/// The result of mapping one row: the columns geo_lat ... geo_reason.
struct MappedRow {
  MatchLevel level = MatchLevel::none;
  double confidence = 0;
  /// geo_reason: why the address's evidence was partly set aside (AddressMatch::reason, static
  /// text), empty when nothing was and for coordinates.
  std::string_view reason;
  LatLng point{0, 0};  ///< meaningless unless has_point()
  PlaceChain chain;
  const Store* store = nullptr;  ///< geo_store: the nearest store, when MapOptions::stores is set
  double store_km = 0;           ///< geo_store_km
  /// A region or country match has no meaningful point; only finer matches have one.
  [[nodiscard]] bool has_point() const noexcept {
    return level == MatchLevel::coordinates || level == MatchLevel::postal || level == MatchLevel::town;
  }
};

/// The gazetteer for map_customers: one already built, or one built from the index only when
/// the input's header names an address column (a file of coordinates never pays the 0.3 s it
/// takes from the default pack).
class GazetteerSource {
 public:
  explicit GazetteerSource(std::shared_ptr<const PlaceIndex> index) : index_(std::move(index)) {}
  explicit GazetteerSource(const Gazetteer& built) noexcept : built_(&built) {}

  /// Builds it on the first call. Thread-safe: one source may serve several map_customers
  /// calls at once (geotarget.dask maps partitions on the threads of a worker).
  const Gazetteer& get();

 private:
  std::shared_ptr<const PlaceIndex> index_;
  const Gazetteer* built_ = nullptr;
  std::once_flag once_;
  std::optional<Gazetteer> own_;
};

/// The fields of one row that mapping reads; empty where the header has no such column.
struct CustomerFields {
  std::string_view lat, lon;
  AddressQuery address;
};

/// The column of each location field in a header, -1 where there is none.
struct MapColumnPlan {
  int lat = -1, lon = -1, address = -1, street = -1, city = -1, state = -1, postal = -1, country = -1;
  std::size_t width = 0;  ///< fields in the header

  [[nodiscard]] bool has_address() const noexcept {
    return address >= 0 || street >= 0 || city >= 0 || state >= 0 || postal >= 0 || country >= 0;
  }
  /// The fields of one row, given `field(column)` (an empty view for column -1).
  template <class FieldOf>
  [[nodiscard]] CustomerFields fields(const FieldOf& field) const {
    return {field(lat), field(lon), {field(address), field(street), field(city), field(state), field(postal), field(country)}};
  }
};

/// Maps customer rows one at a time: the one mapping behind map_customers (`geotarget map`) and
/// the Python module's map_dataframe.
///
///   geotarget::CustomerMapper mapper({"id", "lat", "lon"}, {}, *index, gazetteer, "customers");
///   geotarget::MappedRow row;
///   std::string why;
///   if (!mapper.map({"40.78", "-73.97", {}}, row, why)) reject(why);   // e.g. "lat 91 is out of range"
///
/// Thread-safety: immutable after construction; map() may run on any number of threads.
class CustomerMapper {
 public:
  /// Finds the location columns of `header` (compared in lower case) by `columns` or by the
  /// usual names, and gets the gazetteer from `gazetteer` when the header names an address
  /// column. Throws geotarget::Error, its message starting with "SOURCE:1: ", when a named column
  /// is missing, a latitude comes without a longitude, or no column holds a location.
  CustomerMapper(const std::vector<std::string>& header, const MapColumns& columns, const PlaceIndex& index,
                 GazetteerSource& gazetteer, const std::string& source);

  [[nodiscard]] const MapColumnPlan& plan() const noexcept { return plan_; }

  /// Maps one row. False, with the reason in `why`, when the row is rejected (coordinates that
  /// do not parse or are out of range). A row without coordinates and without an address that
  /// matches is mapped with geo_match none. Never throws.
  bool map(const CustomerFields& fields, MappedRow& out, std::string& why) const;

 private:
  void fill_chain(const AddressMatch& m, PlaceChain& chain) const;

  const PlaceIndex& index_;
  MapColumnPlan plan_;
  const Gazetteer* gazetteer_;  // null when the plan has no address column
};

/// Maps options.input to options.output. Throws geotarget::Error when a file cannot be opened
/// or the header names no location column; rows are never an exception (see the rejects).
MapSummary map_customers(const MapOptions& options, const PlaceIndex& index, GazetteerSource& gazetteer,
                         std::ostream& progress);

/// The summary as printed at the end of `geotarget map`.
std::string describe(const MapSummary& summary);

}  // namespace geotarget
