// geotarget: the one rule for blanks around user input (CSV cells, input lines, config values).
//
//   geotarget::trim("  81.2.69.160\r\n")   // "81.2.69.160"
#pragma once

#include <string_view>

namespace geotarget {

/// `s` without leading and trailing blanks (space, tab, CR, LF). Never allocates.
[[nodiscard]] std::string_view trim(std::string_view s) noexcept;

}  // namespace geotarget
