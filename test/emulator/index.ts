/**
 * One place that starts every vendor emulator, for tests and for `npm start`-style
 * manual runs. Only Alibaba exists so far; Agora and Unisound will get their own ports.
 */
import { AliyunLiveEmulator, DEFAULT_CREDENTIALS, type AliyunLiveEmulatorOptions } from './aliyun-live';

export { AliyunLiveEmulator, DEFAULT_CREDENTIALS } from './aliyun-live';
export { FaultInjector } from './faults';

export interface StartEmulatorsOptions extends AliyunLiveEmulatorOptions {
  /** Port of the Alibaba emulator; 0 (default) picks a free one. */
  port?: number;
  host?: string;
}

export interface RunningEmulators {
  aliyun: AliyunLiveEmulator;
  close(): Promise<void>;
}

export async function startEmulators(opts: StartEmulatorsOptions = {}): Promise<RunningEmulators> {
  const { port = 0, host = '127.0.0.1', ...aliyunOptions } = opts;
  const aliyun = new AliyunLiveEmulator(aliyunOptions);
  await aliyun.listen(port, host);
  return {
    aliyun,
    close: async () => {
      await aliyun.close();
    },
  };
}

if (require.main === module) {
  const port = Number(process.env.EMULATOR_PORT ?? 18080);
  startEmulators({ port }).then(
    (emus) => {
      const [[keyId, secret]] = Object.entries(DEFAULT_CREDENTIALS);
      console.log(`Alibaba Live emulator: ${emus.aliyun.url}`);
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
