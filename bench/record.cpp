#include "bench/record.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/file_io.h"

namespace hearsay::bench {

namespace {

constexpr const char* kFileName = "records.jsonl";

}  // namespace

nlohmann::json Record::to_json() const {
  nlohmann::json j{{"job", job},         {"config", config}, {"ok", ok},      {"explanation", explanation},
                   {"metrics", metrics}, {"cost", cost},     {"files", files}};
  if (!ok) {
    j["error_type"] = error_type;
    j["error"] = error;
  }
  return j;
}

Record Record::from_json(const nlohmann::json& j) {
  Record r;
  r.job = j.at("job").get<std::string>();
  HEARSAY_CHECK_AS(IoError, !r.job.empty(), "a record without a job id");
  r.config = j.at("config");
  r.ok = j.at("ok").get<bool>();
  r.explanation = j.at("explanation");
  r.metrics = j.at("metrics");
  r.cost = j.at("cost");
  r.files = j.at("files").get<std::string>();
  HEARSAY_CHECK_AS(IoError,
                   r.config.is_object() && r.explanation.is_object() && r.metrics.is_object() && r.cost.is_object(),
                   "record ", r.job, ": config, explanation, metrics and cost must be objects");
  if (!r.ok) {
    r.error_type = j.at("error_type").get<std::string>();
    r.error = j.at("error").get<std::string>();
  }
  return r;
}

nlohmann::json Record::without_times() const {
  nlohmann::json j = to_json();
  j["cost"].erase("seconds");
  for (auto& [name, metric] : j["metrics"].items())
    if (metric.is_object()) metric.erase("seconds");
  return j;
}

std::string Record::field(const char* key) const {
  const auto it = config.find(key);
  return it != config.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<double> Record::metric(const std::string& name) const {
  const auto it = metrics.find(name);
  if (it == metrics.end() || !it->is_object()) return std::nullopt;
  const auto value = it->find("value");
  if (value == it->end() || !value->is_number()) return std::nullopt;
  return value->get<double>();
}

std::optional<double> Record::metric_extra(const std::string& name, const char* extra) const {
  const auto it = metrics.find(name);
  if (it == metrics.end() || !it->is_object()) return std::nullopt;
  const auto extras = it->find("extra");
  return extras == it->end() ? std::nullopt : json_number(*extras, extra);
}

std::optional<double> json_number(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return std::nullopt;
  const auto it = object.find(key);
  if (it == object.end()) return std::nullopt;
  if (it->is_boolean()) return it->get<bool>() ? 1.0 : 0.0;
  if (!it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

RecordStore::RecordStore(const std::string& dir) : path_((std::filesystem::path(dir) / kFileName).string()) {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return;
  std::ifstream in(path_, std::ios::binary);
  HEARSAY_CHECK_AS(IoError, in, "cannot read '", path_, "'");
  std::string line;
  for (size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    try {
      Record r = Record::from_json(nlohmann::json::parse(line));
      if (index_.count(r.job)) {
        duplicates_.push_back(r.job);
        continue;
      }
      index_[r.job] = records_.size();
      records_.push_back(std::move(r));
    } catch (const std::exception& e) {
      // A torn last line (the run was killed mid-write) or an edited line: its job runs again.
      problems_.push_back(
          message("'", path_, "' line ", number, " is not a whole record (", e.what(), "); its job runs again"));
    }
  }
}

const Record* RecordStore::find(const std::string& job) const {
  const auto it = index_.find(job);
  return it == index_.end() ? nullptr : &records_[it->second];
}

void RecordStore::append(const Record& record) {
  HEARSAY_CHECK(!has(record.job), "RecordStore: job ", record.job, " is recorded twice");
  // A torn line left by a killed run must not swallow this record: start on a fresh line.
  std::string text = record.to_json().dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  HEARSAY_CHECK_AS(IoError, fd >= 0, "cannot open '", path_, "' to add a record: ", io_error_text(errno));
  const off_t end = ::lseek(fd, 0, SEEK_END);
  if (end > 0) {
    char last = '\n';
    if (::pread(fd, &last, 1, end - 1) == 1 && last != '\n') text.insert(text.begin(), '\n');
  }
  // One write of the whole line: with O_APPEND it lands after every earlier record, whole or not at all
  // as far as readers are concerned (a torn line fails to parse and is skipped).
  const ssize_t written = ::write(fd, text.data(), text.size());
  const int write_errno = errno;
  const bool synced = written == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  const int sync_errno = errno;
  ::close(fd);
  HEARSAY_CHECK_AS(IoError, written == static_cast<ssize_t>(text.size()), "cannot add a record to '", path_,
                   "': ", written < 0 ? io_error_text(write_errno) : std::string("short write (disk full?)"));
  HEARSAY_CHECK_AS(IoError, synced, "cannot flush '", path_, "' to disk: ", io_error_text(sync_errno));
  index_[record.job] = records_.size();
  records_.push_back(record);
}

}  // namespace hearsay::bench
