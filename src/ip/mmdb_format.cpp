#include "mmdb_format.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>

#include "geotarget/error.hpp"

namespace geotarget::detail {

// ================================================================= data section values

namespace {

using T = MmdbValue::Type;

// MMDB type numbers; those above 7 are "extended": written as 0 plus a second byte (type - 7).
enum : int {
  kString = 2, kDouble = 3, kUint16 = 5, kUint32 = 6, kMap = 7,
  kInt32 = 8, kUint64 = 9, kArray = 11, kBoolean = 14, kFloat = 15,
};

// The control byte(s) of a value of `type` and `size` (bytes, entries or pairs).
void control(int type, std::size_t size, std::string& out) {
  char size_bytes[3];
  int size_code = 0, extra = 0;
  if (size < 29) {
    size_code = static_cast<int>(size);
  } else if (size < 285) {
    size_code = 29, extra = 1, size -= 29;
  } else if (size < 65821) {
    size_code = 30, extra = 2, size -= 285;
  } else {
    size_code = 31, extra = 3, size -= 65821;
  }
  for (int i = 0; i < extra; ++i) size_bytes[i] = static_cast<char>(size >> (8 * (extra - 1 - i)));
  if (type <= 7) {
    out.push_back(static_cast<char>((type << 5) | size_code));
  } else {
    out.push_back(static_cast<char>(size_code));
    out.push_back(static_cast<char>(type - 7));
  }
  out.append(size_bytes, static_cast<std::size_t>(extra));
}

void big_endian(std::uint64_t v, std::size_t bytes, std::string& out) {
  for (std::size_t i = bytes; i-- > 0;) out.push_back(static_cast<char>(v >> (8 * i)));
}

// An unsigned integer in the fewest bytes (zero in none).
void unsigned_value(int type, std::uint64_t u, std::string& out) {
  const auto bytes = static_cast<std::size_t>(64 - std::countl_zero(u) + 7) / 8;
  control(type, bytes, out);
  big_endian(u, bytes, out);
}

void encode_scalar(const MmdbValue& v, std::string& out) {
  switch (v.type) {
    case T::string: control(kString, v.text.size(), out), out += v.text; return;
    case T::double_: control(kDouble, 8, out), big_endian(std::bit_cast<std::uint64_t>(v.number), 8, out); return;
    case T::float_:
      control(kFloat, 4, out), big_endian(std::bit_cast<std::uint32_t>(static_cast<float>(v.number)), 4, out);
      return;
    case T::uint16: unsigned_value(kUint16, v.unsigned_number, out); return;
    case T::uint32: unsigned_value(kUint32, v.unsigned_number, out); return;
    case T::uint64: unsigned_value(kUint64, v.unsigned_number, out); return;
    case T::int32:
      // Readers sign-extend nothing: a negative number needs all four bytes.
      if (v.signed_number < 0) control(kInt32, 4, out), big_endian(static_cast<std::uint32_t>(v.signed_number), 4, out);
      else unsigned_value(kInt32, static_cast<std::uint64_t>(v.signed_number), out);
      return;
    case T::boolean: control(kBoolean, v.unsigned_number ? 1 : 0, out); return;
    case T::map:
    case T::array: return;
  }
}

}  // namespace

MmdbValue MmdbValue::of_string(std::string s) {
  MmdbValue v;
  v.type = Type::string;
  v.text = std::move(s);
  return v;
}

MmdbValue MmdbValue::of_double(double d) {
  MmdbValue v;
  v.type = Type::double_;
  v.number = d;
  return v;
}

void encode_mmdb_value(const MmdbValue& v, std::string& out) {
  if (v.type == T::map) {
    control(kMap, v.map.size(), out);
    for (const auto& [key, value] : v.map) {
      control(kString, key.size(), out);
      out += key;
      encode_mmdb_value(value, out);
    }
  } else if (v.type == T::array) {
    control(kArray, v.array.size(), out);
    for (const auto& item : v.array) encode_mmdb_value(item, out);
  } else {
    encode_scalar(v, out);
  }
}

// ================================================================= CSV cells

namespace {

struct TypeName {
  T type;
  std::string_view name;
};
constexpr TypeName kTypeNames[] = {
    {T::string, "string"}, {T::double_, "double"}, {T::float_, "float"},  {T::uint16, "uint16"},
    {T::uint32, "uint32"}, {T::uint64, "uint64"},  {T::int32, "int32"},   {T::boolean, "boolean"},
    {T::map, "map"},       {T::array, "array"},
};

// A number in decimal (or inf / nan when `finite` is false), the whole text and nothing else.
template <typename Float>
std::optional<Float> decimal(std::string_view s, bool finite = true) {
  Float v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || (finite && !std::isfinite(v)))
    return std::nullopt;
  return v;
}

template <typename Int>
std::optional<Int> integer(std::string_view s) {
  Int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool code_column(std::string_view last_part) {
  const std::string_view word = last_part.substr(last_part.rfind('_') + 1);  // npos + 1 == 0
  for (std::string_view code : {"code", "zip", "zipcode", "postcode", "postal"})
    if (word == code) return true;
  return false;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<MmdbValue::Type> mmdb_type_named(std::string_view name) {
  for (const TypeName& t : kTypeNames)
    if (t.name == name && t.type != T::map && t.type != T::array) return t.type;
  return std::nullopt;
}

std::string_view mmdb_type_name(MmdbValue::Type type) {
  for (const TypeName& t : kTypeNames)
    if (t.type == type) return t.name;
  return "?";
}

MmdbValue::Type mmdb_inferred_type(std::string_view column_last_part, std::string_view cell) {
  if (code_column(column_last_part) || !decimal<double>(cell)) return T::string;
  const std::string_view digits = cell.substr(cell.front() == '-' ? 1 : 0);
  if (digits.size() > 1 && digits[0] == '0' && is_digit(digits[1])) return T::string;
  const bool integral = std::all_of(digits.begin(), digits.end(), is_digit);
  return integral && digits.size() > 15 ? T::string : T::double_;
}

std::optional<MmdbValue> mmdb_parse_cell(MmdbValue::Type type, std::string_view cell) {
  MmdbValue v;
  v.type = type;
  switch (type) {
    case T::string: v.text = cell; return v;
    case T::double_:  // typed explicitly, so inf and nan are meant
      if (auto d = decimal<double>(cell, false)) return v.number = *d, v;
      return std::nullopt;
    case T::float_:  // parsed as a float, not rounded twice through a double
      if (auto f = decimal<float>(cell, false)) return v.number = *f, v;
      return std::nullopt;
    case T::uint16:
    case T::uint32:
    case T::uint64: {
      const std::uint64_t max = type == T::uint16 ? 0xffff : type == T::uint32 ? 0xffffffff : ~std::uint64_t{0};
      auto u = integer<std::uint64_t>(cell);
      if (u && *u <= max) return v.unsigned_number = *u, v;
      return std::nullopt;
    }
    case T::int32:
      if (auto i = integer<std::int32_t>(cell)) return v.signed_number = *i, v;
      return std::nullopt;
    case T::boolean:
      if (cell != "true" && cell != "false") return std::nullopt;
      return v.unsigned_number = cell == "true", v;
    case T::map:
    case T::array: return std::nullopt;
  }
  return std::nullopt;
}

// ================================================================= search tree

namespace {

int bit_at(MmdbKey key, int depth) { return static_cast<int>((key >> (127 - depth)) & 1); }

void put_node(std::string& out, int record_size, std::uint32_t left, std::uint32_t right) {
  if (record_size == 24) {
    big_endian(left, 3, out), big_endian(right, 3, out);
  } else if (record_size == 28) {  // the middle byte holds the top nibbles: left's, then right's
    big_endian(left & 0xffffff, 3, out);
    out.push_back(static_cast<char>(((left >> 20) & 0xf0) | ((right >> 24) & 0x0f)));
    big_endian(right & 0xffffff, 3, out);
  } else {
    big_endian(left, 4, out), big_endian(right, 4, out);
  }
}

std::string encode_metadata(const MmdbLayout& layout, const MmdbMetadata& meta) {
  auto number = [](T type, std::uint64_t u) {
    MmdbValue v;
    v.type = type;
    v.unsigned_number = u;
    return v;
  };
  MmdbValue m;
  m.map["binary_format_major_version"] = number(T::uint16, 2);
  m.map["binary_format_minor_version"] = number(T::uint16, 0);
  m.map["build_epoch"] = number(T::uint64, meta.build_epoch);
  m.map["database_type"] = MmdbValue::of_string(meta.database_type);
  m.map["description"].map["en"] = MmdbValue::of_string(meta.description);
  m.map["ip_version"] = number(T::uint16, 6);
  m.map["languages"].type = T::array;
  m.map["languages"].array.push_back(MmdbValue::of_string("en"));
  m.map["node_count"] = number(T::uint32, layout.node_count);
  m.map["record_size"] = number(T::uint16, static_cast<std::uint64_t>(layout.record_size));
  std::string out = "\xAB\xCD\xEFMaxMind.com";
  encode_mmdb_value(m, out);
  return out;
}

}  // namespace

// Where a walk to n may start: the root, or for an IPv4 network the ::/96 node, which saves 96
// steps. Safe because a node with children never holds a value (overlaps are refused).
std::pair<std::uint32_t, int> MmdbTree::start_of(const MmdbNetwork& n) const {
  if (v4_root_ && n.prefix > 96 && (n.key >> 32) == 0) return {v4_root_, 96};
  return {0, 0};
}

std::uint32_t MmdbTree::overlapping(const MmdbNetwork& n) const {
  auto [at, depth] = start_of(n);
  for (; depth < n.prefix; ++depth) {
    if (nodes_[at].value != none) return nodes_[at].value;  // an earlier network contains n
    at = nodes_[at].child[bit_at(n.key, depth)];
    if (at == 0) return none;
  }
  // n's node exists: it holds an earlier network or lies on the way to some.
  while (nodes_[at].value == none) at = nodes_[at].child[0] ? nodes_[at].child[0] : nodes_[at].child[1];
  return nodes_[at].value;
}

std::uint32_t MmdbTree::descend(std::uint32_t at, int bit) {
  if (nodes_[at].child[bit] == 0) {
    nodes_[at].child[bit] = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back(Node{});
  }
  return nodes_[at].child[bit];
}

void MmdbTree::insert(const MmdbNetwork& n, std::uint32_t value) {
  auto [at, depth] = start_of(n);
  for (; depth < n.prefix; ++depth) {
    at = descend(at, bit_at(n.key, depth));
    if (depth + 1 == 96 && n.prefix > 96 && (n.key >> 32) == 0) v4_root_ = at;
  }
  nodes_[at].value = value;
}

void MmdbTree::relabel(const std::vector<std::uint32_t>& to) {
  for (Node& node : nodes_)
    if (node.value != none) node.value = to[node.value];
}

bool MmdbTree::is_leaf(std::uint32_t n) const {
  return nodes_[n].value != none && !nodes_[n].child[0] && !nodes_[n].child[1];
}

// The node of network n, or none when the tree has no node there.
std::uint32_t MmdbTree::find(const MmdbNetwork& n) const {
  std::uint32_t at = 0;
  for (int depth = 0; depth < n.prefix; ++depth)
    if ((at = nodes_[at].child[bit_at(n.key, depth)]) == 0) return none;
  return at;
}

// Points ::ffff:0:0/96 (IPv4-mapped) and 2002::/16 (6to4) at the IPv4 subtree, as MaxMind's own
// databases do, so that libmaxminddb finds IPv4 data through those forms too.
void MmdbTree::alias_ipv4() {
  const std::uint32_t v4 = find(MmdbNetwork{0, 96});
  if (v4 == none) return;
  link(MmdbNetwork{MmdbKey{0xffff} << 32, 96}, v4);
  link(MmdbNetwork{MmdbKey{0x2002} << 112, 16}, v4);
}

// Makes n's record point at `target`, unless the input has networks of its own in n.
void MmdbTree::link(const MmdbNetwork& n, std::uint32_t target) {
  std::uint32_t at = 0;
  for (int depth = 0; depth + 1 < n.prefix; ++depth) {
    if (nodes_[at].value != none) return;
    at = descend(at, bit_at(n.key, depth));
  }
  std::uint32_t& child = nodes_[at].child[bit_at(n.key, n.prefix - 1)];
  if (nodes_[at].value == none && child == 0) child = target;
}

// The data section: each record once, in the address order of its first network (depth first,
// left before right), and the offset of each record in it.
std::string MmdbTree::layout_data(const std::vector<std::string>& records,
                                  std::vector<std::uint32_t>& offsets) const {
  offsets.assign(records.size(), none);
  std::string data;
  std::vector<bool> seen(nodes_.size(), false);
  std::vector<std::uint32_t> stack{0};
  while (!stack.empty()) {
    const std::uint32_t n = stack.back();
    stack.pop_back();
    if (seen[n]) continue;
    seen[n] = true;
    const std::uint32_t r = nodes_[n].value;
    if (r != none && offsets[r] == none) {
      offsets[r] = static_cast<std::uint32_t>(data.size());
      data += records[r];
    }
    for (int side : {1, 0})  // right pushed first: left comes out first
      if (nodes_[n].child[side]) stack.push_back(nodes_[n].child[side]);
  }
  return data;
}

// Numbers the inner nodes breadth first (a node shared by an alias gets one number), picks the
// smallest record size that holds every value, and encodes the nodes.
std::string MmdbTree::encode_tree(const std::vector<std::uint32_t>& offsets, std::size_t data_size,
                                  MmdbLayout& layout) const {
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
  const auto node_count = static_cast<std::uint32_t>(order.size());
  const std::uint64_t max_value = std::uint64_t{node_count} + 16 + data_size;
  if (max_value >= (std::uint64_t{1} << 32)) throw Error("search tree and data exceed the 32-bit record size");
  layout.node_count = node_count;
  layout.record_size = max_value < (1u << 24) ? 24 : max_value < (1u << 28) ? 28 : 32;
  auto value = [&](std::uint32_t c) -> std::uint32_t {
    if (!c) return node_count;  // empty
    if (is_leaf(c)) return node_count + 16 + offsets[nodes_[c].value];
    return number[c];
  };
  std::string out;
  out.reserve(order.size() * static_cast<std::size_t>(layout.record_size) / 4);
  for (std::uint32_t n : order) put_node(out, layout.record_size, value(nodes_[n].child[0]), value(nodes_[n].child[1]));
  return out;
}

std::string MmdbTree::serialize(const std::vector<std::string>& records, const MmdbMetadata& meta,
                                MmdbLayout& layout) {
  alias_ipv4();
  std::vector<std::uint32_t> offsets;
  const std::string data = layout_data(records, offsets);
  std::string file = encode_tree(offsets, data.size(), layout);
  file.append(16, '\0');
  file += data;
  file += encode_metadata(layout, meta);
  return file;
}

}  // namespace geotarget::detail
