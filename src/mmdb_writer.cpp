#include "geotarget/mmdb_writer.hpp"

#include <sys/stat.h>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <unordered_map>

#include "csv_reader.hpp"
#include "geotarget/error.hpp"
#include "geotarget/ip_address.hpp"
#include "mmdb_format.hpp"

namespace geotarget {

namespace {

using detail::MmdbValue;
using Bits = std::array<std::uint8_t, 16>;

// ----------------------------------------------------------------- columns

// The flat names that --geoip2-city nests, and where.
const std::map<std::string, std::string>& geoip2_paths() {
  static const std::map<std::string, std::string> paths = {
      {"latitude", "location.latitude"},        {"longitude", "location.longitude"},
      {"accuracy_radius", "location.accuracy_radius:uint16"},
      {"timezone", "location.time_zone"},       {"time_zone", "location.time_zone"},
      {"country_code", "country.iso_code"},     {"country", "country.names.en"},
      {"state1", "subdivisions.0.names.en"},    {"state1_code", "subdivisions.0.iso_code"},
      {"state2", "subdivisions.1.names.en"},    {"city", "city.names.en"},
      {"postcode", "postal.code"},              {"postal_code", "postal.code"},
  };
  return paths;
}

enum class CellType { inferred, string, double_, uint16, uint32 };

struct FieldColumn {
  std::size_t index;
  std::vector<std::string> path;  // map keys; digits index arrays
  CellType type = CellType::inferred;
};

// Codes and identifiers stay text even when they look like numbers (ZIP 02134, FIPS 06037).
bool textual_name(const std::string& last) {
  auto ends = [&](std::string_view suffix) {
    return last.size() >= suffix.size() && last.compare(last.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends("code") || ends("zip") || ends("postcode") || ends("postal") || ends("id") || ends("name");
}

FieldColumn field_column(std::size_t index, std::string name, const std::string& csv_path) {
  FieldColumn c{index, {}, CellType::inferred};
  if (auto colon = name.rfind(':'); colon != std::string::npos) {
    std::string t = name.substr(colon + 1);
    name.resize(colon);
    if (t == "string") c.type = CellType::string;
    else if (t == "double") c.type = CellType::double_;
    else if (t == "uint16") c.type = CellType::uint16;
    else if (t == "uint32") c.type = CellType::uint32;
    else throw Error(csv_path + ":1: column '" + name + "': unknown type '" + t + "'");
  }
  for (std::size_t start = 0;;) {
    std::size_t dot = name.find('.', start);
    c.path.push_back(name.substr(start, dot - start));
    if (c.path.back().empty()) throw Error(csv_path + ":1: column '" + name + "': empty path part");
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (c.type == CellType::inferred && textual_name(c.path.back())) c.type = CellType::string;
  return c;
}

struct Columns {
  std::optional<std::size_t> network, start, end;
  std::vector<FieldColumn> fields;
};

Columns plan_columns(const detail::CsvRecord& header, bool geoip2, const std::string& csv_path) {
  Columns c;
  for (std::size_t i = 0; i < header.fields.size(); ++i) {
    std::string name(header.fields[i]);
    if (name == "network") c.network = i;
    else if (name == "start_ip") c.start = i;
    else if (name == "end_ip") c.end = i;
    else {
      auto mapped = geoip2 ? geoip2_paths().find(name) : geoip2_paths().end();
      c.fields.push_back(field_column(i, mapped != geoip2_paths().end() ? mapped->second : name, csv_path));
    }
  }
  if (!c.network && !(c.start && c.end))
    throw Error(csv_path + ":1: needs a 'network' column or 'start_ip' and 'end_ip' columns");
  return c;
}

// ----------------------------------------------------------------- values

std::optional<double> as_double(std::string_view s) {
  double v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(v)) return std::nullopt;
  // "007" is a code, not seven.
  std::size_t digits = s.front() == '-' ? 1 : 0;
  if (s.size() > digits + 1 && s[digits] == '0' && s[digits + 1] != '.') return std::nullopt;
  return v;
}

// The typed value of one cell, or the reason it cannot be used.
std::optional<MmdbValue> cell_value(const FieldColumn& c, std::string_view s, std::string& why) {
  switch (c.type) {
    case CellType::string: return MmdbValue::of_string(std::string(s));
    case CellType::inferred:
      if (auto d = as_double(s)) return MmdbValue::of_double(*d);
      return MmdbValue::of_string(std::string(s));
    case CellType::double_:
      if (auto d = as_double(s)) return MmdbValue::of_double(*d);
      break;
    case CellType::uint16:
    case CellType::uint32: {
      std::uint64_t u = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), u);
      std::uint64_t max = c.type == CellType::uint16 ? 0xffff : 0xffffffff;
      if (ec == std::errc() && end == s.data() + s.size() && u <= max)
        return MmdbValue::of_unsigned(c.type == CellType::uint16 ? MmdbValue::Type::uint16 : MmdbValue::Type::uint32, u);
      break;
    }
  }
  why = "column '" + c.path.back() + "': '" + std::string(s) + "' is not a valid number of its type";
  return std::nullopt;
}

// Places `value` at `path` inside `root`, creating maps and arrays on the way.
bool insert_at(MmdbValue& root, const std::vector<std::string>& path, MmdbValue value) {
  MmdbValue* at = &root;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const std::string& part = path[i];
    bool index = !part.empty() && part.find_first_not_of("0123456789") == std::string::npos;
    if (index) {
      if (at->type != MmdbValue::Type::array) {
        if (!at->map.empty()) return false;
        at->type = MmdbValue::Type::array;
      }
      std::size_t n = std::stoul(part);
      if (n > 64) return false;
      if (at->array.size() <= n) at->array.resize(n + 1);
      at = &at->array[n];
    } else {
      if (at->type != MmdbValue::Type::map) return false;
      at = &at->map[part];
    }
    if (i + 1 == path.size()) *at = std::move(value);
  }
  return true;
}

// ----------------------------------------------------------------- networks

using Key = unsigned __int128;  // an address in the 128-bit tree; IPv4 a.b.c.d is ::a.b.c.d

struct Network {
  Key key;
  int prefix;  // in the 128-bit tree
};

Key key_of(const IpAddress& a) {
  Key k = 0;
  if (a.is_v4()) return a.v4_value();
  for (std::uint8_t b : a.bytes()) k = (k << 8) | b;
  return k;
}

// The address of a cell (IPv4 or IPv6 literal) and whether it is IPv4, or the reason not.
std::optional<std::pair<Key, bool>> parse_address(std::string_view text, std::string& why) {
  IpAddress a;
  if (!parse_ip(text, a)) {
    why = "'" + std::string(text) + "' is not an IP address";
    return std::nullopt;
  }
  bool v4 = text.find(':') == std::string_view::npos;
  if (!v4 && a.is_v4()) {
    why = "'" + std::string(text) + "': write IPv4-mapped networks as IPv4";
    return std::nullopt;
  }
  return std::make_pair(key_of(a), v4);
}

bool parse_cidr(std::string_view text, std::vector<Network>& out, std::string& why) {
  std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    why = "network '" + std::string(text) + "' has no /prefix";
    return false;
  }
  auto address = parse_address(text.substr(0, slash), why);
  if (!address) return false;
  int len = -1;
  std::string_view digits = text.substr(slash + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
  const int max = address->second ? 32 : 128;
  if (ec != std::errc() || end != digits.data() + digits.size() || len < 0 || len > max) {
    why = "network '" + std::string(text) + "': prefix must be 0.." + std::to_string(max);
    return false;
  }
  int prefix = address->second ? 96 + len : len;
  Key host = prefix == 128 ? 0 : (~Key{0} >> prefix);
  if (address->first & host) {
    why = "network '" + std::string(text) + "' has host bits set";
    return false;
  }
  if (prefix == 0) {
    why = "network '" + std::string(text) + "' covers every address; give narrower networks";
    return false;
  }
  out.push_back(Network{address->first, prefix});
  return true;
}

// An inclusive range as the fewest CIDR networks.
bool parse_range(std::string_view first, std::string_view last, std::vector<Network>& out,
                 std::string& why) {
  auto a = parse_address(first, why);
  if (!a) return false;
  auto b = parse_address(last, why);
  if (!b) return false;
  if (a->second != b->second) {
    why = "range mixes IPv4 and IPv6";
    return false;
  }
  if (a->first > b->first) {
    why = "range start " + std::string(first) + " is after its end " + std::string(last);
    return false;
  }
  const int bits = a->second ? 32 : 128, base = a->second ? 96 : 0;
  for (Key start = a->first, end = b->first;;) {
    int size_bits = 0;  // the largest aligned block at start that ends within the range
    while (size_bits < bits && (start & ((Key{1} << (size_bits + 1)) - 1)) == 0 &&
           start + ((Key{1} << (size_bits + 1)) - 1) <= end)
      ++size_bits;
    if (base + bits - size_bits == 0) {
      why = "range covers every address; give narrower ranges";
      return false;
    }
    out.push_back(Network{start, base + bits - size_bits});
    Key last_of_block = start + ((Key{1} << size_bits) - 1);
    if (last_of_block >= end) break;
    start = last_of_block + 1;
  }
  return true;
}

// ----------------------------------------------------------------- search tree

class Trie {
 public:
  static constexpr std::uint32_t none = 0xffffffffu;

