#include "geotarget/gazetteer.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "address_parts.hpp"
#include "geotarget/error.hpp"
#include "text_normalize.hpp"

namespace geotarget {

std::string_view describe(MatchLevel level) noexcept {
  switch (level) {
    case MatchLevel::coordinates: return "coordinates";
    case MatchLevel::postal: return "postal";
    case MatchLevel::town: return "town";
    case MatchLevel::region: return "region";
    case MatchLevel::country: return "country";
    case MatchLevel::none: return "none";
  }
  return "none";
}

namespace {

using detail::normalize_place_name;
using detail::normalize_text;

constexpr std::uint32_t kNone = Place::none;

// Confidence of each kind of evidence; documented in docs/formats.md.
constexpr double kPostalTownRegion = 0.98, kPostalRegion = 0.95, kPostalAlone = 0.9,
                 kPostalTownDiffers = 0.85, kPostalRegionConflict = 0.6, kTownInRegion = 0.9,
                 kTownOneTypo = 0.75, kTownTwoTypos = 0.65, kTownTwinsInRegion = 0.6,
                 kTownUniqueInCountry = 0.75, kTownUniqueInWorld = 0.6, kTownRegionConflict = 0.7, kRegion = 0.5,
                 kAmbiguousFallback = 0.3, kCountry = 0.3;

// Names people use for countries that are not in the data.
constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kCountryAliases = {{
    {"usa", "US"},         {"united states", "US"}, {"us", "US"},         {"america", "US"},
    {"uk", "GB"},          {"united kingdom", "GB"}, {"great britain", "GB"}, {"england", "GB"},
    {"deutschland", "DE"}, {"espana", "ES"},         {"italia", "IT"},     {"brasil", "BR"},
    {"mexico", "MX"},      {"nederland", "NL"},      {"osterreich", "AT"}, {"schweiz", "CH"}}};

}  // namespace

struct Gazetteer::Impl {
  std::shared_ptr<const PlaceIndex> index;
  GazetteerOptions options;
  std::vector<std::uint32_t> zip_place;  // ZIP5 as a number -> postal place
  std::unordered_map<std::string, std::vector<std::uint32_t>> towns_by_name;
  std::unordered_map<std::uint32_t, std::vector<std::pair<std::string, std::uint32_t>>> towns_by_region;
  std::unordered_map<std::string, std::vector<std::uint32_t>> neighbourhoods_by_name;
  // Regions by code and by every name (several countries may share one: "Central").
  std::unordered_map<std::string, std::vector<std::uint32_t>> regions_by_name;
  std::unordered_map<std::string, std::uint32_t> countries_by_name;
  // Countries that the pack also has as a region of another country, as ISO 3166-2 lists them
  // (PR -> US-PR, VI -> US-VI): the country's place -> that region.
  std::unordered_map<std::uint32_t, std::uint32_t> territory_region;
  std::vector<std::uint32_t> region_of, country_of;  // by place: its ancestor at that level
  std::uint32_t home = kNone;  // the default country

