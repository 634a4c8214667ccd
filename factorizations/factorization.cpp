#include "factorizations/factorization.h"

#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace hearsay::factorizations {

Factorization::Factorization(std::vector<std::string> names, int64_t n_mels, int64_t frames, nlohmann::json options)
    : names_(std::move(names)),
      n_mels_(n_mels),
      frames_(frames),
      options_(std::make_shared<const nlohmann::json>(std::move(options))) {
  HEARSAY_CHECK_AS(ShapeError, !names_.empty(), "factorization: no components");
  std::set<std::string> unique(names_.begin(), names_.end());
  HEARSAY_CHECK(unique.size() == names_.size(), "factorization: component names are not unique");
}

const nlohmann::json& Factorization::options() const { return *options_; }

void Factorization::check_mask(const std::vector<uint8_t>& keep) const {
  HEARSAY_CHECK_AS(ShapeError, static_cast<int64_t>(keep.size()) == size(), "mask has ", keep.size(),
                   " entries, the factorization has ", size(), " components");
}

Matrix<float> Factorization::compose(const std::vector<uint8_t>& keep) const {
  check_mask(keep);
  Matrix<float> out(n_mels_, frames_);
  compose(keep.data(), out.data());
  return out;
}

void Factorization::compose_frames(const uint8_t* keep, int64_t first, int64_t count, float* out) const {
  HEARSAY_CHECK_AS(ShapeError, first >= 0 && count >= 0 && first + count <= frames_, "compose_frames: frames [", first,
                   ", ", first + count, ") outside the ", frames_, "-frame input");
  std::vector<float> all(static_cast<size_t>(n_mels_ * frames_));
  compose(keep, all.data());
  for (int64_t m = 0; m < n_mels_; ++m)
    std::copy(all.begin() + m * frames_ + first, all.begin() + m * frames_ + first + count, out + m * count);
}

std::string index_label(int64_t index, int64_t count) {
  int width = 2;
  for (int64_t c = count - 1; c >= 100; c /= 10) ++width;
  std::string digits = std::to_string(index);
  return std::string(static_cast<size_t>(std::max<int>(0, width - static_cast<int>(digits.size()))), '0') + digits;
}

}  // namespace hearsay::factorizations