  /// True when `n` overlaps a network inserted before.
  [[nodiscard]] bool overlaps(const Network& n) const {
    std::uint32_t at = 0;
    for (int depth = 0; depth < n.prefix; ++depth) {
      if (nodes_[at].record != none) return true;
      at = nodes_[at].child[static_cast<std::size_t>((n.key >> (127 - depth)) & 1)];
      if (!at) return false;
    }
    return true;  // the node exists: it holds this network or networks inside it
  }

  /// Inserts a network that does not overlap any inserted before.
  void insert(const Network& n, std::uint32_t record) {
    std::uint32_t at = 0;
    for (int depth = 0; depth < n.prefix; ++depth) {
      int bit = static_cast<int>((n.key >> (127 - depth)) & 1);
      if (nodes_[at].child[bit] == 0) {
        nodes_[at].child[bit] = static_cast<std::uint32_t>(nodes_.size());
        nodes_.push_back(Node{});
      }
      at = nodes_[at].child[bit];
    }
    nodes_[at].record = record;
  }

  /// Points ::ffff:0:0/96 and 2002::/16 at the IPv4 subtree (::/96), as MaxMind does, unless
  /// the data already uses those ranges.
  void alias_ipv4() {
    std::uint32_t v4 = find(Network{0, 96});
    if (v4 == none) return;
    link(Network{Key{0xffff} << 32, 96}, v4);
    link(Network{Key{0x2002} << 112, 16}, v4);
  }

