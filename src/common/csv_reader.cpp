#include "csv_reader.hpp"

#include <algorithm>
#include <stdexcept>

#include "geotarget/error.hpp"

namespace geotarget::detail {

namespace {

constexpr std::size_t kScratch = std::size_t{1} << 63;  // span offset refers to scratch_
// parse() result meaning "the record is not complete in the buffer; read more".
constexpr auto kNeedMore = static_cast<CsvStatus>(255);

bool is_line_end(char c) { return c == '\n' || c == '\r'; }

// LF, CRLF and a lone CR each end one line.
std::size_t count_line_ends(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++i)
    n += s[i] == '\n' || (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n'));
  return n;
}

}  // namespace

std::string_view describe(CsvStatus s) noexcept {
  switch (s) {
    case CsvStatus::ok: return "ok";
    case CsvStatus::end_of_input: return "end_of_input";
    case CsvStatus::unterminated_quote: return "unterminated_quote";
    case CsvStatus::stray_quote: return "stray_quote";
    case CsvStatus::text_after_quote: return "text_after_quote";
    case CsvStatus::record_too_long: return "record_too_long";
  }
  return "unknown";
}

CsvReader::CsvReader(std::istream& in, CsvOptions options) : in_(in), options_(options) {
  if (options_.chunk_bytes == 0) throw Error("CsvOptions::chunk_bytes is 0", ErrorCode::invalid_option);
  if (options_.delimiter == '"' || is_line_end(options_.delimiter))
    throw Error("CsvOptions::delimiter cannot be a quote or a line end", ErrorCode::invalid_option);
  while (buffer_.size() < 3 && fill()) {
  }
  if (options_.input_start && buffer_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
  delimiter_ = options_.delimiter ? options_.delimiter : detect_delimiter();
  for (char c : {delimiter_, '"', '\r', '\n'}) special_[static_cast<unsigned char>(c)] = true;
}

bool CsvReader::fill() {
  if (eof_) return false;
  if (pos_ > 0 && pos_ >= buffer_.size() / 2) {  // drop consumed input before growing
    buffer_.erase(0, pos_);
    consumed_base_ += pos_;
    pos_ = 0;
  }
  const std::size_t old = buffer_.size();
  buffer_.resize(old + options_.chunk_bytes);
  in_.read(buffer_.data() + old, static_cast<std::streamsize>(options_.chunk_bytes));
  const auto got = static_cast<std::size_t>(in_.gcount());
  buffer_.resize(old + got);
  if (!in_) eof_ = true;
  return got > 0;
}

// Counts the most frequent candidate outside quotes on the first non-empty line, reading no
// further than one record may be long.
char CsvReader::detect_delimiter() {
  std::array<std::size_t, 3> counts{};
  bool quoted = false, started = false;
  for (std::size_t k = 0;; ++k) {  // relative to pos_, which fill() may move
    if (pos_ + k >= buffer_.size() && (k > options_.max_record_bytes || !fill())) break;
    const char c = buffer_[pos_ + k];
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (is_line_end(c)) {
      if (started) break;
      continue;
    }
    started = true;
    counts[0] += c == ',';
    counts[1] += c == ';';
    counts[2] += c == '\t';
  }
  const char candidates[] = {',', ';', '\t'};
  return candidates[std::max_element(counts.begin(), counts.end()) - counts.begin()];
}

// Empty lines carry no record: consume and count them. False at the end of the input.
bool CsvReader::skip_blank_lines() {
  for (;;) {
    if (pos_ >= buffer_.size() && !fill()) return false;
    const char c = buffer_[pos_];
    if (!is_line_end(c)) return true;
    if (c == '\r' && pos_ + 1 == buffer_.size() && fill()) continue;  // is it a CRLF?
    ++line_;
    pos_ = past_line_end(pos_);
  }
}

CsvStatus CsvReader::next(CsvRecord& record) {
  for (;;) {
    if (!skip_blank_lines()) return CsvStatus::end_of_input;
    const CsvStatus s = parse(record);
    if (s == kNeedMore) {
      if (buffer_.size() - pos_ > options_.max_record_bytes)
        return reject(record, CsvStatus::record_too_long, pos_);
      fill();
      continue;
    }
    if (s != CsvStatus::ok) return reject(record, s, error_at_);
    return s;
  }
}

// Parses the record at pos_ into `record`, or says why not (error_at_ then marks the spot).
CsvStatus CsvReader::parse(CsvRecord& record) {
  spans_.clear();
  scratch_.clear();
  std::size_t i = pos_, line_ends = 0;
  for (;;) {
    const bool quoted = i < buffer_.size() && buffer_[i] == '"';
    const CsvStatus s = quoted ? parse_quoted(i, line_ends) : parse_plain(i);
    if (s != CsvStatus::ok) return s;
    if (i == buffer_.size()) {
      if (!eof_) return kNeedMore;
      break;
    }
    if (buffer_[i] != delimiter_) break;  // a line end
    ++i;
  }
  if (i + 1 == buffer_.size() && buffer_[i] == '\r' && !eof_) return kNeedMore;  // CRLF?
  if (i - pos_ > options_.max_record_bytes) {
    error_at_ = i;
    return CsvStatus::record_too_long;
  }
  emit(record, i, line_ends);
  return CsvStatus::ok;
}

// An unquoted field from i up to the next delimiter or line end.
CsvStatus CsvReader::parse_plain(std::size_t& i) {
  const std::size_t from = i, n = buffer_.size();
  const char* b = buffer_.data();
  while (i < n && !special_[static_cast<unsigned char>(b[i])]) ++i;
  if (i < n && b[i] == '"') {
    error_at_ = i;
    return CsvStatus::stray_quote;
  }
  spans_.emplace_back(from, i - from);
  return CsvStatus::ok;
}

// A quoted field from its opening quote at i; "" inside stands for one quote. Leaves i just
// after the closing quote and adds the line ends inside to `line_ends`.
CsvStatus CsvReader::parse_quoted(std::size_t& i, std::size_t& line_ends) {
  const std::size_t from = i + 1;
  bool doubled = false;
  std::size_t q = from;
  for (;;) {
    q = buffer_.find('"', q);
    if (q == std::string::npos) {
      if (!eof_) return kNeedMore;
      error_at_ = from;
      return CsvStatus::unterminated_quote;
    }
    if (q + 1 == buffer_.size() && !eof_) return kNeedMore;  // the first of a "" pair?
    if (q + 1 == buffer_.size() || buffer_[q + 1] != '"') break;  // the closing quote
    doubled = true;
    q += 2;
  }
  const std::string_view body(buffer_.data() + from, q - from);
  if (body.find_first_of("\r\n") != std::string_view::npos) line_ends += count_line_ends(body);
  if (!doubled) {
    spans_.emplace_back(from, body.size());
  } else {
    const std::size_t at = scratch_.size();
    for (std::size_t k = 0; k < body.size(); ++k) {
      scratch_ += body[k];
      k += body[k] == '"';
    }
    spans_.emplace_back(at | kScratch, scratch_.size() - at);
  }
  i = q + 1;
  if (i < buffer_.size() && buffer_[i] != delimiter_ && !is_line_end(buffer_[i])) {
    error_at_ = i;
    return CsvStatus::text_after_quote;
  }
  return CsvStatus::ok;
}

// Publishes the parsed record that ends (line end excluded) at raw_end, and moves past it.
void CsvReader::emit(CsvRecord& record, std::size_t raw_end, std::size_t line_ends) {
  record.fields.clear();
  for (auto [offset, length] : spans_) {
    const char* base = (offset & kScratch) ? scratch_.data() : buffer_.data();
    record.fields.emplace_back(base + (offset & ~kScratch), length);
  }
  record.line = line_;
  record.byte_offset = consumed_base_ + pos_;
  record.raw = std::string_view(buffer_.data() + pos_, raw_end - pos_);
  line_ += line_ends + (raw_end < buffer_.size() ? 1 : 0);
  pos_ = past_line_end(raw_end);
}

std::size_t CsvReader::past_line_end(std::size_t i) const noexcept {
  if (i >= buffer_.size()) return i;
  const bool crlf = buffer_[i] == '\r' && i + 1 < buffer_.size() && buffer_[i + 1] == '\n';
  return i + (crlf ? 2 : 1);
}

// Reports the record at pos_ as malformed and resumes after the first line end at or after
// `resume_from`. The raw text is cut at max_record_bytes; a longer line is read through and
// discarded chunk by chunk, so skipping it needs no more memory than reading a record.
CsvStatus CsvReader::reject(CsvRecord& record, CsvStatus why, std::size_t resume_from) {
  record.fields.clear();
  record.line = line_;
  record.byte_offset = consumed_base_ + pos_;
  line_ += count_line_ends(std::string_view(buffer_).substr(pos_, resume_from - pos_));
  scratch_.clear();
  bool spilled = false;  // the raw text was copied to scratch_ and the buffer no longer has it
  std::uint64_t at = consumed_base_ + resume_from;  // input offset; fill() may move the buffer
  for (;;) {
    auto i = static_cast<std::size_t>(at - consumed_base_);
    i = static_cast<std::size_t>(std::find_if(buffer_.begin() + static_cast<std::ptrdiff_t>(i), buffer_.end(),
                                              is_line_end) - buffer_.begin());
    at = consumed_base_ + i;
    const bool cr_at_edge = i + 1 == buffer_.size() && buffer_[i] == '\r';
    if (i < buffer_.size() && !cr_at_edge) break;
    if (!spilled && at - record.byte_offset > options_.max_record_bytes) {
      scratch_.assign(buffer_, pos_, options_.max_record_bytes);
      spilled = true;
    }
    if (spilled) {  // nothing before i is needed any more
      buffer_.erase(0, i);
      consumed_base_ += i;
      pos_ = 0;
    }
    if (!fill()) break;
  }
  const auto i = static_cast<std::size_t>(at - consumed_base_);
  record.raw = spilled ? std::string_view(scratch_)
                       : std::string_view(buffer_).substr(pos_, std::min(i - pos_, options_.max_record_bytes));
  line_ += i < buffer_.size();
  pos_ = past_line_end(i);
  return why;
}

std::string csv_escape(std::string_view field, char delimiter) {
  const bool padded = !field.empty() && (field.front() == ' ' || field.back() == ' ');
  const char specials[] = {delimiter, '"', '\r', '\n'};
  if (!padded && field.find_first_of(std::string_view(specials, 4)) == std::string_view::npos)
    return std::string(field);
  std::string out;
  out.reserve(field.size() + 2);
  out += '"';
  for (char c : field) {
    out += c;
    if (c == '"') out += '"';
  }
  out += '"';
  return out;
}

}  // namespace geotarget::detail
