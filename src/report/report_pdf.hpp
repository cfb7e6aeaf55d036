// Internal: report.pdf, printed from report.html by headless Chromium (A4; the page's print
// style puts the summary on the first page and each campaign on a page of its own).
#pragma once

#include <string>

namespace geotarget::detail {

/// Prints `html_path` to `pdf_path` with the Chromium at `browser`: no shell, a fresh profile
/// in a temporary folder, no network fetch (the page is self-contained), at most `timeout_s`
/// seconds; the PDF is written under a temporary name and renamed when Chromium succeeded.
/// Throws geotarget::Error naming report.pdf and Chromium's last output line when it fails.
void print_pdf(const std::string& html_path, const std::string& pdf_path, const std::string& browser, int timeout_s);

}  // namespace geotarget::detail
