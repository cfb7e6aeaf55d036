#include "geotarget/ip_resolver.hpp"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <unordered_set>
#include <vector>

#include "geotarget/error.hpp"
#include "mmdb_tree.hpp"
#include "huge_pages.hpp"
#include "ipv4_table.hpp"
#include "offset_index.hpp"

namespace geotarget {

std::string_view describe(LookupStatus s) noexcept {
  switch (s) {
    case LookupStatus::found: return "found";
    case LookupStatus::not_found: return "not_found";
    case LookupStatus::invalid_ip: return "invalid_ip";
    case LookupStatus::special_range: return "special_range";
    case LookupStatus::ipv6_in_ipv4_db: return "ipv6_in_ipv4_db";
    case LookupStatus::database_error: return "database_error";
  }
  return "unknown";
}

std::string_view describe(Precision p) noexcept {
  switch (p) {
    case Precision::country: return "country";
    case Precision::region: return "region";
    case Precision::city: return "city";
  }
  return "unknown";
}

namespace {

// The rule of Location::precision; an unknown radius does not limit it.
Precision precision_of(const Location& l, const IpResolverOptions& options) noexcept {
  auto within = [&](double limit) { return !(l.accuracy_km > limit); };
  if (!l.city.empty() && l.has_coordinates() && within(options.city_max_accuracy_km)) return Precision::city;
  if (!l.region.empty() && within(options.region_max_accuracy_km)) return Precision::region;
  return Precision::country;
}

}  // namespace

FieldMap FieldMap::geoip2_city(std::string_view language) {
  std::string lang(language);
  return FieldMap{"location.latitude",      "location.longitude", "location.accuracy_radius",
                  "country.iso_code",       "subdivisions.0.iso_code", "city.names." + lang,
                  "postal.code",            "location.time_zone"};
}

FieldMap FieldMap::flat() {
  return FieldMap{"latitude", "longitude", "", "country_code", "state1", "city", "postcode",
                  "timezone"};
}

namespace {

// A field path split for MMDB_aget_value: NULL-terminated array of C strings.
class FieldPath {
 public:
  explicit FieldPath(const std::string& dotted) {
    for (std::size_t start = 0; !dotted.empty() && start <= dotted.size();) {
      std::size_t dot = std::min(dotted.find('.', start), dotted.size());
      parts_.push_back(dotted.substr(start, dot - start));
      start = dot + 1;
    }
    for (const auto& p : parts_) pointers_.push_back(p.c_str());
    pointers_.push_back(nullptr);
  }
  FieldPath(const FieldPath&) = delete;
  [[nodiscard]] bool empty() const { return parts_.empty(); }
  [[nodiscard]] const char* const* c_path() const { return pointers_.data(); }

