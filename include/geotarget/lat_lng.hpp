// geotarget: a point on the earth, WGS84 degrees, and the one place where coordinates are
// parsed and range-checked.
//
//   geotarget::LatLng p{40.7831, -73.9712};
//   if (p.is_valid()) index->locate(p, chain);
//
//   geotarget::LatLng q;
//   switch (geotarget::parse_lat_lng(" +40.78", "-73.97", q)) {   // blanks and '+' accepted
//     case geotarget::CoordinateStatus::ok: ...
//     default: std::cerr << geotarget::explain(status, lat_text, lon_text);  // names the value
//   }
//
// Latitude is in [-90, 90] and longitude in [-180, 180], both ends included; NaN and infinities
// are never valid. Longitude 180 and -180 are the same meridian (the place index answers them
// alike).
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace geotarget {

struct LatLng {
  static constexpr double unknown = std::numeric_limits<double>::quiet_NaN();
  double lat = unknown;  ///< degrees north
  double lon = unknown;  ///< degrees east

  [[nodiscard]] constexpr bool lat_valid() const noexcept { return lat >= -90 && lat <= 90; }
  [[nodiscard]] constexpr bool lon_valid() const noexcept { return lon >= -180 && lon <= 180; }
  /// Both within range (false for NaN: an unknown point is not valid).
  [[nodiscard]] constexpr bool is_valid() const noexcept { return lat_valid() && lon_valid(); }
  /// False only when a coordinate is NaN (unknown), whatever the range.
  [[nodiscard]] bool is_known() const noexcept { return lat == lat && lon == lon; }
};

enum class CoordinateStatus : std::uint8_t {
  ok,
  invalid_latitude,   ///< not a number, or outside [-90, 90]
  invalid_longitude,  ///< not a number, or outside [-180, 180]
};

/// Stable snake_case name: "ok", "invalid_latitude", "invalid_longitude".
[[nodiscard]] std::string_view describe(CoordinateStatus s) noexcept;

/// The status of a point: ok when valid, else which coordinate is not (latitude first).
[[nodiscard]] CoordinateStatus check(const LatLng& p) noexcept;

/// Parses one decimal coordinate: blanks around it and a leading '+' are allowed; anything else
/// (an empty text, trailing characters, "nan", "inf", a comma as decimal mark) is not a number.
/// Does not check the range.
[[nodiscard]] bool parse_coordinate(std::string_view text, double& out) noexcept;

/// Parses both texts into `out` and checks the range (latitude first). Never allocates.
[[nodiscard]] CoordinateStatus parse_lat_lng(std::string_view lat, std::string_view lon, LatLng& out) noexcept;

/// Splits one text holding a point, "lat,lon", "lat;lon" or "lat lon" (blanks around either part
/// allowed), into its two parts. False when it does not hold exactly two parts.
[[nodiscard]] bool split_lat_lng(std::string_view text, std::string_view& lat, std::string_view& lon) noexcept;

/// Why the texts gave `status`, naming the value as given (trimmed): "latitude '4o.7' is not a
/// number", "longitude 190 is outside [-180, 180]". `lat_name` and `lon_name` are the names the
/// caller's input uses (a CSV column, a query parameter). Empty for ok.
[[nodiscard]] std::string explain(CoordinateStatus status, std::string_view lat, std::string_view lon,
                                  std::string_view lat_name = "latitude", std::string_view lon_name = "longitude");

}  // namespace geotarget
