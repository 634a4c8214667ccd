// The adversarial experiment's tables (Praher et al., ISMIR 2021), read from records like every view:
//  - per study, the attacks: how many clips changed label, at what SNR, after how many steps;
//  - per (study, factorization), detection by method: the top-k flip rate with its bootstrap interval
//    (their Table 1), beside the norm oracle and random components; detection with all positively
//    scored components against the same count by norm (Table 2); the correlation over clips of the
//    surrogate's R² with detection (Figure 4: a good fit does not tell a good explanation); and the
//    partial-perturbation recall (Figure 3) where the attack was partial;
//  - per (study, factorization), the flip rate against k (Figure 2).
#pragma once

#include <string>
#include <vector>

#include "bench/record.h"
#include "bench/table.h"

namespace hearsay::bench {

/// Per study with adversarial clips: "adversarial (waveform, 40 dB): the label changed on 19 of 20
/// clips; SNR 41.3 dB, 37 steps on average".
std::vector<std::string> attack_lines(const std::vector<Record>& records);

/// The detection and flip-curve tables, two per (study, factorization) with adversarial_flip values.
std::vector<Table> adversarial_tables(const std::vector<Record>& records);

}  // namespace hearsay::bench
