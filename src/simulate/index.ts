/** `lvscope synth`'s engine: scenarios, presets, the simulated network and the capture writer. */
export { synthesize, type SynthOptions, type SynthResult } from './synth.js';
export { preset, listPresets, applyFault, isFaultName, FAULTS, PRESET_SUMMARIES, type PresetOptions, type FaultName } from './presets.js';
export { loadScenarioFile, validateScenario, ScenarioError, type Scenario, type CapturePoint } from './scenario.js';
export { adjustRules, type RuleOverrides } from './overrides.js';
export { synthesizePackets, type BenchResult } from './bench.js';
export { allocateHosts, hostMac, type HostAllocation } from './addressing.js';
