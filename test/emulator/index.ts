/**
 * One place that starts every vendor emulator, for tests and for `npm start`-style
 * manual runs: Alibaba on `port`, Agora and Unisound on the two ports after it.
 */
import { AliyunLiveEmulator, DEFAULT_CREDENTIALS, type AliyunLiveEmulatorOptions } from './aliyun-live';
import { AgoraEmulator, type AgoraEmulatorOptions } from './agora';
import { UnisoundEmulator, type UnisoundEmulatorOptions } from './unisound';

export { AliyunLiveEmulator, DEFAULT_CREDENTIALS } from './aliyun-live';
export { AgoraEmulator, AGORA_DEFAULTS } from './agora';
export { UnisoundEmulator, UNISOUND_DEFAULTS } from './unisound';
export { FaultInjector } from './faults';

export interface StartEmulatorsOptions extends AliyunLiveEmulatorOptions {
  /** Port of the Alibaba emulator; the others take the ports after it. 0 (default) picks free ones. */
  port?: number;
  host?: string;
  /** Options of the Agora emulator (e.g. a short subtitleIntervalMs for tests). */
  agora?: AgoraEmulatorOptions;
  /** Options of the Unisound emulator (e.g. a short processingMs for tests). */
  unisound?: UnisoundEmulatorOptions;
}

export interface RunningEmulators {
  aliyun: AliyunLiveEmulator;
  agora: AgoraEmulator;
  unisound: UnisoundEmulator;
  close(): Promise<void>;
}

export async function startEmulators(opts: StartEmulatorsOptions = {}): Promise<RunningEmulators> {
  const { port = 0, host = '127.0.0.1', agora: agoraOptions, unisound: unisoundOptions, ...aliyunOptions } = opts;
  const next = (offset: number) => (port === 0 ? 0 : port + offset);
  const aliyun = new AliyunLiveEmulator(aliyunOptions);
  const agora = new AgoraEmulator(agoraOptions);
  const unisound = new UnisoundEmulator(unisoundOptions);
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    await aliyun.listen(port, host);
    started.push(aliyun);
    await agora.listen(next(1), host);
    started.push(agora);
    await unisound.listen(next(2), host);
    started.push(unisound);
  } catch (err) {
    await Promise.all(started.map((e) => e.close()));
    throw err;
  }
  return {
    aliyun,
    agora,
    unisound,
    close: async () => {
      await Promise.all(started.map((e) => e.close()));
    },
  };
}

if (require.main === module) {
  const port = Number(process.env.EMULATOR_PORT ?? 18080);
  startEmulators({ port }).then(
    (emus) => {
      const [[keyId, secret]] = Object.entries(DEFAULT_CREDENTIALS);
      console.log(`Alibaba Live emulator: ${emus.aliyun.url}`);
      console.log(`Agora STT emulator: ${emus.agora.url}`);
      console.log(`Unisound MaaS emulator: ${emus.unisound.url}`);
      console.log(`  AccessKeyId: ${keyId}`);
      console.log(`  AccessKeySecret: ${secret}`);
      const stop = () => void emus.close().then(() => process.exit(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