  /// The records laid out in the address order of their first network, so that the bytes do
  /// not depend on the order of the input rows: the data section and each record's offset.
  std::string layout_data(const std::vector<std::string>& records,
                          std::vector<std::uint32_t>& offsets) const;

  /// The search tree: node records in MMDB order, and the node count.
  std::string serialize(const std::vector<std::uint32_t>& data_offsets, int& record_size,
                        std::uint32_t& node_count, std::size_t data_size) const;

 private:
  struct Node {
    std::array<std::uint32_t, 2> child{0, 0};
    std::uint32_t record = none;
  };
  [[nodiscard]] bool is_leaf(std::uint32_t n) const {
    return nodes_[n].record != none && !nodes_[n].child[0] && !nodes_[n].child[1];
  }
  std::uint32_t find(const Network& n) const {
    std::uint32_t at = 0;
    for (int depth = 0; depth < n.prefix && at != none; ++depth) {
      std::uint32_t c = nodes_[at].child[static_cast<std::size_t>((n.key >> (127 - depth)) & 1)];
      at = c ? c : none;
    }
    return at;
  }
  void link(const Network& n, std::uint32_t target) {
    std::uint32_t at = 0;
    for (int depth = 0; depth + 1 < n.prefix; ++depth) {
      if (nodes_[at].record != none) return;
      auto bit = static_cast<std::size_t>((n.key >> (127 - depth)) & 1);
      if (!nodes_[at].child[bit]) {
        nodes_[at].child[bit] = static_cast<std::uint32_t>(nodes_.size());
        nodes_.push_back(Node{});
      }
      at = nodes_[at].child[bit];
    }
    if (nodes_[at].record != none) return;
    auto bit = static_cast<std::size_t>((n.key >> (128 - n.prefix)) & 1);
    if (!nodes_[at].child[bit]) nodes_[at].child[bit] = target;
  }

