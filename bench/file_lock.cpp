#include "bench/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "core/error.h"
#include "core/file_io.h"

namespace hearsay::bench {

namespace {

int open_lock_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  HEARSAY_CHECK_AS(IoError, fd >= 0, "cannot open the lock file '", path, "': ", io_error_text(errno));
  return fd;
}

[[noreturn]] void lock_failed(int fd, const std::string& path) {
  const int error = errno;
  ::close(fd);
  throw IoError(message("cannot lock '", path, "': ", io_error_text(error)));
}

}  // namespace

FileLock::FileLock(const std::string& path, const std::string& waiting_note, std::ostream& log)
    : fd_(open_lock_file(path)) {
  if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
  if (errno != EWOULDBLOCK) lock_failed(fd_, path);
  log << waiting_note << std::flush;
  int rc = 0;
  do {
    rc = ::flock(fd_, LOCK_EX);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) lock_failed(fd_, path);
}

std::unique_ptr<FileLock> FileLock::try_lock(const std::string& path) {
  const int fd = open_lock_file(path);
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return std::unique_ptr<FileLock>(new FileLock(fd));
  if (errno != EWOULDBLOCK) lock_failed(fd, path);
  ::close(fd);
  return nullptr;
}

FileLock::~FileLock() { ::close(fd_); }

}  // namespace hearsay::bench
