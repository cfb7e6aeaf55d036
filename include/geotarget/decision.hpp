// geotarget: visitor IP -> location, places and local campaigns, compiled once per snapshot.
//
//   auto table = geotarget::DecisionTable::load({"city.mmdb", "geodata/default.yaml", "campaigns.yaml"});
//   geotarget::Decision d = table->decide(ip);                      // a range search, no decoding
//   std::array<geotarget::CampaignChoice, 16> picks;
//   std::size_t n = table->choose(d, geotarget::DecisionTable::today(), nullptr, picks);
//
// At load, every distinct record of the IP database is resolved once to its places, only as
// precise as the record (record_places.hpp: a record without a city never gets a district, town
// or ZIP), and to the campaigns whose targets contain it and whose level the record's precision
// reaches (a district, town or postal campaign needs a city; a region campaign a region), found
// through an R-tree of the campaigns' circles and polygons, with each campaign's nearest store;
// records that share coordinates share the work. A decision is then
// the IP database's compiled range search plus two array reads. What depends on the request
// (today's date, the visitor's segment attributes) is checked per request over the few
// candidate campaigns of the record.
//
// Thread-safety: immutable after load; decide() and choose() may run on any number of threads
// at once, take no lock and allocate nothing.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "geotarget/campaigns.hpp"
#include "geotarget/ip_resolver.hpp"
#include "geotarget/place_index.hpp"

namespace geotarget {

/// The files a snapshot is built from.
struct DecisionSources {
  /// MMDB files; several serve as one, the first that has an address answering (IpResolver).
  std::vector<std::string> ip_databases;
  std::string geodata;      ///< geodata manifest
  std::string campaigns;    ///< campaigns file; empty: no campaigns, decisions carry places only
  IpResolverOptions ip;
  PlaceIndexOptions places;
};

/// A candidate campaign's nearest store whose circle holds the point: an index in the
/// campaign's include.radius (ties by store id), or none; with its geodesic distance, computed
/// when the table is compiled.
struct CandidateStore {
  static constexpr std::uint32_t none = 0xffffffffu;
  std::uint32_t store = none;
  double km = 0;
  auto operator<=>(const CandidateStore&) const = default;
};

/// The request-independent part of one decision.
struct Decision {
  LookupStatus status = LookupStatus::invalid_ip;
  AddressClass address_class = AddressClass::global;  ///< set when status == special_range
  const Location* location = nullptr;  ///< the IP record; non-null when found by decide()
  /// The record's coordinates (or the point's), carried in the compiled table so that a
  /// caller needing only them does not touch the record. NaN when unknown.
  LatLng position;
  /// How precise the places are: the record's Location::precision; city for a point.
  Precision precision = Precision::country;
  PlaceChain places;                          ///< empty unless found; as deep as precision allows
  std::span<const std::uint16_t> candidates;  ///< campaign numbers, by priority
  std::span<const CandidateStore> stores;     ///< beside each candidate (or empty)
};

/// What a visitor told about themselves: segment columns and values ("loyalty_tier" ->
/// "gold"). Views into the caller's storage.
using VisitorAttributes = std::span<const std::pair<std::string_view, std::string_view>>;

/// One campaign chosen for a visitor.
struct CampaignChoice {
  const Campaign* campaign = nullptr;
  const Offer* offer = nullptr;  ///< nullptr when the campaign has no offer for the visitor
  const Place* area = nullptr;   ///< the visitor's place at the campaign's level, if any
  const RadiusArea* store = nullptr;  ///< the nearest of the campaign's stores holding the visitor
  double store_km = 0;                ///< geodesic distance to it
};

/// Sizes of a compiled snapshot, for /metrics and the load log.
struct DecisionTableStats {
  std::size_t records = 0;          ///< IP database records compiled
  std::size_t distinct_chains = 0;  ///< distinct place chains among them
  std::size_t distinct_campaign_sets = 0;
  std::size_t bytes = 0;            ///< memory of the compiled tables (not the sources)
  double load_seconds = 0;          ///< the whole load: database, places, campaigns, compile
  double compile_seconds = 0;       ///< the per-record compile alone
};

class DecisionTable {
 public:
  /// Opens the IP database, loads the places and campaigns and compiles every record.
  /// Throws geotarget::Error naming the file that failed.
  static std::shared_ptr<const DecisionTable> load(const DecisionSources& sources);
  ~DecisionTable();
  DecisionTable(const DecisionTable&) = delete;
  DecisionTable& operator=(const DecisionTable&) = delete;

  /// The compiled decision for one address. Never throws, never allocates.
  [[nodiscard]] Decision decide(const IpAddress& ip) const noexcept;
  /// The decision for a point: its places and the campaigns whose targets contain it
  /// (status found, location null). `scratch` holds the candidates; the Decision views it.
  struct PointScratch {
    std::vector<std::uint16_t> candidates;
    std::vector<CandidateStore> stores;
  };
  [[nodiscard]] Decision decide_point(LatLng point, PointScratch& scratch) const;

  /// Writes into `out` the candidates active on `day` (days since 1970-01-01, UTC) that the
  /// visitor qualifies for, by priority, and returns how many. With `visitor`, a campaign counts
  /// when its segment matches and one of its offers does; without, segments are not checked
  /// and the offer is the first one meant for everyone (else the first). Never allocates.
  std::size_t choose(const Decision& decision, std::int64_t day, const VisitorAttributes* visitor,
                     std::span<CampaignChoice> out) const noexcept;

  /// Today's day number in UTC, for choose().
  [[nodiscard]] static std::int64_t today() noexcept;
  /// How many campaigns run on `day` (their dates include it), whatever the visitor.
  [[nodiscard]] std::size_t active_campaigns(std::int64_t day) const noexcept;

  [[nodiscard]] const IpResolver& resolver() const noexcept;
  [[nodiscard]] const PlaceIndex& places() const noexcept;
  [[nodiscard]] const CampaignSet& campaigns() const noexcept;
  [[nodiscard]] const DecisionSources& sources() const noexcept;
  [[nodiscard]] const DecisionTableStats& stats() const noexcept;

 private:
  struct Impl;
  explicit DecisionTable(std::unique_ptr<Impl> impl);  // load() is the only way to build one
  std::unique_ptr<Impl> impl_;
};

/// Parses visitor attributes from "column:value,column:value" (the `segment` request
/// parameter). False, with the offending pair's 1-based position in `bad_pair`, on a pair
/// without ':' or with an empty column, or when there are more than out.size() pairs.
[[nodiscard]] bool parse_visitor_attributes(std::string_view text,
                                            std::span<std::pair<std::string_view, std::string_view>> out,
                                            std::size_t& count, std::size_t& bad_pair) noexcept;

}  // namespace geotarget
