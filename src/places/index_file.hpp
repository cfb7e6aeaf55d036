// Internal: the compiled place index file (docs/formats.md, D41): the built place index as
// arrays, written once and memory-mapped by later loads instead of building from the sources.
//
// Layout: a header (magic "GTPLACE\0", format version, a byte-order mark, the file's size, the
// key), then sections in a fixed order, each a 16-byte count and element size followed by the
// elements, every section starting on a 64-byte boundary. The file is hostile input like any
// other: the reader checks the header, and each section's size against the file and the type it
// is read as; the caller checks every index inside the arrays before using it.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace geotarget::detail {

/// The format version: raise it whenever what the file holds, or how the index it holds is
/// built, changes, so that files written before are rebuilt rather than trusted.
inline constexpr std::uint32_t kIndexFileVersion = 2;  // 2: the neighbourhood level (D44)

/// A compiled file that cannot be used: wrong magic, version, key or sizes, an index out of
/// range. The loader reports it on stderr and builds from the sources instead.
struct IndexFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Writes a compiled file section by section to a temporary file beside `path`; commit()
/// renames it over `path`, destroying it uncommitted removes it. Throws geotarget::Error (io).
class IndexFileWriter {
 public:
  IndexFileWriter(const std::string& path, std::string_view key);
  ~IndexFileWriter();
  IndexFileWriter(const IndexFileWriter&) = delete;
  IndexFileWriter& operator=(const IndexFileWriter&) = delete;

  template <class T>
  void array(std::span<const T> items) {
    static_assert(std::is_trivially_copyable_v<T>);
    section(items.data(), items.size(), sizeof(T));
  }
  template <class T>
  void value(const T& v) {
    array(std::span<const T>(&v, 1));
  }
  void text(std::string_view s) { array(std::span<const char>(s.data(), s.size())); }

  /// Completes the header and renames the file over its target.
  void commit();

 private:
  void section(const void* data, std::size_t count, std::size_t size);
  void write(const void* data, std::size_t bytes);
  struct Output;
  std::unique_ptr<Output> out_;
};

/// A compiled file mapped read-only; the arrays handed out stay valid while it lives.
class MappedIndexFile {
 public:
  /// Maps `path` and checks its header against `key`. Returns nullptr when there is no file;
  /// throws IndexFileError when it is not a usable compiled index for `key`.
  static std::shared_ptr<const MappedIndexFile> open(const std::string& path, std::string_view key);
  ~MappedIndexFile();
  MappedIndexFile(const MappedIndexFile&) = delete;
  MappedIndexFile& operator=(const MappedIndexFile&) = delete;

  [[nodiscard]] std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
  [[nodiscard]] std::size_t first_section() const noexcept { return first_section_; }

 private:
  MappedIndexFile(const std::byte* data, std::size_t size) : data_(data), size_(size) {}
  const std::byte* data_;
  std::size_t size_;
  std::size_t first_section_ = 0;
};

/// Reads the sections of a mapped file in the order they were written.
class IndexFileReader {
 public:
  explicit IndexFileReader(const MappedIndexFile& file) : bytes_(file.bytes()), at_(file.first_section()) {}

  template <class T>
  std::span<const T> array() {
    static_assert(std::is_trivially_copyable_v<T>);
    auto [data, count] = section(sizeof(T), alignof(T));
    return {reinterpret_cast<const T*>(data), count};
  }
  template <class T>
  T value() {
    auto items = array<T>();
    if (items.size() != 1) throw IndexFileError("a single value is an array of " + std::to_string(items.size()));
    return items[0];
  }
  std::string_view text() {
    auto chars = array<char>();
    return {chars.data(), chars.size()};
  }
  /// Throws unless every byte of the file was read.
  void finish() const;

 private:
  std::pair<const std::byte*, std::size_t> section(std::size_t size, std::size_t align);
  std::span<const std::byte> bytes_;
  std::size_t at_;
};

/// Throws IndexFileError naming `what` unless `condition` holds.
inline void require_index(bool condition, const char* what) {
  if (!condition) throw IndexFileError(what);
}

}  // namespace geotarget::detail
