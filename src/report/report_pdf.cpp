#include "report_pdf.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "file_output.hpp"
#include "geotarget/error.hpp"

namespace geotarget::detail {

namespace {

namespace fs = std::filesystem;

// A temporary folder, removed with everything in it when this goes out of scope.
class TemporaryFolder {
 public:
  TemporaryFolder() {
    std::string pattern = (fs::temp_directory_path() / "geotarget-pdf-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw Error("report.pdf: cannot create a temporary folder", ErrorCode::io);
    path_ = pattern;
  }
  ~TemporaryFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string last_line(const fs::path& log) {
  std::ifstream in(log);
  std::string line, last;
  while (std::getline(in, line))
    if (!line.empty()) last = line;
  return last.substr(0, 300);
}

// Runs argv with stdout and stderr to `log`; the exit status, or -1 when killed at the timeout.
int run(const std::vector<std::string>& argv, const fs::path& log, int timeout_s) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw Error("report.pdf: cannot start " + argv[0], ErrorCode::io);
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd >= 0) ::dup2(fd, 1), ::dup2(fd, 2);
    ::setpgid(0, 0);  // its own group: a timeout ends Chromium's helper processes too
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(-pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

void print_pdf(const std::string& html_path, const std::string& pdf_path, const std::string& browser, int timeout_s) {
  if (::access(browser.c_str(), X_OK) != 0)
    throw Error("report.pdf: " + browser + " is not an executable Chromium (apt-get install chromium)", ErrorCode::invalid_option);
  TemporaryFolder profile;
  PendingFile pdf(pdf_path);
  std::vector<std::string> argv = {browser, "--headless", "--disable-gpu", "--disable-background-networking",
                                   "--disable-component-update", "--disable-sync", "--no-first-run",
                                   "--user-data-dir=" + (profile.path() / "profile").string(), "--no-pdf-header-footer",
                                   "--print-to-pdf=" + pdf.temporary(), "file://" + fs::absolute(html_path).string()};
  if (::geteuid() == 0) argv.insert(argv.begin() + 1, "--no-sandbox");  // Chromium refuses root otherwise
  const fs::path log = profile.path() / "chromium.log";
  const int status = run(argv, log, timeout_s);
  std::error_code ec;
  if (status != 0 || fs::file_size(pdf.temporary(), ec) == 0 || ec)
    throw Error("report.pdf: " + browser + (status == -1 ? " did not finish in " + std::to_string(timeout_s) + " s" :
                                            " failed (exit status " + std::to_string(status) + ")") +
                    ": " + last_line(log),
                ErrorCode::io);
  pdf.commit();
}

}  // namespace geotarget::detail
