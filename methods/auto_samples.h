// num_samples: "auto" for LIME and KernelSHAP (issue 16).
#pragma once
