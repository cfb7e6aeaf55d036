// geotarget: write and list MaxMind DB (MMDB 2.0) files.
//
//   geotarget::MmdbBuildOptions opt;  opt.geoip2_city_layout = true;
//   geotarget::MmdbBuildReport rep = geotarget::build_mmdb("demo-ip.csv", "demo.mmdb", opt);
//   for (auto& r : rep.rejected) std::cerr << r << '\n';   // "demo-ip.csv:7: ..."
//
// Input is CSV with a header row. A row gives its network either as CIDR in a `network` column
// or as an inclusive range in `start_ip` and `end_ip` columns (split into the minimal CIDR
// set). Every other column becomes a field of the record: numbers as doubles, everything else as
// UTF-8 strings, empty cells omitted. A column name with dots nests (`location.latitude`,
// `subdivisions.0.iso_code`, digits index arrays), so `dump_mmdb` output builds back to the same
// database. IPv4 networks live at ::a.b.c.d in one IPv6 tree, reachable also through
// ::ffff:0:0/96 and 2002::/16, as in MaxMind's own databases. Identical records are stored
// once. The record size (24, 28 or 32 bits) is the smallest that fits.
//
// Cell types: a column name may end in `:type` (string, double, float, uint16, uint32, uint64,
// int32, boolean); otherwise a cell that is a finite number becomes a double, except numbers
// with a leading zero (02134), integers of more than 15 digits, and columns whose last word is
// code, zip, zipcode, postcode or postal, which stay text. Rows are rejected, with the reason,
// for a network with host bits set (1.0.1.1/24), IPv4 written in mapped form (::ffff:...), a
// network or range covering every address, a field count other than the header's, a value
// that does not fit its column's type, and a network overlapping an earlier row's.
//
// Thread-safety: free functions without shared state.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

namespace geotarget {

struct MmdbBuildOptions {
  /// Metadata database_type. DEFAULT: "geotarget-City".
  std::string database_type = "geotarget-City";
  /// Metadata description (language "en"). DEFAULT: "geotarget MMDB".
  std::string description = "geotarget MMDB";
  /// Map the flat column names (latitude, longitude, accuracy_radius, country_code, state1,
  /// state1_code, city, postcode, timezone) into the nested GeoIP2-City layout
  /// (location.latitude, country.iso_code, subdivisions.0.names.en, city.names.en...).
  /// DEFAULT: false (columns are written as named).
  bool geoip2_city_layout = false;
  /// Metadata build_epoch in seconds; 0 means SOURCE_DATE_EPOCH if set, else the input
  /// file's modification time, so that the same input gives the same bytes. DEFAULT: 0.
  std::uint64_t build_epoch = 0;
};

struct MmdbBuildReport {
  std::size_t rows = 0;              ///< data rows read (header excluded)
  std::size_t networks = 0;          ///< CIDR networks inserted
  std::size_t distinct_records = 0;  ///< records stored (after de-duplication)
  std::uint32_t node_count = 0;
  int record_size = 0;               ///< 24, 28 or 32
  /// One line per rejected row: "FILE:LINE: reason". Valid rows are always written.
  std::vector<std::string> rejected;
};

/// Builds `output_path` from the CSV at `csv_path`. Malformed and overlapping rows are
/// rejected (listed in the report) and the rest written. Throws geotarget::Error when the input
/// cannot be read, has no network columns, or the output cannot be written.
MmdbBuildReport build_mmdb(const std::string& csv_path, const std::string& output_path,
                           const MmdbBuildOptions& options = {});

/// Writes every network of the database at `mmdb_path` with its record as CSV to `out`:
/// a `network` column (IPv4 networks in IPv4 notation) then one column per dotted field path
/// seen in any record, sorted. Networks reached only through the IPv4 aliases are not repeated.
/// Throws geotarget::Error for an unreadable or corrupt database.
void dump_mmdb(const std::string& mmdb_path, std::ostream& out);

}  // namespace geotarget
