// geotarget::dump_mmdb: every network of a database with its record, as CSV that
// geotarget::build_mmdb reads back into the same database.
//
// Two walks of the search tree: the first decodes each distinct record once and collects the
// columns (every dotted field path, with the type annotation it needs); the second prints.
// A column is annotated (`asn:uint32`, `label:string` for a text "42") when build_mmdb's
// inference would not give its values their stored type. Networks reached only through the
// IPv4 aliases (::ffff:0:0/96, 2002::/16) are not listed.
//
// Limits, none of which affects what build_mmdb writes: bytes and uint128 values have no CSV
// form and are left out; an empty string prints as an empty cell, which reads back as "no
// value"; a map key containing '.' or ':' or made of digits would not come back the same; a
// path holding values of several types gets no annotation; a record that is not a map comes
// out under a column with an empty name.
#include <maxminddb.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <map>
#include <ostream>
#include <unordered_set>

#include "csv_reader.hpp"
#include "geotarget/error.hpp"
#include "geotarget/ip_address.hpp"
#include "geotarget/mmdb_writer.hpp"
#include "mmdb_format.hpp"
#include "mmdb_tree.hpp"

namespace geotarget {

namespace {

using Type = detail::MmdbValue::Type;

struct Cell {
  std::string text;
  Type type;
};
using FlatRecord = std::map<std::string, Cell>;  // dotted path -> value

struct Column {
  Type type;
  bool mixed = false;          // values of more than one type
  bool needs_type = false;     // some value would be read back as another type
};

template <typename Number>
std::string number_text(Number v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back exactly
  return std::string(buf, end);
}

std::optional<Cell> scalar_cell(const MMDB_entry_data_s& d) {
  switch (d.type) {
    case MMDB_DATA_TYPE_UTF8_STRING: return Cell{std::string(d.utf8_string, d.data_size), Type::string};
    case MMDB_DATA_TYPE_DOUBLE: return Cell{number_text(d.double_value), Type::double_};
    case MMDB_DATA_TYPE_FLOAT: return Cell{number_text(d.float_value), Type::float_};
    case MMDB_DATA_TYPE_UINT16: return Cell{number_text(d.uint16), Type::uint16};
    case MMDB_DATA_TYPE_UINT32: return Cell{number_text(d.uint32), Type::uint32};
    case MMDB_DATA_TYPE_UINT64: return Cell{number_text(d.uint64), Type::uint64};
    case MMDB_DATA_TYPE_INT32: return Cell{number_text(d.int32), Type::int32};
    case MMDB_DATA_TYPE_BOOLEAN: return Cell{d.boolean ? "true" : "false", Type::boolean};
    default: return std::nullopt;  // bytes, uint128: no CSV form
  }
}

// Flattens the value at `e` into `out` under `path`; returns the list element after it.
MMDB_entry_data_list_s* flatten(MMDB_entry_data_list_s* e, const std::string& path, FlatRecord& out,
                                const std::string& file) {
  if (!e) throw Error(file + ": corrupt data section (truncated record)");
  const MMDB_entry_data_s& d = e->entry_data;
  const auto join = [&](std::string_view part) { return path.empty() ? std::string(part) : path + "." + std::string(part); };
  if (d.type == MMDB_DATA_TYPE_MAP) {
    e = e->next;
    for (std::uint32_t i = 0; i < d.data_size; ++i) {
      if (!e || e->entry_data.type != MMDB_DATA_TYPE_UTF8_STRING) throw Error(file + ": corrupt data section (map key)");
      e = flatten(e->next, join({e->entry_data.utf8_string, e->entry_data.data_size}), out, file);
    }
    return e;
  }
  if (d.type == MMDB_DATA_TYPE_ARRAY) {
    e = e->next;
    for (std::uint32_t i = 0; i < d.data_size; ++i) e = flatten(e, join(std::to_string(i)), out, file);
    return e;
  }
  if (auto cell = scalar_cell(d)) out[path] = std::move(*cell);
  return e->next;
}

FlatRecord read_record(MMDB_s& db, std::uint32_t offset, const std::string& file) {
  MMDB_entry_s entry{&db, offset};
  MMDB_entry_data_list_s* list = nullptr;
  const int rc = MMDB_get_entry_data_list(&entry, &list);
  struct Free {
    MMDB_entry_data_list_s*& list;
    ~Free() { MMDB_free_entry_data_list(list); }
  } free_list{list};
  if (rc != MMDB_SUCCESS)
    throw Error(file + ": corrupt record at data offset " + std::to_string(offset) + ": " + MMDB_strerror(rc));
  FlatRecord out;
  flatten(list, "", out, file);
  return out;
}

void note_columns(const FlatRecord& rec, std::map<std::string, Column>& columns) {
  for (const auto& [path, cell] : rec) {
    const std::size_t dot = path.rfind('.');
    const std::string_view last = std::string_view(path).substr(dot == std::string::npos ? 0 : dot + 1);
    const bool misread = detail::mmdb_inferred_type(last, cell.text) != cell.type;
    const auto it = columns.try_emplace(path, Column{cell.type}).first;
    it->second.mixed |= it->second.type != cell.type;
    it->second.needs_type |= misread;
  }
}

std::string header_line(const std::map<std::string, Column>& columns) {
  std::string line = "network";
  for (const auto& [path, c] : columns) {
    line += ',';
    const bool annotate = c.needs_type && !c.mixed;
    line += detail::csv_escape(annotate ? path + ":" + std::string(detail::mmdb_type_name(c.type)) : path);
  }
  return line + '\n';
}

std::string network_text(const detail::TreeNetwork& n) {
  if (!n.is_v4) return IpAddress::v6(n.address).to_string() + "/" + std::to_string(n.prefix_length);
  std::string s;
  for (std::size_t i = 12; i < 16; ++i) s += std::to_string(n.address[i]) + (i < 15 ? "." : "");
  return s + "/" + std::to_string(n.v4_prefix);
}

// The ::ffff:0:0/96 and 2002::/16 aliases of an IPv4 space that is one network (0.0.0.0/0)
// point straight at its data record, so the tree walk cannot tell them from networks.
class AliasFilter {
 public:
  [[nodiscard]] bool is_alias(const detail::TreeNetwork& n) {
    if (n.is_v4) {
      if (n.v4_prefix == 0) all_v4_ = n.data_offset;
      return false;
    }
    if (!all_v4_ || n.data_offset != *all_v4_) return false;
    const auto& a = n.address;
    const bool mapped = n.prefix_length == 96 && std::all_of(a.begin(), a.begin() + 10, [](auto b) { return b == 0; }) &&
                        a[10] == 0xff && a[11] == 0xff;
    const bool six_to_four = n.prefix_length == 16 && a[0] == 0x20 && a[1] == 0x02;
    return mapped || six_to_four;
  }