  std::vector<Node> nodes_{Node{}};
};

void put_record(std::string& out, int record_size, std::uint32_t left, std::uint32_t right) {
  auto be = [&out](std::uint32_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
  };
  if (record_size == 24) {
    be(left, 3), be(right, 3);
  } else if (record_size == 28) {
    be(left & 0xffffff, 3);
    out.push_back(static_cast<char>(((left >> 20) & 0xf0) | ((right >> 24) & 0x0f)));
    be(right & 0xffffff, 3);
  } else {
    be(left, 4), be(right, 4);
  }
}

std::string Trie::layout_data(const std::vector<std::string>& records,
                              std::vector<std::uint32_t>& offsets) const {
  offsets.assign(records.size(), none);
  std::string data;
  std::vector<bool> seen(nodes_.size(), false);
  std::vector<std::uint32_t> stack{0};
  while (!stack.empty()) {
    std::uint32_t n = stack.back();
    stack.pop_back();
    if (seen[n]) continue;
    seen[n] = true;
    std::uint32_t r = nodes_[n].record;
    if (r != none && offsets[r] == none) {
      offsets[r] = static_cast<std::uint32_t>(data.size());
      data += records[r];
    }
    for (int side = 1; side >= 0; --side)  // right pushed first: left is visited first
      if (nodes_[n].child[static_cast<std::size_t>(side)]) stack.push_back(nodes_[n].child[static_cast<std::size_t>(side)]);
  }
  return data;
}

std::string Trie::serialize(const std::vector<std::uint32_t>& data_offsets, int& record_size,
                            std::uint32_t& node_count, std::size_t data_size) const {
  // Number the inner nodes breadth first; a node shared by an alias gets one number.
  std::vector<std::uint32_t> number(nodes_.size(), none), order{0};
  number[0] = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    for (std::uint32_t c : nodes_[order[i]].child) {
      if (c && !is_leaf(c) && number[c] == none) {
        number[c] = static_cast<std::uint32_t>(order.size());
        order.push_back(c);
      }
    }
  }
  node_count = static_cast<std::uint32_t>(order.size());
  const std::uint64_t max_value = std::uint64_t{node_count} + 16 + data_size;
  record_size = max_value < (1ull << 24) ? 24 : max_value < (1ull << 28) ? 28 : 32;
  if (max_value >= (1ull << 32)) throw Error("the database would exceed the 32-bit record size");
  std::string out;
  out.reserve(order.size() * static_cast<std::size_t>(record_size) / 4);
  auto value = [&](std::uint32_t c) -> std::uint32_t {
    if (!c) return node_count;  // empty
    if (is_leaf(c)) return node_count + 16 + data_offsets[nodes_[c].record];
    return number[c];
  };
  for (std::uint32_t n : order) put_record(out, record_size, value(nodes_[n].child[0]), value(nodes_[n].child[1]));
  return out;
}

