// What the two sides of tcp-basic agree on, with no sockets in sight: who speaks first, the
// seeds' words, and how much one read takes. The server (src/server.ts) and the client
// (src/client.ts) both import it, so neither has to import the other.

/** Who speaks first: the server (`greet`, seed 000) or the client (`ask`, seed 002). */
export const MODES = ['greet', 'ask'] as const;
export type Mode = (typeof MODES)[number];

/** seed 000's `recv(512)`: the most one read takes, on either side. */
export const GREET_READ_BYTES = 512;
/** seed 002's server reads with `recv(1024)`. */
export const ASK_READ_BYTES = 1024;

/** What the server says when nobody chose: the seeds' words. */
export const SERVER_MESSAGES: Record<Mode, string> = {
  greet: 'byebye',
  ask: '不要回答,不要回答,不要回答',
};

/** What seed 000's second server, the one that keeps accepting, says (`start --forever`). */
export const FOREVER_GREETING = 'hello I am server,welcome';

/** What the client says when nobody chose: the seeds' words. */
export const CLIENT_MESSAGES: Record<Mode, string> = { greet: 'hihi', ask: 'yaoyao' };
