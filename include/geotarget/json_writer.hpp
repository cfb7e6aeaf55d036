// geotarget: the one writer of the wire JSON (geotarget ip and locate lines, service answers).
//
//   std::string out;
//   geotarget::JsonWriter w(out);
//   w.begin_object().key("city").string("Zürich").key("lat").number(47.37).end_object();
//
// Append-only, into a caller-owned string that can be reused between answers, so an answer
// allocates nothing once the buffer has grown. Structure (commas, nesting) is the caller's:
// key() and the value writers add a comma before every item but the first of an object or
// array. string() expects UTF-8 (the engine's own data); input_text() is for text as a user
// sent it, and replaces invalid UTF-8 with U+FFFD so that the line stays valid JSON.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

namespace geotarget {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }

  JsonWriter& key(std::string_view k) {
    item(k, ':');
    after_key_ = true;
    return *this;
  }
  /// A `"key":value` member written elsewhere as valid JSON (e.g. precomputed fragments).
  JsonWriter& raw_member(std::string_view member) {
    comma();
    out_ += member;
    return *this;
  }
  JsonWriter& string(std::string_view v) {
    item(v, '\0');
    return *this;
  }
  /// Text as a user sent it: like string(), with invalid UTF-8 replaced by U+FFFD.
  JsonWriter& input_text(std::string_view v);
  /// A string, or null when empty.
  JsonWriter& string_or_null(std::string_view v) { return v.empty() ? null() : string(v); }
  JsonWriter& number(double v) {
    if (!std::isfinite(v)) return null();
    char buf[40];
    const std::size_t n = separator() ? (buf[0] = ',', 1) : 0;
    out_.append(buf, static_cast<std::size_t>(std::to_chars(buf + n, buf + sizeof buf, v).ptr - buf));
    return *this;
  }
  JsonWriter& integer(std::int64_t v) {
    char buf[32];
    const std::size_t n = separator() ? (buf[0] = ',', 1) : 0;
    out_.append(buf, static_cast<std::size_t>(std::to_chars(buf + n, buf + sizeof buf, v).ptr - buf));
    return *this;
  }
  JsonWriter& boolean(bool v) {
    comma();
    out_ += v ? "true" : "false";
    return *this;
  }
  JsonWriter& null() {
    comma();
    out_ += "null";
    return *this;
  }

 private:
  JsonWriter& open(char c) {
    comma();
    out_ += c;
    first_ = true;
    return *this;
  }
  JsonWriter& close(char c) {
    out_ += c;
    first_ = false;
    return *this;
  }
  void comma() {
    if (separator()) out_ += ',';
  }
  // Whether the next item needs a comma before it (and it is no longer the first).
  bool separator() {
    const bool needed = !after_key_ && !first_;
    after_key_ = false;
    first_ = false;
    return needed;
  }
  // The item's comma, `s` quoted, then `tail` unless it is '\0'. A short `s` that needs no
  // escape (every key, most values) goes in one append: the answers are mostly such items.
  void item(std::string_view s, char tail) {
    static constexpr std::size_t kShort = 64;
    const bool comma_first = separator();
    if (s.size() > kShort || !plain(s)) {
      if (comma_first) out_ += ',';
      text(s);
      if (tail != '\0') out_ += tail;
      return;
    }
    char buf[kShort + 4];
    std::size_t n = 0;
    if (comma_first) buf[n++] = ',';
    buf[n++] = '"';
    s.copy(buf + n, s.size());
    n += s.size();
    buf[n++] = '"';
    if (tail != '\0') buf[n++] = tail;
    out_.append(buf, n);
  }
  static bool plain(std::string_view s) {
    for (const char c : s)
      if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') return false;
    return true;
  }
  // A quoted string with the escapes JSON requires; bytes >= 0x80 pass through (the sources
  // are UTF-8).
  void text(std::string_view s) {
    out_ += '"';
    std::size_t run = 0;  // start of the bytes not yet copied
    for (std::size_t i = 0; i < s.size(); ++i) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(s.data() + run, i - run);
      run = i + 1;
      if (c == '"' || c == '\\') {
        out_ += '\\';
        out_ += static_cast<char>(c);
      } else {
        static constexpr char hex[] = "0123456789abcdef";
        out_ += "\\u00";
        out_ += hex[c >> 4];
        out_ += hex[c & 15];
      }
    }
    out_.append(s.data() + run, s.size() - run);
    out_ += '"';
  }

  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

}  // namespace geotarget