 private:
  std::vector<std::string> parts_;
  std::vector<const char*> pointers_;
};

// The parsed paths of a FieldMap, built once per load.
struct DecodePlan {
  explicit DecodePlan(const FieldMap& f)
      : lat(f.lat), lon(f.lon), accuracy_km(f.accuracy_km), country(f.country),
        region(f.region), city(f.city), postal(f.postal), time_zone(f.time_zone) {}
  FieldPath lat, lon, accuracy_km, country, region, city, postal, time_zone;
};

enum class Decode { ok, absent, corrupt };

Decode get_value(MMDB_entry_s& entry, const FieldPath& path, MMDB_entry_data_s& out) {
  if (path.empty()) return Decode::absent;
  int rc = MMDB_aget_value(&entry, &out, path.c_path());
  if (rc == MMDB_SUCCESS) return out.has_data ? Decode::ok : Decode::absent;
  if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR || rc == MMDB_INVALID_LOOKUP_PATH_ERROR)
    return Decode::absent;
  return Decode::corrupt;
}

// Any numeric MMDB type, or a string holding a number (CSV-built databases).
double as_number(const MMDB_entry_data_s& d) {
  switch (d.type) {
    case MMDB_DATA_TYPE_DOUBLE: return d.double_value;
    case MMDB_DATA_TYPE_FLOAT: return static_cast<double>(d.float_value);
    case MMDB_DATA_TYPE_UINT16: return d.uint16;
    case MMDB_DATA_TYPE_UINT32: return d.uint32;
    case MMDB_DATA_TYPE_INT32: return d.int32;
    case MMDB_DATA_TYPE_UINT64: return static_cast<double>(d.uint64);
    case MMDB_DATA_TYPE_UTF8_STRING: {
      double v = Location::unknown;
      auto [end, ec] = std::from_chars(d.utf8_string, d.utf8_string + d.data_size, v);
      return (ec == std::errc() && end == d.utf8_string + d.data_size) ? v : Location::unknown;
    }
    default: return Location::unknown;
  }
}

// An IPv4 network as the search-tree walk found it: 12 bytes, for millions of them.
struct V4Network {
  std::uint32_t start = 0;
  std::uint32_t data_offset = 0;
  std::uint8_t prefix_length = 0;
};

// An IPv4 range with the resolver's record number: what the databases contribute to the
// compiled IPv4 table.
struct V4Range {
  std::uint32_t start = 0;
  std::uint64_t end = 0;  // exclusive
  std::uint8_t prefix_length = 0;
  std::uint32_t record = 0;
};

// `later`'s ranges where `earlier` has none: the earlier database answers where both do.
// Both are sorted and free of overlaps; so is the result.
std::vector<V4Range> fill_gaps(const std::vector<V4Range>& earlier, const std::vector<V4Range>& later) {
  std::vector<V4Range> out;
  out.reserve(earlier.size() + later.size());
  std::size_t i = 0;
  for (const V4Range& r : later) {
    std::uint64_t from = r.start;
    while (from < r.end) {
      while (i < earlier.size() && earlier[i].end <= from) out.push_back(earlier[i++]);
      const std::uint64_t until = i < earlier.size() ? std::min<std::uint64_t>(earlier[i].start, r.end) : r.end;
      if (from < until) out.push_back({static_cast<std::uint32_t>(from), until, r.prefix_length, r.record});
      from = i < earlier.size() && earlier[i].start < r.end ? std::max(until, earlier[i].end) : r.end;
    }
  }
  out.insert(out.end(), earlier.begin() + static_cast<std::ptrdiff_t>(i), earlier.end());
  return out;
}

// One opened MMDB file: libmaxminddb's handle, and where its records sit among the resolver's.
struct IpDatabase {
  MMDB_s db{};
  bool opened = false;
  DatabaseInfo info;
  std::unique_ptr<detail::OffsetIndex> index;  // data-section offset -> record number in this file
  std::uint32_t first_record = 0;              // its record i is the resolver's first_record + i

  IpDatabase() = default;
  IpDatabase(const IpDatabase&) = delete;
  IpDatabase& operator=(const IpDatabase&) = delete;
  ~IpDatabase() {
    if (opened) MMDB_close(&db);
  }

