// Internal: walking the search tree of an opened MMDB (used by the resolver and the dump).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>

#include <maxminddb.h>

namespace geotarget::detail {

/// One network of the database that points to a data record.
struct TreeNetwork {
  std::array<std::uint8_t, 16> address{};  ///< network address, IPv6 layout
  int prefix_length = 0;                   ///< 0..128 in the tree's own bit space
  bool is_v4 = false;  ///< under ::/96 of an IPv6 tree, or any network of an IPv4 tree;
                       ///< then address[12..15] is the IPv4 network, v4_prefix its length
  int v4_prefix = 0;
  std::uint32_t data_offset = 0;  ///< offset in the data section (MMDB_entry_s::offset)
};

/// Throws geotarget::Error naming `path` unless the file's metadata can be read and the search
/// tree it declares fits in the file: node_count x record_size / 4 bytes, the 16-byte separator
/// and the metadata. Called before MMDB_open: libmaxminddb 1.7.1 checks this in 32 bits, which
/// a crafted node_count overflows, and then reads outside the file during the open itself.
void check_search_tree_fits(const std::string& path);

/// Visits every network with a data record exactly once, in address order. A node reached a
/// second time (the ::ffff:0:0/96 and 2002::/16 IPv4 aliases) is not walked again, which also
/// bounds the walk on a hostile tree with cycles. Throws geotarget::Error naming `path` on a
/// node or record outside the file.
void walk_networks(const MMDB_s& db, const std::string& path,
                   const std::function<void(const TreeNetwork&)>& visit);

}  // namespace geotarget::detail
