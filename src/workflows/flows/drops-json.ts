import type { DropFixOutcome, DropGroup, DropsReport } from './drops.js';

/**
 * The JSON object of one group (stable field order), as `netpol drops -o json` and `netpol watch`'s `/drops` print it.
 * @param g - a group of {@link DropsReport}.
 */
export function dropGroupJson(g: DropGroup) {
  return {
    source: g.source,
    destination: g.destination,
    ...(g.destinationNames.length > 0 && { destinationNames: g.destinationNames }),
    ...(g.worldIps.length > 0 && { worldIps: g.worldIps }),
    port: g.port,
    protocol: g.protocol,
    direction: g.direction,
    count: g.count,
    firstSeen: g.firstSeen,
    lastSeen: g.lastSeen,
    deniedAt: g.deniedAt,
    drift: g.drift,
    cause: g.cause,
    causeCode: g.causeCode,
    fix: g.fix,
    ...(g.fix === null && { fixReason: g.fixReason }),
    ...(g.hubbleDeniedBy.length > 0 && { hubbleDeniedBy: g.hubbleDeniedBy }),
    ...(g.caveats.length > 0 && { caveats: g.caveats }),
  };
}

/**
 * The drops report as JSON: `{source, policyDrops, groups: [...], skipped: {...}}`, plus `fixes` after `--fix`.
 * @param report - from `findDrops`.
 * @param outcome - from `applyDropFixes`.
 */
export function dropsJson(report: DropsReport, outcome?: DropFixOutcome) {
  const s = report.skipped;
  return {
    source: report.source,
    policyDrops: report.policyDrops,
    groups: report.groups.map(dropGroupJson),
    skipped: {
      notDropped: s.notDropped,
      replies: s.replies,
      otherDropReasons: s.otherDropReasons,
      unidentified: s.unidentified,
      filteredOut: s.filteredOut,
      unparsable: {
        count: s.unparsable,
        lines: report.diagnostics.map((d) => ({ line: d.source?.line ?? null, message: d.message })),
      },
      nonFlowLines: s.nonFlowLines,
      lostEvents: s.lostEvents,
      overflow: s.overflow,
    },
    ...(outcome && {
      fixes: {
        applied: outcome.applied,
        diffs: outcome.diffs,
        refused: outcome.refused,
        policyChanges: outcome.policyChanges.length,
      },
    }),
  };
}
