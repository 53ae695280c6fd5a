// Debian's Chromium driven by playwright-core (browser downloads are not
// possible here). The flags keep a headless Chromium from calling home:
// without the background-networking ones it floods a closed network.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`);
  // playwright-core gives every launch a fresh temporary --user-data-dir of its own.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-extensions',
      '--metrics-recording-only',
    ],
  });
}

export interface WatchedPage {
  page: Page;
  /** Content-Security-Policy violations the browser reported. */
  cspViolations: string[];
  /** Uncaught errors in the page. */
  pageErrors: string[];
  /** Requests to any origin other than the control plane's. */
  foreignRequests: string[];
}

/** A page that records CSP violations (the CSP stays enforced: bypassCSP is off), page errors and requests leaving the origin. */
export async function openWatchedPage(context: BrowserContext, origin: string): Promise<WatchedPage> {
  const watched: Omit<WatchedPage, 'page'> = { cspViolations: [], pageErrors: [], foreignRequests: [] };
  // Runs before the console's scripts; it is the harness's code, injected by the browser driver, not by the page.
  await context.addInitScript({
    content: `document.addEventListener('securitypolicyviolation', (e) => {
      console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || '(inline)') + ' at ' + e.sourceFile + ':' + e.lineNumber);
    });`,
  });
  const page = await context.newPage();
  page.on('console', (msg) => {
    const text = msg.text();
    if (/CSP violation|Content Security Policy|Refused to (load|execute|apply|connect|frame)|TrustedHTML|TrustedScript/i.test(text))
      watched.cspViolations.push(text);
  });
  page.on('pageerror', (err) => watched.pageErrors.push(err.message));
  page.on('request', (req) => {
    const url = req.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) watched.foreignRequests.push(url);
  });
  return { page, ...watched };
}
