// Generous deadlines: these tests run real sockets and processes on a machine that other
// people's test runs load too. A deadline only fails a test that is stuck; no test waits it out.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { testTimeout: 30_000, hookTimeout: 30_000 } });
