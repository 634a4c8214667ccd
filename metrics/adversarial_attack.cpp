#include "metrics/adversarial_attack.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "core/error.h"
#include "core/random.h"
#include "factorizations/geometry.h"
#include "factorizations/tf_grid.h"
#include "factorizations/waveform_factorization.h"
#include "models/white_box.h"

namespace hearsay::metrics {

namespace {

constexpr double kMaxSnrDb = 300.0;  // what a zero perturbation reports (JSON has no infinity)

int argmax(const std::vector<double>& v) { return static_cast<int>(std::max_element(v.begin(), v.end()) - v.begin()); }

std::vector<double> softmax(const float* logits, int classes) {
  std::vector<double> p(logits, logits + classes);
  const double top = *std::max_element(p.begin(), p.end());
  double sum = 0.0;
  for (double& v : p) sum += (v = std::exp(v - top));
  for (double& v : p) v /= sum;
  return p;
}

double energy(const float* x, size_t n) {
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
  return sum;
}

// The attack's view of one domain: the clean input as a flat vector, the gradient of the goal, and the
// label core/'s own front-end gives an adversarial input.
struct Domain {
  std::vector<float> clean;
  std::vector<uint8_t> allowed;  // 1 where δ may be non-zero
  std::function<models::InputGradients(const std::vector<float>& x, int cls, models::Output out)> gradient;
  std::function<std::vector<double>(const std::vector<float>& x)> probabilities;  // core/'s path
};

bool reached(int label, int clean, int target) { return target >= 0 ? label == target : label != clean; }

}  // namespace

void AttackOptions::validate() const {
  HEARSAY_CHECK_AS(ConfigError, (segments > 0) == !perturb.empty(),
                   segments > 0 ? "attack: segments is set but perturb names no segment; list the segments the "
                                  "perturbation may touch, e.g. \"perturb\": [1]"
                                : "attack: perturb needs segments (the number of equal time segments it counts in)");
  std::vector<int> sorted = perturb;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    HEARSAY_CHECK_AS(ConfigError, sorted[i] >= 0 && sorted[i] < segments, "attack: perturb names segment ", sorted[i],
                     "; valid: 0 to ", segments - 1);
    HEARSAY_CHECK_AS(ConfigError, i == 0 || sorted[i] != sorted[i - 1], "attack: perturb names segment ", sorted[i],
                     " twice");
  }
}

std::string domain_name(AttackDomain d) { return d == AttackDomain::waveform ? "waveform" : "spectrogram"; }

Audio AttackResult::adversarial_audio(const Audio& clean) const {
  HEARSAY_CHECK(domain == AttackDomain::waveform, "a spectrogram attack has no adversarial audio (its perturbation ",
                "lives in the log-mel features)");
  HEARSAY_CHECK_AS(ShapeError, clean.channels() == 1 && static_cast<size_t>(clean.frames()) == delta.size(),
                   "the attack's perturbation has ", delta.size(), " samples, the clip ", clean.frames());
  std::vector<float> x = clean.samples();
  for (size_t i = 0; i < x.size(); ++i) x[i] += delta[i];
  return Audio::mono(std::move(x), clean.sample_rate());
}

Matrix<float> AttackResult::adversarial_features(const models::Model& model, const Audio& clean) const {
  if (domain == AttackDomain::waveform) return model.features(adversarial_audio(clean));
  HEARSAY_CHECK_AS(ShapeError,
                   delta_features.rows() == clean_features.rows() && delta_features.cols() == clean_features.cols(),
                   "the attack's perturbation is ", delta_features.rows(), " × ", delta_features.cols(),
                   ", the clip's features ", clean_features.rows(), " × ", clean_features.cols());
  Matrix<float> x = clean_features;
  for (int64_t i = 0; i < x.size(); ++i) x.data()[i] += delta_features.data()[i];
  return x;
}

