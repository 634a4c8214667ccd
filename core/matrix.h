// A dense row-major 2-D array: the currency between torch-free layers (spectrograms as
// [mels × frames], masks as [samples × components], attribution maps).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/error.h"

namespace hearsay {

template <class T>
class Matrix {
 public:
  Matrix() = default;
  Matrix(int64_t rows, int64_t cols, T fill = T{}) : rows_(rows), cols_(cols) {
    HEARSAY_CHECK_AS(ShapeError, rows >= 0 && cols >= 0, "Matrix: negative shape ", rows, " x ", cols);
    data_.assign(static_cast<size_t>(rows * cols), fill);
  }
  Matrix(int64_t rows, int64_t cols, std::vector<T> values) : rows_(rows), cols_(cols), data_(std::move(values)) {
    HEARSAY_CHECK_AS(ShapeError, rows >= 0 && cols >= 0 && static_cast<int64_t>(data_.size()) == rows * cols,
                     "Matrix: ", data_.size(), " values do not fill ", rows, " x ", cols);
  }

  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  int64_t size() const { return rows_ * cols_; }
  bool empty() const { return data_.empty(); }

  T& operator()(int64_t r, int64_t c) { return data_[static_cast<size_t>(r * cols_ + c)]; }
  const T& operator()(int64_t r, int64_t c) const { return data_[static_cast<size_t>(r * cols_ + c)]; }
  T* row(int64_t r) { return data_.data() + r * cols_; }
  const T* row(int64_t r) const { return data_.data() + r * cols_; }
  T* data() { return data_.data(); }
  const T* data() const { return data_.data(); }
  std::vector<T>& values() { return data_; }
  const std::vector<T>& values() const { return data_; }

  bool operator==(const Matrix& other) const {
    return rows_ == other.rows_ && cols_ == other.cols_ && data_ == other.data_;
  }

 private:
  int64_t rows_ = 0;
  int64_t cols_ = 0;
  std::vector<T> data_;
};

}  // namespace hearsay
