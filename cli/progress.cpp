#include "cli/progress.h"

#include <cstdio>

namespace hearsay::cli {

namespace {
constexpr auto kQuiet = std::chrono::seconds(1);
}

void Progress::begin(const std::string& label) {
  end();
  label_ = label;
  start_ = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = false;
    announced_ = false;
  }
  watcher_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!done_.wait_for(lock, kQuiet, [this] { return finished_; })) {
      std::fprintf(stderr, "hearsay: %s ...\n", label_.c_str());
      announced_ = true;
    }
  });
}

void Progress::end() {
  if (!watcher_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
  }
  done_.notify_all();
  watcher_.join();
  if (announced_)
    std::fprintf(stderr, "hearsay: %s: done in %.1f s\n", label_.c_str(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count());
}

}  // namespace hearsay::cli
