// Progress lines for steps that take a while (loading a long track, separating it, each method): a
// step that is still running after a second is announced on stderr, and its end is reported with its
// time; quick steps print nothing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace hearsay::cli {

class Progress {
 public:
  Progress() = default;
  ~Progress() { end(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  /// Ends the current step (if any) and starts `label`, e.g. "loading 'song.flac'".
  void begin(const std::string& label);
  /// Ends the current step: "hearsay: <label>: done in 2.4 s" when it was announced.
  void end();

 private:
  std::string label_;
  std::chrono::steady_clock::time_point start_;
  std::thread watcher_;
  std::mutex mutex_;
  std::condition_variable done_;
  bool finished_ = true;
  bool announced_ = false;
};

}  // namespace hearsay::cli
