// Metrics: how far an explanation can be trusted, one number (and optionally a curve) per job.
//
// A Metric reads an explanation of one input with that input's factorization (and, as it needs them,
// the planted ground truth, a reference method's explanation of the same input, or the model through
// an Evaluator) and answers a MetricResult. Like Explainer::explain / run, the base class validates
// before any work and checks what comes back: evaluate() refuses missing or mismatched inputs
// (ConfigError / ShapeError naming the metric and the method), answers "not applicable" itself when
// the metric needs ground truth and the clip has none, calls run(), and refuses a value or curve
// that is not finite (Error naming the metric). A metric that does not apply to a job says so with
// an absent value and a reason; the bench records that, it is not a failure.
//
// Adding a metric: one file pair (an options struct with visit(), a class deriving from
// Configured<Metric, Options> that implements run()), and one registration line in metrics/builtin.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/registry.h"
#include "factorizations/factorization.h"
#include "methods/explainer.h"

namespace hearsay::metrics {

struct MetricResult {
  std::optional<double> value;                      ///< absent: the metric does not apply to this job (reason says why)
  std::vector<double> curve;                        ///< e.g. deletion curve (empty for scalar metrics)
  nlohmann::json extra = nlohmann::json::object();  ///< metric-specific details (documented per metric)
  std::string reason;                               ///< why value is absent

  /// A result that does not apply, with its reason (a sentence for the user).
  static MetricResult not_applicable(std::string reason);
};

struct AdversarialContext;

struct MetricInput {
  const methods::Explanation* explanation = nullptr;             ///< required
  const factorizations::Factorization* factorization = nullptr;  ///< required: the one explained
  std::vector<factorizations::Region> ground_truth{};            ///< planted cues, in the factorized input's time
  const methods::Explanation* reference = nullptr;  ///< the reference method's explanation of the same input
  methods::Evaluator* evaluator = nullptr;          ///< for metrics that query the model (later issues)
  /// The input that was factorized, for metrics that factorize it again (sensitivity: with noise;
  /// granularity: cut finer); null when the caller has none, and those metrics then do not apply.
  const factorizations::FactorizationInput* source = nullptr;
  std::string factorizer{};  ///< registered name of the factorizer that made `factorization` (its options: options())
  /// The explained input is an adversarial example, made as this says (metrics/adversarial_flip.h);
  /// null for clean inputs, where adversarial_flip does not apply.
  const AdversarialContext* adversarial = nullptr;
};

/// What a metric reads beyond the explanation and its factorization.
struct MetricNeeds {
  bool ground_truth = false;  ///< MetricInput::ground_truth (without it the result is "not applicable")
  bool model = false;         ///< MetricInput::evaluator (required)
};

class Metric {
 public:
  virtual ~Metric() = default;
  virtual std::string name() const = 0;
  /// Options with every default filled in.
  virtual nlohmann::json options() const = 0;
  virtual MetricNeeds needs() const { return {}; }
  /// The reference method this metric compares against ("" for none); the runner gives its explanation.
  virtual std::string reference_method() const { return {}; }

  /// Validates `input`, runs the metric and checks its result (see the file comment).
  MetricResult evaluate(const MetricInput& input) const;

 protected:
  /// The metric itself, on validated input: explanation and factorization present with the same
  /// components, the reference (when given) with the same components, the evaluator when needs().model,
  /// at least one region when needs().ground_truth.
  virtual MetricResult run(const MetricInput& input) const = 0;
};

/// Every built-in metric, registered in metrics/builtin.cpp.
const Registry<Metric>& metric_registry();

}  // namespace hearsay::metrics
