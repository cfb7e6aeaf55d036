#include "mmdb_tree.hpp"

#include <algorithm>
#include <fstream>
#include <string_view>
#include <utility>

#include <vector>

#include "geotarget/error.hpp"

namespace geotarget::detail {

namespace {

struct Pending {
  std::uint32_t node;
  int depth;
  std::array<std::uint8_t, 16> address;
  bool is_data;
  std::uint32_t data_offset;
};

void set_bit(std::array<std::uint8_t, 16>& a, int bit) {
  a[static_cast<std::size_t>(bit / 8)] |= static_cast<std::uint8_t>(0x80 >> (bit % 8));
}

// The bit offset at which IPv4 addresses start in this tree: 96 for an IPv6 tree, 0 for IPv4.
int v4_origin(const MMDB_s& db) { return db.metadata.ip_version == 6 ? 96 : 0; }

TreeNetwork make_network(const MMDB_s& db, const Pending& at, std::uint32_t offset) {
  TreeNetwork n;
  n.data_offset = offset;
  n.prefix_length = at.depth;
  int origin = v4_origin(db);
  if (origin == 0) {
    // IPv4 tree: the walk collected bits from position 0; move them into the IPv4 slot.
    n.is_v4 = true;
    n.v4_prefix = at.depth;
    for (int i = 0; i < 4; ++i) n.address[static_cast<std::size_t>(12 + i)] = at.address[static_cast<std::size_t>(i)];
    return n;
  }
  n.address = at.address;
  bool under_v4 = at.depth >= 96;
  for (int i = 0; i < 12 && under_v4; ++i) under_v4 = at.address[static_cast<std::size_t>(i)] == 0;
  if (under_v4) {
    n.is_v4 = true;
    n.v4_prefix = at.depth - 96;
  }
  return n;
}

void push_record(std::vector<Pending>& stack, Pending next, std::uint8_t type,
                 std::uint32_t offset, const std::string& path) {
  switch (type) {
    case MMDB_RECORD_TYPE_SEARCH_NODE: stack.push_back(next); return;
    case MMDB_RECORD_TYPE_DATA:
      next.is_data = true;
      next.data_offset = offset;
      stack.push_back(next);
      return;
    case MMDB_RECORD_TYPE_EMPTY: return;
    default: throw Error(path + ": corrupt search tree (a record points outside the file)");
  }
}

// ------------------------------------------------------------------ metadata, read before libmaxminddb

// The metadata map of an MMDB file, read just far enough for the search tree's declared size.
// Bounded: every length is checked against the bytes and nesting is limited. Pointers (MaxMind's
// own writer uses them for repeated strings) are skipped, or followed once for the two sizes.
class MetadataReader {
 public:
  MetadataReader(std::string_view bytes, const std::string& path) : bytes_(bytes), path_(path) {}

  void read_tree_size(std::uint64_t& node_count, std::uint64_t& record_size) {
    const auto [type, entries] = control();
    if (type != kMap) fail("is not a map");
    for (std::uint64_t i = 0; i < entries; ++i) {
      const std::string_view key = key_text();
      if (key == "node_count") node_count = unsigned_value();
      else if (key == "record_size") record_size = unsigned_value();
      else skip(0);
    }
  }

 private:
  static constexpr int kPointer = 1, kString = 2, kMap = 7, kArray = 11, kMaxDepth = 16;

  [[noreturn]] void fail(const std::string& why) const { throw Error(path_ + ": metadata " + why); }
  std::string_view take(std::uint64_t n) {
    if (n > bytes_.size() - at_) fail("is truncated");
    const std::string_view out = bytes_.substr(at_, n);
    at_ += n;
    return out;
  }
  std::uint64_t big_endian(std::uint64_t n) {
    std::uint64_t v = 0;
    for (unsigned char c : take(n)) v = v << 8 | c;
    return v;
  }
  // Type and size of the next field (MaxMind DB spec, "Output Data Section"); for a pointer, the
  // size is the offset it points to, from the start of the metadata.
  std::pair<int, std::uint64_t> control() {
    const auto c = static_cast<unsigned char>(take(1)[0]);
    int type = c >> 5;
    if (type == kPointer) return {type, pointer_target(c)};
    if (type == 0) type = 7 + static_cast<unsigned char>(take(1)[0]);
    if (type > 15) fail("holds an unknown type");
    std::uint64_t size = c & 0x1f;
    if (size == 29) size = 29 + big_endian(1);
    else if (size == 30) size = 285 + big_endian(2);
    else if (size == 31) size = 65821 + big_endian(3);
    return {type, size};
  }
  // A map key: a string, or a pointer to one.
  std::string_view key_text() {
    const auto [type, size] = control();
    if (type == kString) return take(size);
    if (type != kPointer || size >= bytes_.size()) fail("has a key that is not a string");
    const std::size_t back = at_;
    at_ = size;
    const auto [target_type, target_size] = control();
    if (target_type != kString) fail("has a key that is not a string");
    const std::string_view key = take(target_size);
    at_ = back;
    return key;
  }
  std::uint64_t pointer_target(unsigned char c) {
    const std::uint64_t high = c & 0x7, length = (c >> 3) & 0x3;
    if (length == 0) return high << 8 | big_endian(1);
    if (length == 1) return (high << 16 | big_endian(2)) + 2048;
    if (length == 2) return (high << 24 | big_endian(3)) + 526336;
    return big_endian(4);
  }
  std::uint64_t unsigned_value(bool through_pointer = false) {
    auto [type, size] = control();
    if (type == kPointer && !through_pointer) {
      if (size >= bytes_.size()) fail("points outside itself");
      const std::size_t back = at_;
      at_ = size;
      const std::uint64_t v = unsigned_value(true);
      at_ = back;
      return v;
    }
    if ((type != 5 && type != 6 && type != 9) || size > 8) fail("has a size field that is not an unsigned integer");
    return big_endian(size);
  }
  void skip(int depth) {
    if (depth > kMaxDepth) fail("is nested too deeply");
    const auto [type, size] = control();
    if (type == kMap || type == kArray) {
      const std::uint64_t items = type == kMap ? 2 * size : size;
      if (items > bytes_.size() - at_) fail("is truncated");  // every item takes a byte at least
      for (std::uint64_t i = 0; i < items; ++i) skip(depth + 1);
    } else if (type == 3) {
      take(8);  // double
    } else if (type == 15) {
      take(4);  // float
    } else if (type != 14 && type != kPointer) {
      take(size);  // strings, bytes, integers; booleans carry their value in the size
    }
  }

