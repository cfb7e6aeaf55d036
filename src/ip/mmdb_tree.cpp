#include "mmdb_tree.hpp"

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

}  // namespace

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
