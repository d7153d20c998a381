// Helpers shared by the test files: the portal's address, browser contexts per language,
// signing in, page checks (language, CSP), axe-core and screenshots.
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import { KNOWN_VIOLATIONS } from '../known-violations.mjs';
import { OUTPUT, SCREENSHOTS } from './paths.mjs';

export { launchBrowser } from './browser.mjs';
export { KNOWN_VIOLATIONS, OUTPUT, SCREENSHOTS };

const AXE_LOG = join(OUTPUT, 'axe', 'violations.jsonl');

export const BASE = (() => {
  const url = process.env.PORTAL_URL;
  if (!url) {
    throw new Error('PORTAL_URL is not set: run the suite with `bash e2e/run.sh`, which starts the portal');
  }
  return url.replace(/\/+$/, '');
})();

/** The two languages; every test runs once in each. */
export const LOCALES = ['zh-CN', 'en-US'];

/** The demo accounts (demo/demo.json). Sign-in attempts are throttled to five per account per
 * minute, counting successful ones, so the flow test signs in as admin@ and the other files
 * sign in once each as sales@ (same reseller) and share that session between their contexts. */
export const ADMIN = { email: 'admin@contoso.example', password: 'contoso-demo' };
export const SALES = { email: 'sales@contoso.example', password: 'contoso-demo' };

/** A few words of each language, as a reseller sees them. */
export const TEXT = {
  'zh-CN': {
    skip: '跳到主要内容',
    customers: '客户列表',
    activity: '活动日志',
    signIn: '登录',
    upgradeNow: '立即升级',
    resultTitle: '升级完成',
    adminCenterNote: /由世纪互联运营的\s*Office 365\s*管理中心/,
    switchLabel: 'English',
    notFound: '找不到此页面',
    errors: {
      notWhole: /许可证数量必须是整数/,
      fullWidth: /半角数字/,
      range: /请输入\s*1\s*到\s*[\d,]+\s*之间的数字/,
      empty: /请输入许可证数量/,
      noOffer: /请选择要升级到的产品/,
    },
  },
  'en-US': {
    skip: 'Skip to main content',
    customers: 'Customer list',
    activity: 'Activity log',
    signIn: 'Sign in',
    upgradeNow: 'Upgrade now',
    resultTitle: 'Upgrade complete',
    adminCenterNote: /admin center for Office 365 operated by 21Vianet/,
    switchLabel: '中文',
    notFound: 'Page not found',
    errors: {
      notWhole: /must be a whole number/,
      fullWidth: /half-width digits/,
      range: /Enter a number from 1 to [\d,]+/,
      empty: /Enter the number of licenses/,
      noOffer: /Choose the offer to upgrade to/,
    },
  },
};

export const other = (locale) => (locale === 'zh-CN' ? 'en-US' : 'zh-CN');

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/** The width the suite runs at: a desktop's, or a phone's 390 px with `E2E_VIEWPORT=phone`
 * (`run.sh` runs the suite at both). */
export const VIEWPORT = process.env.E2E_VIEWPORT === 'phone' ? PHONE : DESKTOP;
export const AT_PHONE = VIEWPORT === PHONE;

/** A fresh context in `locale` (the browser's language, hence Accept-Language), optionally with
 * a saved session. Page errors and failed requests are collected in `context.problems`. */
export async function newContext(browser, locale, { storageState } = {}) {
  const context = await browser.newContext({
    baseURL: BASE,
    locale,
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
    storageState,
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(20_000);
  context.problems = [];
  context.on('page', (page) => watch(page, context.problems));
  return context;
}

function watch(page, problems) {
  page.on('pageerror', (e) => problems.push(`page error on ${page.url()}: ${e.message}`));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    // A page served with an error status (the 404 page, a form sent back with 422) is reported
    // as a failed load of the document itself; the tests check those statuses themselves.
    if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text()) &&
        msg.location().url === page.url()) return;
    problems.push(`console error on ${page.url()}: ${msg.text()}`);
  });
  page.on('requestfailed', (req) => {
    const error = req.failure()?.errorText;
    // The browser abandons what a page was still loading when the test moves on (a click, a
    // key, a closed page): not the portal's failure. Refused, blocked or broken loads still count.
    if (error === 'net::ERR_ABORTED') return;
    problems.push(`request failed on ${page.url()}: ${req.url()} ${error}`);
  });
}

/** Asserts that nothing went wrong in the browser (no script errors, CSP reports, failed loads). */
export function assertNoProblems(context) {
  assert.deepEqual(context.problems, [], 'the browser reported problems');
}

/** Signs in through the form, as a person does. The page may be anywhere. */
export async function signIn(page, account = ADMIN) {
  if (!new URL(page.url(), BASE).pathname.startsWith('/sign-in')) await page.goto('/sign-in');
  await page.locator('#email').fill(account.email);
  await page.locator('#password').fill(account.password);
  await Promise.all([
    page.waitForURL((url) => !url.pathname.startsWith('/sign-in')),
    page.locator('form[action="/sign-in"] button[type="submit"]').click(),
  ]);
}

/** A context in `locale` that is signed in as `account`. Signs in through the form the first
 * time in a test file and reuses that session (cookie) afterwards. */
const sessions = new Map();
export async function signedInContext(browser, locale, account = SALES) {
  let state = sessions.get(account.email);
  if (!state) {
    const context = await newContext(browser, locale);
    const page = await context.newPage();
    await signIn(page, account);
    state = await context.storageState();
    sessions.set(account.email, state);
    await context.close();
  }
  return newContext(browser, locale, { storageState: state });
}