  void open(const std::string& path);
  std::vector<std::uint32_t> collect_offsets(std::vector<V4Network>& v4) const;
  IpSchema detect_schema(const std::vector<std::uint32_t>& offsets) const;
  // The resolver's record number for a data-section offset, or OffsetIndex::npos.
  [[nodiscard]] std::uint32_t record_at(std::uint32_t offset) const noexcept {
    const std::uint32_t local = index->find(offset);
    return local == detail::OffsetIndex::npos ? local : first_record + local;
  }
};

void IpDatabase::open(const std::string& path) {
  detail::check_search_tree_fits(path);
  int rc = MMDB_open(path.c_str(), MMDB_MODE_MMAP, &db);
  if (rc != MMDB_SUCCESS) {
    std::string why = MMDB_strerror(rc);
    if (rc == MMDB_IO_ERROR) why += std::string(" (") + std::strerror(errno) + ")";
    throw Error(path + ": cannot open IP database: " + why, ErrorCode::io);
  }
  opened = true;
  info.path = path;
  info.database_type = db.metadata.database_type ? db.metadata.database_type : "";
  info.ip_version = db.metadata.ip_version;
  info.build_epoch = db.metadata.build_epoch;
  info.node_count = db.metadata.node_count;
}

// Every distinct data offset, and the networks that IPv4 lookups land in, in address order.
std::vector<std::uint32_t> IpDatabase::collect_offsets(std::vector<V4Network>& v4) const {
  std::vector<std::uint32_t> offsets;
  // A tree has at most node_count + 1 leaves; reserving avoids copying millions of entries
  // while growing (the memory is only touched as it fills).
  offsets.reserve(std::size_t{db.metadata.node_count} + 1);
  if (db.metadata.ip_version == 4) v4.reserve(std::size_t{db.metadata.node_count} + 1);
  detail::walk_networks(db, info.path, [&](const detail::TreeNetwork& n) {
    offsets.push_back(n.data_offset);
    if (n.is_v4) {
      const std::uint32_t start = (std::uint32_t{n.address[12]} << 24) | (std::uint32_t{n.address[13]} << 16) |
                                  (std::uint32_t{n.address[14]} << 8) | std::uint32_t{n.address[15]};
      v4.push_back({start, n.data_offset, static_cast<std::uint8_t>(n.v4_prefix)});
    } else if (n.prefix_length <= 96 && std::all_of(n.address.begin(), n.address.begin() + 12,
                                                    [](std::uint8_t b) { return b == 0; })) {
      v4.push_back({0, n.data_offset, 0});  // a short IPv6 network that covers the whole ::/96
    }
  });
  std::sort(offsets.begin(), offsets.end());
  offsets.erase(std::unique(offsets.begin(), offsets.end()), offsets.end());
  return offsets;
}

// The first record that has coordinates under either schema decides; a database without any
// falls back on its metadata type.
IpSchema IpDatabase::detect_schema(const std::vector<std::uint32_t>& offsets) const {
  const FieldPath nested("location.latitude"), flat("latitude");
  MMDB_entry_data_s d;
  std::size_t probes = std::min<std::size_t>(offsets.size(), 1000);
  for (std::size_t i = 0; i < probes; ++i) {
    MMDB_entry_s entry{const_cast<MMDB_s*>(&db), offsets[i]};
    if (get_value(entry, nested, d) == Decode::ok) return IpSchema::geoip2_city;
    if (get_value(entry, flat, d) == Decode::ok) return IpSchema::flat;
  }
  bool maxmind = info.database_type.find("GeoIP2") != std::string::npos ||
                 info.database_type.find("GeoLite2") != std::string::npos;
  return maxmind ? IpSchema::geoip2_city : IpSchema::flat;
}

}  // namespace

struct IpResolver::Impl {
  bool special_ranges_miss = true;
  std::vector<std::unique_ptr<IpDatabase>> databases;  // in the order given: the first answers
  std::vector<DatabaseInfo> database_infos;
  DatabaseInfo info;  // all of them together
  std::vector<Location, detail::HugePageAllocator<Location>> locations;  // by record number
  std::vector<std::uint8_t> corrupt;    // by record number: 1 when the record failed to decode
  std::unordered_set<std::string> strings;  // interned; node-based, so views stay valid
  detail::Ipv4Table ipv4;  // IPv4 addresses: compiled ranges -> record number

  std::vector<V4Range> load(IpDatabase& d, const IpResolverOptions& options);
  void summarize();
  bool decode(const IpDatabase& d, std::uint32_t offset, const DecodePlan& plan, Location& out);
  std::string_view intern(const MMDB_entry_data_s& d);
  IpLookup lookup(const IpAddress& ip) const noexcept;
  IpLookup lookup_v6(const IpAddress& ip) const noexcept;
};

std::string_view IpResolver::Impl::intern(const MMDB_entry_data_s& d) {
  if (d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size == 0) return {};
  return *strings.emplace(d.utf8_string, d.data_size).first;
}

