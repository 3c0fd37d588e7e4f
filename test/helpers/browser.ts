/**
 * Debian's chromium, headless, driven by playwright-core (which never downloads a browser): the flags keep
 * it off the network and away from the user's profile. Used by the `netpol ui` end-to-end tests and by
 * `npm run bench` (bench/ui.ts), so both measure the same browser.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Where Debian's package installs it. */
export const CHROMIUM = '/usr/bin/chromium';

/** A headless chromium with a fresh profile; `close` also removes the profile. */
export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches Debian's chromium headless with a fresh user-data-dir, at 1280×800 unless told otherwise.
 * @param viewport - Page size. Default: 1280×800.
 */
export async function launchChromium(viewport = { width: 1280, height: 800 }): Promise<Chromium> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'netpol-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
