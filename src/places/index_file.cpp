#include "index_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <utility>

#include "file_output.hpp"
#include "geotarget/error.hpp"

namespace geotarget::detail {

namespace {

constexpr std::array<char, 8> kMagic = {'G', 'T', 'P', 'L', 'A', 'C', 'E', '\0'};
constexpr std::uint32_t kByteOrder = 0x01020304;
constexpr std::size_t kAlign = 64;

// magic, format version, byte-order mark, file size, key length; then the key.
struct Header {
  std::array<char, 8> magic;
  std::uint32_t version;
  std::uint32_t byte_order;
  std::uint64_t file_size;
  std::uint64_t key_size;
};

// Before each section's elements.
struct SectionHeader {
  std::uint64_t count;
  std::uint64_t element_size;
};

std::size_t aligned(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

}  // namespace

struct IndexFileWriter::Output {
  explicit Output(const std::string& path) : pending(path) {}
  PendingFile pending;
  std::FILE* file = nullptr;
  std::size_t size = 0;
};

IndexFileWriter::IndexFileWriter(const std::string& path, std::string_view key)
    : out_(std::make_unique<Output>(path)) {
  out_->file = std::fopen(out_->pending.temporary().c_str(), "wb");
  if (!out_->file) throw Error(path + ": cannot write (" + std::strerror(errno) + ")", ErrorCode::io);
  const Header header{kMagic, kIndexFileVersion, kByteOrder, 0, key.size()};
  write(&header, sizeof header);
  write(key.data(), key.size());
}

IndexFileWriter::~IndexFileWriter() {
  if (out_->file) std::fclose(out_->file);
}

void IndexFileWriter::write(const void* data, std::size_t bytes) {
  if (bytes > 0 && std::fwrite(data, 1, bytes, out_->file) != bytes)
    throw Error(out_->pending.target() + ": cannot write (" + std::strerror(errno) + ")", ErrorCode::io);
  out_->size += bytes;
}

void IndexFileWriter::section(const void* data, std::size_t count, std::size_t size) {
  static constexpr std::array<char, kAlign> kZeros{};
  write(kZeros.data(), aligned(out_->size) - out_->size);
  const SectionHeader header{count, size};
  write(&header, sizeof header);
  write(kZeros.data(), aligned(out_->size) - out_->size);
  write(data, count * size);
}

void IndexFileWriter::commit() {
  const std::uint64_t size = out_->size;
  const bool ok = std::fseek(out_->file, offsetof(Header, file_size), SEEK_SET) == 0 &&
                  std::fwrite(&size, sizeof size, 1, out_->file) == 1 && std::fflush(out_->file) == 0;
  const int why = errno;
  const bool closed = std::fclose(std::exchange(out_->file, nullptr)) == 0;
  if (!ok || !closed)
    throw Error(out_->pending.target() + ": cannot write (" + std::strerror(ok ? errno : why) + ")", ErrorCode::io);
  out_->pending.commit();
}

std::shared_ptr<const MappedIndexFile> MappedIndexFile::open(const std::string& path, std::string_view key) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return nullptr;
    throw IndexFileError(std::string("cannot open (") + std::strerror(errno) + ")");
  }
  struct stat st {};
  const bool regular = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  const auto size = static_cast<std::size_t>(regular ? st.st_size : 0);
  void* map = size >= sizeof(Header) ? ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
  ::close(fd);
  if (map == MAP_FAILED) throw IndexFileError(regular ? "shorter than its header or cannot be mapped" : "not a regular file");
  std::shared_ptr<MappedIndexFile> file(new MappedIndexFile(static_cast<const std::byte*>(map), size));
  Header header;
  std::memcpy(&header, map, sizeof header);
  require_index(header.magic == kMagic, "not a compiled place index (magic)");
  require_index(header.byte_order == kByteOrder, "written on a machine of another byte order");
  require_index(header.version == kIndexFileVersion, "written by another version of geotarget");
  require_index(header.file_size == size, "its size differs from the size its header records (truncated?)");
  require_index(header.key_size <= size - sizeof header, "its key runs past the end");
  const std::string_view stored(reinterpret_cast<const char*>(map) + sizeof header, header.key_size);
  require_index(stored == key, "stale: its sources, manifest or options changed");
  file->first_section_ = sizeof header + header.key_size;
  return file;
}

MappedIndexFile::~MappedIndexFile() { ::munmap(const_cast<std::byte*>(data_), size_); }

std::pair<const std::byte*, std::size_t> IndexFileReader::section(std::size_t size, std::size_t align) {
  at_ = aligned(at_);
  require_index(at_ <= bytes_.size() && bytes_.size() - at_ >= sizeof(SectionHeader), "a section runs past the end");
  SectionHeader header;
  std::memcpy(&header, bytes_.data() + at_, sizeof header);
  require_index(header.element_size == size, "a section's element size does not match");
  at_ = aligned(at_ + sizeof header);
  require_index(at_ <= bytes_.size() && header.count <= (bytes_.size() - at_) / size, "a section runs past the end");
  require_index(at_ % align == 0, "a section is misaligned");
  const std::byte* data = bytes_.data() + at_;
  at_ += header.count * size;
  return {data, header.count};
}

void IndexFileReader::finish() const { require_index(at_ == bytes_.size(), "bytes after the last section"); }

}  // namespace geotarget::detail
