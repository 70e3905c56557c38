// The load generator as a process of its own, started by the bench with an IPC channel:
//   bench → { options }     load → 'ready'     (every client connected: the bench samples the server)
//   bench → 'go'            load → 'finished'  (the last echo is in: the bench samples again)
//                           load → { result }, then exits
import { once } from 'node:events';
import { type LoadOptions, runLoad } from './tcp-load.js';

const send = (message: unknown) =>
  new Promise<void>((resolve) => process.send?.(message, undefined, {}, () => resolve()));

const [options] = (await once(process, 'message')) as [Omit<LoadOptions, 'ready' | 'finished'>];
const result = await runLoad({
  ...options,
  ready: async () => {
    const go = once(process, 'message');
    await send('ready');
    await go;
  },
  finished: () => send('finished'),
});
await send({ result });
process.disconnect();
