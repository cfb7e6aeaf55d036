// geotarget: IP address -> Location, from any MMDB database (libmaxminddb, memory-mapped).
//
//   geotarget::IpResolver resolver("city.mmdb");          // throws geotarget::Error
//   geotarget::IpLookup r = resolver.lookup("81.2.69.160");
//   if (r.status == geotarget::LookupStatus::found) use(r.location->position, r.location->city);
//   else log(geotarget::describe(r.status));
//
// Two record schemas are understood and detected from the data: MaxMind's GeoIP2/GeoLite2-City
// (nested: location.latitude, city.names.en, subdivisions[0].iso_code, postal.code, ...) and the
// flat one of ip-location-db / DB-IP lite builds (latitude, longitude, country_code, state1,
// city, postcode, timezone). A FieldMap overrides either.
//
// Every distinct data record is decoded exactly once, when the database is opened, into an
// immutable table keyed by its data-section offset; a lookup is a search-tree walk in
// libmaxminddb plus one hash probe, and allocates nothing.
//
// Several databases can serve as one (DB-IP ships IPv4 and IPv6 as two files): the first, in
// the order given, that has a network containing the address answers.
//
// Thread-safety: an opened IpResolver is immutable; lookup() may be called from any number of
// threads at once without locking.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "geotarget/ip_address.hpp"
#include "geotarget/lat_lng.hpp"

namespace geotarget {

namespace detail {
class Ipv4Table;
}

/// Outcome of one lookup. Everything except `found` is a miss, never an exception.
enum class LookupStatus : std::uint8_t {
  found,           ///< a network of the database contains the address and has a record
  not_found,       ///< no network in the database contains the address
  invalid_ip,      ///< the text is not an IPv4 or IPv6 address
  special_range,   ///< private, loopback, link-local, ... (see IpLookup::address_class)
  ipv6_in_ipv4_db, ///< an IPv6 address against an IPv4-only database
  database_error,  ///< the search tree or record is corrupt at this address
};

/// Stable snake_case name of a status ("found", "invalid_ip", ...).
[[nodiscard]] std::string_view describe(LookupStatus s) noexcept;

/// How precise a record is: the finest level of place its data supports. A record without a
/// city is no more precise than its region (or its country), whatever its coordinates say:
/// databases give such records a default point (GeoLite2 puts "somewhere in the US" at 37.751,
/// -97.822, a farm in Kansas), which must never pick a district, town or ZIP.
enum class Precision : std::uint8_t { country, region, city };

/// "country", "region", "city".
[[nodiscard]] std::string_view describe(Precision p) noexcept;

/// The decoded location of one database record. Strings view storage owned by the resolver
/// and stay valid as long as it lives; an unknown field is an empty view / NaN.
struct Location {
  static constexpr double unknown = std::numeric_limits<double>::quiet_NaN();
  LatLng position;               ///< NaN when the record has no coordinates
  double accuracy_km = unknown;  ///< GeoIP2 location.accuracy_radius; NaN when absent
  std::string_view country;      ///< ISO 3166-1 alpha-2, e.g. "GB"
  std::string_view region;       ///< first subdivision: ISO code (GeoIP2) or name (flat)
  std::string_view city;
  std::string_view postal;
  std::string_view time_zone;    ///< IANA name, e.g. "Europe/London"
  /// city: names a city, has coordinates and an accuracy radius (if any) within
  /// IpResolverOptions::city_max_accuracy_km; region: names a region within
  /// region_max_accuracy_km; otherwise country.
  Precision precision = Precision::country;

