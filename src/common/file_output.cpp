#include "file_output.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "geotarget/error.hpp"

namespace geotarget::detail {

PendingFile::PendingFile(std::string target) : target_(std::move(target)) {
  // The process and a number of its own: two threads writing one target never share a file.
  static std::atomic<unsigned> next{0};
  temporary_ = target_ + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(next++) +
               std::filesystem::path(target_).extension().string();
}

PendingFile::~PendingFile() {
  if (!committed_) std::remove(temporary_.c_str());
}

void PendingFile::commit() {
  if (std::rename(temporary_.c_str(), target_.c_str()) != 0)
    throw Error(target_ + ": cannot write (rename: " + std::strerror(errno) + ")", ErrorCode::io);
  committed_ = true;
}

void replace_file(const std::string& path, std::string_view content) {
  PendingFile pending(path);
  std::FILE* f = std::fopen(pending.temporary().c_str(), "wb");
  if (!f) throw Error(path + ": cannot write (" + std::strerror(errno) + ")", ErrorCode::io);
  const bool written = std::fwrite(content.data(), 1, content.size(), f) == content.size() && std::fflush(f) == 0;
  const int why = errno;
  if (std::fclose(f) != 0 || !written)
    throw Error(path + ": cannot write (" + std::strerror(written ? errno : why) + ")", ErrorCode::io);
  pending.commit();
}

bool same_file(const std::string& a, const std::string& b) noexcept {
  struct stat sa {}, sb {};
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

}  // namespace geotarget::detail
