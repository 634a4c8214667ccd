// An exclusive flock(2) on a lock file, held for the object's life. Closing the descriptor releases
// it, also when the process dies, so a killed process never leaves anything locked. flock is per open
// file, so threads of one process exclude each other as processes do. The lock file is left in place:
// removing it would let two processes lock two different files.
#pragma once

#include <memory>
#include <ostream>
#include <string>

namespace hearsay::bench {

class FileLock {
 public:
  /// Blocks until the lock on `path` (created if needed) is held; when another process holds it,
  /// `waiting_note` goes to `log` first. IoError naming the file when it cannot be opened or locked.
  FileLock(const std::string& path, const std::string& waiting_note, std::ostream& log);
  /// Tries once: null when another process holds the lock; IoError as above.
  static std::unique_ptr<FileLock> try_lock(const std::string& path);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace hearsay::bench
