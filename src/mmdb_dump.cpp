// geotarget::dump_mmdb: every network of a database with its record, as CSV that
// geotarget::build_mmdb reads back into the same database.
#include <maxminddb.h>

#include <charconv>
#include <map>
#include <ostream>
#include <set>
#include <vector>

#include "csv_reader.hpp"
#include "geotarget/error.hpp"
#include "geotarget/ip_address.hpp"
#include "geotarget/mmdb_writer.hpp"
#include "mmdb_tree.hpp"

namespace geotarget {

namespace {

struct Cell {
  std::string text;
  std::string type;  // "" for the types build_mmdb infers (string, double); else the annotation
  bool is_string = false;
};
using FlatRecord = std::map<std::string, Cell>;  // dotted path -> value

std::string number_text(double v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, end);
}

// Flattens one value of an entry data list into `out`; returns the next list element.
MMDB_entry_data_list_s* flatten(MMDB_entry_data_list_s* e, const std::string& path, FlatRecord& out,
                                const std::string& file) {
  if (!e) throw Error(file + ": corrupt data section (truncated record)");
  const MMDB_entry_data_s& d = e->entry_data;
  auto join = [&](const std::string& part) { return path.empty() ? part : path + "." + part; };
  switch (d.type) {
    case MMDB_DATA_TYPE_MAP: {
      std::uint32_t n = d.data_size;
      e = e->next;
      for (std::uint32_t i = 0; i < n; ++i) {
        if (!e || e->entry_data.type != MMDB_DATA_TYPE_UTF8_STRING)
          throw Error(file + ": corrupt data section (map key)");
        std::string key(e->entry_data.utf8_string, e->entry_data.data_size);
        e = flatten(e->next, join(key), out, file);
      }
      return e;
    }
    case MMDB_DATA_TYPE_ARRAY: {
      std::uint32_t n = d.data_size;
      e = e->next;
      for (std::uint32_t i = 0; i < n; ++i) e = flatten(e, join(std::to_string(i)), out, file);
      return e;
    }
    case MMDB_DATA_TYPE_UTF8_STRING: out[path] = {std::string(d.utf8_string, d.data_size), "", true}; break;
    case MMDB_DATA_TYPE_DOUBLE: out[path] = {number_text(d.double_value), ""}; break;
    case MMDB_DATA_TYPE_FLOAT: out[path] = {number_text(d.float_value), "double"}; break;
    case MMDB_DATA_TYPE_UINT16: out[path] = {std::to_string(d.uint16), "uint16"}; break;
    case MMDB_DATA_TYPE_UINT32: out[path] = {std::to_string(d.uint32), "uint32"}; break;
    case MMDB_DATA_TYPE_INT32: out[path] = {std::to_string(d.int32), "double"}; break;
    case MMDB_DATA_TYPE_UINT64: out[path] = {std::to_string(d.uint64), "double"}; break;
    case MMDB_DATA_TYPE_BOOLEAN: out[path] = {d.boolean ? "true" : "false", "string"}; break;
    default: out[path] = {"", "string"}; break;  // bytes, uint128: not representable as CSV
  }
  return e->next;
}

FlatRecord read_record(MMDB_s& db, std::uint32_t offset, const std::string& file) {
  MMDB_entry_s entry{&db, offset};
  MMDB_entry_data_list_s* list = nullptr;
  int rc = MMDB_get_entry_data_list(&entry, &list);
  if (rc != MMDB_SUCCESS) {
    MMDB_free_entry_data_list(list);
    throw Error(file + ": corrupt record at data offset " + std::to_string(offset) + ": " + MMDB_strerror(rc));
  }
  FlatRecord out;
  try {
    flatten(list, "", out, file);
  } catch (...) {
    MMDB_free_entry_data_list(list);
    throw;
  }
  MMDB_free_entry_data_list(list);
  return out;
}

std::string network_text(const detail::TreeNetwork& n) {
  IpAddress a = n.is_v4 ? IpAddress::v4((std::uint32_t{n.address[12]} << 24) | (std::uint32_t{n.address[13]} << 16) |
                                        (std::uint32_t{n.address[14]} << 8) | n.address[15])
                        : IpAddress::v6(n.address);
  return a.to_string() + "/" + std::to_string(n.is_v4 ? n.v4_prefix : n.prefix_length);
}

}  // namespace

void dump_mmdb(const std::string& mmdb_path, std::ostream& out) {
  MMDB_s db;
  int rc = MMDB_open(mmdb_path.c_str(), MMDB_MODE_MMAP, &db);
  if (rc != MMDB_SUCCESS) throw Error(mmdb_path + ": cannot open IP database: " + MMDB_strerror(rc));
  struct Closer {
    MMDB_s& db;
    ~Closer() { MMDB_close(&db); }
  } closer{db};

  std::vector<detail::TreeNetwork> networks;
  detail::walk_networks(db, mmdb_path, [&](const detail::TreeNetwork& n) { networks.push_back(n); });
  std::map<std::uint32_t, FlatRecord> records;  // decoded once per distinct offset
  std::map<std::string, std::string> columns;   // path -> type annotation
  for (const auto& n : networks) {
    auto [it, fresh] = records.try_emplace(n.data_offset);
    if (!fresh) continue;
    it->second = read_record(db, n.data_offset, mmdb_path);
    for (const auto& [path, cell] : it->second) {
      std::string& type = columns[path];
      if (type.empty()) type = cell.type;
    }
  }
  // A string column whose values would be read back as numbers is annotated as text.
  for (auto& [path, type] : columns) {
    if (!type.empty()) continue;
    for (const auto& [offset, rec] : records) {
      auto c = rec.find(path);
      if (c == rec.end() || !c->second.is_string) continue;
      double v;
      const std::string& t = c->second.text;
      auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec == std::errc() && end == t.data() + t.size() && !t.empty()) type = "string";
    }
  }
  out << "network";
  for (const auto& [path, type] : columns) out << ',' << detail::csv_escape(type.empty() ? path : path + ":" + type);
  out << '\n';
  for (const auto& n : networks) {
    const FlatRecord& rec = records[n.data_offset];
    out << network_text(n);
    for (const auto& [path, type] : columns) {
      auto c = rec.find(path);
      out << ',' << (c == rec.end() ? std::string() : detail::csv_escape(c->second.text));
    }
    out << '\n';
  }
  if (!out) throw Error("cannot write the dump of " + mmdb_path);
}

}  // namespace geotarget
