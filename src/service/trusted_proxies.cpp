#include "trusted_proxies.hpp"

#include <charconv>

#include "geotarget/error.hpp"
#include "text.hpp"

namespace geotarget::service {

bool Cidr::parse(std::string_view text, Cidr& out) noexcept {
  const std::size_t slash = text.find('/');
  if (!parse_ip(text.substr(0, slash), out.network)) return false;
  const bool v4 = out.network.is_v4() && text.substr(0, slash).find(':') == std::string_view::npos;
  const int max = v4 ? 32 : 128;
  int length = max;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    auto r = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (digits.empty() || r.ec != std::errc{} || r.ptr != digits.data() + digits.size() || length < 0 || length > max)
      return false;
  }
  out.prefix_length = v4 ? length + 96 : length;
  return true;
}

bool Cidr::contains(const IpAddress& ip) const noexcept {
  const auto& a = ip.bytes();
  const auto& n = network.bytes();
  int bits = prefix_length;
  for (std::size_t i = 0; bits > 0; ++i, bits -= 8) {
    const auto mask = static_cast<std::uint8_t>(bits >= 8 ? 0xff : 0xff << (8 - bits));
    if ((a[i] & mask) != (n[i] & mask)) return false;
  }
  return true;
}

TrustedProxies::TrustedProxies(const std::vector<std::string>& cidrs) {
  for (const std::string& text : cidrs) {
    Cidr c;
    if (!Cidr::parse(text, c)) throw Error("trusted_proxies: '" + text + "' is not an address or CIDR network");
    cidrs_.push_back(c);
  }
}

bool TrustedProxies::trusts(const IpAddress& peer) const noexcept {
  for (const Cidr& c : cidrs_)
    if (c.contains(peer)) return true;
  return false;
}

ForwardedStatus TrustedProxies::visitor(const IpAddress& peer, std::span<const std::string_view> lines,
                                        IpAddress& out) const noexcept {
  out = peer;
  std::size_t line = lines.size();
  std::string_view rest;  // what is left of the line being read, from its left end
  while (trusts(out)) {
    while (trim(rest).empty() && line > 0) rest = lines[--line];  // an empty line adds no hop
    if (trim(rest).empty()) break;
    const std::size_t comma = rest.rfind(',');
    const std::string_view hop = trim(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    if (!parse_ip(hop, out)) return ForwardedStatus::malformed;
  }
  return ForwardedStatus::ok;
}

}  // namespace geotarget::service
