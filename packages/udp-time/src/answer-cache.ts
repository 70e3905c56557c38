// Support code for src/server.ts: the bytes of recent answers, kept while they stay true.
// A time server is asked the same few formats many times within one second, and within that
// second the answer to a format cannot change: the fields it is formatted from are the same
// (TimeZone.fieldsAt gives the same frozen object for every instant of a second). Formatting
// with strftime and encoding the text to UTF-8 is the part of a request that is ours rather
// than the socket's, so doing it once a second per format is worth a small map.
// Nothing here decides what an answer says: that is answerTime's, in server.ts.
import type { TimeFields } from './time-format/strftime.js';

/** Different formats remembered per second at most: more are answered, just not kept. */
export const MAX_CACHED_FORMATS = 64;
/**
 * Longer questions are answered each time, not kept: a key is a copy of the question, and
 * real formats are a few dozen bytes (the server refuses any over 256 anyway).
 */
export const MAX_CACHED_QUESTION_BYTES = 256;

/**
 * Remembers `answer(request, fields)` per request bytes for as long as `now()` returns the
 * same fields object, and forgets everything when it returns another one. Returns the same
 * Buffer for the same question in the same second; callers must not change it.
 */
export class AnswerCache {
  private fields: Readonly<TimeFields> | undefined;
  private readonly answers = new Map<string, Buffer>();

  constructor(private readonly answer: (request: Buffer, fields: Readonly<TimeFields>) => Buffer) {}

  /** The answer to `request` at `now()`, computed or remembered. */
  get(request: Buffer, now: () => Readonly<TimeFields>): Buffer {
    const fields = now();
    if (fields !== this.fields) {
      this.fields = fields;
      this.answers.clear();
    }
    if (request.length > MAX_CACHED_QUESTION_BYTES) return this.answer(request, fields);
    // latin1 maps each byte to one character and back: the key is the bytes, exactly.
    const key = request.toString('latin1');
    let bytes = this.answers.get(key);
    if (bytes === undefined) {
      bytes = this.answer(request, fields);
      if (this.answers.size < MAX_CACHED_FORMATS) this.answers.set(key, bytes);
    }
    return bytes;
  }
}
