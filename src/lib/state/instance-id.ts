import crypto from 'crypto';
import os from 'os';

/** This process among the instances sharing the work: the owner named on batch-job leases and claims. */
export const INSTANCE_ID = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
