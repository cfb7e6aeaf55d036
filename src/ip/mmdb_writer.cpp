// geotarget::build_mmdb: CSV rows to an MMDB file. This file holds the CSV conventions (which
// columns, how a row names its network, how a cell becomes a value); mmdb_format.cpp holds the
// binary format.
//
// Decisions beyond the header comment:
// - A CIDR with host bits set (10.0.0.1/8) is rejected, not masked: it is usually a typo for
//   another network, and masking would silently widen or move the data.
// - A network must be written in its own family: IPv4 as a.b.c.d, not ::ffff:a.b.c.d.
// - ::/0 (or a range of every address) is rejected: the tree's root cannot hold a record.
// - A row with more or fewer fields than the header is rejected.
// - A row whose network (or any block of its range) overlaps an earlier row's is rejected
//   whole; the message names the earlier row's line. The first row wins, whatever is more
//   specific: silently preferring one would hide an error in the input.
// - Column types: `name:type` (string, double, float, uint16, uint32, uint64, int32, boolean)
//   types a column explicitly; otherwise mmdb_inferred_type() decides per cell (numbers as
//   doubles, codes and everything else as strings). dump_mmdb writes the annotations back
//   wherever inference would get the type wrong, so build -> dump -> build is exact.
// - Header problems (no network column, duplicate or conflicting paths) are errors, thrown.
#include "geotarget/mmdb_writer.hpp"

#include <sys/stat.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include "csv_reader.hpp"
#include "geotarget/error.hpp"
#include "geotarget/ip_address.hpp"
#include "mmdb_format.hpp"

namespace geotarget {

namespace {

using detail::MmdbKey;
using detail::MmdbNetwork;
using detail::MmdbValue;

constexpr std::size_t kMaxArrayIndex = 255;

// ----------------------------------------------------------------- columns

// The flat names that the GeoIP2-City layout nests, and where.
const std::map<std::string_view, std::string_view>& geoip2_paths() {
  static const std::map<std::string_view, std::string_view> paths = {
      {"latitude", "location.latitude"},
      {"longitude", "location.longitude"},
      {"accuracy_radius", "location.accuracy_radius:uint16"},
      {"timezone", "location.time_zone"},
      {"time_zone", "location.time_zone"},
      {"country_code", "country.iso_code"},
      {"country", "country.names.en"},
      {"state1", "subdivisions.0.names.en"},
      {"state1_code", "subdivisions.0.iso_code"},
      {"state2", "subdivisions.1.names.en"},
      {"state2_code", "subdivisions.1.iso_code"},
      {"city", "city.names.en"},
      {"postcode", "postal.code"},
      {"postal_code", "postal.code"},
  };
  return paths;
}

bool is_index(std::string_view part) {
  return !part.empty() && part.find_first_not_of("0123456789") == std::string_view::npos;
}

// The array index a path part names; more than kMaxArrayIndex when it is too large to hold.
std::size_t index_of(std::string_view part) {
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), n);
  return ec == std::errc() && end == part.data() + part.size() ? n : kMaxArrayIndex + 1;
}

struct FieldColumn {
  std::size_t index = 0;
  std::string name;                       // as in the header, for messages
  std::vector<std::string> path;          // map keys; digits index arrays
  std::optional<MmdbValue::Type> type;    // annotated, or inferred per cell
};

struct Columns {
  std::optional<std::size_t> network, start, end;
  std::vector<FieldColumn> fields;
  std::size_t width = 0;
};

// `spec` is the header name, or what the GeoIP2 layout maps it to: "a.b.0.c[:type]".
FieldColumn field_column(std::size_t index, std::string name, std::string_view spec, const std::string& where) {
  FieldColumn c{index, std::move(name), {}, std::nullopt};
  const auto fail = [&](const std::string& why) { return Error(where + ": column '" + c.name + "': " + why); };
  if (const auto colon = spec.rfind(':'); colon != std::string_view::npos) {
    c.type = detail::mmdb_type_named(spec.substr(colon + 1));
    if (!c.type) throw fail("unknown type '" + std::string(spec.substr(colon + 1)) + "'");
    spec = spec.substr(0, colon);
  }
  for (std::size_t start = 0;;) {
    const std::size_t dot = spec.find('.', start);
    c.path.emplace_back(spec.substr(start, dot - start));
    if (c.path.back().empty()) throw fail("empty part in its dotted path");
    if (is_index(c.path.back()) && (c.path.size() == 1 || index_of(c.path.back()) > kMaxArrayIndex))
      throw fail("array index '" + c.path.back() + "' is first or above " + std::to_string(kMaxArrayIndex));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return c;
}

// Two columns cannot set the same value, a value and something inside it, or an array element
// and a map key at the same place.
void check_conflicts(const std::vector<FieldColumn>& fields, const std::string& where) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    for (std::size_t j = i + 1; j < fields.size(); ++j) {
      const auto& a = fields[i].path;
      const auto& b = fields[j].path;
      std::size_t k = 0;
      while (k < a.size() && k < b.size() && a[k] == b[k]) ++k;
      if (k == a.size() || k == b.size() || is_index(a[k]) != is_index(b[k]))
        throw Error(where + ": columns '" + fields[i].name + "' and '" + fields[j].name + "' conflict");
    }
  }
}

