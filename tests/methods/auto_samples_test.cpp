// Tests of num_samples: "auto" (issue 16).
