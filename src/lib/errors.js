"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.SpeechApiError = void 0;
exports.validationError = validationError;
exports.joinProblems = joinProblems;
/**
 * The one error type every vendor client throws. It deliberately carries no
 * request, headers or config: HTTP client errors hold the Authorization header,
 * and anything reachable from an error can end up in a Catch node's msg or a log.
 */
class SpeechApiError extends Error {
    constructor(init) {
        super(init.message);
        this.name = 'SpeechApiError';
        this.vendor = init.vendor;
        this.code = init.code;
        this.httpStatus = init.httpStatus;
        this.requestId = init.requestId;
        this.retryable = init.retryable ?? false;
        this.retryAfter = init.retryAfter;
        this.problems = init.problems;
    }
    /**
     * Node-RED builds a Catch node's msg.error.message and its log line from toString(); the
     * message is written for the person at the editor, so the class name stays out of it.
     */
    toString() {
        return this.message;
    }
    toJSON() {
        return {
            name: this.name, vendor: this.vendor, code: this.code, message: this.message,
            httpStatus: this.httpStatus, requestId: this.requestId, retryable: this.retryable,
            problems: this.problems,
        };
    }
}
exports.SpeechApiError = SpeechApiError;
function validationError(vendor, problems) {
    return new SpeechApiError({
        vendor,
        code: 'InvalidInput',
        message: joinProblems(problems.map((p) => p.message)),
        problems,
    });
}
/** Problem sentences end with their own full stop; they read as one paragraph. */
function joinProblems(messages) {
    return messages.join(' ');
}
