// Internal: a streaming RFC 4180 CSV reader.
//
// Reads the stream in chunks (memory bounded by the longest record), gives each record's fields
// as string_views (valid until the next call), its 1-based starting line, its raw text (for a
// rejects file) and its byte offset (for progress). Handles a UTF-8 BOM, CRLF and LF line ends,
// quoted fields with embedded delimiters, doubled quotes and newlines, and a delimiter that is
// given or detected from the first line (comma, semicolon or tab). Malformed records are a
// status, not an exception, and the reader resynchronises at the next line end so that later
// valid records are not lost.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace geotarget::detail {

enum class CsvStatus : std::uint8_t {
  ok,
  end_of_input,
  unterminated_quote,  ///< a quoted field still open at the end of the input
  stray_quote,         ///< a quote inside an unquoted field
  text_after_quote,    ///< characters between a closing quote and the next delimiter
  record_too_long,     ///< longer than CsvOptions::max_record_bytes
};

[[nodiscard]] std::string_view describe(CsvStatus s) noexcept;

struct CsvRecord {
  std::vector<std::string_view> fields;
  std::size_t line = 0;           ///< 1-based line on which the record starts
  std::uint64_t byte_offset = 0;  ///< of the record's first byte in the input
  std::string_view raw;           ///< the record's text without its line end
};

struct CsvOptions {
  /// Field delimiter. DEFAULT: 0, detected from the first line (',', ';' or '\t').
  char delimiter = 0;
  /// Longest record accepted, in bytes. DEFAULT: 1 MiB.
  std::size_t max_record_bytes = 1 << 20;
};

class CsvReader {
 public:
  explicit CsvReader(std::istream& in, CsvOptions options = {});

  /// Reads the next record into `record`. Returns ok, end_of_input, or an error status; after an
  /// error, record.line and record.raw describe the bad record and reading may go on.
  [[nodiscard]] CsvStatus next(CsvRecord& record);

  [[nodiscard]] char delimiter() const noexcept { return delimiter_; }
  /// Bytes consumed so far (for progress against the file size).
  [[nodiscard]] std::uint64_t bytes_read() const noexcept { return consumed_base_ + pos_; }

 private:
  bool fill();                      // appends the next chunk; false at end of input
  char detect_delimiter();
  CsvStatus parse(CsvRecord& record, std::size_t& end);
  CsvStatus skip_bad_record(CsvRecord& record, CsvStatus why);

  std::istream& in_;
  CsvOptions options_;
  char delimiter_ = ',';
  std::string buffer_;   // unconsumed input starts at pos_
  std::size_t pos_ = 0;
  std::string scratch_;  // unescaped quoted fields of the current record
  std::vector<std::pair<std::size_t, std::size_t>> spans_;  // (offset, length); offset >= 2^63: scratch
  std::uint64_t consumed_base_ = 0;  // input offset of buffer_[0]
  std::size_t line_ = 1;
  bool eof_ = false;
};

/// The field quoted for CSV output when it needs it (delimiter, quote, CR or LF inside, or
/// leading/trailing spaces), with inner quotes doubled.
[[nodiscard]] std::string csv_escape(std::string_view field, char delimiter = ',');

}  // namespace geotarget::detail
