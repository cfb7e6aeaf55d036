#include "geotarget/decision.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <future>
#include <map>
#include <tuple>
#include <unordered_map>

#include "geotarget/error.hpp"
#include "geotarget/record_places.hpp"
#include "huge_pages.hpp"
#include "ipv4_table.hpp"
#include "target_index.hpp"

namespace geotarget {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::int64_t kOpenStart = INT64_MIN, kOpenEnd = INT64_MAX;

std::int64_t day_number(const std::string& iso, std::int64_t open) {
  if (iso.size() != 10) return open;  // validated at load: empty means open
  auto digits = [&](std::size_t at, std::size_t n) { return std::stoi(iso.substr(at, n)); };
  std::chrono::year_month_day ymd{std::chrono::year{digits(0, 4)},
                                  std::chrono::month{static_cast<unsigned>(digits(5, 2))},
                                  std::chrono::day{static_cast<unsigned>(digits(8, 2))}};
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

struct ChainHash {
  std::size_t operator()(const PlaceChain& c) const noexcept {
    std::size_t h = 0;
    for (const Place* p : c.at) h = h * 1000003u ^ std::hash<const Place*>{}(p);
    return h;
  }
};
struct ChainEqual {
  bool operator()(const PlaceChain& a, const PlaceChain& b) const noexcept { return a.at == b.at; }
};

struct CoordinateHash {
  std::size_t operator()(const std::pair<double, double>& p) const noexcept {
    return std::hash<std::uint64_t>{}(std::bit_cast<std::uint64_t>(p.first) * 31 ^
                                      std::bit_cast<std::uint64_t>(p.second));
  }
};

}  // namespace

// Place::none at every level.
constexpr std::array<std::uint32_t, kPlaceLevels> no_places() noexcept {
  std::array<std::uint32_t, kPlaceLevels> places{};
  places.fill(Place::none);
  return places;
}

struct DecisionTable::Impl {
  // Everything a decision needs from one record, in one cache line: no pointer to chase.
  // 64 bytes since the neighbourhood level (48 before).
  struct alignas(16) RecordDecision {
    LatLng position;
    const Location* location = nullptr;  // null: the record did not decode
    std::array<std::uint32_t, kPlaceLevels> places = no_places();
    std::uint32_t campaign_set = 0;
  };
  // IPv4 by /24 network: the record of a network covering all of it, or one of these.
  static constexpr std::uint32_t kNoRecord = 0xffffffffu, kSplit = 0xfffffffeu;
  struct Compiled {
    std::uint32_t chain, campaign_set;
  };

  DecisionSources sources;
  std::unique_ptr<IpResolver> resolver;
  std::shared_ptr<const PlaceIndex> places;
  CampaignSet campaigns;
  std::vector<std::int64_t> first_day, last_day;     // per campaign
  std::vector<const Offer*> offer_for_everyone;      // per campaign
  std::vector<PlaceChain> chains;                    // distinct, while compiling; 0: empty
  std::unique_ptr<const detail::TargetIndex> targets;  // the campaigns' radius and polygon targets
  std::vector<std::uint32_t> set_starts{0};          // set i: set_members[starts[i], starts[i+1])
  std::vector<std::uint16_t> set_members;
  std::vector<CandidateStore> set_stores;            // per member: its nearest store, if any
  std::vector<RecordDecision, detail::HugePageAllocator<RecordDecision>> records;  // by record number
  std::vector<std::uint32_t, detail::HugePageAllocator<std::uint32_t>> by_slash24;  // 2^24, see kSplit
  DecisionTableStats stats;

  // Compile-time dedup.
  std::unordered_map<PlaceChain, std::uint32_t, ChainHash, ChainEqual> chain_ids;
  std::map<std::pair<std::vector<std::uint16_t>, std::vector<CandidateStore>>, std::uint32_t> set_ids;