/** The `lang` attribute of `<html>`. */
export const htmlLang = (page) => page.evaluate(() => document.documentElement.lang);

/** Asserts that the page is in `locale`: `<html lang>` and the skip link's words. */
export async function assertLanguage(page, locale) {
  assert.equal(await htmlLang(page), locale, `<html lang> of ${page.url()}`);
  const skip = (await page.locator('.skip-link').textContent())?.trim();
  assert.equal(skip, TEXT[locale].skip, `the skip link of ${page.url()} is in ${locale}`);
}

/** Asserts the Content-Security-Policy header of a response. */
export function assertCsp(response) {
  const csp = response.headers()['content-security-policy'];
  assert.ok(csp, `no Content-Security-Policy header on ${response.url()}`);
  assert.match(csp, /default-src 'self'/, `CSP of ${response.url()}`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `CSP of ${response.url()}`);
}

/** Goes to `path`, expecting `status`, the CSP header and the page in `locale`. */
export async function visit(page, path, locale, { status = 200 } = {}) {
  const response = await page.goto(path);
  assert.ok(response, `no response for ${path}`);
  assert.equal(response.status(), status, `status of ${path}`);
  assertCsp(response);
  await assertLanguage(page, locale);
  return response;
}

/** Waits for the navigation a click starts and returns its response (CSP asserted). */
export async function clickAndWait(page, locator) {
  const [response] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    locator.click(),
  ]);
  if (response) assertCsp(response);
  return response;
}

// ---------------------------------------------------------------------------------------------
// axe-core

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/**
 * Runs axe-core on the page as it is now. axe is injected with `page.evaluate(source)`, a
 * DevTools evaluation that the page's Content-Security-Policy (no inline scripts) does not
 * block, so the page is checked exactly as served. Returns every violation, any impact.
 */
export async function runAxe(page) {
  const loaded = await page.evaluate(() => typeof window.axe === 'object');
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return { violations: r.violations, url: r.url };
  });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    tags: v.tags,
    nodes: v.nodes.map((n) => ({
      target: n.target.join(' '),
      html: n.html,
      summary: n.failureSummary,
    })),
  }));
}

export const BLOCKING = new Set(['serious', 'critical']);
export const STRICT = process.env.E2E_STRICT === '1';

/** Which entries of known-violations.mjs matched something in this process. */
export const knownMatched = new Set();

function knownEntry(violation, node) {
  return KNOWN_VIOLATIONS.find(
    (k) => k.rule === violation.id && k.target.test(node.target) && k.html.test(node.html),
  );
}

/** Splits violations node by node into the known ones and the others. */
function splitKnown(violations) {
  const known = [];
  const unknown = [];
  for (const v of violations) {
    const k = v.nodes.filter((n) => knownEntry(v, n));
    const u = v.nodes.filter((n) => !knownEntry(v, n));
    for (const n of k) knownMatched.add(knownEntry(v, n));
    if (k.length) known.push({ ...v, nodes: k });
    if (u.length) unknown.push({ ...v, nodes: u });
  }
  return { known, unknown };
}

/** Human-readable violations, one block each. */
export function formatViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => `    at ${n.target}\n      ${n.html}\n      ${n.summary.replace(/\n/g, '\n      ')}`)
        .join('\n');
      return `  [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes}`;
    })
    .join('\n');
}

/**
 * Checks the page with axe. Every violation goes to output/axe/violations.jsonl. Serious and
 * critical ones fail the test, except those listed in known-violations.mjs (unless
 * E2E_STRICT=1), which are printed as diagnostics, like the minor and moderate ones.
 */
export async function checkAccessibility(page, label, t) {
  const violations = await runAxe(page);
  const { known, unknown } = splitKnown(violations);
  mkdirSync(dirname(AXE_LOG), { recursive: true });
  for (const [list, isKnown] of [[known, true], [unknown, false]]) {
    for (const v of list) {
      appendFileSync(AXE_LOG, `${JSON.stringify({ page: label, url: page.url(), known: isKnown, ...v })}\n`);
    }
  }
  const failing = [...unknown.filter((v) => BLOCKING.has(v.impact)), ...(STRICT ? known : [])];
  const reported = [...unknown.filter((v) => !BLOCKING.has(v.impact)), ...(STRICT ? [] : known)];
  if (reported.length && t) {
    t.diagnostic(`axe on ${label}, not failing (minor, moderate, or listed in known-violations.mjs):\n${formatViolations(reported)}`);
  }
  assert.equal(
    failing.length,
    0,
    `axe found serious or critical violations on ${label} (${page.url()}):\n${formatViolations(failing)}`,
  );
  return violations;
}

// ---------------------------------------------------------------------------------------------
// Screenshots

/** A full-page screenshot (or of the window only) in output/screenshots/NAME.png at the page's
 * current width. */
export async function screenshot(page, name, { fullPage = true } = {}) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // The phone run's screenshots beside the desktop's, not over them.
  const path = join(SCREENSHOTS, AT_PHONE ? `${name}@390.png` : `${name}.png`);
  await page.screenshot({ path, fullPage, animations: 'disabled', caret: 'hide' });
  return path;
}

/** Text with runs of white space collapsed. */
export const squash = (s) => (s ?? '').replace(/\s+/g, ' ').trim();
