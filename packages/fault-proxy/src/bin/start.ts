// `pnpm --filter fault-proxy start --to HOST:PORT [--udp] [faults] [--seed N] [--trace]`:
// the proxy, until Ctrl+C or SIGTERM; then it closes everything, prints what it did to each
// direction, and exits 0.
import { onShutdown, runCli } from '@socket-lab/common';
import { optionsFromFlags, START_SPEC } from '../cli.js';
import { startFaultProxy } from '../fault-proxy.js';
import { describeFaults } from '../faults.js';

await runCli(START_SPEC, async ({ host, port, flags }) => {
  const options = optionsFromFlags(host, port, flags);
  const proxy = await startFaultProxy({ ...options, log: console.log });
  // The seed is printed even when drawn, so that any run can be replayed with --seed.
  console.log(`faults: ${describeFaults(proxy.faults)}; seed ${proxy.seed}`);
  onShutdown(async () => {
    await proxy.close();
    for (const line of proxy.summary()) console.log(line);
  });
});
