// Internal: text normalisation and fuzzy comparison for matching place names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "text.hpp"  // edit_distance

namespace geotarget::detail {

/// Lowercase ASCII words separated by single spaces: accents removed and case folded with
/// utf8proc (Cañon -> canon, STRASSE/Straße -> strasse), apostrophes and periods dropped,
/// other punctuation read as a space. Letters outside ASCII (Cyrillic, CJK) are kept folded.
[[nodiscard]] std::string normalize_text(std::string_view text);

/// normalize_text plus the abbreviations of place names: st -> saint, ste -> sainte,
/// ft -> fort, mt -> mount (as whole words).
[[nodiscard]] std::string normalize_place_name(std::string_view text);

/// Splits normalised text into its words.
[[nodiscard]] std::vector<std::string_view> words_of(std::string_view normalized);

/// The typo budget for a name of this length: 0 up to four letters, 1 up to eight, else 2.
[[nodiscard]] int typo_budget(std::size_t length) noexcept;

}  // namespace geotarget::detail
