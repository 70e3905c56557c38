// Support: seed 001's own protocol, kept on purpose (`--protocol seed` on both sides): its Python
// sender and receiver work with ours, and its flaws can be watched instead of taken on trust.
//   sender:   for each line of the file: send(line), recv(1024), stop unless it was `success`;
//             then send(`quit`)
//   receiver: loop: data = recv(1024); if data == `quit`: stop; append data to `file`;
//             send(`success`)
// What breaks it, each shown by a test:
//   - a file whose last line is `quit` (no newline after it): that line is taken for the end;
//   - a line longer than 1024 bytes takes two reads, so two `success`es come back, and if they
//     arrive together the sender reads `successsuccess` and stops early;
//   - binary data has no lines worth the name: long runs without a 0x0a, so the same;
//   - there is no size and no checksum, so nobody notices; and one round trip per line is slow.

/** The seed's `recv(1024)`, on both sides. */
export const SEED_READ_BYTES = 1024;
export const SEED_ACK = Buffer.from('success');
export const SEED_QUIT = Buffer.from('quit');
/** 64 MiB: a "line" longer than this is sent in pieces of this size (the seed has no limit). */
export const SEED_MAX_LINE_BYTES = 64 * 1024 * 1024;
/** The seed saves everything as `file`. So do we, then `file (1)`, `file (2)`, … */
export const SEED_FILE_NAME = 'file';