AttackResult attack(const models::Model& model, const Audio& clip, const AttackOptions& options) {
  options.validate();
  const FrontEnd& fe = model.front_end();
  HEARSAY_CHECK_AS(ShapeError, clip.channels() == 1 && clip.sample_rate() == fe.sample_rate(),
                   "attack: the clip must be mono at the model's ", fe.sample_rate(), " Hz (got ", clip.channels(),
                   " channels at ", clip.sample_rate(), " Hz)");
  const models::WhiteBox& wb = models::require_white_box(model, "the adversarial attack");
  const int classes = model.num_classes();
  AttackResult r;
  r.domain = options.domain;
  r.clean_features = model.features(clip);
  const int64_t n_mels = r.clean_features.rows();
  const int64_t frames = r.clean_features.cols();
  const int64_t n = clip.frames();
  {
    const Matrix<float> logits = model.logits_from_features(r.clean_features.data(), 1, frames);
    r.clean_probabilities = softmax(logits.row(0), classes);
  }
  r.clean_class = argmax(r.clean_probabilities);
  if (!options.target.empty()) {
    r.target = options.target == "next" ? (r.clean_class + 1) % classes : model.class_index(options.target);
    HEARSAY_CHECK_AS(ConfigError, r.target != r.clean_class, "attack: the model already labels the clip '",
                     model.class_names()[static_cast<size_t>(r.target)],
                     "'; choose another target, \"next\", or none (untargeted)");
  }

  Domain d;
  if (options.domain == AttackDomain::waveform) {
    d.clean = clip.samples();
    d.gradient = [&](const std::vector<float>& x, int cls, models::Output out) {
      models::WaveformGradients g = wb.waveform_gradients(x.data(), 1, n, cls, out);
      return models::InputGradients{std::move(g.gradients), std::move(g.outputs)};
    };
    d.probabilities = [&](const std::vector<float>& x) {
      const Matrix<float> logits = model.logits(Audio::mono(x, fe.sample_rate()));
      return softmax(logits.row(0), classes);
    };
  } else {
    d.clean.assign(r.clean_features.data(), r.clean_features.data() + r.clean_features.size());
    d.gradient = [&](const std::vector<float>& x, int cls, models::Output out) {
      return wb.input_gradients(x.data(), 1, frames, cls, out);
    };
    d.probabilities = [&](const std::vector<float>& x) {
      const Matrix<float> logits = model.logits_from_features(x.data(), 1, frames);
      return softmax(logits.row(0), classes);
    };
  }
  const size_t size = d.clean.size();
  d.allowed.assign(size, options.segments > 0 ? 0 : 1);
  const factorizations::InputGrid grid = factorizations::InputGrid::of(fe, n);
  if (options.segments > 0) {
    if (options.domain == AttackDomain::waveform) {
      const auto b =
          factorizations::segment_boundaries(n, fe.sample_rate(), options.segments, {}, fe.options().hop_length);
      for (int s : options.perturb) {
        std::fill(d.allowed.begin() + b[static_cast<size_t>(s)], d.allowed.begin() + b[static_cast<size_t>(s) + 1], 1);
        r.perturbed_seconds.push_back({static_cast<double>(b[static_cast<size_t>(s)]) / fe.sample_rate(),
                                       static_cast<double>(b[static_cast<size_t>(s) + 1]) / fe.sample_rate()});
      }
    } else {
      HEARSAY_CHECK_AS(ConfigError, options.segments <= frames, "attack: ", options.segments, " segments for a ",
                       frames, "-frame input; use at most ", frames);
      const auto b = factorizations::equal_divisions(frames, options.segments);
      for (int s : options.perturb) {
        for (int64_t m = 0; m < n_mels; ++m)
          for (int64_t t = b[static_cast<size_t>(s)]; t < b[static_cast<size_t>(s) + 1]; ++t)
            d.allowed[static_cast<size_t>(m * frames + t)] = 1;
        r.perturbed_seconds.push_back({grid.frame_seconds(b[static_cast<size_t>(s)]).first,
                                       grid.frame_seconds(b[static_cast<size_t>(s) + 1] - 1).second});
      }
    }
  } else {
    r.perturbed_seconds.push_back({0.0, clip.duration()});
  }

  const double clean_energy = energy(d.clean.data(), size);
  r.epsilon = std::sqrt(clean_energy / static_cast<double>(size)) * std::pow(10.0, -options.snr_db / 20.0);
  HEARSAY_CHECK_AS(ConfigError, r.epsilon > 0.0, "attack: the clip is silent, so an SNR budget allows no perturbation");
  const auto eps = static_cast<float>(r.epsilon);

  std::vector<float> delta(size, 0.0f);
  Rng rng(derive_seed(options.seed, 0xadf));
  if (options.optimizer == AttackOptimizer::pgd && options.random_start)
    for (size_t i = 0; i < size; ++i)
      if (d.allowed[i]) delta[i] = static_cast<float>(rng.uniform(-r.epsilon, r.epsilon));
  std::vector<double> m(size, 0.0), v(size, 0.0);  // Adam's moments
  const double beta1 = 0.9, beta2 = 0.999;
  std::vector<float> x(size);
  // x = clean + δ in float, and δ the exact difference, so x − clean is what a saved file holds.
  // x = clean + δ as float addition, the very samples a saved file holds (adversarial_audio), and both
  // δ and x − clean within the budget: where rounding carries either past ε, δ steps toward 0.
  auto compose = [&] {
    for (size_t i = 0; i < size; ++i) {
      float di = delta[i];
      auto over = [&](float step_value) {
        const float xi = d.clean[i] + step_value;
        return std::abs(static_cast<double>(step_value)) > r.epsilon ||
               std::abs(static_cast<double>(xi) - d.clean[i]) > r.epsilon;
      };
      while (over(di)) di = std::nextafter(di, 0.0f);
      delta[i] = di;
      x[i] = d.clean[i] + di;
    }
  };
  compose();
  // The goal: raise the target's probability, or lower the clean class's. A probability's gradient has
  // the sign of its log's (p > 0), so signed steps are steps on the cross-entropy; where p underflows to
  // 0 the logit's gradient steers instead.
  const int goal = r.target >= 0 ? r.target : r.clean_class;
  const double direction = r.target >= 0 ? 1.0 : -1.0;
  std::vector<double> p = d.probabilities(x);
  int step = 0;
  auto done = [&] {
    const int label = argmax(p);
    return reached(label, r.clean_class, r.target) && p[static_cast<size_t>(label)] >= options.confidence;
  };
  for (; !done() && step < options.iterations; ++step) {
    models::InputGradients g = d.gradient(x, goal, models::Output::probabilities);
    const float* grad = g.gradients.row(0);
    if (std::all_of(grad, grad + size, [](float value) { return value == 0.0f; })) {
      g = d.gradient(x, goal, models::Output::logits);
      grad = g.gradients.row(0);
    }
    const double rate = options.step * r.epsilon;
    for (size_t i = 0; i < size; ++i) {
      if (!d.allowed[i]) continue;
      const double s = direction * ((grad[i] > 0.0f) - (grad[i] < 0.0f));
      double update = rate * s;
      if (options.optimizer == AttackOptimizer::sign_adam) {
        m[i] = beta1 * m[i] + (1.0 - beta1) * s;
        v[i] = beta2 * v[i] + (1.0 - beta2) * s * s;
        const double mh = m[i] / (1.0 - std::pow(beta1, step + 1));
        const double vh = v[i] / (1.0 - std::pow(beta2, step + 1));
        update = rate * mh / (std::sqrt(vh) + 1e-8);
      }
      delta[i] = std::clamp(static_cast<float>(delta[i] + update), -eps, eps);
    }
    compose();
    p = d.probabilities(x);
  }
  r.iterations = step;
  r.adversarial_probabilities = p;
  r.adversarial_class = argmax(p);
  r.success = reached(r.adversarial_class, r.clean_class, r.target);
  double delta_energy = 0.0;  // of x − clean, what a saved file holds
  for (size_t i = 0; i < size; ++i) {
    const double di = static_cast<double>(x[i]) - d.clean[i];
    delta_energy += di * di;
  }
  r.snr_db = delta_energy > 0.0 ? std::min(kMaxSnrDb, 10.0 * std::log10(clean_energy / delta_energy)) : kMaxSnrDb;
  for (size_t i = 0; i < size; ++i)
    r.linf =
        std::max({r.linf, std::abs(static_cast<double>(delta[i])), std::abs(static_cast<double>(x[i]) - d.clean[i])});
  if (options.domain == AttackDomain::waveform) {
    r.delta = std::move(delta);
  } else {
    r.delta_features = Matrix<float>(n_mels, frames);
    std::copy(delta.begin(), delta.end(), r.delta_features.data());
  }
  return r;
}

}  // namespace hearsay::metrics