Columns plan_columns(const detail::CsvRecord& header, bool geoip2, const std::string& where) {
  Columns c;
  c.width = header.fields.size();
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    const std::string name(header.fields[i]);
    auto claim = [&](std::optional<std::size_t>& slot) {
      if (slot) throw Error(where + ": column '" + name + "' appears twice");
      slot = i;
    };
    if (name.empty()) throw Error(where + ": column " + std::to_string(i + 1) + " has no name");
    if (name == "network") claim(c.network);
    else if (name == "start_ip") claim(c.start);
    else if (name == "end_ip") claim(c.end);
    else {
      const auto mapped = geoip2 ? geoip2_paths().find(name) : geoip2_paths().end();
      c.fields.push_back(field_column(i, name, mapped != geoip2_paths().end() ? mapped->second : name, where));
    }
  }
  if (c.network && (c.start || c.end))
    throw Error(where + ": give either a 'network' column or 'start_ip' and 'end_ip', not both");
  if (!c.network && !(c.start && c.end))
    throw Error(where + ": needs a 'network' column or 'start_ip' and 'end_ip' columns");
  check_conflicts(c.fields, where);
  return c;
}

// ----------------------------------------------------------------- networks

std::string quoted(std::string_view text) {
  std::string q(1, '\'');
  q += text;
  q += '\'';
  return q;
}

// The address in a cell and whether it is IPv4, or the reason it is not usable.
std::optional<std::pair<MmdbKey, bool>> parse_address(std::string_view text, std::string& why) {
  IpAddress a;
  if (!parse_ip(text, a)) {
    why = quoted(text) + " is not an IP address";
    return std::nullopt;
  }
  const bool v4 = text.find(':') == std::string_view::npos;
  if (!v4 && a.is_v4()) {
    why = quoted(text) + " is IPv4-mapped; write IPv4 networks as IPv4";
    return std::nullopt;
  }
  if (v4) return std::make_pair(MmdbKey{a.v4_value()}, true);
  MmdbKey k = 0;
  for (std::uint8_t b : a.bytes()) k = (k << 8) | b;
  return std::make_pair(k, false);
}

bool parse_cidr(std::string_view text, std::vector<MmdbNetwork>& out, std::string& why) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    why = "network " + quoted(text) + " has no /prefix";
    return false;
  }
  const auto address = parse_address(text.substr(0, slash), why);
  if (!address) return false;
  const std::string_view digits = text.substr(slash + 1);
  const int max = address->second ? 32 : 128;
  int len = -1;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
  if (ec != std::errc() || end != digits.data() + digits.size() || len < 0 || len > max) {
    why = "network " + quoted(text) + ": prefix must be 0.." + std::to_string(max);
    return false;
  }
  const int prefix = address->second ? 96 + len : len;
  if (prefix == 0) {
    why = "network " + quoted(text) + " covers every address; give narrower networks";
    return false;
  }
  if (prefix < 128 && (address->first & (~MmdbKey{0} >> prefix)) != 0) {
    why = "network " + quoted(text) + " has host bits set";
    return false;
  }
  out.push_back(MmdbNetwork{address->first, prefix});
  return true;
}

// The size, as a bit count, of the largest aligned block at `start` that ends by `end`.
int block_bits(MmdbKey start, MmdbKey end, int bits) {
  int b = 0;
  for (; b < bits; ++b) {
    const MmdbKey low = b + 1 == 128 ? ~MmdbKey{0} : (MmdbKey{1} << (b + 1)) - 1;
    if ((start & low) != 0 || end - start < low) break;
  }
  return b;
}