  std::string_view bytes_;
  const std::string& path_;
  std::size_t at_ = 0;
};

}  // namespace

void check_search_tree_fits(const std::string& path) {
  constexpr std::string_view kMarker = "\xAB\xCD\xEFMaxMind.com";
  constexpr std::uint64_t kMaxMetadata = 128 * 1024, kSeparator = 16;
  std::ifstream in(path, std::ios::binary);
  if (!in) return;  // libmaxminddb reports the file it cannot open
  in.seekg(0, std::ios::end);
  const auto file_bytes = static_cast<std::uint64_t>(std::max<std::streamoff>(in.tellg(), 0));
  const std::uint64_t tail = std::min(file_bytes, kMaxMetadata);
  std::string bytes(tail, '\0');
  in.seekg(static_cast<std::streamoff>(file_bytes - tail));
  if (!in.read(bytes.data(), static_cast<std::streamsize>(tail))) throw Error(path + ": cannot read", ErrorCode::io);
  const std::size_t marker = bytes.rfind(kMarker);
  if (marker == std::string::npos) throw Error(path + ": not a MaxMind DB file (no metadata marker)");
  std::uint64_t node_count = 0, record_size = 0;
  MetadataReader(std::string_view(bytes).substr(marker + kMarker.size()), path).read_tree_size(node_count, record_size);
  if (record_size != 24 && record_size != 28 && record_size != 32)
    throw Error(path + ": search tree record size " + std::to_string(record_size) + " is not 24, 28 or 32");
  const std::uint64_t tree_bytes = node_count * record_size / 4;  // node_count < 2^64 / 32
  const std::uint64_t before_metadata = file_bytes - tail + marker;
  if (node_count > 0xffffffffu || tree_bytes + kSeparator > before_metadata)
    throw Error(path + ": search tree of " + std::to_string(node_count) + " nodes (" + std::to_string(tree_bytes) +
                " bytes) does not fit in the " + std::to_string(before_metadata) + " bytes before the metadata");
}

void walk_networks(const MMDB_s& db, const std::string& path,
                   const std::function<void(const TreeNetwork&)>& visit) {
  const std::uint32_t node_count = db.metadata.node_count;
  const int max_depth = db.metadata.ip_version == 6 ? 128 : 32;
  std::vector<bool> seen(node_count, false);
  // Depth-first, left before right, so networks come out in address order. Data records ride
  // on the stack too (is_data) so that they are emitted in that same order.
  std::vector<Pending> stack{{0, 0, {}, false, 0}};
  while (!stack.empty()) {
    Pending at = stack.back();
    stack.pop_back();
    if (at.is_data) {
      visit(make_network(db, at, at.data_offset));
      continue;
    }
    if (at.node >= node_count || at.depth >= max_depth) {
      throw Error(path + ": corrupt search tree (node " + std::to_string(at.node) + " at depth " +
                  std::to_string(at.depth) + ")");
    }
    if (seen[at.node]) continue;  // an alias into an already walked subtree
    seen[at.node] = true;
    MMDB_search_node_s node;
    if (MMDB_read_node(const_cast<MMDB_s*>(&db), at.node, &node) != MMDB_SUCCESS) {
      throw Error(path + ": cannot read search tree node " + std::to_string(at.node));
    }
    Pending right{static_cast<std::uint32_t>(node.right_record), at.depth + 1, at.address, false, 0};
    set_bit(right.address, at.depth);
    Pending left{static_cast<std::uint32_t>(node.left_record), at.depth + 1, at.address, false, 0};
    push_record(stack, right, node.right_record_type, node.right_record_entry.offset, path);
    push_record(stack, left, node.left_record_type, node.left_record_entry.offset, path);
  }
}

}  // namespace geotarget::detail