  /// False for records that only know the country (GeoIP2 has such networks).
  [[nodiscard]] bool has_coordinates() const noexcept { return position.is_known(); }
};

struct IpLookup {
  LookupStatus status = LookupStatus::invalid_ip;
  AddressClass address_class = AddressClass::global;  ///< set when status == special_range
  std::uint8_t prefix_length = 0;    ///< of the matching network, IPv4 addresses as 0..32
  const Location* location = nullptr;  ///< non-null exactly when status == found
  /// Number of the decoded record (0 .. DatabaseInfo::record_count - 1) when status == found:
  /// a key for tables compiled per record (see DecisionTable).
  std::uint32_t record = 0;
};

/// Where each Location field lives in a record: paths of map keys and array indexes joined by
/// '.', e.g. "location.latitude" or "subdivisions.0.iso_code". An empty path: field not read.
struct FieldMap {
  std::string lat, lon, accuracy_km, country, region, city, postal, time_zone;

  static FieldMap geoip2_city(std::string_view language = "en");
  static FieldMap flat();
};

enum class IpSchema : std::uint8_t { geoip2_city, flat, custom };

struct IpResolverOptions {
  /// Explicit field paths. DEFAULT: none; the schema is detected from the records.
  std::optional<FieldMap> fields;
  /// Language of names in GeoIP2 databases. DEFAULT: "en".
  std::string language = "en";
  /// Answer special-purpose ranges (private, loopback...) as misses without looking them up.
  /// DEFAULT: true.
  bool special_ranges_miss = true;
  /// The largest accuracy radius (GeoIP2 location.accuracy_radius) at which a record naming a
  /// city is placed at city precision (district, town, ZIP); above it the record stops at its
  /// region. MaxMind's city records mostly say 1 to 100 km; 200 and more are guesses at a
  /// metropolitan area or a state. DEFAULT: 100.
  double city_max_accuracy_km = 100;
  /// The largest accuracy radius at which a record naming a region is placed at region
  /// precision; above it the record stops at its country (GeoLite2's country-only records
  /// say 1000 km). DEFAULT: 500.
  double region_max_accuracy_km = 500;
};

/// Facts about an opened database, from its metadata and the load.
struct DatabaseInfo {
  std::string path;
  std::string database_type;
  int ip_version = 0;
  std::uint64_t build_epoch = 0;
  std::uint32_t node_count = 0;
  IpSchema schema = IpSchema::custom;
  std::size_t record_count = 0;   ///< distinct data records decoded at load
  std::size_t corrupt_records = 0;  ///< records that failed to decode; their lookups answer
                                    ///< database_error, every other record still serves
};

class IpResolver {
 public:
  /// Opens and validates the database and decodes every record once.
  /// Throws geotarget::Error naming the file when it cannot be opened, is not an MMDB, or its
  /// search tree or data section is corrupt.
  explicit IpResolver(const std::string& path, const IpResolverOptions& options = {});
  /// Opens several databases as one: a lookup is answered by the first of `paths` that has a
  /// network containing the address. Record numbers run through them in this order. Throws as
  /// above, naming the file; an empty list is an error too.
  explicit IpResolver(const std::vector<std::string>& paths, const IpResolverOptions& options = {});
  ~IpResolver();
  IpResolver(IpResolver&&) noexcept;
  IpResolver& operator=(IpResolver&&) noexcept;
  IpResolver(const IpResolver&) = delete;
  IpResolver& operator=(const IpResolver&) = delete;

  /// Parses and looks up an address. Never throws, never allocates.
  [[nodiscard]] IpLookup lookup(std::string_view ip) const noexcept;
  [[nodiscard]] IpLookup lookup(const IpAddress& ip) const noexcept;

  /// The databases together: for one, its own facts; for several, their paths and differing
  /// types joined with " + ", the largest ip_version, the oldest build, counts summed.
  [[nodiscard]] const DatabaseInfo& info() const noexcept;
  /// Each database, in the order given.
  [[nodiscard]] const std::vector<DatabaseInfo>& databases() const noexcept;
  /// The decoded record with this number, or nullptr when it failed to decode or is out of range.
  [[nodiscard]] const Location* record(std::uint32_t number) const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  /// The compiled IPv4 ranges (record numbers), for tables built on top of them.
  friend const detail::Ipv4Table& ipv4_ranges(const IpResolver& resolver) noexcept;
};

}  // namespace geotarget
