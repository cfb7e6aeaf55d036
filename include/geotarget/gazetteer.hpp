// geotarget: addresses -> locations, from the places of a PlaceIndex.
//
//   auto index = geotarget::PlaceIndex::load("geodata/default.yaml");
//   geotarget::Gazetteer gazetteer(index);
//   geotarget::AddressQuery q;
//   q.address = "45 oak ave, Cañon City CO 81212-1234";
//   geotarget::AddressMatch m = gazetteer.match(q);
//   // m.level == MatchLevel::postal, m.confidence 0.95, m.lat/m.lon the ZIP centroid
//
// Evidence is used in this order: postal code (checked against the town and region when they
// are given), then town within region, then region, then country. Text is normalised with
// utf8proc (case folding, accents, punctuation, whitespace) and common abbreviations
// (St./Saint, Ft./Fort, Mt./Mount); ZIP+4 and ZIPs that lost their leading zeros are read as
// ZIP5. Town names tolerate one typo (five to eight letters) or two (nine or more), at a lower
// confidence. A town name found in several regions with nothing to tell them apart is not
// guessed: the match falls back to what all candidates share (their region or country), at a
// low confidence.
//
// Thread-safety: immutable after construction; match() may run on any number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "geotarget/place_index.hpp"

namespace geotarget {

/// Which evidence decided a match; the names are the `geo_match` values of `geotarget map`.
enum class MatchLevel : std::uint8_t { coordinates, postal, town, region, country, none };

/// "coordinates", "postal", "town", "region", "country", "none".
[[nodiscard]] std::string_view describe(MatchLevel level) noexcept;

/// The location fields of one record; any may be empty. `address` is a single-line address.
struct AddressQuery {
  std::string_view address, street, city, state, postal, country;
};

struct AddressMatch {
  MatchLevel level = MatchLevel::none;
  double confidence = 0;  ///< in [0, 1]
  LatLng point{0, 0};  ///< the point that stands for the match (ZIP centroid, town, ...)
  const Place* place = nullptr;  ///< the postal area, town, region or country that decided
  /// Why evidence the address gave was set aside, empty when none was: a postal code of a
  /// country the pack has no postal data for (kPostalNoData), or one the data does not know
  /// (kPostalUnknown); the town, region or country decided instead. Else a town name that fits
  /// several towns with nothing to tell them apart (kTownAmbiguous): the region or country they
  /// share decided. Static text.
  std::string_view reason;
  /// A town match whose address named one of the town's sections ("Financial District, New
  /// York"): that section (PlaceLevel::neighbourhood; its parent is `place`); else null.
  const Place* neighbourhood = nullptr;
};

/// AddressMatch::reason values.
inline constexpr std::string_view kPostalNoData =
    "postal code not used: no postal data for this country (postal codes ship for the US only)";
inline constexpr std::string_view kPostalUnknown = "postal code not found in the postal data";
inline constexpr std::string_view kTownAmbiguous =
    "town name fits several towns: the region or country they share decided";

struct GazetteerOptions {
  /// Country assumed for rows that name none, ISO alpha-2. DEFAULT: "US".
  std::string default_country = "US";
};

class Gazetteer {
 public:
  /// Builds the name and postal-code tables from the index's places. Throws geotarget::Error
  /// when the index has no places at all.
  explicit Gazetteer(std::shared_ptr<const PlaceIndex> index, const GazetteerOptions& options = {});
  ~Gazetteer();
  Gazetteer(Gazetteer&&) noexcept;
  Gazetteer& operator=(Gazetteer&&) noexcept;

  /// Matches one address. Never throws.
  [[nodiscard]] AddressMatch match(const AddressQuery& query) const noexcept;

  [[nodiscard]] const PlaceIndex& places() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace geotarget
