// Internal: writing an output file so that a reader never sees half of it and a failure never
// destroys what was there: the bytes go to a temporary file beside the target, which replaces
// the target by rename() only once it is complete and flushed.
#pragma once

#include <string>
#include <string_view>

namespace geotarget::detail {

/// Writes `content` to `path` as described above. Throws geotarget::Error naming the path when
/// the temporary file cannot be written or renamed; the temporary file is removed then.
void replace_file(const std::string& path, std::string_view content);

/// True when `a` and `b` name the same existing file (same device and inode), whatever the
/// spelling of the paths.
[[nodiscard]] bool same_file(const std::string& a, const std::string& b) noexcept;

}  // namespace geotarget::detail