  void build();
  void add_names(const Place& p, std::uint32_t i);
  void add_territories();
  [[nodiscard]] std::uint32_t ancestor(std::uint32_t place, PlaceLevel level) const;
  [[nodiscard]] const Place& at(std::uint32_t i) const { return index->places()[i]; }
  [[nodiscard]] std::uint32_t find_region(std::string_view text, std::uint32_t country, bool anywhere) const;
  [[nodiscard]] std::uint32_t find_country(std::string_view text) const;
  [[nodiscard]] std::pair<std::uint32_t, std::uint32_t> stated_country(std::string_view text) const;
  [[nodiscard]] std::uint32_t find_zip(std::string_view text) const;
  [[nodiscard]] AddressMatch answer(MatchLevel level, double confidence, std::uint32_t place) const;
  [[nodiscard]] AddressMatch by_postal(std::uint32_t zip, const std::string& town, std::uint32_t region) const;
  [[nodiscard]] AddressMatch by_town(const std::string& town, std::uint32_t region, std::uint32_t country) const;
  [[nodiscard]] AddressMatch fuzzy_town(const std::string& town, std::uint32_t region) const;
  [[nodiscard]] AddressMatch by_neighbourhood(const std::string& name, std::uint32_t region) const;
  [[nodiscard]] AddressMatch common_ancestor(const std::vector<std::uint32_t>& towns) const;
  [[nodiscard]] AddressMatch match(const detail::AddressParts& parts) const;
  [[nodiscard]] AddressMatch match_evidence(const detail::AddressParts& parts) const;
};

std::uint32_t Gazetteer::Impl::ancestor(std::uint32_t place, PlaceLevel level) const {
  for (std::uint32_t p = place; p != kNone; p = at(p).parent)
    if (at(p).level == level) return p;
  return kNone;
}

// Each name of a place under its normalised form: the name, the alternate names of the
// geodata (native, other scripts: München, תל אביב, NYC) and, for regions and countries, the code.
void Gazetteer::Impl::add_names(const Place& p, std::uint32_t i) {
  auto add = [&](std::string key, auto& table) {
    if (key.empty()) return;
    auto& list = table[std::move(key)];
    if (std::find(list.begin(), list.end(), i) == list.end()) list.push_back(i);
  };
  std::string_view others = index->alternate_names(p);
  std::vector<std::string_view> names{p.name};
  for (std::size_t start = 0; start < others.size();) {
    const std::size_t end = std::min(others.find('|', start), others.size());
    names.push_back(others.substr(start, end - start));
    start = end + 1;
  }
  switch (p.level) {
    case PlaceLevel::country:
      countries_by_name.emplace(normalize_text(p.id), i);
      for (std::string_view n : names) countries_by_name.emplace(normalize_text(n), i);
      break;
    case PlaceLevel::region:
      for (std::string_view n : names) add(normalize_place_name(n), regions_by_name);
      if (auto dash = p.id.find('-'); dash != std::string::npos)
        add(normalize_text(p.id.substr(dash + 1)), regions_by_name);  // US-NY -> ny, DE-BY -> by
      break;
    case PlaceLevel::town:
      towns_by_region[region_of[i]].emplace_back(normalize_place_name(p.name), i);
      for (std::string_view n : names) add(normalize_place_name(n), towns_by_name);
      break;
    case PlaceLevel::neighbourhood:  // a name of its own: never taken for a town (D44)
      for (std::string_view n : names) add(normalize_place_name(n), neighbourhoods_by_name);
      break;
    default: break;
  }
}

void Gazetteer::Impl::build() {
  const auto& places = index->places();
  if (places.empty()) throw Error("gazetteer: the geodata has no places");
  zip_place.assign(100000, kNone);
  region_of.resize(places.size());
  country_of.resize(places.size());
  for (std::uint32_t i = 0; i < places.size(); ++i) {
    const Place& p = places[i];
    region_of[i] = ancestor(i, PlaceLevel::region);
    country_of[i] = ancestor(i, PlaceLevel::country);
    add_names(p, i);
    if (p.level == PlaceLevel::postal && p.name.size() == 5 && std::all_of(p.name.begin(), p.name.end(), ::isdigit))
      zip_place[static_cast<std::size_t>(std::stoul(p.name))] = i;
  }
  // Names people use for countries (USA, UK) win over names of other countries' entries.
  for (const auto& [alias, code] : kCountryAliases) {
    const Place* p = index->find(code);
    if (p) countries_by_name[std::string(alias)] = static_cast<std::uint32_t>(p - places.data());
  }
  if (const Place* p = index->find(options.default_country)) home = static_cast<std::uint32_t>(p - places.data());
  add_territories();
}

// A region "CC-XX" of one country whose code XX is another country's, where that country's own
// interior point lies: the pack (US Census) has Puerto Rico both as the region US-PR and as the
// country PR, and an address that names the country means the region. The point keeps ES-CN
// (Canarias) apart from CN (China).
void Gazetteer::Impl::add_territories() {
  const auto& places = index->places();
  PlaceChain chain;
  for (std::uint32_t r = 0; r < places.size(); ++r) {
    const Place& region = places[r];
    const std::size_t dash = region.id.find('-');
    if (region.level != PlaceLevel::region || dash == std::string::npos || region.id.size() != dash + 3) continue;
    const Place* country = index->find(region.id.substr(dash + 1));
    if (!country || country->level != PlaceLevel::country || country == &at(country_of[r])) continue;
    if (index->locate(country->point, chain) == LocateStatus::ok && chain[PlaceLevel::region] == &region)
      territory_region.emplace(static_cast<std::uint32_t>(country - places.data()), r);
  }
}

// Codes are matched as written (MT is Montana, not "Mount"), names with abbreviations expanded.
// A region of `country` (of the default country when none is known); with no country given, a
// name (not a code) that only one region in the world has.
std::uint32_t Gazetteer::Impl::find_region(std::string_view text, std::uint32_t country, bool anywhere) const {
  if (text.empty()) return kNone;
  auto it = regions_by_name.find(normalize_text(text));
  if (it == regions_by_name.end()) it = regions_by_name.find(normalize_place_name(text));
  if (it == regions_by_name.end()) return kNone;
  const std::uint32_t within = country != kNone ? country : home;
  for (std::uint32_t r : it->second)
    if (country_of[r] == within) return r;
  return anywhere && country == kNone && it->second.size() == 1 && text.size() > 3 ? it->second.front() : kNone;
}

std::uint32_t Gazetteer::Impl::find_country(std::string_view text) const {
  if (text.empty()) return kNone;
  auto it = countries_by_name.find(normalize_text(text));
  return it == countries_by_name.end() ? kNone : it->second;
}

// The country an address names and, for a territory (add_territories), its region: "Puerto
// Rico" -> (US, US-PR).
std::pair<std::uint32_t, std::uint32_t> Gazetteer::Impl::stated_country(std::string_view text) const {
  const std::uint32_t country = find_country(text);
  auto it = territory_region.find(country);
  if (it == territory_region.end()) return {country, kNone};
  return {country_of[it->second], it->second};
}

// The postal place of "62701", "62701-1234", "627011234", or "2134" that lost its zero.
std::uint32_t Gazetteer::Impl::find_zip(std::string_view text) const {
  std::string digits;
  for (char c : text) {
    if (c >= '0' && c <= '9') digits += c;
    else if (c != '-' && c != ' ') return kNone;
  }
  if (digits.size() == 9) digits.resize(5);
  if (digits.size() >= 3 && digits.size() < 5) digits.insert(0, 5 - digits.size(), '0');
  if (digits.size() != 5) return kNone;
  return zip_place[static_cast<std::size_t>(std::stoul(digits))];
}

AddressMatch Gazetteer::Impl::answer(MatchLevel level, double confidence, std::uint32_t place) const {
  const Place& p = at(place);
  return AddressMatch{level, confidence, p.point, &p, {}};
}

// The postal code decides; the town and region, when given, raise or lower the confidence.
AddressMatch Gazetteer::Impl::by_postal(std::uint32_t zip, const std::string& town,
                                        std::uint32_t region) const {
  const std::uint32_t zip_region = region_of[zip];
  if (region != kNone && zip_region != kNone && region != zip_region) {
    // Conflicting state: trust a town that exists in the stated region, else the ZIP.
    AddressMatch t = town.empty() ? AddressMatch{} : by_town(town, region, kNone);
    if (t.level == MatchLevel::town && t.confidence >= kTownInRegion) {
      t.confidence = kTownRegionConflict;
      return t;
    }
    return answer(MatchLevel::postal, kPostalRegionConflict, zip);
  }
  if (town.empty()) return answer(MatchLevel::postal, region != kNone ? kPostalRegion : kPostalAlone, zip);
  // Is the named town one of the towns near this ZIP, in its region?
  auto it = towns_by_name.find(town);
  bool town_agrees = false;
  if (it != towns_by_name.end()) {
    for (std::uint32_t t : it->second) town_agrees |= region_of[t] == zip_region;
  }
  return answer(MatchLevel::postal, town_agrees ? kPostalTownRegion : kPostalTownDiffers, zip);
}

// A town by exact name, inside the region (or country) when one is known.
AddressMatch Gazetteer::Impl::by_town(const std::string& town, std::uint32_t region,
                                      std::uint32_t country) const {
  auto it = towns_by_name.find(town);
  if (it == towns_by_name.end()) return region != kNone ? by_neighbourhood(town, region) : AddressMatch{};
  std::vector<std::uint32_t> candidates;
  for (std::uint32_t t : it->second) {
    if (region != kNone && region_of[t] != region) continue;
    if (country != kNone && country_of[t] != country) continue;
    candidates.push_back(t);
  }
  if (candidates.empty()) return region != kNone ? by_neighbourhood(town, region) : AddressMatch{};
  // A town called so outright is better evidence than one also known by that name ("New York":
  // New York City's alternate name, and Manhattan's).
  std::vector<std::uint32_t> by_own_name;
  for (std::uint32_t t : candidates)
    if (normalize_place_name(at(t).name) == town) by_own_name.push_back(t);
  if (!by_own_name.empty()) candidates = std::move(by_own_name);
  if (candidates.size() == 1)
    return answer(MatchLevel::town, region != kNone ? kTownInRegion : kTownUniqueInCountry, candidates[0]);
  if (region != kNone) {  // namesakes in one region: the most populous, at a lower confidence
    auto largest = std::max_element(candidates.begin(), candidates.end(), [&](std::uint32_t a, std::uint32_t b) {
      return at(a).population < at(b).population;
    });
    return answer(MatchLevel::town, kTownTwinsInRegion, *largest);
  }
  return common_ancestor(candidates);
}

namespace {
// A fallback from a town name that fits several towns says so.
AddressMatch ambiguous(AddressMatch m) {
  m.reason = kTownAmbiguous;
  return m;
}
}  // namespace

// No town of the region has the name: a section of a town of the region that has it ("Harlem,
// NY"), the town answered with it, when all sections of that name in the region belong to one
// town; else one or two typos of a town's name.
AddressMatch Gazetteer::Impl::by_neighbourhood(const std::string& name, std::uint32_t region) const {
  auto it = neighbourhoods_by_name.find(name);
  std::uint32_t found = kNone;
  bool several_towns = false;
  if (it != neighbourhoods_by_name.end()) {
    for (std::uint32_t n : it->second) {
      if (region_of[n] != region) continue;
      several_towns |= found != kNone && at(found).parent != at(n).parent;
      if (found == kNone) found = n;
    }
  }
  if (found == kNone || several_towns) return fuzzy_town(name, region);
  AddressMatch m = answer(MatchLevel::town, kTownInRegion, at(found).parent);
  m.point = at(found).point;
  m.neighbourhood = &at(found);
  return m;
}

// One or two typos, by length, among the towns of the region; only a single best is taken.
AddressMatch Gazetteer::Impl::fuzzy_town(const std::string& town, std::uint32_t region) const {
  auto it = towns_by_region.find(region);
  if (it == towns_by_region.end() || town.size() < 4) return {};
  int best = 3;
  std::uint32_t best_town = kNone;
  bool tie = false;
  for (const auto& [name, t] : it->second) {
    // The budget follows the longer spelling: "Blosbrg" may be two edits from "Blossburg".
    const int budget = detail::typo_budget(std::max(town.size(), name.size()));
    if (budget == 0) continue;
    int d = detail::edit_distance(town, name, std::min(best, budget));
    if (d > budget) continue;
    if (d < best) best = d, best_town = t, tie = false;
    else if (d == best && normalize_place_name(at(t).name) != normalize_place_name(at(best_town).name)) tie = true;
  }
  if (best_town == kNone) return {};
  if (tie) return ambiguous(answer(MatchLevel::region, kRegion, region));
  return answer(MatchLevel::town, best == 1 ? kTownOneTypo : kTownTwoTypos, best_town);
}

// Towns of the same name in several regions: report what they all share, never a guess.
AddressMatch Gazetteer::Impl::common_ancestor(const std::vector<std::uint32_t>& towns) const {
  const std::uint32_t region = region_of[towns.front()], country = country_of[towns.front()];
  bool same_region = region != kNone, same_country = country != kNone;
  for (std::uint32_t t : towns) {
    same_region &= region_of[t] == region;
    same_country &= country_of[t] == country;
  }
  if (same_region) return ambiguous(answer(MatchLevel::region, kAmbiguousFallback, region));
  if (same_country) return ambiguous(answer(MatchLevel::country, kAmbiguousFallback, country));
  return {};
}

// A match that did not use the postal code the address gave says why (AddressMatch::reason);
// that says more than an ambiguous town (the postal code was the better evidence).
AddressMatch Gazetteer::Impl::match(const detail::AddressParts& parts) const {
  AddressMatch m = match_evidence(parts);
  if (parts.postal.empty() || m.level == MatchLevel::postal) return m;
  const std::uint32_t stated = stated_country(parts.country).first;
  const std::uint32_t country =
      m.place ? country_of[static_cast<std::uint32_t>(m.place - index->places().data())] : stated;
  m.reason = (country != kNone && country != home) || (stated != kNone && stated != home) ? kPostalNoData : kPostalUnknown;
  return m;
}

AddressMatch Gazetteer::Impl::match_evidence(const detail::AddressParts& parts) const {
  auto [country, territory] = stated_country(parts.country);
  std::uint32_t region = find_region(parts.state, country, true);
  if (region == kNone) region = territory;
  if (country == kNone && region != kNone && country_of[region] != home) country = country_of[region];
  const bool foreign = country != kNone && country != home;
  const std::string town = normalize_place_name(parts.city);
  if (!foreign) {  // postal codes ship for the default country only (US ZIPs)
    const std::uint32_t zip = find_zip(parts.postal);
    if (zip != kNone) return by_postal(zip, town, region);
  }
  if (!town.empty()) {
    const std::uint32_t within = country != kNone ? country : home;
    AddressMatch t = by_town(town, region, region != kNone ? kNone : within);
    // "Tbilisi, Georgia", "Ciudad de México, México": the state part is also a country, where
    // the town is (outside the region of that name).
    const std::uint32_t state_country = region != kNone ? find_country(parts.state) : kNone;
    if (t.level != MatchLevel::town && state_country != kNone) {
      AddressMatch abroad = by_town(town, kNone, state_country);
      if (abroad.level == MatchLevel::town) return abroad;
    }
    // "Ciudad de México, MX": the last word was read as a region (México), but town and
    // region together are the name of a town of the country.
    if (t.level != MatchLevel::town && region != kNone) {
      AddressMatch whole = by_town(normalize_place_name(parts.city + " " + parts.state), kNone, country_of[region]);
      if (whole.level == MatchLevel::town) return whole;
    }
    if (t.level != MatchLevel::none) return t;
    // Named by nothing but the town, and no town of that name at home: a town of that name
    // anywhere, when it is the only one (never a guess between two).
    if (country == kNone && region == kNone) {
      t = by_town(town, kNone, kNone);
      if (t.level == MatchLevel::town) t.confidence = kTownUniqueInWorld;
      if (t.level != MatchLevel::none) return t;
    }
  }
  if (region != kNone) return answer(MatchLevel::region, kRegion, region);
  if (country != kNone) return answer(MatchLevel::country, kCountry, country);
  return {};
}

Gazetteer::Gazetteer(std::shared_ptr<const PlaceIndex> index, const GazetteerOptions& options)
    : impl_(std::make_unique<Impl>()) {
  impl_->index = std::move(index);
  impl_->options = options;
  impl_->build();
}

Gazetteer::~Gazetteer() = default;
Gazetteer::Gazetteer(Gazetteer&&) noexcept = default;
Gazetteer& Gazetteer::operator=(Gazetteer&&) noexcept = default;

AddressMatch Gazetteer::match(const AddressQuery& query) const noexcept {
  detail::AddressParts parts = detail::split_address(
      query,
      [this](std::string_view s, std::string_view country, bool anywhere) {
        return impl_->find_region(s, impl_->stated_country(country).first, anywhere) != kNone;
      },
      [this](std::string_view s) { return impl_->find_country(s) != kNone; });
  return impl_->match(parts);
}

const PlaceIndex& Gazetteer::places() const noexcept { return *impl_->index; }

}  // namespace geotarget