 private:
  std::optional<std::uint32_t> all_v4_;  // the data offset of 0.0.0.0/0, seen first (address order)
};

std::string data_line(const detail::TreeNetwork& n, const FlatRecord& rec, const std::map<std::string, Column>& columns) {
  std::string line = network_text(n);
  for (const auto& [path, c] : columns) {
    line += ',';
    if (auto cell = rec.find(path); cell != rec.end()) line += detail::csv_escape(cell->second.text);
  }
  return line + '\n';
}

}  // namespace

void dump_mmdb(const std::string& mmdb_path, std::ostream& out) {
  detail::check_search_tree_fits(mmdb_path);
  MMDB_s db;
  const int rc = MMDB_open(mmdb_path.c_str(), MMDB_MODE_MMAP, &db);
  if (rc != MMDB_SUCCESS) throw Error(mmdb_path + ": cannot open IP database: " + MMDB_strerror(rc), ErrorCode::io);
  struct Close {
    MMDB_s& db;
    ~Close() { MMDB_close(&db); }
  } close{db};

  std::map<std::string, Column> columns;
  std::unordered_set<std::uint32_t> decoded;
  AliasFilter first_pass, second_pass;
  detail::walk_networks(db, mmdb_path, [&](const detail::TreeNetwork& n) {
    if (first_pass.is_alias(n) || !decoded.insert(n.data_offset).second) return;
    note_columns(read_record(db, n.data_offset, mmdb_path), columns);
  });
  out << header_line(columns);
  std::uint32_t cached_offset = 0;
  FlatRecord cached;  // neighbouring networks often share a record
  bool have_cached = false;
  detail::walk_networks(db, mmdb_path, [&](const detail::TreeNetwork& n) {
    if (second_pass.is_alias(n)) return;
    if (!have_cached || n.data_offset != cached_offset) {
      cached = read_record(db, n.data_offset, mmdb_path);
      cached_offset = n.data_offset;
      have_cached = true;
    }
    out << data_line(n, cached, columns);
  });
  if (!out) throw Error(mmdb_path + ": cannot write its dump", ErrorCode::io);
}

}  // namespace geotarget
