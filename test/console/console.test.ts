// The admin console in a real headless Chromium against the whole product
// (control plane on FerretDB, the real plugin server behind the Kong driver,
// fake providers): a person signs in, sets up a secret, an endpoint with a
// split and a fallback, and a budget through the forms, sends a playground
// message and watches it stream, finds its trace, its usage and its spend;
// a viewer sees everything and can change nothing. The console's CSP stays
// enforced and any violation fails the run. Screenshots of every page go to
// test-artifacts/console/ (git-ignored).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { signToken } from '../../control-plane/middleware/verify-token';
import { startFakeAnthropic } from '../fake-providers/anthropic';
import { startFakeOpenAI } from '../fake-providers/openai';
import type { FakeProvider } from '../fake-providers/scenario';
import { startStack, waitFor, waitUntilListed, type Stack } from '../e2e/stack';
import { launchChromium, openWatchedPage, type WatchedPage } from './launch-chromium';

// The page.evaluate callbacks below run in the browser; this file is type-checked
// for Node (no DOM library), so it declares the little of the DOM they touch.
interface FormControl {
  labels: ArrayLike<unknown> | null;
  readOnly?: boolean;
  matches(selector: string): boolean;
  outerHTML: string;
  getAttribute(name: string): string | null;
}
declare const document: {
  activeElement: FormControl | null;
  cookie: string;
  body: object;
  getElementById(id: string): { textContent: string | null } | null;
  querySelector(selector: string): object | null;
};
declare const window: { answerLengths?: number[] };
declare const sessionStorage: { length: number; getItem(key: string): string | null };
declare const localStorage: { length: number };
declare class MutationObserver {
  constructor(callback: () => void);
  observe(target: object, options: object): void;
}

const ARTIFACTS = resolve(__dirname, '../../test-artifacts/console');
const OPENAI_KEY = 'sk-fake-console-0123456789';
const ANTHROPIC_KEY = 'sk-ant-console-9876543210';

let stack: Stack;
let openai: FakeProvider;
let anthropic: FakeProvider;
let browser: Browser;
let context: BrowserContext;
let watched: WatchedPage;
let page: Page;
let consoleUrl: string;
let traceId: string;

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Opens a console page afresh (a full load, so no earlier page's content is mistaken for it) and waits until it has loaded. */
async function go(hash: string): Promise<void> {
  await page.goto('about:blank');
  await page.goto(`${consoleUrl}#/${hash}`);
  await page.locator('main h1').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('main .loading'));
}

/** Every form control on the page has a label a screen reader announces. */
async function assertLabelled(where: string): Promise<void> {
  const unlabelled = await page.$$eval('input:not([type=hidden]), select, textarea', (els) =>
    els
      .filter((el) => {
        const e = el as unknown as FormControl;
        return !(e.labels && e.labels.length > 0) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby');
      })
      .map((el) => (el as unknown as FormControl).outerHTML.slice(0, 120)),
  );
  // What the labels point at, so that a failure says whether a label is missing or points elsewhere.
  const labels = unlabelled.length ? await page.$$eval('label', (els) => els.map((l) => `${l.getAttribute('for') ?? ''}: ${l.textContent ?? ''}`)) : [];
  assert.deepEqual(unlabelled, [], `unlabelled controls on ${where}; the page's labels: ${labels.join(' | ')}`);
}

/** How the endpoint form lists a secret: its name and masked hint. */
async function secretOption(name: string): Promise<string> {
  return `${name} (${(await stack.api<{ hint: string }>('GET', `/api/v1/secrets/${name}`)).body.hint})`;
}

async function signIn(token: string): Promise<void> {
  await page.goto(consoleUrl);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function signOut(): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Token').waitFor();
}

