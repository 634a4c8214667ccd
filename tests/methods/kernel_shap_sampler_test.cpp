// Tests of the KernelSHAP samplers (issue 16).
