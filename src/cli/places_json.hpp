// Internal: the "places" object shared by `geotarget ip`, `geotarget locate` and the service.
#pragma once

#include <nlohmann/json.hpp>

#include "geotarget/place_index.hpp"

namespace geotarget::cli {

/// {"country": {"id", "name"}, "region": {...}, ...}; levels without a place are absent.
inline nlohmann::ordered_json places_json(const PlaceChain& chain) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  for (std::size_t l = 0; l < kPlaceLevels; ++l) {
    if (const Place* p = chain.at[l])
      out[std::string(describe(static_cast<PlaceLevel>(l)))] = {{"id", p->id}, {"name", p->name}};
  }
  return out;
}

}  // namespace geotarget::cli
