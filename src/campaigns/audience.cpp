#include "audience.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <map>

#include "csv_reader.hpp"
#include "geotarget/error.hpp"

namespace geotarget::detail {

namespace {

constexpr const char* kGeoIds[kPlaceLevels] = {"geo_country", "geo_region", "geo_district", "geo_town", "geo_postal"};

struct Tally {
  std::int64_t audience = 0;
  std::map<std::string, std::int64_t> offers;
};

AllocationArea area_of(const Place& p, const Tally& t, const PlaceIndex& index) {
  AllocationArea a{p.id, p.name, p.level, t.audience, p.population > 0 ? static_cast<double>(p.population) : 0, {}, ""};
  for (std::uint32_t up = p.parent; up != Place::none; up = index.places()[up].parent) {
    const Place& q = index.places()[up];
    if (q.level == PlaceLevel::country) break;  // roll-ups stop at the region
    a.ancestors.push_back(AreaRef{q.id, q.name, q.level});
  }
  std::int64_t best = 0;
  for (const auto& [offer, n] : t.offers)
    if (n > best) best = n, a.offer = offer;  // ties: the first id
  return a;
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
  std::vector<std::map<std::string, Tally>> tallies(set.campaigns.size());
  std::vector<CampaignAudience> out(set.campaigns.size());
  for (CsvStatus s; (s = reader.next(r)) != CsvStatus::end_of_input;) {
    if (s != CsvStatus::ok || r.fields.size() != column.size()) continue;  // map never writes these
    auto value_of = [&](std::string_view name) -> std::string_view {
      auto it = column.find(name);
      return it == column.end() ? std::string_view() : r.fields[it->second];
    };
    PlaceChain chain;
    for (std::size_t l = 0; l < kPlaceLevels; ++l) chain.at[l] = index.find(value_of(kGeoIds[l]));
    const LatLng point{coordinate_or_nan(value_of("geo_lat")), coordinate_or_nan(value_of("geo_lon"))};
    for (std::size_t c = 0; c < set.campaigns.size(); ++c) {
      const Campaign& campaign = set.campaigns[c];
      if (!campaign.segment.matches(value_of) || !campaign.targets(chain, point)) continue;
      ++out[c].targeted;
      const Place* area = chain[campaign.level];
      if (!area) {
        ++out[c].without_area;
        continue;
      }
      Tally& t = tallies[c][area->id];
      ++t.audience;
      if (const Offer* offer = campaign.offer_for(value_of)) ++t.offers[offer->id];
    }
  }
  for (std::size_t c = 0; c < set.campaigns.size(); ++c)
    for (const auto& [id, t] : tallies[c]) out[c].areas.push_back(area_of(*index.find(id), t, index));
  return out;
}

}  // namespace geotarget::detail
