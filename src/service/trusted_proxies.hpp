// Internal: which peers may tell the visitor's address in X-Forwarded-For.
//
// Each proxy appends the address it received the request from, so the header reads
// "client, proxy1, proxy2" and only its right end is trustworthy. A proxy may append a header
// line of its own instead of extending the last one; the lines are one list, in order (RFC 9110
// section 5.3), so the right end is the last line's end. The visitor is found by walking from
// the right: while the address at hand (first the peer itself) is a trusted proxy, step to the
// hop it appended; the first address that is not a trusted proxy is the visitor. A peer that is
// not trusted is the visitor, whatever the header says.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "geotarget/ip_address.hpp"

namespace geotarget::service {

struct Cidr {
  IpAddress network;
  int prefix_length = 0;  ///< over the 128-bit form; IPv4 networks are ::ffff:0:0/96 + n

  /// "10.0.0.0/8", "2001:db8::/32", or a single address. False when malformed.
  static bool parse(std::string_view text, Cidr& out) noexcept;
  [[nodiscard]] bool contains(const IpAddress& ip) const noexcept;
};

enum class ForwardedStatus { ok, malformed };

class TrustedProxies {
 public:
  TrustedProxies() = default;
  /// Throws geotarget::Error naming the entry that is not a CIDR.
  explicit TrustedProxies(const std::vector<std::string>& cidrs);

  [[nodiscard]] bool trusts(const IpAddress& peer) const noexcept;
  /// The visitor behind `peer`, given the X-Forwarded-For header lines in the order received
  /// (none when absent). `malformed` when a hop that had to be read is not an address.
  [[nodiscard]] ForwardedStatus visitor(const IpAddress& peer, std::span<const std::string_view> lines,
                                        IpAddress& out) const noexcept;

 private:
  std::vector<Cidr> cidrs_;
};

}  // namespace geotarget::service
