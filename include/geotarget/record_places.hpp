// geotarget: the places of an IP record, only as precise as the record.
//
//   geotarget::PlaceChain chain;
//   geotarget::place_record(*index, *lookup.location, chain);
//   // a GeoLite2 country-only record: chain has the country and nothing below it
//
// The record's Location::precision decides how deep the chain goes:
//   city    - every level found at the record's coordinates (country ▸ region ▸ district ▸
//             town, postal);
//   region  - the country and the region only: the region named by the record (its ISO
//             3166-2 subdivision code, as GeoIP2 gives it: "US" + "NY" -> US-NY), else the
//             region at its coordinates when that region lies in the record's country;
//   country - the record's country code, else the country at its coordinates.
// District, town and postal places are never taken from a record coarser than a city: its
// coordinates are the database's default point for a region or country.
//
// Thread-safety: reads the immutable index only.
#pragma once

#include "geotarget/ip_resolver.hpp"
#include "geotarget/place_index.hpp"

namespace geotarget {

/// Fills `out` (cleared first) with the places of `record`, as deep as its precision allows.
/// Never throws, never allocates.
void place_record(const PlaceIndex& index, const Location& record, PlaceChain& out) noexcept;

}  // namespace geotarget
