// geotarget: the one rule for blanks around user input (CSV cells, input lines, config values),
// and the one way a misspelt name finds what was meant (config keys, command-line flags).
//
//   geotarget::trim("  81.2.69.160\r\n")                          // "81.2.69.160"
//   geotarget::closest_name("min_audiance", known_keys)            // "min_audience"
#pragma once

#include <span>
#include <string_view>

namespace geotarget {

/// `s` without leading and trailing blanks (space, tab, CR, LF). Never allocates.
[[nodiscard]] std::string_view trim(std::string_view s) noexcept;

/// The candidate nearest to `name` by edit distance (insertions, deletions, substitutions and
/// swaps of neighbours) within `max_edits`; empty when none is that close. Ties: the first.
[[nodiscard]] std::string_view closest_name(std::string_view name, std::span<const std::string_view> candidates,
                                            int max_edits = 2) noexcept;

}  // namespace geotarget