bool IpResolver::Impl::decode(const IpDatabase& database, std::uint32_t offset, const DecodePlan& plan,
                              Location& out) {
  struct Target {
    const FieldPath* path;
    double* number;
    std::string_view* text;
  };
  const Target targets[] = {
      {&plan.lat, &out.position.lat, nullptr}, {&plan.lon, &out.position.lon, nullptr},
      {&plan.accuracy_km, &out.accuracy_km, nullptr}, {&plan.country, nullptr, &out.country},
      {&plan.region, nullptr, &out.region},   {&plan.city, nullptr, &out.city},
      {&plan.postal, nullptr, &out.postal},   {&plan.time_zone, nullptr, &out.time_zone},
  };
  MMDB_entry_s entry{const_cast<MMDB_s*>(&database.db), offset};
  MMDB_entry_data_s d;
  for (const Target& t : targets) {
    Decode r = get_value(entry, *t.path, d);
    if (r == Decode::corrupt) return false;
    if (r == Decode::absent) continue;
    if (t.number) *t.number = as_number(d);
    if (t.text) *t.text = intern(d);
  }
  // Out-of-range coordinates are as good as none.
  if (!out.position.is_valid()) out.position = LatLng{};
  return true;
}

// Opens one database, decodes its records after those already loaded, and returns its IPv4
// ranges with the resolver's record numbers.
std::vector<V4Range> IpResolver::Impl::load(IpDatabase& d, const IpResolverOptions& options) {
  std::vector<V4Network> v4;
  std::vector<std::uint32_t> offsets = d.collect_offsets(v4);
  d.info.schema = options.fields ? IpSchema::custom : d.detect_schema(offsets);
  FieldMap fields = options.fields                            ? *options.fields
                    : d.info.schema == IpSchema::geoip2_city ? FieldMap::geoip2_city(options.language)
                                                             : FieldMap::flat();
  const DecodePlan plan(fields);
  d.first_record = static_cast<std::uint32_t>(locations.size());
  if (std::uint64_t{d.first_record} + offsets.size() >= detail::OffsetIndex::npos)
    throw Error(d.info.path + ": more records than one resolver holds", ErrorCode::limit_exceeded);
  locations.resize(locations.size() + offsets.size());
  corrupt.resize(locations.size(), 0);
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    if (!decode(d, offsets[i], plan, locations[d.first_record + i])) {
      corrupt[d.first_record + i] = 1;
      ++d.info.corrupt_records;
    }
    locations[d.first_record + i].precision = precision_of(locations[d.first_record + i], options);
  }
  d.info.record_count = offsets.size();
  d.index = std::make_unique<detail::OffsetIndex>(offsets);
  std::vector<V4Range> ranges;
  ranges.reserve(v4.size());
  for (const V4Network& n : v4)
    ranges.push_back({n.start, std::uint64_t{n.start} + (std::uint64_t{1} << (32 - n.prefix_length)),
                      n.prefix_length, d.record_at(n.data_offset)});
  return ranges;
}

// One database: its own facts. Several: paths and types joined with " + ", counts summed.
void IpResolver::Impl::summarize() {
  info = database_infos.front();
  for (std::size_t i = 1; i < database_infos.size(); ++i) {
    const DatabaseInfo& d = database_infos[i];
    info.path += " + " + d.path;
    if (d.database_type != database_infos.front().database_type) info.database_type += " + " + d.database_type;
    info.ip_version = std::max(info.ip_version, d.ip_version);
    info.build_epoch = std::min(info.build_epoch, d.build_epoch);
    info.node_count += d.node_count;
    if (d.schema != info.schema) info.schema = IpSchema::custom;
    info.record_count += d.record_count;
    info.corrupt_records += d.corrupt_records;
  }
}

IpLookup IpResolver::Impl::lookup(const IpAddress& ip) const noexcept {
  IpLookup r;
  if (special_ranges_miss) {
    r.address_class = ip.classify();
    if (r.address_class != AddressClass::global) {
      r.status = LookupStatus::special_range;
      return r;
    }
  }
  if (!ip.is_v4()) return lookup_v6(ip);
  detail::Ipv4Table::Hit hit = ipv4.find(ip.v4_value());
  r.prefix_length = hit.prefix_length;
  r.status = hit.value == detail::Ipv4Table::none ? LookupStatus::not_found
             : corrupt[hit.value]                 ? LookupStatus::database_error
                                                  : LookupStatus::found;
  if (r.status == LookupStatus::found) {
    r.location = &locations[hit.value];
    r.record = hit.value;
  }
  return r;
}

