// Internal: the small text helpers every module uses, written once (trim is public:
// geotarget/text.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "geotarget/text.hpp"

namespace geotarget::detail {

using geotarget::trim;

/// ASCII letters lowered; other bytes (UTF-8 included) unchanged.
[[nodiscard]] std::string ascii_lower(std::string_view s);

/// The whole text as a finite double (an optional leading '+'; no blanks, no trailing bytes).
[[nodiscard]] bool parse_double(std::string_view text, double& out) noexcept;

}  // namespace geotarget::detail

namespace geotarget::detail {

/// Optimal string alignment distance (Damerau-Levenshtein without repeated edits of a
/// substring), or limit + 1 as soon as it must exceed `limit`.
[[nodiscard]] int edit_distance(std::string_view a, std::string_view b, int limit) noexcept;

/// `s` with every byte sequence that is not well-formed UTF-8 (RFC 3629: no overlongs, no
/// surrogates, nothing above U+10FFFF) replaced by U+FFFD.
[[nodiscard]] std::string valid_utf8(std::string_view s);

}  // namespace geotarget::detail
