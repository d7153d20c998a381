// Issue 30, items 1 and 5 in the browser.
//
// 5. A review has its own address: Submit leads to /reviews/{id}; the language switch re-renders
//    it there, with what was entered; after Confirm, Back shows "already done" (no "Confirm Form
//    Resubmission"), and Reload of it too, with a link to the result; a GET of a form's action
//    leads to the page holding the form.
// 1. A bulk job's live results list every row that ended, in line order, without a reload,
//    however the rows ended (a row refused at review ends before a lower one runs).
// 4. The selection's 升级到 offers only the chosen offer's upgrade targets.
//
// Data no other test touches: 北京云途's E1 (s-yuntu-1) for the review, 重庆山城's E1
// (s-shancheng-1) for the bulk job.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  ADMIN,
  assertLanguage,
  assertNoProblems,
  checkAccessibility,
  clickAndWait,
  launchBrowser,
  newContext,
  screenshot,
  signIn,
  squash,
} from './lib/portal.mjs';

const DETAILS = '/customers/c-yuntu/subscriptions/s-yuntu-1';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

describe('a review at its own address (zh-CN, then en-US)', { timeout: 90_000 }, () => {
  let context;
  let page;
  let review;
  before(async () => {
    context = await newContext(browser, 'zh-CN');
    page = await context.newPage();
    await signIn(page, ADMIN);
  });
  after(async () => {
    await context?.close();
  });

  test('Submit leads to the review at its own address', async () => {
    await page.goto(DETAILS);
    await page.locator('#licenses').fill('6');
    await clickAndWait(page, page.locator('form.manage-form button[type="submit"]').first());
    review = new URL(page.url()).pathname;
    assert.match(review, /^\/reviews\/[0-9a-f]{32}$/);
    await assertLanguage(page, 'zh-CN');
    assert.equal(await page.locator('table.review-table').count(), 1);
    assert.match(squash(await page.locator('h1').textContent()), /5.*6/);
    await screenshot(page, 'zh-CN-review-address-1');
  });

  test('switching the language re-renders the review there, with what was entered', async () => {
    await clickAndWait(page, page.locator('a[href^="/language/en-US"]').first());
    assert.equal(new URL(page.url()).pathname, review);
    await assertLanguage(page, 'en-US');
    assert.equal(squash(await page.locator('h1').textContent()), 'Change licenses from 5 to 6');
    assert.equal(await page.locator('form.review-actions').getAttribute('action'), review);
  });

  test('after Confirm, Back and Reload say it is done, with a link to the result', async () => {
    await clickAndWait(page, page.locator('form.review-actions button[type="submit"]'));
    const result = new URL(page.url());
    assert.equal(result.pathname, DETAILS);
    assert.equal(result.searchParams.get('done'), 'licenses');
    // Back: a GET of the review's address, never a form resubmission.
    await page.goBack({ waitUntil: 'load' });
    assert.equal(new URL(page.url()).pathname, review);
    assert.equal(await page.locator('[data-code="already_done"]').count(), 1, 'already done');
    assert.equal(await page.locator('table.review-table').count(), 0, 'no Confirm again');
    await page.reload({ waitUntil: 'load' });
    assert.equal(await page.locator('[data-code="already_done"]').count(), 1, 'still done');
    await checkAccessibility(page, 'en-US review already done', test);
    await screenshot(page, 'en-US-review-address-2-done');
    await clickAndWait(page, page.locator('a[rel="result"]'));
    assert.equal(new URL(page.url()).pathname, DETAILS);
    assert.match(await page.locator('#licenses').inputValue(), /^6$/);
  });

  test("a GET of a form's action leads to the page holding it", async () => {
    for (const [action, holder] of [
      [`${DETAILS}/licenses`, DETAILS],
      ['/bulk/file', '/bulk'],
      ['/bulk/selection', '/bulk'],
      ['/api-access/tokens', '/api-access'],
      ['/settings/billing-day', '/settings'],
    ]) {
      const response = await page.goto(action);
      assert.equal(response.status(), 200, action);
      assert.equal(new URL(page.url()).pathname, holder, action);
    }
    assertNoProblems(context);
  });
});

