// Internal: the town, state, postal code and country of an address, from structured columns
// and/or a single-line address.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "geotarget/gazetteer.hpp"

namespace geotarget::detail {

struct AddressParts {
  std::string city, state, postal, country;
};

/// True when `text` names a region of the country `country` names (written as the address
/// writes it; empty when it names none); with `anywhere`, with no country named, also the one
/// region of another country that has that name.
using RegionTest = std::function<bool(std::string_view text, std::string_view country, bool anywhere)>;

/// Structured fields win; a single-line address fills what they leave empty. The address is
/// read from its end: an optional country part, then the ZIP (5, 5-4 or 9 digits; 3-4 digits
/// only right after a state), the state (the whole rest of the part, else its last one to three
/// words within the country: a word of a longer name is never a region abroad), and the
/// town (the rest of that part, else the part before it, without a leading street; else the
/// region's text itself, as "New York" or "Tel Aviv" name both a region and a town).
[[nodiscard]] AddressParts split_address(const AddressQuery& query, const RegionTest& is_region,
                                         const std::function<bool(std::string_view)>& is_country);

}  // namespace geotarget::detail
