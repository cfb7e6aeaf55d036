// Internal: values of the MMDB data section and their binary encoding (MaxMind DB format 2.0,
// https://maxmind.github.io/MaxMind-DB/), for the writer.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace geotarget::detail {

/// A data-section value: a map, an array, a string or a number of a given MMDB type.
struct MmdbValue {
  enum class Type : std::uint8_t { map, array, string, double_, uint16, uint32, uint64 };
  Type type = Type::map;
  std::map<std::string, MmdbValue> map;  // sorted keys: deterministic output
  std::vector<MmdbValue> array;
  std::string text;
  double number = 0;
  std::uint64_t unsigned_number = 0;

  static MmdbValue of_string(std::string s) {
    MmdbValue v;
    v.type = Type::string;
    v.text = std::move(s);
    return v;
  }
  static MmdbValue of_double(double d) {
    MmdbValue v;
    v.type = Type::double_;
    v.number = d;
    return v;
  }
  static MmdbValue of_unsigned(Type t, std::uint64_t u) {
    MmdbValue v;
    v.type = t;
    v.unsigned_number = u;
    return v;
  }
};

/// Appends the encoding of `v` to `out`.
void encode_mmdb_value(const MmdbValue& v, std::string& out);

/// Appends the encoding of a UTF-8 string (used for map keys).
void encode_mmdb_string(std::string_view s, std::string& out);

/// The metadata block: marker followed by the metadata map.
std::string encode_mmdb_metadata(std::uint32_t node_count, int record_size,
                                 const std::string& database_type,
                                 const std::string& description, std::uint64_t build_epoch);

}  // namespace geotarget::detail
