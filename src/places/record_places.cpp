#include "geotarget/record_places.hpp"

#include <array>
#include <cstring>

namespace geotarget {

namespace {

// The region the record names by its subdivision code, e.g. "US" + "NY" -> US-NY.
const Place* named_region(const PlaceIndex& index, const Location& record) noexcept {
  std::array<char, 32> id{};
  if (record.country.size() + 1 + record.region.size() > id.size()) return nullptr;
  std::memcpy(id.data(), record.country.data(), record.country.size());
  id[record.country.size()] = '-';
  std::memcpy(id.data() + record.country.size() + 1, record.region.data(), record.region.size());
  const Place* p = index.find({id.data(), record.country.size() + 1 + record.region.size()});
  return p && p->level == PlaceLevel::region ? p : nullptr;
}

}  // namespace

void place_record(const PlaceIndex& index, const Location& record, PlaceChain& out) noexcept {
  out = PlaceChain{};
  PlaceChain at_point;
  if (record.has_coordinates()) (void)index.locate(record.position, at_point);
  if (record.precision == Precision::city) {
    out = at_point;
    return;
  }
  const Place* country = record.country.empty() ? at_point[PlaceLevel::country] : index.find(record.country);
  if (country && country->level != PlaceLevel::country) country = nullptr;
  if (record.precision == Precision::region) {
    const Place* region = named_region(index, record);
    const Place* located = at_point[PlaceLevel::region];
    if (!region && located && (!country || at_point[PlaceLevel::country] == country)) region = located;
    if (region) {
      index.chain_of(*region, out);
      return;
    }
  }
  if (country) index.chain_of(*country, out);
}

}  // namespace geotarget