// ----------------------------------------------------------------- building

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

// The networks and the record of one row, or the reason the row is rejected.
std::string read_row(const detail::CsvRecord& row, const Columns& cols, std::size_t width,
                     std::vector<Network>& networks, MmdbValue& record) {
  if (row.fields.size() != width)
    return "has " + std::to_string(row.fields.size()) + " fields, the header has " + std::to_string(width);
  std::string why;
  networks.clear();
  bool ok = cols.network ? parse_cidr(row.fields[*cols.network], networks, why)
                         : parse_range(row.fields[*cols.start], row.fields[*cols.end], networks, why);
  if (!ok) return why;
  record = MmdbValue{};
  for (const FieldColumn& c : cols.fields) {
    std::string_view cell = row.fields[c.index];
    if (cell.empty()) continue;
    auto value = cell_value(c, cell, why);
    if (!value) return why;
    if (!insert_at(record, c.path, std::move(*value))) return "column '" + c.path.front() + "' conflicts with another column's path";
  }
  return {};
}

// libmaxminddb refuses a build_epoch of 0, so the fallback is the input's modification time:
// still the same for the same file, and a fair statement of the data's age.
std::uint64_t build_epoch(const MmdbBuildOptions& o, const std::string& csv_path) {
  if (o.build_epoch) return o.build_epoch;
  const char* env = std::getenv("SOURCE_DATE_EPOCH");
  if (env && std::strtoull(env, nullptr, 10) > 0) return std::strtoull(env, nullptr, 10);
  struct stat st {};
  return ::stat(csv_path.c_str(), &st) == 0 && st.st_mtime > 0 ? static_cast<std::uint64_t>(st.st_mtime) : 1;
}

void write_database(const std::string& path, const std::string& tree, const std::string& data,
                    const std::string& metadata) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << tree << std::string(16, '\0') << data << metadata;
    if (!out.flush()) throw Error(path + ": cannot write");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw Error(path + ": cannot write");
}

}  // namespace

MmdbBuildReport build_mmdb(const std::string& csv_path, const std::string& output_path,
                           const MmdbBuildOptions& options) {
  std::ifstream in(csv_path, std::ios::binary);
  if (!in) throw Error(csv_path + ": cannot read");
  detail::CsvReader reader(in);
  detail::CsvRecord row;
  if (reader.next(row) != detail::CsvStatus::ok) throw Error(csv_path + ": no header row");
  const Columns cols = plan_columns(row, options.geoip2_city_layout, csv_path);
  const std::size_t width = row.fields.size();
  MmdbBuildReport report;
  RecordStore store;
  Trie trie;
  std::vector<Network> networks;
  MmdbValue record;
  for (detail::CsvStatus s; (s = reader.next(row)) != detail::CsvStatus::end_of_input;) {
    ++report.rows;
    std::string why = s != detail::CsvStatus::ok ? std::string(detail::describe(s))
                                                 : read_row(row, cols, width, networks, record);
    for (std::size_t i = 0; why.empty() && i < networks.size(); ++i)
      if (trie.overlaps(networks[i])) why = "network overlaps an earlier row's network";
    if (!why.empty()) {
      report.rejected.push_back(csv_path + ":" + std::to_string(row.line) + ": " + why);
      continue;
    }
    std::uint32_t id = store.add(record);
    for (const Network& n : networks) trie.insert(n, id);
    report.networks += networks.size();
  }
  trie.alias_ipv4();
  std::vector<std::uint32_t> offsets;
  std::string data = trie.layout_data(store.encoded, offsets);
  std::string tree = trie.serialize(offsets, report.record_size, report.node_count, data.size());
  report.distinct_records = store.encoded.size();
  write_database(output_path, tree, data,
                 detail::encode_mmdb_metadata(report.node_count, report.record_size, options.database_type,
                                              options.description, build_epoch(options, csv_path)));
  return report;
}

}  // namespace geotarget
