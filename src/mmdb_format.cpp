#include "mmdb_format.hpp"

#include <bit>
#include <cstring>

namespace geotarget::detail {

namespace {

// MMDB type numbers; those above 7 are "extended" and written as 0 plus a second byte.
enum : int { kString = 2, kDouble = 3, kUint16 = 5, kUint32 = 6, kMap = 7, kUint64 = 9, kArray = 11 };

// Control byte(s) for a value of `type` and `size` (bytes, entries or pairs).
void control(int type, std::size_t size, std::string& out) {
  std::string size_bytes;
  int size_code;
  if (size < 29) {
    size_code = static_cast<int>(size);
  } else if (size < 29 + 256) {
    size_code = 29;
    size_bytes.push_back(static_cast<char>(size - 29));
  } else if (size < 285 + 65536) {
    size_code = 30;
    std::size_t s = size - 285;
    size_bytes = {static_cast<char>(s >> 8), static_cast<char>(s)};
  } else {
    size_code = 31;
    std::size_t s = size - 65821;
    size_bytes = {static_cast<char>(s >> 16), static_cast<char>(s >> 8), static_cast<char>(s)};
  }
  if (type <= 7) {
    out.push_back(static_cast<char>((type << 5) | size_code));
  } else {
    out.push_back(static_cast<char>(size_code));
    out.push_back(static_cast<char>(type - 7));
  }
  out += size_bytes;
}

// An unsigned integer in the fewest big-endian bytes.
void unsigned_value(int type, std::uint64_t u, std::string& out) {
  std::size_t bytes = (64 - static_cast<std::size_t>(std::countl_zero(u)) + 7) / 8;
  control(type, bytes, out);
  for (std::size_t i = bytes; i-- > 0;) out.push_back(static_cast<char>(u >> (8 * i)));
}

}  // namespace

void encode_mmdb_string(std::string_view s, std::string& out) {
  control(kString, s.size(), out);
  out += s;
}

void encode_mmdb_value(const MmdbValue& v, std::string& out) {
  using T = MmdbValue::Type;
  switch (v.type) {
    case T::map:
      control(kMap, v.map.size(), out);
      for (const auto& [key, value] : v.map) {
        encode_mmdb_string(key, out);
        encode_mmdb_value(value, out);
      }
      return;
    case T::array:
      control(kArray, v.array.size(), out);
      for (const auto& item : v.array) encode_mmdb_value(item, out);
      return;
    case T::string: encode_mmdb_string(v.text, out); return;
    case T::double_: {
      control(kDouble, 8, out);
      auto bits = std::bit_cast<std::uint64_t>(v.number);
      for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(bits >> (8 * i)));
      return;
    }
    case T::uint16: unsigned_value(kUint16, v.unsigned_number, out); return;
    case T::uint32: unsigned_value(kUint32, v.unsigned_number, out); return;
    case T::uint64: unsigned_value(kUint64, v.unsigned_number, out); return;
  }
}

std::string encode_mmdb_metadata(std::uint32_t node_count, int record_size,
                                 const std::string& database_type,
                                 const std::string& description, std::uint64_t build_epoch) {
  using T = MmdbValue::Type;
  MmdbValue m;
  m.map["binary_format_major_version"] = MmdbValue::of_unsigned(T::uint16, 2);
  m.map["binary_format_minor_version"] = MmdbValue::of_unsigned(T::uint16, 0);
  m.map["build_epoch"] = MmdbValue::of_unsigned(T::uint64, build_epoch);
  m.map["database_type"] = MmdbValue::of_string(database_type);
  m.map["description"].map["en"] = MmdbValue::of_string(description);
  m.map["ip_version"] = MmdbValue::of_unsigned(T::uint16, 6);
  MmdbValue languages;
  languages.type = T::array;
  languages.array.push_back(MmdbValue::of_string("en"));
  m.map["languages"] = languages;
  m.map["node_count"] = MmdbValue::of_unsigned(T::uint32, node_count);
  m.map["record_size"] = MmdbValue::of_unsigned(T::uint16, static_cast<std::uint64_t>(record_size));
  std::string out = "\xAB\xCD\xEFMaxMind.com";
  encode_mmdb_value(m, out);
  return out;
}

}  // namespace geotarget::detail
