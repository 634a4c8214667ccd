// Adaptive sample counts (num_samples: "auto"); see auto_samples.h.
#include "methods/auto_samples.h"
