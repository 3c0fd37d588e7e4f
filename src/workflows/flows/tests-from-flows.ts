import { stringify } from 'yaml';
import type { PolicyEngine } from '../../engine/verdict.js';
import { namedSides, type ObservedFlow, type ObservedTraffic } from './observed-traffic.js';

/** One assertion written from observed traffic, in the shape `netpol test` reads. */
export interface FlowAssertion {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  readonly protocol: string;
  readonly expect: 'allowed';
  readonly because: string;
}

/** An observed connection Hubble forwarded that was not written as an assertion, and why. */
export interface SkippedFlow {
  readonly flow: ObservedFlow;
  readonly reason: 'denied-in-git';
}

/** The assertions written from observed traffic. */
export interface FlowAssertions {
  readonly assertions: readonly FlowAssertion[];
  /** Forwarded connections the repository denies: an assertion would fail at once (drift, or a pending change). */
  readonly skipped: readonly SkippedFlow[];
  /** Connections Hubble never forwarded (only dropped, audited …): not intended traffic, not written. */
  readonly notForwarded: number;
  /** The assertions file: a comment header and the YAML list `netpol test FILE` reads. */
  readonly yaml: string;
}

function seen(o: ObservedFlow): string {
  const times = o.count === 1 ? 'once' : `${o.count} times`;
  return `observed ${times}${o.lastSeen !== null ? `, last ${o.lastSeen}` : ''}`;
}

/**
 * Connectivity assertions that freeze the traffic observed today: one `expect: allowed` entry for each
 * connection Hubble forwarded at least once and the repository's engine allows, in the order of the traffic
 * (most records first). Peers are written in trace syntax with the labels Hubble recorded (all of them,
 * sorted), so each assertion names exactly the identity that was seen. Forwarded connections the engine
 * denies are returned in `skipped` rather than written as tests that fail at once.
 * @param traffic - from `collectObservedTraffic`.
 * @param engine - the repository the tests will run against.
 * @param source - the name of the flow input, for the file header.
 * @example
 * const traffic = await collectObservedTraffic({ input: { kind: 'file', path: 'traffic.jsonl' } });
 * writeFileSync('connectivity-tests.yaml', assertionsFromTraffic(traffic, engine, 'traffic.jsonl').yaml);
 */
export function assertionsFromTraffic(
  traffic: ObservedTraffic,
  engine: PolicyEngine,
  source: string,
): FlowAssertions {
  const assertions: FlowAssertion[] = [];
  const skipped: SkippedFlow[] = [];
  let notForwarded = 0;
  for (const o of traffic.flows) {
    if ((o.verdicts.FORWARDED ?? 0) === 0) {
      notForwarded++;
      continue;
    }
    if (engine.verdict(o.flow).verdict !== 'allowed') {
      skipped.push({ flow: o, reason: 'denied-in-git' });
      continue;
    }
    const sides = namedSides(o, engine);
    assertions.push({
      from: sides.source,
      to: sides.destination,
      port: o.port,
      protocol: o.protocol,
      expect: 'allowed',
      because: seen(o),
    });
  }
  const header = [
    `# Connectivity assertions written by netpol test --from-flows from ${source}:`,
    '# each connection Hubble forwarded and the repository allows. Check them with: netpol test FILE',
  ]
    .map((l) => l.replace(/[\r\n]/g, ' '))
    .join('\n');
  const body = assertions.length === 0 ? '[]\n' : stringify(assertions, { lineWidth: 0 });
  return { assertions, skipped, notForwarded, yaml: `${header}\n${body}` };
}
