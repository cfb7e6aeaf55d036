#include "geotarget/ip_address.hpp"

#include <arpa/inet.h>

#include <cstring>

namespace geotarget {

namespace {

constexpr std::array<std::uint8_t, 12> kV4MappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

// One special-purpose network (RFC 6890 registries), in the 16-byte layout.
struct SpecialRange {
  std::array<std::uint8_t, 16> network;
  int prefix;  // over all 128 bits
  AddressClass cls;
};

constexpr std::array<std::uint8_t, 16> v4net(std::uint8_t a, std::uint8_t b, std::uint8_t c) {
  return {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, 0};
}

constexpr std::array<std::uint8_t, 16> v6net(std::uint8_t a, std::uint8_t b, std::uint8_t c = 0,
                                             std::uint8_t d = 0) {
  return {a, b, c, d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
}

// IPv4 prefixes are written as 96 + their IPv4 length.
constexpr SpecialRange kSpecialRanges[] = {
    {v4net(0, 0, 0), 96 + 8, AddressClass::unspecified},
    {v4net(10, 0, 0), 96 + 8, AddressClass::private_use},
    {v4net(100, 64, 0), 96 + 10, AddressClass::shared},
    {v4net(127, 0, 0), 96 + 8, AddressClass::loopback},
    {v4net(169, 254, 0), 96 + 16, AddressClass::link_local},
    {v4net(172, 16, 0), 96 + 12, AddressClass::private_use},
    {v4net(192, 0, 0), 96 + 24, AddressClass::reserved},
    {v4net(192, 0, 2), 96 + 24, AddressClass::documentation},
    {v4net(192, 168, 0), 96 + 16, AddressClass::private_use},
    {v4net(198, 18, 0), 96 + 15, AddressClass::benchmarking},
    {v4net(198, 51, 100), 96 + 24, AddressClass::documentation},
    {v4net(203, 0, 113), 96 + 24, AddressClass::documentation},
    {v4net(224, 0, 0), 96 + 4, AddressClass::multicast},
    {v4net(240, 0, 0), 96 + 4, AddressClass::reserved},  // includes 255.255.255.255
    {v6net(0, 0), 128, AddressClass::unspecified},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, AddressClass::loopback},
    {v6net(0x01, 0x00), 64, AddressClass::reserved},  // 100::/64 discard-only
    {v6net(0x20, 0x01, 0x00, 0x02), 48, AddressClass::benchmarking},
    {v6net(0x20, 0x01, 0x0d, 0xb8), 32, AddressClass::documentation},
    {v6net(0xfc, 0x00), 7, AddressClass::private_use},
    {v6net(0xfe, 0x80), 10, AddressClass::link_local},
    {v6net(0xff, 0x00), 8, AddressClass::multicast},
};

bool in_network(const std::array<std::uint8_t, 16>& a, const std::array<std::uint8_t, 16>& net,
                int prefix) {
  int full = prefix / 8, rest = prefix % 8;
  if (std::memcmp(a.data(), net.data(), static_cast<std::size_t>(full)) != 0) return false;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[full] & mask) == (net[full] & mask);
}

}  // namespace

std::string_view describe(AddressClass c) noexcept {
  switch (c) {
    case AddressClass::global: return "global";
    case AddressClass::unspecified: return "unspecified";
    case AddressClass::loopback: return "loopback";
    case AddressClass::private_use: return "private_use";
    case AddressClass::shared: return "shared_address_space";
    case AddressClass::link_local: return "link_local";
    case AddressClass::documentation: return "documentation";
    case AddressClass::benchmarking: return "benchmarking";
    case AddressClass::multicast: return "multicast";
    case AddressClass::reserved: return "reserved";
  }
  return "unknown";
}

IpAddress IpAddress::v4(std::uint32_t host_order) noexcept {
  IpAddress a;
  std::memcpy(a.bytes_.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size());
  a.bytes_[12] = static_cast<std::uint8_t>(host_order >> 24);
  a.bytes_[13] = static_cast<std::uint8_t>(host_order >> 16);
  a.bytes_[14] = static_cast<std::uint8_t>(host_order >> 8);
  a.bytes_[15] = static_cast<std::uint8_t>(host_order);
  return a;
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& bytes) noexcept {
  IpAddress a;
  a.bytes_ = bytes;
  return a;
}

bool IpAddress::is_v4() const noexcept {
  return std::memcmp(bytes_.data(), kV4MappedPrefix.data(), kV4MappedPrefix.size()) == 0;
}

std::uint32_t IpAddress::v4_value() const noexcept {
  return (std::uint32_t{bytes_[12]} << 24) | (std::uint32_t{bytes_[13]} << 16) |
         (std::uint32_t{bytes_[14]} << 8) | std::uint32_t{bytes_[15]};
}

AddressClass IpAddress::classify() const noexcept {
  // Most IPv4 addresses are global; decide those from the first octet without the table.
  if (is_v4()) {
    switch (bytes_[12]) {
      case 0: case 10: case 100: case 127: case 169: case 172: case 192: case 198: case 203: break;
      default:
        if (bytes_[12] < 224) return AddressClass::global;
    }
  }
  for (const auto& r : kSpecialRanges) {
    if (in_network(bytes_, r.network, r.prefix)) return r.cls;
  }
  return AddressClass::global;
}

int IpAddress::private_prefix_length() const noexcept {
  if (is_v4()) return 24;
  return bytes_[0] == 0x20 && bytes_[1] == 0x02 ? 40 : 48;  // 6to4: 2002:AABB:CCDD::/48
}

IpAddress IpAddress::truncated() const noexcept {
  IpAddress t = *this;
  // Bytes kept: /24 of IPv4 (96 + 24 bits), else the IPv6 prefix.
  const auto keep = static_cast<std::size_t>(is_v4() ? 15 : private_prefix_length() / 8);
  std::memset(t.bytes_.data() + keep, 0, 16 - keep);
  return t;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  if (is_v4()) {
    ::inet_ntop(AF_INET, bytes_.data() + 12, buf, sizeof buf);
  } else {
    ::inet_ntop(AF_INET6, bytes_.data(), buf, sizeof buf);
  }
  return buf;
}

std::string IpAddress::to_private_string() const {
  return truncated().to_string() + "/" + std::to_string(private_prefix_length());
}

bool parse_ip(std::string_view text, IpAddress& out) noexcept {
  char buf[INET6_ADDRSTRLEN];
  if (text.empty() || text.size() >= sizeof buf) return false;
  if (text.find('\0') != std::string_view::npos) return false;  // inet_pton would stop there
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  std::array<std::uint8_t, 16> bytes{};
  if (text.find(':') == std::string_view::npos) {
    std::uint8_t v4[4];
    if (::inet_pton(AF_INET, buf, v4) != 1) return false;
    out = IpAddress::v4((std::uint32_t{v4[0]} << 24) | (std::uint32_t{v4[1]} << 16) |
                        (std::uint32_t{v4[2]} << 8) | std::uint32_t{v4[3]});
    return true;
  }
  if (::inet_pton(AF_INET6, buf, bytes.data()) != 1) return false;
  out = IpAddress::v6(bytes);
  return true;
}

}  // namespace geotarget
