// @socket-lab/common: the small helpers two or more examples share. Nothing here is
// specific to one example; a helper that only one package uses lives in that package.
export * from './address.js';
export * from './args.js';
export * from './cli.js';
export * from './connect.js';
export * from './deadline.js';
export * from './errors.js';
export * from './fd-limit.js';
export * from './flags.js';
export * from './frame.js';
export * from './lines.js';
export * from './listen.js';
export * from './preview.js';
export * from './random.js';
export * from './reader.js';
export * from './shutdown.js';
