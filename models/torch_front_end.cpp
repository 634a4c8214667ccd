#include "models/torch_front_end.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include <torch/torch.h>

#include "core/error.h"

namespace hearsay::models {

namespace {

torch::Tensor to_tensor(std::vector<double> values, int64_t rows, int64_t cols) {
  return torch::from_blob(values.data(), {rows, cols}, torch::kFloat64).clone();
}

// sqrt with gradient 0 at 0 (instead of inf · 0 = NaN): the inner where keeps sqrt's argument
// positive where its value is thrown away, so its backward never divides by zero.
torch::Tensor safe_sqrt(const torch::Tensor& x) {
  const torch::Tensor positive = x > 0;
  return torch::where(positive, torch::sqrt(torch::where(positive, x, torch::ones_like(x))), torch::zeros_like(x));
}

}  // namespace

TorchFrontEnd::TorchFrontEnd(const FrontEnd& front_end)
    : options_(front_end.options()),
      stft_(options_.stft()),
      db_ref_(10.0 * std::log10(std::max(options_.amin, options_.ref))) {
  const std::vector<double>& window = front_end.stft().window();
  window_ = to_tensor(window, 1, static_cast<int64_t>(window.size())).reshape({-1});
  const Matrix<float> dense = front_end.filterbank().dense();
  mel_ = to_tensor(std::vector<double>(dense.data(), dense.data() + dense.size()), dense.rows(), dense.cols())
             .t()
             .contiguous();
}

torch::Tensor TorchFrontEnd::features(const torch::Tensor& waveforms) const {
  HEARSAY_CHECK_AS(ShapeError, waveforms.dim() == 2, "torch front-end: expects waveforms [batch x samples], got ",
                   waveforms.dim(), " dimensions");
  const int64_t frames = num_frames(waveforms.size(1));
  const int n_fft = options_.n_fft;
  torch::Tensor x = waveforms.to(torch::kFloat64);
  if (options_.center) {
    // torch pads the last dimension of [batch × channels × samples] for 1-d reflection; the reflection
    // leaves the edge sample out, as core/'s STFT and torch.stft do.
    const int64_t pad = n_fft / 2;
    namespace F = torch::nn::functional;
    const auto mode = options_.pad_mode == PadMode::reflect ? F::PadFuncOptions::mode_t(torch::kReflect)
                                                            : F::PadFuncOptions::mode_t(torch::kConstant);
    x = F::pad(x.unsqueeze(1), F::PadFuncOptions({pad, pad}).mode(mode)).squeeze(1);
  }
  // [batch × frames × n_fft] views of the padded signal, windowed, then one-sided spectra.
  const torch::Tensor framed = x.unfold(1, n_fft, options_.hop_length) * window_;
  HEARSAY_CHECK(framed.size(1) == frames, "torch front-end: ", framed.size(1), " frames where core/ has ", frames);
  const torch::Tensor spectrum = torch::fft::rfft(framed, n_fft, -1);
  const torch::Tensor power = torch::real(spectrum).square() + torch::imag(spectrum).square();
  const torch::Tensor spectral = options_.power == 2.0 ? power : safe_sqrt(power);
  torch::Tensor mel = torch::matmul(spectral, mel_).transpose(1, 2);  // [batch × n_mels × frames]

  switch (options_.log) {
    case LogMode::db:
      mel = 10.0 * torch::log10(torch::clamp_min(mel, options_.amin)) - db_ref_;
      if (options_.top_db) {
        const torch::Tensor peak = mel.amax({1, 2}, /*keepdim=*/true);
        mel = torch::maximum(mel, peak - *options_.top_db);
      }
      break;
    case LogMode::natural:
      mel = torch::log(mel + options_.log_offset);
      break;
    case LogMode::log10:
      mel = torch::log10(mel + options_.log_offset);
      break;
    case LogMode::none:
      break;
  }
  return mel.to(torch::kFloat32);
}

}  // namespace hearsay::models