describe('admin console in Chromium', { timeout: 240_000 }, () => {
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    [stack, openai, anthropic, browser] = await Promise.all([
      startStack(),
      startFakeOpenAI({ apiKey: OPENAI_KEY }),
      startFakeAnthropic({ apiKey: ANTHROPIC_KEY }),
      launchChromium(),
    ]);
    consoleUrl = `${stack.controlPlane.url}/console/`;
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    watched = await openWatchedPage(context, stack.controlPlane.url);
    page = watched.page;
    page.setDefaultTimeout(10_000);
  });

  after(async () => {
    await browser?.close();
    await stack?.close();
    await Promise.all([openai?.close(), anthropic?.close()]);
  });

  it('is served with a strict Content-Security-Policy and no inline script', async () => {
    const res = await fetch(consoleUrl);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) {
      assert.ok(csp.includes(directive), `CSP lacks ${directive}: ${csp}`);
    }
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    const html = await res.text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'an inline <script>');
    assert.doesNotMatch(html, /<style|style=/, 'inline styles');
  });

  it('refuses wrong tokens with a clear message', async () => {
    await page.goto(consoleUrl);
    await shot('sign-in');
    await assertLabelled('sign-in');
    const problem = page.locator('.field-error');

    await page.getByLabel('Token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await problem.filter({ hasText: 'This is not a JWT' }).waitFor();

    const forged = jwt.sign({ role: 'admin' }, 'some-other-secret', { audience: 'kong-llm-gateway', subject: 'mallory', expiresIn: 600 });
    await page.getByLabel('Token').fill(forged);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await problem.filter({ hasText: 'The control plane refused this token' }).waitFor();
    assert.match(await problem.innerText(), /invalid signature/);

    const expired = signToken(stack.controlPlane.config.jwt, { sub: 'late', role: 'admin' }, -60);
    await page.getByLabel('Token').fill(expired);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await problem.filter({ hasText: 'This token expired at' }).waitFor();
    await shot('sign-in-refused');
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'a refused token is not kept');
  });

  it('signs an admin in with the keyboard and keeps the token out of URLs and local storage', async () => {
    await page.goto(consoleUrl);
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('type')), 'password', 'Tab reaches the token field first');
    await page.keyboard.type(stack.adminToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Endpoints', level: 1 }).waitFor();
    assert.ok(!page.url().includes(stack.adminToken));
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.equal(await page.evaluate(() => document.cookie), '');
    for (const section of ['Playground', 'Audit log']) assert.ok(await page.getByRole('link', { name: section }).isVisible(), `${section} in the admin's nav`);
  });

  it('creates secrets through the form and never shows their values again', async () => {
    await go('secrets');
    const form = page.locator('section', { has: page.getByRole('heading', { name: 'New secret' }) });
    for (const [name, provider, key] of [
      ['openai-key', 'openai', OPENAI_KEY],
      ['anthropic-key', 'anthropic', ANTHROPIC_KEY],
    ] as const) {
      await form.getByLabel('Name').fill(name);
      await form.getByLabel('Provider').selectOption(provider);
      await form.getByLabel('API key').fill(key);
      await form.getByRole('button', { name: 'Create secret' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: `Created secret ${name}` })
        .waitFor();
      assert.equal(await form.getByLabel('API key').inputValue(), '', 'the value is cleared after saving');
    }
    const row = page.locator('tr[data-secret="openai-key"]');
    // The masked hint the API gives (a tail of the key at most), never more.
    const hint = (await stack.api<{ hint: string }>('GET', '/api/v1/secrets/openai-key')).body.hint;
    assert.match(hint, /^\*{4}.{0,4}$/);
    assert.equal(await row.locator('code').innerText(), hint);

    // Rotation asks for the value again and never shows the old one.
    await page.getByRole('button', { name: 'Rotate openai-key' }).click();
    const rotate = page.locator('section', { has: page.getByRole('heading', { name: 'Rotate openai-key' }) });
    assert.equal(await rotate.getByLabel('API key').inputValue(), '');
    await rotate.getByLabel('API key').fill(OPENAI_KEY);
    await rotate.getByRole('button', { name: 'Replace value' }).click();
    await page.getByRole('status').filter({ hasText: 'Rotated openai-key' }).waitFor();
    const html = await page.content();
    assert.ok(!html.includes(OPENAI_KEY) && !html.includes(ANTHROPIC_KEY), 'a secret value is in the page');
    await assertLabelled('secrets');
    await shot('secrets');
  });

  it('creates an endpoint with a split and a fallback chain, showing the API’s validation error at its field', async () => {
    await go('endpoints');
    await page.getByRole('link', { name: 'New endpoint' }).click();
    await page.getByRole('heading', { name: 'New endpoint' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('chat');
    await page.getByLabel('Log request and response payloads in traces (16 KiB cap)').check();

    const first = page.locator('fieldset.destination').nth(0);
    await first.getByLabel('Model').fill('gpt-4o-mini');
    await first.getByLabel('Secret').selectOption({ label: await secretOption('openai-key') });
    // Not a URL: the form passes it on, and the API's schema refuses it.
    await first.getByLabel('Base URL (optional)').fill('not a url');
    await first.getByLabel('Override the price (USD per million tokens)').check();
    await first.getByLabel('Input price per million tokens (USD)').fill('1000');
    await first.getByLabel('Output price per million tokens (USD)').fill('2000');

    await page.getByRole('button', { name: 'Add destination' }).click();
    const second = page.locator('fieldset.destination').nth(1);
    await second.getByLabel('ID', { exact: true }).fill('backup');
    await second.getByLabel('Provider').selectOption('anthropic');
    await second.getByLabel('Model').fill('claude-sonnet-4-5');
    await second.getByLabel('Secret').selectOption({ label: await secretOption('anthropic-key') });
    await second.getByLabel('Base URL (optional)').fill(anthropic.url);
    await second.getByLabel('Override the price (USD per million tokens)').check();
    await second.getByLabel('Input price per million tokens (USD)').fill('1000');
    await second.getByLabel('Output price per million tokens (USD)').fill('2000');

    // Two destinations: moving one weight moves the other, so the pair sums to 100.
    await page.getByLabel('Weight of primary as a number').fill('60');
    assert.equal(await page.getByLabel('Weight of backup as a number').inputValue(), '40');
    await page.getByText('Weights sum to 100').waitFor();

    const chainPick = page.getByLabel('Destination to add to the chain');
    await chainPick.selectOption('primary');
    await page.getByRole('button', { name: 'Add to chain' }).click();
    await chainPick.selectOption('backup');
    await page.getByRole('button', { name: 'Add to chain' }).click();
    // Reordered with the keyboard.
    await page.getByRole('button', { name: 'Move backup up' }).focus();
    await page.keyboard.press('Enter');
    assert.deepEqual(await page.locator('.chain ol li .chain-id').allInnerTexts(), ['backup', 'primary']);
    await assertLabelled('endpoint form');

    await page.getByRole('button', { name: 'Create endpoint' }).click();
    const baseUrlField = first.locator('.field', { has: page.getByLabel('Base URL (optional)') });
    await baseUrlField.locator('.field-error').waitFor();
    assert.match(await baseUrlField.locator('.field-error').innerText(), /uri/i);
    assert.equal(await first.getByLabel('Base URL (optional)').getAttribute('aria-invalid'), 'true');
    await shot('endpoint-validation-error');

    await first.getByLabel('Base URL (optional)').fill(`${openai.url}/v1`);
    await page.getByRole('button', { name: 'Create endpoint' }).click();
    await page.getByRole('heading', { name: 'Endpoint chat' }).waitFor();
    await shot('endpoint-edit');

    const saved = await stack.api<{ destinations: Array<{ id: string; weight: number; provider: string; price?: unknown }>; fallback: { chain: string[] } }>(
      'GET',
      '/api/v1/endpoints/chat',
    );
    assert.deepEqual(
      saved.body.destinations.map((d) => [d.id, d.provider, d.weight]),
      [
        ['primary', 'openai', 60],
        ['backup', 'anthropic', 40],
      ],
    );
    assert.deepEqual(saved.body.fallback.chain, ['backup', 'primary']);

    await go('endpoints');
    const row = page.locator('tr[data-endpoint="chat"]');
    assert.match(await row.innerText(), /primary 60% · backup 40%/);
    assert.match(await row.innerText(), /backup → primary/);
    await shot('endpoints');
  });

  it('creates a budget for the endpoint through the form', async () => {
    await go('budgets/new');
    await page.getByLabel('Name').fill('chat-daily');
    await page.getByLabel('Counts').selectOption('usd');
    await page.getByLabel('Limit (USD)').fill('5');
    await page.getByLabel('Length').fill('1');
    await page.getByLabel('Unit').selectOption('days');
    await page.getByLabel('Scope').selectOption('endpoint');
    await page.getByLabel('Endpoint').selectOption('chat');
    await page.getByLabel('Action').selectOption('reject');
    await assertLabelled('budget form');
    await shot('budget-edit');
    await page.getByRole('button', { name: 'Create budget' }).click();
    await page.getByRole('heading', { name: 'Budgets', level: 1 }).waitFor();
    const budget = page.locator('li[data-budget="chat-daily"]');
    await budget.getByRole('meter').waitFor();
    assert.match(await budget.innerText(), /Endpoint chat · \$5\.00 per day/);
    assert.match(await budget.innerText(), /resets in/);
  });

  it('sends a playground message through the gateway and shows it streaming, with the gateway headers and a trace link', async () => {
    await waitUntilListed([stack.driver], ['chat']);
    // Whichever destination the split picks first fails with a 503; the chain then serves the answer, slowly enough to watch it stream.
    for (const fake of [openai, anthropic]) fake.enqueue({ kind: 'status', status: 503, message: 'overloaded' }, { kind: 'ok', chunkGapMs: 400 });

    await go('playground?endpoint=chat');
    await assertLabelled('playground');
    await page.getByLabel('Message').fill('Hello from the console test, streamed in pieces');
    await page.evaluate(() => {
      const seen: number[] = [];
      window.answerLengths = seen;
      new MutationObserver(() => {
        const n = document.getElementById('answer-text')?.textContent?.length ?? 0;
        if (n > 0 && seen[seen.length - 1] !== n) seen.push(n);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.status-done').waitFor({ timeout: 30_000 });
    for (const fake of [openai, anthropic]) fake.clear();

    const text = await page.locator('#answer-text').innerText();
    assert.equal(text, 'echo: Hello from the console test, streamed in pieces');
    const lengths = await page.evaluate(() => window.answerLengths ?? []);
    assert.ok(lengths.length >= 3 && lengths[lengths.length - 1] === text.length, `the answer grew in steps as it streamed: ${JSON.stringify(lengths)}`);

    const fact = (name: string) => page.locator(`[data-fact="${name}"]`).innerText();
    assert.match(await fact('provider'), /^(openai|anthropic)$/);
    assert.ok(Number(await fact('attempts')) >= 2, 'the failed attempt and the fallback');
    assert.match(await fact('overhead'), /^\d+(\.\d+)? ms$/);
    await page.locator('[data-fact="cost"]', { hasText: /^\$\d/ }).waitFor({ timeout: 15_000 });
    assert.ok(Number((await fact('cost')).slice(1)) > 0, 'priced by the override');
    // The endpoint's reject budget (created above) is reported on the answer; a stream counts at its reservation.
    const budget = /^(\d+\.\d{6}) left in “chat-daily” until .+$/.exec(await fact('budget'));
    assert.ok(budget, `the budget row: ${await fact('budget')}`);
    assert.ok(Number(budget[1]) < 5, 'less than the whole $5 left once this request is reserved');
    traceId = await fact('trace');
    assert.match(traceId, /^[0-9a-f-]{36}$/);
    await shot('playground');
  });

  it('opens the trace from the playground with its attempts on a timeline, and finds it by filter', async () => {
    await page.locator('[data-fact="trace"] a').click();
    await page.getByRole('heading', { name: `Trace ${traceId}` }).waitFor();
    assert.equal(await page.locator('[data-fact="status"]').innerText(), '200');
    const attempts = page.locator('ol.timeline li.attempt');
    assert.ok((await attempts.count()) >= 2);
    assert.match(await attempts.first().innerText(), /503/);
    assert.ok(await attempts.first().evaluate((el) => el.classList.contains('failed')));
    assert.ok(await attempts.last().evaluate((el) => el.classList.contains('ok')));
    assert.match(await page.locator('[data-fact="ttft"]').innerText(), /\d+ ms/);
    assert.match(await page.locator('pre.payload').first().innerText(), /Hello from the console test/, 'the logged request payload');
    await shot('trace-detail');

    await go('traces');
    await page.getByLabel('Endpoint').selectOption('chat');
    await page.getByLabel('Status').fill('200');
    // The row is on the unfiltered list already: the filtered list is the one fetched with the filters.
    const filtered = page.waitForResponse((r) => r.url().includes('/api/v1/traces?') && r.url().includes('endpoint=chat') && r.url().includes('status=200'));
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/endpoint=chat/);
    assert.equal((await filtered).status(), 200);
    await page.locator(`tr[data-trace="${traceId}"]`).waitFor();
    await assertLabelled('traces');
    await shot('traces');
  });

  it('counts the request in the usage charts', async () => {
    await go('usage?range=1h&groupBy=endpoint');
    // Usage is read from what the control plane has stored; poll with the page's Refresh.
    const requests = page.locator('tr[data-group="chat"] [data-metric="requests"]');
    await waitFor(
      'the usage row for chat',
      async () => {
        if (await requests.count()) return true;
        await page.getByRole('button', { name: 'Refresh' }).click();
        await page.waitForTimeout(500);
        return undefined;
      },
      20_000,
      0,
    );
    assert.ok(Number((await requests.innerText()).replace(/,/g, '')) >= 1);
    for (const chart of ['requests', 'errors', 'latency', 'tokens', 'cost']) {
      const figure = page.locator(`figure[data-chart="${chart}"]`);
      assert.ok(await figure.locator('canvas').isVisible(), `${chart} chart drawn`);
      assert.match(await figure.locator('.u-legend').innerText(), /chat/);
    }
    await assertLabelled('usage');
    await shot('usage');

    // By user: the playground's request is the signed-in admin's.
    await page.getByLabel('Group by').selectOption('user');
    await page.waitForURL(/groupBy=user/);
    await page.locator('tr[data-group="e2e-admin"] [data-metric="requests"]').waitFor();
  });

  it('shows the spend in the budget’s bar', async () => {
    const meter = page.locator('li[data-budget="chat-daily"] [role="meter"]');
    await waitFor(
      'the charge to reach the budget',
      async () => {
        await go('budgets');
        await meter.waitFor();
        return Number(await meter.getAttribute('aria-valuenow')) > 0 ? true : undefined;
      },
      20_000,
      500,
    );
    assert.match((await meter.getAttribute('aria-valuetext')) ?? '', /^\$0\.\d+ of \$5\.00 spent$/);
    await shot('budgets');
  });

  it('shows shadow traffic beside the serving model on the usage page', async () => {
    const shadow = { destination: { provider: 'openai', model: 'gpt-4o-mini', secret: 'openai-key', options: { baseUrl: `${openai.url}/v1` } }, percent: 100 };
    assert.equal((await stack.api('PATCH', '/api/v1/endpoints/chat', { shadow })).status, 200);
    const row = page.locator('table.shadow-comparison tr[data-endpoint="chat"]');
    const compared = row.locator('[data-metric="compared"]');
    // Each round sends one more shadowed request and reloads the page's data
    // with its Refresh button (a whole page load per round took longer than
    // the page's own timeout once, with CI's other suites beside this one).
    await go('usage?range=1h');
    await waitFor(
      'a shadow comparison row for chat with a compared answer',
      async () => {
        const res = await fetch(`${stack.openaiBaseUrl}/chat/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'chat', max_tokens: 16, messages: [{ role: 'user', content: 'shadow me' }] }),
        });
        assert.equal(res.status, 200);
        await page.getByRole('button', { name: 'Refresh' }).click();
        await page.waitForFunction(() => !document.querySelector('main .loading'), undefined, { timeout: 30_000 });
        return (await compared.count()) && Number(await compared.innerText()) >= 1 ? true : undefined;
      },
      60_000,
      1_000,
    );
    assert.match(await row.innerText(), /openai gpt-4o-mini/);
    await shot('usage-shadow');
  });

  it('explains the 409 when deleting a secret in use, and lists changes in the audit log', async () => {
    await go('secrets');
    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'Delete openai-key' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'is in use (409)' });
    await alert.waitFor();
    assert.ok(await alert.getByRole('link', { name: 'chat' }).isVisible());
    await shot('secret-in-use');

    await go('audit');
    const actions = await page.locator('table.data tbody td code').allInnerTexts();
    for (const a of ['secret.create', 'endpoint.create', 'budget.create']) assert.ok(actions.includes(a), `${a} in ${actions.join(', ')}`);
    await assertLabelled('audit');
    await shot('audit');
  });

  it('shows a viewer everything read-only, and a 403 when forced', async () => {
    await signOut();
    const viewerToken = signToken(stack.controlPlane.config.jwt, { sub: 'val', role: 'viewer' }, 600);
    await signIn(viewerToken);
    await page.getByRole('heading', { name: 'Endpoints', level: 1 }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Playground' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Audit log' }).count(), 0);
    const editControls = () => page.getByRole('button', { name: /^(New|Create|Save|Delete|Rotate|Disable|Enable|Add|Remove|Replace|Send|Move)/ });

    await page.locator('tr[data-endpoint="chat"]').waitFor();
    assert.equal(await page.getByRole('link', { name: 'New endpoint' }).count(), 0);
    assert.equal(await editControls().count(), 0, 'edit controls on the endpoint list');
    await shot('viewer-endpoints');

    await go('endpoints/chat');
    await page.getByLabel('Name', { exact: true }).waitFor();
    const enabled = await page.$$eval('main input, main select, main textarea, main button', (els) =>
      els
        .map((el) => el as unknown as FormControl)
        .filter((el) => !el.matches(':disabled') && !el.readOnly)
        .map((el) => el.outerHTML.slice(0, 100)),
    );
    assert.deepEqual(enabled, [], 'the endpoint form is read-only for a viewer');
    assert.equal(await page.getByRole('button', { name: /Save|Create/ }).count(), 0);
    await shot('viewer-endpoint');

    for (const hash of ['secrets', 'budgets']) {
      await go(hash);
      await page.locator('table.data, ul.budgets').first().waitFor();
      assert.equal(await editControls().count(), 0, `edit controls on ${hash}`);
      assert.equal(await page.getByRole('heading', { name: /New secret|New budget/ }).count(), 0);
      assert.equal(await page.getByRole('link', { name: /New budget/ }).count(), 0);
    }

    // Forced: the audit page by URL, and a write through the API with the viewer's token.
    await go('audit');
    const refused = page.getByRole('alert');
    await refused.waitFor();
    assert.match(await refused.innerText(), /Not allowed \(403\)[\s\S]*role 'viewer' may not call this operation/);
    await shot('viewer-audit-403');
    const forced = await page.evaluate(async () => {
      const token = sessionStorage.getItem('llm-gateway-console.token');
      const res = await fetch('/api/v1/endpoints/chat', { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
      return res.status;
    });
    assert.equal(forced, 403);
  });

  it('signs out by itself when the token expires', async () => {
    await signOut();
    await signIn(signToken(stack.controlPlane.config.jwt, { sub: 'brief', role: 'admin' }, 3));
    await page.getByRole('heading', { name: 'Endpoints', level: 1 }).waitFor();
    await page.getByText('Your token expired at').waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  });

  it('had no CSP violation, page error or request to another origin', () => {
    assert.deepEqual(watched.cspViolations, []);
    assert.deepEqual(watched.pageErrors, []);
    assert.deepEqual(watched.foreignRequests, []);
  });
});
