"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.CREATE_PARAM_NAMES = exports.LIMITS = exports.LANGUAGES = exports.FORMATS = exports.MODEL = void 0;
exports.validateCreate = validateCreate;
const validate_1 = require("../../lib/validate");
exports.MODEL = 'u2-asr';
exports.FORMATS = ['mp3', 'opus', 'wav', 'amr', 'm4a', 'ogg'];
exports.LANGUAGES = ['zh-CN', 'en-US', 'ar-SA', 'de-DE', 'es-MX', 'fr-FR', 'id-ID', 'ja-JP', 'ko-KR', 'pt-BR', 'ru-RU', 'tr-TR', 'vi-VN', 'th-TH', 'it-IT'];
exports.LIMITS = { context: 500, hotwords: 200, hotwordLength: 5, speakerIds: 10, fileUrl: 2048 };
/** Every option `POST /v1/audio/asr/tasks` documents, by its documented name (msg.payload uses these). */
exports.CREATE_PARAM_NAMES = [
    'file_id', 'file_url', 'format', 'sample_rate', 'channel', 'enable_itn', 'enable_speaker', 'speaker_num',
    'speaker_ids', 'word_info', 'context', 'hotwords', 'language', 'enable_auto_lang',
];
const BOOLS = ['enable_itn', 'enable_speaker', 'word_info', 'enable_auto_lang'];
/**
 * Checks a create request and returns the JSON body with typed values. Every problem is
 * reported at once; `needsSource: false` checks the options alone (before an upload, when
 * the file_id does not exist yet).
 */
function validateCreate(input, needsSource = true) {
    const problems = [];
    const body = { model: exports.MODEL };
    const add = (field, rule, message, params = {}) => {
        problems.push({ field, rule, message, params: { field, ...params } });
    };
    const hasId = !(0, validate_1.isBlank)(input.file_id);
    const hasUrl = !(0, validate_1.isBlank)(input.file_url);
    if (needsSource && hasId === hasUrl) {
        add('file_id', 'oneSource', 'Give exactly one audio source: a file to upload, a file_id or a file_url.');
    }
    if (hasId) {
        const n = typeof input.file_id === 'number' ? input.file_id : typeof input.file_id === 'string' && /^\s*\d+\s*$/.test(input.file_id) ? Number(input.file_id) : NaN;
        if (!Number.isSafeInteger(n) || n <= 0)
            add('file_id', 'positiveInt', 'file_id must be a positive whole number (the id the upload returned).');
        else
            body.file_id = n;
    }
    if (hasUrl) {
        const url = (0, validate_1.normalize)('file_url', input.file_url, { kind: 'url', schemes: ['http', 'https'], maxLength: exports.LIMITS.fileUrl }, problems);
        if (url !== undefined)
            body.file_url = url;
    }
    if ((0, validate_1.isBlank)(input.format))
        add('format', 'format', `format is required (one of ${exports.FORMATS.join(', ')}) and could not be inferred from the file.`, { values: exports.FORMATS.join(', ') });
    else {
        const f = (0, validate_1.normalize)('format', typeof input.format === 'string' ? input.format.toLowerCase() : input.format, { kind: 'enum', values: exports.FORMATS }, problems);
        if (f !== undefined)
            body.format = f;
    }
    if (!(0, validate_1.isBlank)(input.sample_rate)) {
        const n = (0, validate_1.normalize)('sample_rate', input.sample_rate, { kind: 'int', min: 1, max: 384000 }, problems);
        if (n !== undefined)
            body.sample_rate = Number(n);
    }
    if (!(0, validate_1.isBlank)(input.channel)) {
        const n = (0, validate_1.normalize)('channel', input.channel, { kind: 'int', min: 1, max: 2 }, problems);
        if (n !== undefined)
            body.channel = Number(n);
    }
    for (const field of BOOLS) {
        if ((0, validate_1.isBlank)(input[field]))
            continue;
        const b = (0, validate_1.normalize)(field, input[field], { kind: 'bool' }, problems);
        if (b !== undefined)
            body[field] = b === 'true';
    }
    if (!(0, validate_1.isBlank)(input.language)) {
        const l = (0, validate_1.normalize)('language', input.language, { kind: 'enum', values: exports.LANGUAGES }, problems);
        if (l !== undefined)
            body.language = l;
    }
    if (!(0, validate_1.isBlank)(input.context)) {
        const c = (0, validate_1.normalize)('context', input.context, { kind: 'string', maxLength: exports.LIMITS.context }, problems);
        if (c !== undefined)
            body.context = c;
    }
    if (!(0, validate_1.isBlank)(input.hotwords)) {
        const words = stringList('hotwords', input.hotwords, exports.LIMITS.hotwords, problems);
        const long = words?.filter((w) => [...w].length > exports.LIMITS.hotwordLength) ?? [];
        if (long.length)
            add('hotwords', 'itemLength', `Each hotword may have at most ${exports.LIMITS.hotwordLength} characters; too long: ${long.slice(0, 5).join(', ')}.`, { max: exports.LIMITS.hotwordLength, value: long.slice(0, 5).join(', ') });
        else if (words?.length)
            body.hotwords = words;
    }
    const speakerOn = body.enable_speaker === true;
    if (speakerOn && body.channel === 2)
        add('enable_speaker', 'mono', 'enable_speaker works only with one channel (channel 1).');
    if (!(0, validate_1.isBlank)(input.speaker_num)) {
        const n = (0, validate_1.normalize)('speaker_num', input.speaker_num, { kind: 'int', min: 1, max: 100 }, problems);
        if (!speakerOn)
            add('speaker_num', 'needsSpeaker', 'speaker_num needs enable_speaker set to true.');
        else if (n !== undefined)
            body.speaker_num = Number(n);
    }
    if (!(0, validate_1.isBlank)(input.speaker_ids)) {
        const ids = stringList('speaker_ids', input.speaker_ids, exports.LIMITS.speakerIds, problems);
        if (!speakerOn)
            add('speaker_ids', 'needsSpeaker', 'speaker_ids needs enable_speaker set to true.');
        else if (ids?.length)
            body.speaker_ids = ids;
    }
    return { body, problems };
}
/** An array of strings, or a comma/newline separated string (the editor's form). */
function stringList(field, value, max, problems) {
    const list = typeof value === 'string' ? value.split(/[,，\n]/) : Array.isArray(value) ? value : undefined;
    if (!list || list.some((w) => typeof w !== 'string')) {
        problems.push({ field, rule: 'stringList', message: `${field} must be a list of strings.`, params: { field } });
        return undefined;
    }
    const words = list.map((w) => w.trim()).filter((w) => w !== '');
    if (words.length > max) {
        problems.push({ field, rule: 'maxItems', message: `${field} has ${words.length} entries; at most ${max} are allowed.`, params: { field, max, count: words.length } });
        return undefined;
    }
    return words;
}
