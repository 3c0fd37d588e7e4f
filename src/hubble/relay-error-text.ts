// Kept apart from relay-client.ts so that printing a Relay error does not load grpc-js (start-up speed).

/**
 * The words of a gRPC error from the Relay, without grpc-js's empty trailers: `Resolution note: ` with
 * nothing after it (or only a period) is dropped, and no sentence ends in two periods.
 * @param error - A gRPC `ServiceError` (its `details`) or any error.
 * @returns The text, without a final period.
 */
export function relayErrorText(error: unknown): string {
  const details =
    (error as { details?: unknown })?.details ?? (error instanceof Error ? error.message : String(error));
  return String(details)
    .replace(/\.?\s*Resolution note:\s*\.?\s*$/, '')
    .replace(/\.+$/, '');
}