  void prepare_campaigns();
  void compile();
  void compile_slash24();
  [[nodiscard]] Decision decision_for(std::uint32_t record) const noexcept;
  [[nodiscard]] RecordDecision record_decision(const Location* location, const Compiled& compiled) const;
  Compiled compile_point(const PlaceChain& chain, LatLng point, Precision precision);
  std::uint32_t chain_id(const PlaceChain& chain);
  std::uint32_t set_id(std::vector<std::uint16_t> members, std::vector<CandidateStore> stores);
  void candidates_at(const PlaceChain& chain, LatLng point, Precision precision, std::vector<std::uint16_t>& members,
                     std::vector<CandidateStore>& stores) const;
};

void DecisionTable::Impl::prepare_campaigns() {
  if (campaigns.campaigns.size() > 0xffff)
    throw Error(sources.campaigns + ": more than 65,535 campaigns");
  for (const Campaign& c : campaigns.campaigns) {
    first_day.push_back(day_number(c.start, kOpenStart));
    last_day.push_back(day_number(c.end, kOpenEnd));
    auto everyone = std::find_if(c.offers.begin(), c.offers.end(),
                                 [](const Offer& o) { return o.segment.text().empty(); });
    offer_for_everyone.push_back(everyone != c.offers.end() ? &*everyone
                                 : c.offers.empty()         ? nullptr
                                                            : &c.offers.front());
  }
}

std::uint32_t DecisionTable::Impl::chain_id(const PlaceChain& chain) {
  auto [it, added] = chain_ids.try_emplace(chain, static_cast<std::uint32_t>(chains.size()));
  if (added) chains.push_back(chain);
  return it->second;
}

std::uint32_t DecisionTable::Impl::set_id(std::vector<std::uint16_t> members, std::vector<CandidateStore> stores) {
  auto [it, added] = set_ids.try_emplace({members, stores}, static_cast<std::uint32_t>(set_starts.size() - 1));
  if (added) {
    set_members.insert(set_members.end(), members.begin(), members.end());
    set_stores.insert(set_stores.end(), stores.begin(), stores.end());
    set_starts.push_back(static_cast<std::uint32_t>(set_members.size()));
  }
  return it->second;
}

namespace {

// The precision a visitor needs for a campaign at this level: an area of the campaign must be
// one of the visitor's places.
Precision precision_needed(PlaceLevel level) noexcept {
  switch (level) {
    case PlaceLevel::country: return Precision::country;
    case PlaceLevel::region: return Precision::region;
    default: return Precision::city;
  }
}

}  // namespace

// The campaigns whose targets contain the point and whose level the precision reaches, highest
// priority first (file order on ties), each with its nearest store (kNoStore for none), found
// through the targets' spatial index.
void DecisionTable::Impl::candidates_at(const PlaceChain& chain, LatLng point, Precision precision,
                                        std::vector<std::uint16_t>& members,
                                        std::vector<CandidateStore>& stores) const {
  thread_local detail::TargetIndex::Scratch scratch;
  thread_local std::vector<detail::TargetIndex::Match> matches;
  targets->match(chain, point, scratch, matches);
  const auto& all = campaigns.campaigns;
  std::erase_if(matches, [&](const auto& m) { return precision < precision_needed(all[m.campaign].level); });
  std::stable_sort(matches.begin(), matches.end(), [&](const auto& a, const auto& b) {
    return all[a.campaign].priority > all[b.campaign].priority;
  });
  members.clear();
  stores.clear();
  for (const auto& m : matches) {
    members.push_back(static_cast<std::uint16_t>(m.campaign));
    stores.push_back(m.store == detail::TargetIndex::kNoStore ? CandidateStore{} : CandidateStore{m.store, m.store_km});
  }
}

DecisionTable::Impl::Compiled DecisionTable::Impl::compile_point(const PlaceChain& chain, LatLng point,
                                                                  Precision precision) {
  std::vector<std::uint16_t> members;
  std::vector<CandidateStore> stores;
  candidates_at(chain, point, precision, members, stores);
  return {chain_id(chain), set_id(std::move(members), std::move(stores))};
}

// Each record's places and candidate campaigns, computed once per distinct coordinate pair for
// records precise to a city, once per (precision, country, region, coordinates) for the others.
void DecisionTable::Impl::compile() {
  auto t0 = Clock::now();
  chain_id(PlaceChain{});
  set_id({}, {});
  std::unordered_map<std::pair<double, double>, Compiled, CoordinateHash> by_point;
  std::map<std::tuple<Precision, std::string_view, std::string_view, double, double>, Compiled> by_area;
  auto compile_record = [&](const Location& loc) {
    PlaceChain chain;
    place_record(*places, loc, chain);
    return compile_point(chain, loc.precision == Precision::city ? loc.position : LatLng{}, loc.precision);
  };
  const std::size_t n = resolver->info().record_count;
  records.resize(n);
  for (std::uint32_t r = 0; r < n; ++r) {
    const Location* loc = resolver->record(r);
    if (!loc) continue;
    if (loc->precision == Precision::city) {
      auto [it, added] = by_point.try_emplace({loc->position.lat, loc->position.lon}, Compiled{0, 0});
      if (added) it->second = compile_record(*loc);
      records[r] = record_decision(loc, it->second);
    } else {
      // NaN coordinates compare unequal in a key: make them one value.
      const LatLng p = loc->has_coordinates() ? loc->position : LatLng{0, 0};
      auto [it, added] = by_area.try_emplace({loc->precision, loc->country, loc->region, p.lat, p.lon}, Compiled{0, 0});
      if (added) it->second = compile_record(*loc);
      records[r] = record_decision(loc, it->second);
    }
  }
  compile_slash24();
  stats.records = n;
  stats.distinct_chains = chains.size();
  stats.distinct_campaign_sets = set_starts.size() - 1;
  stats.bytes = records.capacity() * sizeof(RecordDecision) + set_starts.capacity() * 4 +
                set_members.capacity() * 2 + set_stores.capacity() * sizeof(CandidateStore) + by_slash24.capacity() * 4;
  stats.compile_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  chain_ids = {};
  chains = {};
  set_ids = {};
}

DecisionTable::Impl::RecordDecision DecisionTable::Impl::record_decision(const Location* location,
                                                                         const Compiled& compiled) const {
  RecordDecision r;
  if (!location) return r;
  r.position = location->position;
  r.location = location;
  const Place* base = places->places().data();
  for (std::size_t l = 0; l < kPlaceLevels; ++l)
    if (const Place* p = chains[compiled.chain].at[l]) r.places[l] = static_cast<std::uint32_t>(p - base);
  r.campaign_set = compiled.campaign_set;
  return r;
}

// A /24 that one network covers whole answers with one array read; one that several networks
// share (or a corrupt record) falls back on the resolver's range search.
void DecisionTable::Impl::compile_slash24() {
  by_slash24.assign(std::size_t{1} << 24, kNoRecord);
  const detail::Ipv4Table& ranges = ipv4_ranges(*resolver);
  for (std::size_t i = 0; i < ranges.entries(); ++i) {
    const std::uint64_t start = ranges.start(i), end = ranges.end(i);
    const std::uint32_t value = ranges.value(i);
    const bool usable = value == detail::Ipv4Table::none || records[value].location != nullptr;
    for (std::uint64_t block = start >> 8; block < ((end + 255) >> 8); ++block) {
      const bool whole = start <= block << 8 && end >= (block + 1) << 8;
      by_slash24[block] = whole && usable ? (value == detail::Ipv4Table::none ? kNoRecord : value) : kSplit;
    }
  }
}

std::shared_ptr<const DecisionTable> DecisionTable::load(const DecisionSources& sources) {
  auto t0 = Clock::now();
  auto impl = std::make_unique<Impl>();
  impl->sources = sources;
  // The IP database and the geodata load side by side: they share nothing.
  auto places = std::async(std::launch::async, [&] { return PlaceIndex::load(sources.geodata, sources.places); });
  impl->resolver = std::make_unique<IpResolver>(sources.ip_databases, sources.ip);
  impl->places = places.get();
  if (!sources.campaigns.empty()) impl->campaigns = load_campaigns(sources.campaigns, impl->places.get());
  impl->prepare_campaigns();
  impl->targets = std::make_unique<const detail::TargetIndex>(impl->campaigns);
  impl->compile();
  impl->stats.load_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return std::shared_ptr<const DecisionTable>(new DecisionTable(std::move(impl)));
}

DecisionTable::DecisionTable(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DecisionTable::~DecisionTable() = default;

Decision DecisionTable::Impl::decision_for(std::uint32_t record) const noexcept {
  const RecordDecision& r = records[record];
  Decision d{LookupStatus::found, AddressClass::global, r.location, r.position,
             r.location ? r.location->precision : Precision::country, {}, {}, {}};
  const Place* base = places->places().data();
  for (std::size_t l = 0; l < kPlaceLevels; ++l) d.places.at[l] = r.places[l] == Place::none ? nullptr : base + r.places[l];
  const std::uint32_t begin = set_starts[r.campaign_set], end = set_starts[r.campaign_set + 1];
  d.candidates = {set_members.data() + begin, set_members.data() + end};
  d.stores = {set_stores.data() + begin, set_stores.data() + end};
  return d;
}

Decision DecisionTable::decide(const IpAddress& ip) const noexcept {
  const Impl& m = *impl_;
  if (ip.is_v4()) {
    Decision d;
    if (m.sources.ip.special_ranges_miss && (d.address_class = ip.classify()) != AddressClass::global) {
      d.status = LookupStatus::special_range;
      return d;
    }
    const std::uint32_t record = m.by_slash24[ip.v4_value() >> 8];
    if (record == Impl::kNoRecord) {
      d.status = LookupStatus::not_found;
      return d;
    }
    if (record != Impl::kSplit) return m.decision_for(record);
  }
  const IpLookup hit = m.resolver->lookup(ip);
  if (hit.status == LookupStatus::found) return m.decision_for(hit.record);
  Decision miss;
  miss.status = hit.status;
  miss.address_class = hit.address_class;
  return miss;
}

Decision DecisionTable::decide_point(LatLng point, PointScratch& scratch) const {
  Decision d;
  if (impl_->places->locate(point, d.places) != LocateStatus::ok) return d;
  impl_->candidates_at(d.places, point, Precision::city, scratch.candidates, scratch.stores);
  d.status = LookupStatus::found;
  d.precision = Precision::city;
  d.position = point;
  d.candidates = scratch.candidates;
  d.stores = scratch.stores;
  return d;
}

std::size_t DecisionTable::choose(const Decision& decision, std::int64_t day,
                                  const VisitorAttributes* visitor,
                                  std::span<CampaignChoice> out) const noexcept {
  const Impl& m = *impl_;
  auto value_of = [visitor](std::string_view column) noexcept -> std::string_view {
    for (const auto& [name, value] : *visitor)
      if (name == column) return value;
    return {};
  };
  static_assert(kNothrowRowValues<decltype(value_of)>, "segment checks in choose() must not throw");
  std::size_t n = 0;
  for (std::size_t k = 0; k < decision.candidates.size(); ++k) {
    const std::uint16_t i = decision.candidates[k];
    if (n == out.size()) break;
    if (day < m.first_day[i] || day > m.last_day[i]) continue;
    const Campaign& c = m.campaigns.campaigns[i];
    const Offer* offer = m.offer_for_everyone[i];
    if (visitor) {
      if (!c.segment.matches(value_of)) continue;
      offer = c.offer_for(value_of);
      if (!offer && !c.offers.empty()) continue;
    }
    out[n++] = CampaignChoice{&c, offer, decision.places[c.level], nullptr, 0};
    if (k < decision.stores.size() && decision.stores[k].store != CandidateStore::none) {
      out[n - 1].store = &c.include.radius[decision.stores[k].store];
      out[n - 1].store_km = decision.stores[k].km;
    }
  }
  return n;
}

std::size_t DecisionTable::active_campaigns(std::int64_t day) const noexcept {
  std::size_t n = 0;
  for (std::size_t i = 0; i < impl_->first_day.size(); ++i) n += day >= impl_->first_day[i] && day <= impl_->last_day[i];
  return n;
}

std::int64_t DecisionTable::today() noexcept {
  return std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()).time_since_epoch().count();
}

const IpResolver& DecisionTable::resolver() const noexcept { return *impl_->resolver; }
const PlaceIndex& DecisionTable::places() const noexcept { return *impl_->places; }
const CampaignSet& DecisionTable::campaigns() const noexcept { return impl_->campaigns; }
const DecisionSources& DecisionTable::sources() const noexcept { return impl_->sources; }
const DecisionTableStats& DecisionTable::stats() const noexcept { return impl_->stats; }

bool parse_visitor_attributes(std::string_view text,
                              std::span<std::pair<std::string_view, std::string_view>> out,
                              std::size_t& count, std::size_t& bad_pair) noexcept {
  count = 0;
  bad_pair = 0;
  std::size_t position = 0;
  while (!text.empty()) {
    ++position;
    std::size_t comma = text.find(',');
    std::string_view pair = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
    std::size_t colon = pair.find(':');
    if (colon == 0 || colon == std::string_view::npos || count == out.size()) {
      bad_pair = position;
      return false;
    }
    out[count++] = {pair.substr(0, colon), pair.substr(colon + 1)};
  }
  return true;
}

}  // namespace geotarget