// An inclusive range as the fewest CIDR networks.
bool parse_range(std::string_view first, std::string_view last, std::vector<MmdbNetwork>& out,
                 std::string& why) {
  const auto a = parse_address(first, why);
  if (!a) return false;
  const auto b = parse_address(last, why);
  if (!b) return false;
  if (a->second != b->second) {
    why = "range " + std::string(first) + " - " + std::string(last) + " mixes IPv4 and IPv6";
    return false;
  }
  if (a->first > b->first) {
    why = "range start " + std::string(first) + " is after its end " + std::string(last);
    return false;
  }
  const int bits = a->second ? 32 : 128, base = a->second ? 96 : 0;
  for (MmdbKey start = a->first;;) {
    const int size = block_bits(start, b->first, bits);
    if (base + bits - size == 0) {
      why = "range covers every address; give narrower ranges";
      return false;
    }
    out.push_back(MmdbNetwork{start, base + bits - size});
    const MmdbKey block_end = start + ((MmdbKey{1} << size) - 1);
    if (block_end >= b->first) return true;
    start = block_end + 1;
  }
}

// The networks a row gives, or the reason it gives none.
std::string read_networks(const detail::CsvRecord& row, const Columns& cols, std::vector<MmdbNetwork>& out) {
  out.clear();
  std::string why;
  if (cols.network) {
    const std::string_view cell = row.fields[*cols.network];
    if (cell.empty()) return "missing network";
    return parse_cidr(cell, out, why) ? "" : why;
  }
  const std::string_view first = row.fields[*cols.start], last = row.fields[*cols.end];
  if (first.empty() || last.empty()) return first.empty() ? "missing start_ip" : "missing end_ip";
  return parse_range(first, last, out, why) ? "" : why;
}

// ----------------------------------------------------------------- records

// Places `value` at `path` in `root`, creating maps and arrays on the way (the header was
// checked for conflicting paths, so every step finds what it expects).
void place(MmdbValue& root, const std::vector<std::string>& path, MmdbValue value) {
  MmdbValue* at = &root;
  for (const std::string& part : path) {
    if (is_index(part)) {
      at->type = MmdbValue::Type::array;
      const std::size_t n = index_of(part);
      if (at->array.size() <= n) at->array.resize(n + 1);
      at = &at->array[n];
    } else {
      at = &at->map[part];
    }
  }
  *at = std::move(value);
}

// The record of a row: every non-empty cell, typed; or the reason a cell is unusable.
std::string read_record(const detail::CsvRecord& row, const Columns& cols, MmdbValue& record) {
  record = MmdbValue{};
  for (const FieldColumn& c : cols.fields) {
    const std::string_view cell = row.fields[c.index];
    if (cell.empty()) continue;
    const MmdbValue::Type type = c.type ? *c.type : detail::mmdb_inferred_type(c.path.back(), cell);
    auto value = detail::mmdb_parse_cell(type, cell);
    if (!value)
      return "column '" + c.name + "': '" + std::string(cell) + "' is not a valid " +
             std::string(detail::mmdb_type_name(type));
    place(record, c.path, std::move(*value));
  }
  return {};
}

// Distinct records, each encoded once, numbered in order of first appearance.
struct RecordStore {
  std::unordered_map<std::string, std::uint32_t> number_of;
  std::vector<std::string> encoded;

  std::uint32_t add(const MmdbValue& v) {
    std::string bytes;
    detail::encode_mmdb_value(v, bytes);
    auto [it, fresh] = number_of.try_emplace(bytes, static_cast<std::uint32_t>(encoded.size()));
    if (fresh) encoded.push_back(std::move(bytes));
    return it->second;
  }
};

// ----------------------------------------------------------------- building

// Every row's networks in one tree; a row overlapping an earlier one is rejected whole. The
// tree holds the index of the accepted row, which knows its line (for messages) and its
// record; build() relabels the tree with record numbers before serializing.
struct Builder {
  struct Accepted {
    std::uint32_t record;
    std::size_t line;
  };
  const Columns& cols;
  MmdbBuildReport report;
  RecordStore store;
  detail::MmdbTree tree;
  std::vector<Accepted> accepted;
  std::vector<MmdbNetwork> networks;
  MmdbValue record;

