// What counts as an echo, for both sides: the server makes it and the client checks it.
// RFC 862 says the same bytes come back; seed 002's server sends them upper-cased. Pure
// functions on bytes, no sockets, so the client never needs to import the server.
// Used by: src/server.ts (--upper), src/client.ts (isEchoOf), bench/main.ts.

/**
 * Python's `bytes.upper()`: only a-z change. Bytes of other characters (é, 中) are left
 * alone, so the answer is as long as the request and still valid UTF-8.
 */
export function asciiUpper(data: Buffer): Buffer {
  const out = Buffer.from(data);
  for (let i = 0; i < out.length; i++) {
    const b = out[i] as number;
    if (b >= 0x61 && b <= 0x7a) out[i] = b - 0x20;
  }
  return out;
}

/**
 * Is `answer` the echo of `request`? The same bytes (RFC 862), or the same bytes upper-cased
 * (seed 002's server). Anything else from the server, such as the late echo of an earlier
 * message, is not taken as the answer to this one.
 */
export function isEchoOf(answer: Buffer, request: Buffer): boolean {
  return answer.equals(request) || answer.equals(asciiUpper(request));
}
