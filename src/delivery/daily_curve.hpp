// Internal: the cumulative traffic of a flight in one time zone, for even pacing.
//
// W(t) is the integral, from the flight's start to t, of the daily profile's weight at the local
// hour of each instant. Local hours come from the IANA zone (Howard Hinnant's date/tz over the
// system's tzdata, the library C++20's <chrono> zones were taken from; g++ 12's libstdc++ does
// not have them), so a day with a DST change has 23 or 25 local hours, each weighted once, and
// zones with half- or quarter-hour offsets are exact. A table of W at every UTC midnight of the
// flight makes W(t) a lookup plus at most a day of local hours.
#pragma once

#include <array>
#include <chrono>
#include <vector>

namespace date {
class time_zone;
}

namespace geotarget::detail {

using SysSeconds = std::chrono::sys_seconds;

class DailyCurve {
 public:
  /// `start` and `end` are UTC midnights, start < end.
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
  std::vector<double> at_midnight_;  // W at start + k days
  double total_ = 0;
};

}  // namespace geotarget::detail
