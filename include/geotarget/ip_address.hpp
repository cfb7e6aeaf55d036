// geotarget: IPv4 / IPv6 addresses as values, parsed without allocation.
//
//   geotarget::IpAddress a;
//   if (geotarget::parse_ip("::ffff:81.2.69.160", a)) { a.is_v4(); /* true: mapped form */ }
//   a.truncated().to_string();  // "81.2.69.0/24": the only form that may be logged or returned
//
// Thread-safety: plain values.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace geotarget {

/// Why an address can never be located (RFC 6890 special-purpose ranges).
enum class AddressClass : std::uint8_t {
  global,          ///< an ordinary public address
  unspecified,     ///< 0.0.0.0/8, ::/128
  loopback,        ///< 127.0.0.0/8, ::1/128
  private_use,     ///< 10/8, 172.16/12, 192.168/16, fc00::/7
  shared,          ///< 100.64.0.0/10 (carrier-grade NAT)
  link_local,      ///< 169.254/16, fe80::/10
  documentation,   ///< 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32
  benchmarking,    ///< 198.18.0.0/15, 2001:2::/48
  multicast,       ///< 224/4, ff00::/8
  reserved,        ///< 240/4, 255.255.255.255, 192.0.0/24, 100::/64
};

/// Stable snake_case name of an address class ("private_use", "loopback", ...).
[[nodiscard]] std::string_view describe(AddressClass c) noexcept;

/// An IPv4 or IPv6 address. IPv4 is held in the low 4 bytes' IPv4-mapped form
/// (::ffff:a.b.c.d), so an IPv4-mapped IPv6 literal and the IPv4 literal are the same value.
class IpAddress {
 public:
  IpAddress() = default;
  static IpAddress v4(std::uint32_t host_order) noexcept;
  static IpAddress v6(const std::array<std::uint8_t, 16>& bytes) noexcept;

  [[nodiscard]] bool is_v4() const noexcept;
  /// The IPv4 address in host byte order; only meaningful when is_v4().
  [[nodiscard]] std::uint32_t v4_value() const noexcept;
  [[nodiscard]] const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }

  [[nodiscard]] AddressClass classify() const noexcept;
  /// The privacy-safe network of this address: /24 for IPv4 (mapped and compatible forms
  /// included), /40 for 6to4 (2002::/16, whose bits 16-47 are a whole IPv4 address: the /40
  /// keeps that address's /24), /48 for other IPv6.
  [[nodiscard]] IpAddress truncated() const noexcept;
  /// The prefix length truncated() keeps: 24, 40 or 48.
  [[nodiscard]] int private_prefix_length() const noexcept;
  /// "a.b.c.d" or RFC 5952 IPv6 text.
  [[nodiscard]] std::string to_string() const;
  /// The truncated network with its prefix: "81.2.69.0/24", "2001:218:ab::/48",
  /// "2002:808:800::/40".
  [[nodiscard]] std::string to_private_string() const;

  friend bool operator==(const IpAddress&, const IpAddress&) = default;

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

/// Parses an IPv4 dotted quad or an IPv6 literal (no zone id, no brackets, no whitespace).
/// Returns false for anything else. Does not allocate.
[[nodiscard]] bool parse_ip(std::string_view text, IpAddress& out) noexcept;

}  // namespace geotarget