  // The reason the row is rejected, or "" once it is in the tree.
  std::string add(const detail::CsvRecord& row) {
    if (row.fields.size() != cols.width)
      return "has " + std::to_string(row.fields.size()) + " fields, the header has " + std::to_string(cols.width);
    std::string why = read_networks(row, cols, networks);
    if (why.empty()) why = read_record(row, cols, record);
    if (!why.empty()) return why;
    for (const MmdbNetwork& n : networks) {
      const std::uint32_t other = tree.overlapping(n);
      if (other != detail::MmdbTree::none)
        return "network overlaps the network of line " + std::to_string(accepted[other].line);
    }
    if (accepted.size() >= detail::MmdbTree::none) throw Error("more rows than an MMDB tree can index");
    for (const MmdbNetwork& n : networks) tree.insert(n, static_cast<std::uint32_t>(accepted.size()));
    accepted.push_back(Accepted{store.add(record), row.line});
    report.networks += networks.size();
    return {};
  }

  std::string serialize(const detail::MmdbMetadata& meta, detail::MmdbLayout& layout) {
    std::vector<std::uint32_t> record_of(accepted.size());
    for (std::size_t i = 0; i < accepted.size(); ++i) record_of[i] = accepted[i].record;
    tree.relabel(record_of);
    return tree.serialize(store.encoded, meta, layout);
  }
};

Columns read_header(detail::CsvReader& reader, detail::CsvRecord& row, const std::string& csv_path, bool geoip2) {
  const detail::CsvStatus s = reader.next(row);
  if (s == detail::CsvStatus::end_of_input) throw Error(csv_path + ": empty, expected a header row");
  const std::string where = csv_path + ":" + std::to_string(row.line);
  if (s != detail::CsvStatus::ok) throw Error(where + ": malformed header row (" + std::string(detail::describe(s)) + ")");
  return plan_columns(row, geoip2, where);
}

// libmaxminddb refuses a build_epoch of 0, so the last fallback is the input's modification
// time: the same for the same file, and a fair statement of the data's age.
std::uint64_t build_epoch(const MmdbBuildOptions& o, const std::string& csv_path) {
  if (o.build_epoch) return o.build_epoch;
  if (const char* env = std::getenv("SOURCE_DATE_EPOCH"); env && *env) {
    std::uint64_t v = 0;
    const std::string_view s(env);
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || v == 0)
      throw Error("SOURCE_DATE_EPOCH='" + std::string(s) + "' is not a positive number of seconds");
    return v;
  }
  struct stat st {};
  return ::stat(csv_path.c_str(), &st) == 0 && st.st_mtime > 0 ? static_cast<std::uint64_t>(st.st_mtime) : 1;
}

// Writes beside the target and renames, so a reader never sees half a database.
void write_atomically(const std::string& path, const std::string& bytes) {
  const std::string tmp = path + ".tmp";
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error(path + ": cannot write", ErrorCode::io);
  }
}

}  // namespace

MmdbBuildReport build_mmdb(const std::string& csv_path, const std::string& output_path,
                           const MmdbBuildOptions& options) {
  std::ifstream in(csv_path, std::ios::binary);
  if (!in) throw Error(csv_path + ": cannot read", ErrorCode::io);
  detail::CsvReader reader(in);
  detail::CsvRecord row;
  const Columns cols = read_header(reader, row, csv_path, options.geoip2_city_layout);
  Builder b{cols, {}, {}, {}, {}, {}, {}};
  for (detail::CsvStatus s; (s = reader.next(row)) != detail::CsvStatus::end_of_input;) {
    ++b.report.rows;
    const std::string why = s == detail::CsvStatus::ok ? b.add(row)
                                                      : "malformed CSV (" + std::string(detail::describe(s)) + ")";
    if (!why.empty()) b.report.rejected.push_back(csv_path + ":" + std::to_string(row.line) + ": " + why);
  }
  if (in.bad()) throw Error(csv_path + ": read error");
  const detail::MmdbMetadata meta{options.database_type, options.description, build_epoch(options, csv_path)};
  detail::MmdbLayout layout;
  std::string bytes;
  try {
    bytes = b.serialize(meta, layout);
  } catch (const Error& e) {
    throw Error(output_path + ": " + e.what());
  }
  write_atomically(output_path, bytes);
  b.report.distinct_records = b.store.encoded.size();
  b.report.node_count = layout.node_count;
  b.report.record_size = layout.record_size;
  return std::move(b.report);
}

}  // namespace geotarget
