export { AliyunLiveEmulator, DEFAULT_CREDENTIALS } from './server';
export type { AliyunLiveEmulatorOptions, EmulatedRequest } from './server';
export type { EmulatedTask, TaskView } from './tasks';
export type { CallbackDelivery, CallbackEventSpec, SendCallbackOptions } from './callbacks';
export { asrSig } from './callbacks';
export { createProblems } from './validate';
export { FaultInjector } from '../faults';
export type { FaultKind, Fault } from '../faults';
