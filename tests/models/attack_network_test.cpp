// Adversarial attacks on a trained built-in network (issue 14, acceptance "Attack tests"): a small
// vgg_small trained on a synthetic three-genre set (better than chance on its held-out clips), then
// targeted attacks ("next" class) on every held-out clip. Waveform attacks at 40 dB SNR must succeed on
// most clips within their budget, and the adversarial audio, saved as 32-bit float WAV and read back,
// must still carry the adversarial label; the same on the log-mel spectrogram; a partial attack touches
// only its segment, bit for bit; sign-Adam succeeds somewhere; a seed fixes the result.
//
// Every case shares one trained network, so the executable runs as a single ctest process
// (tests/models/CMakeLists.txt) and trains once.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/audio_io.h"
#include "datasets/in_memory_dataset.h"
#include "datasets/synth/synth.h"
#include "factorizations/waveform_factorization.h"
#include "metrics/adversarial_attack.h"
#include "models/train.h"
#include "tests/models/torch_support.h"
#include "tests/support/test_support.h"

namespace hearsay {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

int argmax(const Matrix<float>& logits) {
  const float* row = logits.row(0);
  return static_cast<int>(std::max_element(row, row + logits.cols()) - row);
}

double rms(const std::vector<float>& x) {
  double sum = 0.0;
  for (float v : x) sum += static_cast<double>(v) * v;
  return std::sqrt(sum / static_cast<double>(x.size()));
}

// What the attack's output holds, computed here rather than taken from the attack: the largest
// |δ| = |adversarial − clean|, 10 log10(‖clean‖² / ‖δ‖²), and the largest excess of |δ| over the budget
// ε beyond the float rounding the attack's arithmetic allows (see kBudgetUlps), in units of the float
// spacing (ulp) at the adversarial value (or at ε, if larger).
struct Measured {
  double linf = 0.0;
  double snr_db = 0.0;
  double excess_ulps = 0.0;
};
double ulp(float v) {
  const float a = std::abs(v);
  return static_cast<double>(std::nextafter(a, std::numeric_limits<float>::infinity())) - a;
}
Measured measure(const std::vector<float>& clean, const std::vector<float>& adversarial, double epsilon) {
  const auto float_epsilon = static_cast<float>(epsilon);
  const double rounded_budget = epsilon;
  double signal = 0.0, noise = 0.0;
  Measured m;
  for (size_t i = 0; i < clean.size(); ++i) {
    const double d = static_cast<double>(adversarial[i]) - clean[i];
    signal += static_cast<double>(clean[i]) * clean[i];
    noise += d * d;
    m.linf = std::max(m.linf, std::abs(d));
    m.excess_ulps = std::max(m.excess_ulps,
                             (std::abs(d) - rounded_budget) / ulp(std::max(std::abs(adversarial[i]), float_epsilon)));
  }
  m.snr_db = 10.0 * std::log10(signal / noise);
  return m;
}

// ‖δ‖∞ ≤ ε exactly, for the input the attack returns: it steps δ toward 0 where the rounding of
// clean + δ (or of ε itself) would carry it past the budget.
constexpr double kBudgetUlps = 0.0;

// Three synthetic genres at 8 kHz, 3 s clips, rendered in memory; a quarter of each genre held out.
struct TrainedNetwork {
  std::unique_ptr<models::Model> model;
  std::vector<Audio> test_clips;
  std::vector<int> test_labels;
  double test_accuracy = 0.0;
  int classes = 0;
};

TrainedNetwork train_network() {
  const auto start = Clock::now();
  datasets::synth::SynthOptions synth;
  synth.genres = 3;
  synth.per_genre = 20;
  synth.seconds = 3.0;
  synth.sample_rate = 8000;
  synth.val_fraction = 0.15;
  synth.test_fraction = 0.25;
  synth.seed = 7;
  const datasets::synth::FluidRenderer renderer(synth.soundfont, synth.sample_rate);
  std::vector<datasets::Example> examples;
  datasets::Split split;
  for (const auto& plan : datasets::synth::plan_tracks(synth)) {
    datasets::Example e;
    e.info.id = plan.id;
    e.info.label = plan.label;
    e.audio = datasets::synth::render_track(synth, datasets::synth::compose_track(synth, plan), renderer).mix;
    (plan.split == "train" ? split.train : plan.split == "val" ? split.val : split.test).push_back(examples.size());
    examples.push_back(std::move(e));
  }
  const datasets::InMemoryDataset data(datasets::synth::synth_classes(synth), examples);
  const double render_seconds = seconds_since(start);

  models::TrainOptions train;
  train.seconds = 1.0;
  train.epochs = 15;
  train.patience = 0;
  train.batch_size = 16;
  train.crops_per_track = 8;
  train.seed = 1;
  models::TrainResult result =
      models::train_model(data, split, models::testing::small_front_end(), {{"channels", {8, 16, 16, 16}}}, train);
  TrainedNetwork t;
  t.model = std::move(result.model);
  t.test_accuracy = result.test.accuracy();
  t.classes = static_cast<int>(data.classes().size());
  for (size_t i : split.test) {
    t.test_clips.push_back(examples[i].audio);
    t.test_labels.push_back(examples[i].info.label);
  }
  std::cout << "[ network ] " << split.train.size() << " training, " << split.val.size() << " validation, "
            << split.test.size() << " test clips rendered in " << render_seconds << " s; trained in "
            << seconds_since(start) - render_seconds << " s; test accuracy " << t.test_accuracy << "\n";
  return t;
}

const TrainedNetwork& network() {
  static const TrainedNetwork trained = train_network();
  return trained;
}

metrics::AttackOptions targeted(metrics::AttackDomain domain, double snr_db) {
  metrics::AttackOptions o;
  o.domain = domain;
  o.target = "next";
  o.snr_db = snr_db;
  return o;
}

TEST(AttackNetwork, TheTrainedNetworkBeatsChanceOnHeldOutClips) {
  const TrainedNetwork& t = network();
  ASSERT_GE(t.test_clips.size(), 6u);
  int correct = 0;
  for (size_t i = 0; i < t.test_clips.size(); ++i)
    correct += argmax(t.model->logits(t.test_clips[i])) == t.test_labels[i];
  const double accuracy = static_cast<double>(correct) / static_cast<double>(t.test_clips.size());
  EXPECT_DOUBLE_EQ(accuracy, t.test_accuracy);
  EXPECT_GT(accuracy, 1.5 / t.classes) << "chance is " << 1.0 / t.classes;
}

TEST(AttackNetwork, WaveformAt40DbReachesTheNextClassAndSurvivesAFloatWav) {
  const TrainedNetwork& t = network();
  const models::Model& model = *t.model;
  hearsay::testing::TempDir dir;
  const metrics::AttackOptions options = targeted(metrics::AttackDomain::waveform, 40.0);
  int successes = 0;
  double iterations = 0.0, snr = 0.0, excess = 0.0;
  const auto start = Clock::now();
  for (size_t i = 0; i < t.test_clips.size(); ++i) {
    const Audio& clip = t.test_clips[i];
    const metrics::AttackResult r = metrics::attack(model, clip, options);
    EXPECT_EQ(r.clean_class, argmax(model.logits(clip)));
    EXPECT_EQ(r.target, (r.clean_class + 1) % t.classes);
    EXPECT_NEAR(r.epsilon, rms(clip.samples()) * 0.01, 1e-12 * r.epsilon);
    if (!r.success) continue;
    ++successes;
    iterations += r.iterations;
    snr += r.snr_db;
    EXPECT_EQ(r.adversarial_class, r.target);
    const Audio adversarial = r.adversarial_audio(clip);
    const Measured m = measure(clip.samples(), adversarial.samples(), r.epsilon);
    EXPECT_GE(m.snr_db, 40.0 - 1e-6) << "clip " << i;
    excess = std::max(excess, m.linf / r.epsilon - 1.0);
    EXPECT_LE(m.excess_ulps, kBudgetUlps) << "clip " << i << ": ‖δ‖∞ " << m.linf << " > ε " << r.epsilon;
    EXPECT_NEAR(m.snr_db, r.snr_db, 1e-6) << "clip " << i;
    EXPECT_NEAR(m.linf, r.linf, ulp(static_cast<float>(r.epsilon))) << "clip " << i;
    // What a listener (or another program) gets: the file, read back, at the model's rate.
    const std::string path = dir.file("adversarial" + std::to_string(i) + ".wav");
    save_audio(path, adversarial, SampleFormat::float32);
    const Audio loaded = load_audio(path);
    ASSERT_EQ(loaded.sample_rate(), clip.sample_rate());
    EXPECT_EQ(loaded.samples(), adversarial.samples()) << "clip " << i << ": float WAV is not bit-exact";
    EXPECT_EQ(argmax(model.logits(loaded)), r.adversarial_class) << "clip " << i;
  }
  const int n = static_cast<int>(t.test_clips.size());
  std::cout << "[ attack ] waveform 40 dB: " << successes << "/" << n << " succeeded, mean iterations "
            << (successes ? iterations / successes : 0.0) << ", mean SNR " << (successes ? snr / successes : 0.0)
            << " dB, " << seconds_since(start) / n << " s per clip; largest ‖δ‖∞ / ε − 1: " << excess << "\n";
  EXPECT_GE(3 * successes, 2 * n);
}

TEST(AttackNetwork, SpectrogramAt30DbReachesTheNextClass) {
  const TrainedNetwork& t = network();
  const models::Model& model = *t.model;
  const metrics::AttackOptions options = targeted(metrics::AttackDomain::spectrogram, 30.0);
  int successes = 0;
  double iterations = 0.0, snr = 0.0;
  const auto start = Clock::now();
  for (size_t i = 0; i < t.test_clips.size(); ++i) {
    const Audio& clip = t.test_clips[i];
    const metrics::AttackResult r = metrics::attack(model, clip, options);
    if (!r.success) continue;
    ++successes;
    iterations += r.iterations;
    snr += r.snr_db;
    const Matrix<float> adversarial = r.adversarial_features(model, clip);
    const Measured m = measure(r.clean_features.values(), adversarial.values(), r.epsilon);
    EXPECT_GE(m.snr_db, 30.0 - 1e-6) << "clip " << i;
    EXPECT_LE(m.excess_ulps, kBudgetUlps) << "clip " << i << ": ‖δ‖∞ " << m.linf << " > ε " << r.epsilon;
    EXPECT_EQ(r.clean_features.values(), model.features(clip).values());
    EXPECT_EQ(argmax(model.logits_from_features(adversarial.data(), 1, adversarial.cols())), r.target) << "clip " << i;
  }
  const int n = static_cast<int>(t.test_clips.size());
  std::cout << "[ attack ] spectrogram 30 dB: " << successes << "/" << n << " succeeded, mean iterations "
            << (successes ? iterations / successes : 0.0) << ", mean SNR " << (successes ? snr / successes : 0.0)
            << " dB, " << seconds_since(start) / n << " s per clip\n";
  EXPECT_GE(3 * successes, 2 * n);
}

TEST(AttackNetwork, APartialWaveformAttackTouchesOnlyItsSegment) {
  const TrainedNetwork& t = network();
  const models::Model& model = *t.model;
  const Audio& clip = t.test_clips.front();
  metrics::AttackOptions options = targeted(metrics::AttackDomain::waveform, 40.0);
  options.segments = 4;
  options.perturb = {2};
  options.iterations = 20;
  options.random_start = false;  // so what changes inside the segment is the gradient steps' doing
  const metrics::AttackResult r = metrics::attack(model, clip, options);
  const int rate = model.front_end().sample_rate();
  const auto b = factorizations::segment_boundaries(clip.frames(), rate, 4, {}, model.front_end().options().hop_length);
  ASSERT_EQ(b.size(), 5u);
  ASSERT_EQ(r.perturbed_seconds.size(), 1u);
  EXPECT_DOUBLE_EQ(r.perturbed_seconds[0].first, static_cast<double>(b[2]) / rate);
  EXPECT_DOUBLE_EQ(r.perturbed_seconds[0].second, static_cast<double>(b[3]) / rate);
  const std::vector<float>& clean = clip.samples();
  const std::vector<float> adversarial = r.adversarial_audio(clip).samples();
  int64_t changed_inside = 0;
  for (int64_t i = 0; i < clip.frames(); ++i) {
    const auto k = static_cast<size_t>(i);
    if (i >= b[2] && i < b[3]) {
      changed_inside += adversarial[k] != clean[k];
    } else {
      ASSERT_EQ(adversarial[k], clean[k]) << "sample " << i << " outside segment 2 [" << b[2] << ", " << b[3] << ")";
    }
  }
  EXPECT_GT(changed_inside, (b[3] - b[2]) / 2);
  EXPECT_LE(measure(clean, adversarial, r.epsilon).excess_ulps, kBudgetUlps);
}

TEST(AttackNetwork, SignAdamSucceedsOnSomeClip) {
  const TrainedNetwork& t = network();
  metrics::AttackOptions options = targeted(metrics::AttackDomain::waveform, 40.0);
  options.optimizer = metrics::AttackOptimizer::sign_adam;
  bool succeeded = false;
  for (size_t i = 0; i < t.test_clips.size() && !succeeded; ++i) {
    const metrics::AttackResult r = metrics::attack(*t.model, t.test_clips[i], options);
    if (!r.success) continue;
    succeeded = true;
    std::cout << "[ attack ] sign_adam waveform 40 dB: clip " << i << " in " << r.iterations << " iterations, SNR "
              << r.snr_db << " dB\n";
    EXPECT_EQ(argmax(t.model->logits(r.adversarial_audio(t.test_clips[i]))), r.target);
    EXPECT_LE(measure(t.test_clips[i].samples(), r.adversarial_audio(t.test_clips[i]).samples(), r.epsilon).excess_ulps,
              kBudgetUlps);
  }
  EXPECT_TRUE(succeeded) << "sign_adam reached the target on none of " << t.test_clips.size() << " clips";
}

TEST(AttackNetwork, TheSameSeedGivesTheSameDelta) {
  const TrainedNetwork& t = network();
  metrics::AttackOptions options = targeted(metrics::AttackDomain::waveform, 40.0);
  options.iterations = 5;
  options.seed = 3;
  const metrics::AttackResult a = metrics::attack(*t.model, t.test_clips.front(), options);
  const metrics::AttackResult b = metrics::attack(*t.model, t.test_clips.front(), options);
  options.seed = 4;
  const metrics::AttackResult c = metrics::attack(*t.model, t.test_clips.front(), options);
  ASSERT_EQ(a.delta.size(), static_cast<size_t>(t.test_clips.front().frames()));
  EXPECT_EQ(a.delta, b.delta);
  EXPECT_EQ(a.iterations, b.iterations);
  EXPECT_EQ(a.adversarial_probabilities, b.adversarial_probabilities);
  EXPECT_NE(a.delta, c.delta) << "the seed should move the random start";
}

}  // namespace
}  // namespace hearsay
