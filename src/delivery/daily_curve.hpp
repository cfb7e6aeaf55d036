// Internal: the cumulative traffic of a flight in one time zone, for even pacing.
//
// W(t) is the integral, from the flight's start to t, of the daily profile's weight at the local
// hour of each instant. Local hours come from the IANA zone (Howard Hinnant's date/tz over the
// system's tzdata, the library C++20's <chrono> zones were taken from; g++ 12's libstdc++ does
// not have them), so a day with a DST change has 23 or 25 local hours, each weighted once, and
// zones with half- or quarter-hour offsets are exact. Offsets and DST changes fall on quarter
// hours, so the profile's weight is constant within each UTC quarter hour: a table of W at every
// quarter hour of the flight makes W(t) one lookup and one interpolation, exact.
#pragma once

#include <array>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace date {
class time_zone;
}

namespace geotarget::detail {

using SysSeconds = std::chrono::sys_seconds;

/// The UTC midnight starting an ISO date (YYYY-MM-DD); nullopt for anything else.
[[nodiscard]] std::optional<SysSeconds> utc_midnight(const std::string& iso);

class DailyCurve {
 public:
  /// The longest flight a curve covers (about 3 years: a table of 8 bytes per quarter hour).
  static constexpr int kMaxDays = 1100;
  /// `start` and `end` are UTC midnights, start < end, at most kMaxDays apart.
  DailyCurve(const date::time_zone* zone, SysSeconds start, SysSeconds end, const std::array<double, 24>& profile);
  /// W(t), t clamped to the flight.
  [[nodiscard]] double weight_until(SysSeconds t) const;
  /// W(t) / W(end): the share of the flight's traffic before t.
  [[nodiscard]] double share_until(SysSeconds t) const { return total_ > 0 ? weight_until(t) / total_ : 1; }
  [[nodiscard]] SysSeconds start() const noexcept { return start_; }
  [[nodiscard]] SysSeconds end() const noexcept { return end_; }

 private:
  [[nodiscard]] double weight_between(SysSeconds from, SysSeconds to) const;

  const date::time_zone* zone_;
  SysSeconds start_, end_;
  std::array<double, 24> profile_;
  std::vector<double> at_quarter_;  // W at start + k quarter hours
  double total_ = 0;
};

}  // namespace geotarget::detail
