#include <cerrno>
#include <filesystem>

#include <gtest/gtest.h>

#include "core/error.h"
#include "core/file_io.h"
#include "tests/support/test_support.h"

namespace hearsay {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

// Everything in `dir` but the named file: no temporary may be left behind.
std::vector<std::string> others(const TempDir& dir, const std::string& keep) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir.path()))
    if (e.path().filename() != keep) out.push_back(e.path().filename().string());
  return out;
}

TEST(FileIo, JsonRoundTripLeavesNoTemporary) {
  TempDir dir;
  write_json_file(dir.file("a.json"), {{"x", 1}, {"name", "jazz"}});
  EXPECT_EQ(read_json_file(dir.file("a.json")).at("name"), "jazz");
  EXPECT_TRUE(others(dir, "a.json").empty());
}

TEST(FileIo, FailedWriteKeepsTheOldFileAndRemovesTheTemporary) {
  TempDir dir;
  write_text_file(dir.file("a.txt"), "old");
  EXPECT_THROW(write_file_atomically(dir.file("a.txt"),
                                     [](const std::string& temporary) {
                                       testing::write_bytes(temporary, "half");
                                       throw IoError("disk full");
                                     }),
               IoError);
  EXPECT_EQ(read_text_file(dir.file("a.txt")), "old");
  EXPECT_TRUE(others(dir, "a.txt").empty());
}

TEST(FileIo, WriteIntoAMissingFolderNamesTheFile) {
  TempDir dir;
  EXPECT_THROW_WITH(write_text_file(dir.file("no/such/a.txt"), "x"), IoError, "no/such/a.txt");
}

TEST(FileIo, EnospcReadsAsDiskFull) { EXPECT_EQ(io_error_text(ENOSPC), "disk full"); }

TEST(FileIo, NonUtf8StringsAreWrittenNotThrown) {
  TempDir dir;
  write_json_file(dir.file("a.json"), {{"class", std::string("caf\xe9")}});
  EXPECT_NE(read_text_file(dir.file("a.json")).find("caf"), std::string::npos);
}

TEST(FileIo, DamagedJsonIsNamed) {
  TempDir dir;
  testing::write_bytes(dir.file("empty.json"), "");
  EXPECT_THROW_WITH(read_json_file(dir.file("empty.json")), IoError, "empty.json", "empty");
  testing::write_bytes(dir.file("cut.json"), "{\"a\": [1, 2");
  EXPECT_THROW_WITH(read_json_file(dir.file("cut.json")), IoError, "cut.json", "not valid JSON");
  EXPECT_THROW_WITH(read_json_file(dir.file("missing.json")), IoError, "missing.json", "no such file");
  EXPECT_THROW_WITH(read_json_file(dir.path().string()), IoError, "directory");
}

TEST(FileIo, WritableDirectoryChecks) {
  TempDir dir;
  ensure_writable_directory(dir.file("new/nested"), "--out");
  EXPECT_TRUE(fs::is_directory(dir.file("new/nested")));
  EXPECT_TRUE(fs::is_empty(dir.file("new/nested")));
  write_text_file(dir.file("plain"), "x");
  EXPECT_THROW_WITH(ensure_writable_directory(dir.file("plain"), "--out"), ConfigError, "--out", "is a file");
  EXPECT_THROW_WITH(ensure_writable_directory("/proc/hearsay-out", "--cache"), ConfigError, "--cache",
                    "/proc/hearsay-out");
  EXPECT_THROW_WITH(ensure_writable_directory("/proc", "--out"), ConfigError, "--out", "cannot write");
}

}  // namespace
}  // namespace hearsay