// The first database that has the address answers; a miss is not_found when any database
// holds IPv6 networks, ipv6_in_ipv4_db when none does, database_error when one failed.
IpLookup IpResolver::Impl::lookup_v6(const IpAddress& ip) const noexcept {
  sockaddr_storage ss{};
  auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
  sin6->sin6_family = AF_INET6;
  std::memcpy(&sin6->sin6_addr, ip.bytes().data(), 16);
  IpLookup r;
  r.status = LookupStatus::ipv6_in_ipv4_db;
  for (const auto& d : databases) {
    int mmdb_error = MMDB_SUCCESS;
    MMDB_lookup_result_s res =
        MMDB_lookup_sockaddr(const_cast<MMDB_s*>(&d->db), reinterpret_cast<sockaddr*>(&ss), &mmdb_error);
    if (mmdb_error == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR) continue;
    if (mmdb_error != MMDB_SUCCESS) {
      r.status = LookupStatus::database_error;
      continue;
    }
    if (!res.found_entry) {
      if (r.status != LookupStatus::database_error) r.status = LookupStatus::not_found;
      r.prefix_length = static_cast<std::uint8_t>(std::min<int>(res.netmask, 128));
      continue;
    }
    const std::uint32_t record = d->record_at(res.entry.offset);
    if (record == detail::OffsetIndex::npos || corrupt[record]) {
      r.status = LookupStatus::database_error;
      continue;
    }
    r.status = LookupStatus::found;
    r.prefix_length = static_cast<std::uint8_t>(std::min<int>(res.netmask, 128));
    r.location = &locations[record];
    r.record = record;
    return r;
  }
  return r;
}

IpResolver::IpResolver(const std::string& path, const IpResolverOptions& options)
    : IpResolver(std::vector<std::string>{path}, options) {}

IpResolver::IpResolver(const std::vector<std::string>& paths, const IpResolverOptions& options)
    : impl_(std::make_unique<Impl>()) {
  if (paths.empty()) throw Error("no IP database given", ErrorCode::invalid_option);
  Impl& m = *impl_;
  m.special_ranges_miss = options.special_ranges_miss;
  std::vector<V4Range> v4;
  for (const std::string& path : paths) {
    auto& d = *m.databases.emplace_back(std::make_unique<IpDatabase>());
    d.open(path);
    std::vector<V4Range> own = m.load(d, options);
    v4 = v4.empty() ? std::move(own) : fill_gaps(v4, own);
    m.database_infos.push_back(d.info);
  }
  m.summarize();
  detail::Ipv4TableBuilder builder;
  for (const V4Range& r : v4) builder.add_range(r.start, r.end, r.prefix_length, r.record);
  m.ipv4 = std::move(builder).build();
}

IpResolver::~IpResolver() = default;
IpResolver::IpResolver(IpResolver&&) noexcept = default;
IpResolver& IpResolver::operator=(IpResolver&&) noexcept = default;

IpLookup IpResolver::lookup(std::string_view ip) const noexcept {
  IpAddress address;
  if (!parse_ip(ip, address)) return IpLookup{};
  return impl_->lookup(address);
}

IpLookup IpResolver::lookup(const IpAddress& ip) const noexcept { return impl_->lookup(ip); }

const DatabaseInfo& IpResolver::info() const noexcept { return impl_->info; }

const std::vector<DatabaseInfo>& IpResolver::databases() const noexcept { return impl_->database_infos; }

const detail::Ipv4Table& ipv4_ranges(const IpResolver& resolver) noexcept { return resolver.impl_->ipv4; }

const Location* IpResolver::record(std::uint32_t number) const noexcept {
  if (number >= impl_->locations.size() || impl_->corrupt[number]) return nullptr;
  return &impl_->locations[number];
}

}  // namespace geotarget
