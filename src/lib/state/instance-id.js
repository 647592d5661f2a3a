"use strict";
var __importDefault = (this && this.__importDefault) || function (mod) {
    return (mod && mod.__esModule) ? mod : { "default": mod };
};
Object.defineProperty(exports, "__esModule", { value: true });
exports.INSTANCE_ID = void 0;
const crypto_1 = __importDefault(require("crypto"));
const os_1 = __importDefault(require("os"));
/** This process among the instances sharing the work: the owner named on batch-job leases and claims. */
exports.INSTANCE_ID = `${os_1.default.hostname()}:${process.pid}:${crypto_1.default.randomBytes(3).toString('hex')}`;
