// Internal: writing an output file so that a reader never sees half of it and a failure never
// destroys what was there: the bytes go to a temporary file beside the target, which replaces
// the target by rename() only once it is complete and closed.
#pragma once

#include <string>
#include <string_view>

namespace geotarget::detail {

/// A file being written under a temporary name in the target's folder ("out.csv" ->
/// "out.csv.tmp-PID-N.csv", N counting within the process, so that two threads writing one
/// target never share a file; the extension is kept for writers that look at it). commit()
/// renames it over the target; destroying it uncommitted removes it, so an exception leaves no partial
/// file and the old target untouched.
class PendingFile {
 public:
  explicit PendingFile(std::string target);
  ~PendingFile();
  PendingFile(const PendingFile&) = delete;
  PendingFile& operator=(const PendingFile&) = delete;

  [[nodiscard]] const std::string& temporary() const noexcept { return temporary_; }
  [[nodiscard]] const std::string& target() const noexcept { return target_; }
  /// Renames the temporary file over the target. Throws geotarget::Error (io) when it cannot.
  void commit();

 private:
  std::string target_, temporary_;
  bool committed_ = false;
};

/// Writes `content` to `path` through a PendingFile. Throws geotarget::Error naming the path
/// when it cannot be written or renamed.
void replace_file(const std::string& path, std::string_view content);

/// True when `a` and `b` name the same existing file (same device and inode), whatever the
/// spelling of the paths.
[[nodiscard]] bool same_file(const std::string& a, const std::string& b) noexcept;

}  // namespace geotarget::detail
