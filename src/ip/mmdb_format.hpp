// Internal: the MaxMind DB 2.0 binary format (https://maxmind.github.io/MaxMind-DB/) as the
// writer needs it: data-section values and their encoding, the search tree, the metadata, and
// the rules by which CSV cells become typed values (shared by build_mmdb and dump_mmdb, so that
// a dump builds back to the same database).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace geotarget::detail {

// ----------------------------------------------------------------- data section values

/// A data-section value: a map, an array, a string or a number of a given MMDB type.
struct MmdbValue {
  enum class Type : std::uint8_t { map, array, string, double_, float_, uint16, uint32, uint64, int32, boolean };
  Type type = Type::map;
  std::map<std::string, MmdbValue> map;  // sorted keys: deterministic output
  std::vector<MmdbValue> array;
  std::string text;
  double number = 0;                // double_, float_
  std::uint64_t unsigned_number = 0;  // uint16, uint32, uint64, boolean
  std::int32_t signed_number = 0;     // int32

  static MmdbValue of_string(std::string s);
  static MmdbValue of_double(double d);
};

/// Appends the encoding of `v` to `out` (no pointers: identical records are shared whole).
void encode_mmdb_value(const MmdbValue& v, std::string& out);

// ----------------------------------------------------------------- CSV cells

/// The annotation of a column typed explicitly, as in `location.accuracy_radius:uint16`:
/// string, double, float, uint16, uint32, uint64, int32, boolean.
[[nodiscard]] std::optional<MmdbValue::Type> mmdb_type_named(std::string_view name);
[[nodiscard]] std::string_view mmdb_type_name(MmdbValue::Type t);

/// The type a cell gets in a column without annotation: double when the cell is a finite
/// decimal number, else string. Numbers that are really codes stay strings: a leading zero
/// ("02134", "007"), an integer of more than 15 digits (a double would change it), or a
/// column whose last word is code, zip, zipcode, postcode or postal (ZIP 10001, FIPS 6037).
[[nodiscard]] MmdbValue::Type mmdb_inferred_type(std::string_view column_last_part, std::string_view cell);

/// Parses `cell` as a scalar of type `t`; nullopt when it is not a valid value of that type.
[[nodiscard]] std::optional<MmdbValue> mmdb_parse_cell(MmdbValue::Type t, std::string_view cell);

// ----------------------------------------------------------------- search tree and file

/// An address in the one 128-bit tree; IPv4 a.b.c.d is ::a.b.c.d.
using MmdbKey = unsigned __int128;

/// A network: its first address and prefix length in the 128-bit tree (IPv4 /n is 96 + n).
struct MmdbNetwork {
  MmdbKey key = 0;
  int prefix = 0;  // 1..128
};

struct MmdbMetadata {
  std::string database_type, description;
  std::uint64_t build_epoch = 0;
};

struct MmdbLayout {
  std::uint32_t node_count = 0;
  int record_size = 0;  // 24, 28 or 32
};

/// A binary trie of non-overlapping networks, each holding a value (a number chosen by the
/// caller); serialized as an MMDB (ip_version 6) whose values are record numbers, with
/// ::ffff:0:0/96 and 2002::/16 aliased to the IPv4 subtree ::/96.
class MmdbTree {
 public:
  static constexpr std::uint32_t none = 0xffffffffu;

  /// The value of an inserted network that `n` overlaps (contains, equals or lies in), or none.
  [[nodiscard]] std::uint32_t overlapping(const MmdbNetwork& n) const;
  /// Inserts a network that overlaps none inserted before, with a value other than none.
  void insert(const MmdbNetwork& n, std::uint32_t value);
  /// Replaces every value v by to[v].
  void relabel(const std::vector<std::uint32_t>& to);
  /// The whole file: search tree, 16 zero bytes, data section, metadata. The values must be
  /// record numbers, indexes into `records` (encoded records). Records are laid out in the
  /// address order of their first network, so the bytes do not depend on the order of
  /// insertion. Adds the IPv4 aliases; no insert() after this.
  [[nodiscard]] std::string serialize(const std::vector<std::string>& records, const MmdbMetadata& meta,
                                      MmdbLayout& layout);

 private:
  struct Node {
    std::uint32_t child[2] = {0, 0};  // 0: no child (node 0 is the root, never a child)
    std::uint32_t value = none;       // a network's value, only on nodes without children
  };
  [[nodiscard]] bool is_leaf(std::uint32_t n) const;
  [[nodiscard]] std::pair<std::uint32_t, int> start_of(const MmdbNetwork& n) const;
  [[nodiscard]] std::uint32_t find(const MmdbNetwork& n) const;
  std::uint32_t descend(std::uint32_t at, int bit);
  void alias_ipv4();
  void link(const MmdbNetwork& n, std::uint32_t target);
  std::string layout_data(const std::vector<std::string>& records, std::vector<std::uint32_t>& offsets) const;
  std::string encode_tree(const std::vector<std::uint32_t>& offsets, std::size_t data_size, MmdbLayout& layout) const;

  std::vector<Node> nodes_{Node{}};
  std::uint32_t v4_root_ = 0;  // the inner node at ::/96 once it exists: IPv4 walks start there
};

}  // namespace geotarget::detail
