// Bulk changes in the browser: a selection reviewed and confirmed, the job page's progress bar
// followed (without reloading) to the end, its results listed; and rows from a chosen file, with
// a bad line named in the review, then discarded. Each language touches data no other test uses:
// zh-CN adds a license to each active Skype for Business subscription; en-US only reviews.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import {
  ADMIN,
  assertCsp,
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

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

describe('bulk change from a selection (zh-CN)', { timeout: 90_000 }, () => {
  const locale = 'zh-CN';
  let context;
  let page;
  before(async () => {
    context = await newContext(browser, locale);
    page = await context.newPage();
    await signIn(page, ADMIN);
  });
  after(async () => {
    await context?.close();
  });

  test('the Bulk changes page is in the navigation', async () => {
    await clickAndWait(page, page.locator('.sidenav').getByRole('link', { name: '批量更改' }));
    assert.equal(new URL(page.url()).pathname, '/bulk');
    await assertLanguage(page, locale);
    assert.equal(squash(await page.locator('h1').textContent()), '批量更改');
    await checkAccessibility(page, `${locale} bulk`, test);
    await screenshot(page, `${locale}-bulk-1-page`);
  });

  test('a selection is reviewed row by row before anything changes', async () => {
    await page.locator('#offer').selectOption('SKYPE_BUSINESS_P2');
    await page.locator('#status').selectOption('active');
    await page.locator('#action-licenses-add').check();
    await page.locator('#quantity').fill('1');
    await clickAndWait(page, page.locator('form[action="/bulk/selection"] button[type="submit"]'));
    assert.match(new URL(page.url()).pathname, /^\/bulk\/jobs\/\d+$/);
    const will = Number(await page.locator('[data-count="will"]').textContent());
    assert.equal(will, 3, 'three active Skype for Business subscriptions');
    assert.equal(await page.locator('table.bulk-rows tbody tr').count(), 3);
    await screenshot(page, `${locale}-bulk-2-review`);
  });

  test('confirmed, the progress bar reaches the end without a reload', async () => {
    const response = await clickAndWait(page, page.getByRole('button', { name: /确认并更改/ }));
    assertCsp(response);
    const url = page.url();
    const bar = page.locator('[data-bar]');
    await page.waitForFunction(
      () => {
        const b = document.querySelector('[data-bar]');
        return b && Number(b.max) > 0 && Number(b.value) === Number(b.max) &&
          document.querySelector('[data-progress]').dataset.state !== 'running';
      },
      null,
      { timeout: 30_000 },
    );
    assert.equal(page.url(), url, 'the same page, not reloaded');
    assert.equal(await bar.getAttribute('max'), '3');
    assert.equal(squash(await page.locator('[data-state-label]').textContent()), '已完成');
    assert.equal(await page.locator('[data-count="succeeded"]').textContent(), '3');
    assert.equal(await page.locator('[data-results] tr[data-result="succeeded"]').count(), 3);
    assert.equal(await page.locator('[data-cancel]').isHidden(), true, 'no Cancel once finished');
    await screenshot(page, `${locale}-bulk-3-finished`);
    assertNoProblems(context);
  });
});

describe('bulk change from a file (en-US)', { timeout: 90_000 }, () => {
  const locale = 'en-US';
  let context;
  let page;
  before(async () => {
    context = await newContext(browser, locale);
    page = await context.newPage();
    await signIn(page, ADMIN);
  });
  after(async () => {
    await context?.close();
  });

  test('a chosen file fills the rows; the review names its bad line', async () => {
    await page.goto('/bulk');
    const dir = mkdtempSync(join(tmpdir(), 'bulk-'));
    const file = join(dir, 'changes.csv');
    writeFileSync(
      file,
      'Subscription ID,Action,Target offer ID,Quantity\n' +
        's-fabrikam-essentials,upgrade,O365_BUSINESS_PREMIUM,\n' +
        's-fabrikam-essentials,licenses,,many\n',
    );
    await page.locator('#file').setInputFiles(file);
    await page.waitForFunction(() => document.querySelector('#rows').value.includes('many'));
    await clickAndWait(page, page.locator('form[action="/bulk/file"] button[type="submit"]'));
    assert.match(new URL(page.url()).pathname, /^\/bulk\/jobs\/\d+$/);
    await assertLanguage(page, locale);
    const bad = page.locator('tr[data-line="3"]');
    assert.match(squash(await bad.textContent()), /“many” is not a whole number/);
    assert.equal(await bad.getAttribute('data-code'), 'invalid_quantity');
    assert.match(squash(await page.locator('h1').textContent()), /changes\.csv/);
    await checkAccessibility(page, `${locale} bulk review`, test);
    await screenshot(page, `${locale}-bulk-4-file-review`);
    await clickAndWait(page, page.getByRole('button', { name: 'Discard' }));
    assert.equal(new URL(page.url()).pathname, '/bulk');
    assertNoProblems(context);
  });
});
