#include "audience.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>

#include "csv_reader.hpp"
#include "geotarget/error.hpp"
#include "target_index.hpp"

namespace geotarget::detail {

namespace {

// By level, in PlaceLevel order (not the order of the columns).
constexpr const char* kGeoIds[kPlaceLevels] = {"geo_country", "geo_region", "geo_district",
                                               "geo_town",    "geo_postal", "geo_neighbourhood"};

struct Tally {
  std::int64_t audience = 0;
  std::map<std::string, std::int64_t> offers;
};

// The place at index `up` and its ancestors, nearest first, up to the region.
std::vector<AreaRef> ancestors_from(std::uint32_t up, const PlaceIndex& index) {
  std::vector<AreaRef> out;
  for (; up != Place::none; up = index.places()[up].parent) {
    const Place& q = index.places()[up];
    if (q.level == PlaceLevel::country) break;  // roll-ups stop at the region
    out.push_back(AreaRef{q.id, q.name, q.level});
  }
  return out;
}

std::string main_offer(const Tally& t) {
  std::string offer;
  std::int64_t best = 0;
  for (const auto& [id, n] : t.offers)
    if (n > best) best = n, offer = id;  // ties: the first id
  return offer;
}

AllocationArea area_of(const Place& p, const Tally& t, const PlaceIndex& index) {
  return {p.id, p.name, p.level, t.audience, p.population > 0 ? static_cast<double>(p.population) : 0,
          ancestors_from(p.parent, index), main_offer(t)};
}

// A store's catchment as an area: it rolls up into the district, then the region, holding the store.
AllocationArea catchment_of(const RadiusArea& store, const Tally& t, const PlaceIndex& index) {
  PlaceChain chain;
  (void)index.locate(store.centre, chain);
  const Place* up = chain[PlaceLevel::district] ? chain[PlaceLevel::district] : chain[PlaceLevel::region];
  return {store.id, store.name, PlaceLevel::store, t.audience, 0,
          up ? ancestors_from(static_cast<std::uint32_t>(up - index.places().data()), index) : std::vector<AreaRef>{},
          main_offer(t)};
}

double coordinate_or_nan(std::string_view s) {
  double v = 0;
  return parse_coordinate(s, v) ? v : LatLng::unknown;
}

}  // namespace

std::vector<CampaignAudience> count_audience(const std::string& mapped_csv, const CampaignSet& set,
                                             const PlaceIndex& index) {
  std::ifstream in(mapped_csv, std::ios::binary);
  if (!in) throw Error(mapped_csv + ": cannot read", ErrorCode::io);
  CsvReader reader(in);
  CsvRecord r;
  if (reader.next(r) != CsvStatus::ok) throw Error(mapped_csv + ":1: no header row");
  std::map<std::string, std::size_t, std::less<>> column;
  for (std::size_t i = 0; i < r.fields.size(); ++i) column.emplace(std::string(r.fields[i]), i);
  for (const char* needed : {"geo_lat", "geo_lon", "geo_country", "geo_region", "geo_district", "geo_town", "geo_postal"})
    if (!column.count(needed)) throw Error(mapped_csv + ":1: no column '" + needed + "' (map the file with geotarget map first)");
  // Files mapped before the neighbourhood level have no geo_neighbourhood: fine unless a campaign needs it.
  const bool by_neighbourhood = std::any_of(set.campaigns.begin(), set.campaigns.end(),
                                            [](const Campaign& c) { return c.level == PlaceLevel::neighbourhood; });
  if (by_neighbourhood && !column.count("geo_neighbourhood"))
    throw Error(mapped_csv + ":1: no column 'geo_neighbourhood', which a campaign at level neighbourhood needs "
                "(map the file again with this version of geotarget map)");
  std::vector<std::map<std::string, Tally>> tallies(set.campaigns.size());
  std::vector<std::map<std::uint32_t, Tally>> catchments(set.campaigns.size());  // by store
  std::vector<CampaignAudience> out(set.campaigns.size());
  const TargetIndex targets(set);
  TargetIndex::Scratch scratch;
  std::vector<TargetIndex::Match> matches;
  for (CsvStatus s; (s = reader.next(r)) != CsvStatus::end_of_input;) {
    if (s != CsvStatus::ok || r.fields.size() != column.size()) continue;  // map never writes these
    auto value_of = [&](std::string_view name) -> std::string_view {
      auto it = column.find(name);
      return it == column.end() ? std::string_view() : r.fields[it->second];
    };
    PlaceChain chain;
    for (std::size_t l = 0; l < kPlaceLevels; ++l) chain.at[l] = index.find(value_of(kGeoIds[l]));
    const LatLng point{coordinate_or_nan(value_of("geo_lat")), coordinate_or_nan(value_of("geo_lon"))};
    targets.match(chain, point, scratch, matches);
    for (const TargetIndex::Match& m : matches) {
      const Campaign& campaign = set.campaigns[m.campaign];
      if (!campaign.segment.matches(value_of)) continue;
      ++out[m.campaign].targeted;
      const bool by_store = campaign.level == PlaceLevel::store;
      const Place* area = chain[campaign.level];
      if (by_store ? m.store == TargetIndex::kNoStore : !area) {
        ++out[m.campaign].without_area;
        continue;
      }
      Tally& t = by_store ? catchments[m.campaign][m.store] : tallies[m.campaign][area->id];
      ++t.audience;
      if (const Offer* offer = campaign.offer_for(value_of)) ++t.offers[offer->id];
    }
  }
  for (std::size_t c = 0; c < set.campaigns.size(); ++c) {
    for (const auto& [id, t] : tallies[c]) out[c].areas.push_back(area_of(*index.find(id), t, index));
    for (const auto& [store, t] : catchments[c])
      out[c].areas.push_back(catchment_of(set.campaigns[c].include.radius[store], t, index));
  }
  return out;
}

}  // namespace geotarget::detail