describe('live bulk results, rows ending out of line order (zh-CN)', { timeout: 90_000 }, () => {
  let context;
  let page;
  before(async () => {
    context = await newContext(browser, 'zh-CN');
    page = await context.newPage();
    await signIn(page, ADMIN);
  });
  after(async () => {
    await context?.close();
  });

  test("升级到 offers only the chosen offer's upgrade targets", async () => {
    await page.goto('/bulk');
    const offered = () => page.locator('#target option[data-from]:not([disabled])').evaluateAll(
      (options) => options.map((o) => o.value),
    );
    assert.deepEqual(
      (await offered()).sort(),
      ['O365_BUSINESS_PREMIUM', 'O365_E1', 'O365_E3', 'O365_PROPLUS'],
      'with no offer chosen, every offer some offer upgrades to',
    );
    await page.locator('#offer').selectOption('O365_BUSINESS_PREMIUM');
    assert.deepEqual(await offered(), ['O365_E3']);
    await page.locator('#offer').selectOption('EXCHANGE_ONLINE_P1');
    assert.deepEqual(await offered(), [], 'Exchange has no upgrade paths');
  });

  test('every row that ended shows, in line order, without a reload', async () => {
    await page.goto('/bulk');
    const dir = mkdtempSync(join(tmpdir(), 'live-'));
    const file = join(dir, 'live.csv');
    // Line 2 runs once confirmed; lines 3 and 4 are refused at review (they end first).
    writeFileSync(
      file,
      'Subscription ID,Action,Target offer ID,Quantity\n' +
        's-shancheng-1,licenses,,70\n' +
        's-nobody-here,suspend,,\n' +
        's-shancheng-1,licenses,,lots\n',
    );
    await page.locator('#file').setInputFiles(file);
    await page.waitForFunction(() => document.querySelector('#rows').value.includes('lots'));
    await clickAndWait(page, page.locator('form[action="/bulk/file"] button[type="submit"]'));
    assert.match(new URL(page.url()).pathname, /^\/bulk\/jobs\/\d+$/);
    await clickAndWait(page, page.getByRole('button', { name: /确认并更改/ }));
    const url = page.url();
    await page.waitForFunction(
      () => document.querySelector('[data-progress]').dataset.state !== 'running' &&
        document.querySelectorAll('[data-results] tr[data-line]').length >= 3,
      null,
      { timeout: 30_000 },
    );
    assert.equal(page.url(), url, 'the same page, not reloaded');
    const lines = await page.locator('[data-results] tr[data-line]').evaluateAll(
      (rows) => rows.map((r) => Number(r.dataset.line)),
    );
    assert.deepEqual(lines, [2, 3, 4], 'every row once, in line order');
    assert.equal(await page.locator('[data-count="succeeded"]').textContent(), '1');
    const done = page.locator('[data-results] tr[data-line="2"]');
    assert.equal(await done.getAttribute('data-result'), 'succeeded');
    assert.equal(squash(await done.locator('.result').textContent()), '成功');
    // The codes are for the CSV; the page says sentences.
    const results = squash(await page.locator('[data-results]').textContent());
    assert.doesNotMatch(results, /subscription_not_found|invalid_quantity/);
    // The badge stays on one line.
    const badge = await page.locator('[data-results] .result').first().evaluate((b) => {
      const r = b.getBoundingClientRect();
      return { height: r.height, line: parseFloat(getComputedStyle(b).lineHeight) || 20 };
    });
    assert.ok(badge.height < badge.line * 1.5, `one line: ${JSON.stringify(badge)}`);
    await screenshot(page, 'zh-CN-live-results');
    assertNoProblems(context);
  });
});
