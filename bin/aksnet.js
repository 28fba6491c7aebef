#!/usr/bin/env -S node --max-semi-space-size=64
// A larger young generation (V8's default is 16 MiB a semi-space): a rollout of thousands of
// pods keeps each written object alive until its next version, and with 64 MiB the scavenger
// runs a quarter as often, copying the same survivors (bench/workloads-api: GC pauses 2.4 → 1.5 s).
import "../dist/cli/main.js";
