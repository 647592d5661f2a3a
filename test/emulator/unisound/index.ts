export { UnisoundEmulator, UNISOUND_DEFAULTS } from './server';
export type { UnisoundEmulatorOptions, UnisoundRequest, EmulatedFile } from './server';
export type { EmulatedTask, TaskStatus } from './tasks';
export type { ScriptSegment, ScriptWord } from './script';
export { DEFAULT_SCRIPT, RESULT_FIELDS } from './script';
export { createProblems, FORMATS, LANGUAGES, LIMITS, MODEL, UPLOAD_PURPOSE } from './validate';
export type { KeyStatus } from './auth';
export { FaultInjector } from '../faults';
export type { FaultKind, Fault } from '../faults';
