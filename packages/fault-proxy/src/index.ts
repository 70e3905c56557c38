// fault-proxy as a library: start a proxy in-process (tests in any package can put one between
// a client and a server), and the pure pieces it is made of.
export { optionsFromFlags, toProbability } from './cli.js';
export { type FaultProxy, type FaultProxyOptions, startFaultProxy } from './fault-proxy.js';
export * from './faults.js';
export { parseHostPort } from './host-port.js';
export { createTcpProxy, type TcpProxy, type TcpProxyOptions } from './proxy.js';
export { MAX_HELD_BYTES } from './tcp-link.js';
export * from './trace.js';
export {
  IDLE_TIMEOUT_MS,
  MAX_WAITING_DATAGRAMS,
  REORDER_HOLD_MS,
  serveUdpProxy,
} from './udp-proxy.js';
