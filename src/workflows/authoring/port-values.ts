import { NetpolError } from '../../errors.js';
import type { PortProtocolName, PortSpec } from './render.js';

/** A `NETPOL_BAD_ARGUMENT` error for a flag value, with what to write instead. */
export function badArgument(message: string, hint: string): NetpolError {
  return new NetpolError('NETPOL_BAD_ARGUMENT', message, hint);
}

/**
 * Parses `PORT` or `PORT/PROTOCOL` (protocol TCP, UDP or SCTP, any case; default TCP).
 * @param text - The text, e.g. `1883` or `53/udp`.
 * @param what - What the value is, for the message (e.g. `--port`).
 * @returns The port.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when it is not a port 1-65535 with a known protocol.
 */
export function parsePortSpec(text: string, what: string): PortSpec {
  const m = /^(\d+)(?:\/([A-Za-z]+))?$/.exec(text.trim());
  const hint = 'Write PORT or PORT/PROTOCOL, e.g. 5432 or 53/UDP (protocols: TCP, UDP, SCTP).';
  if (!m) throw badArgument(`${what} "${text}" is not PORT or PORT/PROTOCOL.`, hint);
  const port = Number(m[1]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw badArgument(`${what} "${text}": port ${m[1]} is out of range 1-65535.`, hint);
  }
  const protocol = (m[2] ?? 'TCP').toUpperCase();
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') {
    throw badArgument(`${what} "${text}": "${m[2]}" is not TCP, UDP or SCTP.`, hint);
  }
  return { port, protocol: protocol as PortProtocolName };
}

/**
 * Parses a port number 1-65535 (a metrics port: always TCP).
 * @param text - The text.
 * @param what - What the value is, for the message.
 * @returns The port.
 * @throws NetpolError `NETPOL_BAD_ARGUMENT` when it is not a port number.
 */
export function parsePortNumber(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim()))
    throw badArgument(`${what} "${text}" is not a port number.`, 'Give a number 1-65535.');
  const port = Number(text);
  if (port < 1 || port > 65535)
    throw badArgument(`${what} ${text} is out of range 1-65535.`, 'Give a number 1-65535.');
  return port;
}
