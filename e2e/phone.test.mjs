// Issue 30, items 13 and 14, in a real browser, in both languages:
// - at a phone's 390 px no page scrolls sideways, the navigation shows every item, and the
//   review's, the change history's, the activity log's and the tokens' tables stack (each cell
//   under its column's name) inside the screen;
// - the navigation items (eleven for the demo's admin agent, Approvals among them) have each their own icon; the breadcrumbs mark exactly one
//   item as the current page and never link twice to one place; 立即升级 is a button like the
//   others, not underlined.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  LOCALES,
  PHONE,
  assertNoProblems,
  launchBrowser,
  screenshot,
  signedInContext,
  visit,
} from './lib/portal.mjs';

const FABRIKAM = '/customers/c-fabrikam/subscriptions/s-fabrikam-essentials';

const PAGES = [
  '/',
  '/customers/c-fabrikam/subscriptions',
  FABRIKAM,
  '/activity',
  '/activity?customer=c-fabrikam',
  '/bulk',
  '/charges',
  '/prices',
  '/settings',
  '/api-access',
  '/api-access/reference',
];

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** How far the page reaches to the right, against the window's width. */
const widths = (page) =>
  page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: window.innerWidth }));

/** Asserts that every row of the stacked tables fits the screen: no cell is cut off or pushed
 * beyond it, the column names are hidden and each cell carries its own. */
async function assertStacked(page, selector, what) {
  const tables = await page.$$eval(selector, (all) =>
    all.map((table) => {
      const thead = table.querySelector('thead');
      const cells = [...table.querySelectorAll('tbody td, tbody th')].filter((c) => c.offsetParent);
      return {
        theadShown: thead ? getComputedStyle(thead).display !== 'none' : false,
        right: Math.max(0, ...cells.map((c) => c.getBoundingClientRect().right)),
        // A cell of actions alone (Revoke) names itself.
        labelled: cells.filter((c) => c.dataset.label || c.querySelector('.button')).length,
        cells: cells.length,
        scrolls: table.parentElement.scrollWidth > table.parentElement.clientWidth + 1,
      };
    }),
  );
  assert.ok(tables.length > 0, `${what}: a table`);
  for (const t of tables) {
    assert.equal(t.theadShown, false, `${what}: the column names are hidden on a phone`);
    assert.ok(t.right <= PHONE.width, `${what}: a cell reaches ${t.right} px in a ${PHONE.width} px screen`);
    assert.equal(t.scrolls, false, `${what}: the table scrolls sideways`);
    assert.ok(t.labelled > 0 && t.labelled === t.cells, `${what}: every cell says its column (${t.labelled} of ${t.cells})`);
  }
}

for (const locale of LOCALES) {
  describe(`a phone, 390 px (${locale})`, () => {
    test('no page scrolls sideways; the navigation shows every item', async (t) => {
      const context = await signedInContext(browser, locale);
      const page = await context.newPage();
      await page.setViewportSize(PHONE);
      for (const path of PAGES) {
        await visit(page, path, locale);
        const w = await widths(page);
        assert.ok(w.page <= w.window, `${path}: ${w.page} px wide in a ${w.window} px window`);
        const items = await page.$$eval('.sidenav a', (links) =>
          links.map((a) => {
            const r = a.getBoundingClientRect();
            return { text: a.textContent.trim(), left: r.left, right: r.right, shown: r.width > 0 && r.height > 0 };
          }),
        );
        assert.equal(items.length, 11, `${path}: an admin agent's eleven navigation items`);
        for (const item of items) {
          assert.ok(item.shown && item.left >= 0 && item.right <= w.window, `${path}: ${item.text} is in sight (${item.left}–${item.right})`);
        }
      }
      await visit(page, '/api-access', locale);
      await screenshot(page, `phone-api-access-${locale}`);
      t.diagnostic('every page fits 390 px');
      assertNoProblems(context);
      await context.close();
    });

    test('the review, the history, the activity log and the tokens stack', async () => {
      const context = await signedInContext(browser, locale);
      const page = await context.newPage();
      await page.setViewportSize(PHONE);

      // The review of a license change (nothing is confirmed).
      await visit(page, FABRIKAM, locale);
      const now = Number(await page.locator('#licenses').inputValue());
      await page.locator('#licenses').fill(String(now + 1));
      await Promise.all([page.waitForNavigation(), page.locator('form.manage-form button[type="submit"]').first().click()]);
      await assertStacked(page, 'table.review-table', 'the review');
      let w = await widths(page);
      assert.ok(w.page <= w.window, `the review: ${w.page} px wide`);
      await screenshot(page, `phone-review-${locale}`);

      await visit(page, '/activity', locale);
      await assertStacked(page, 'table.activity-table', 'the activity log');

      // The change history: a subscription with changes (the flow tests and others change
      // Fabrikam's; if none yet, the history says so and has no table).
      await visit(page, FABRIKAM, locale);
      if (await page.locator('table.stack').count()) {
        await assertStacked(page, 'table.stack', 'the change history');
      }

      // The tokens: one issued here, so that the table is there.
      await visit(page, '/api-access', locale);
      await page.locator('#name').fill(`Phone ${locale}`);
      await Promise.all([page.waitForNavigation(), page.locator('form[action="/api-access/tokens"] button[type="submit"]').click()]);
      await assertStacked(page, '#main table.stack', 'the tokens');
      w = await widths(page);
      assert.ok(w.page <= w.window, `API access with a token shown: ${w.page} px wide`);
      assertNoProblems(context);
      await context.close();
    });
  });

  describe(`navigation and breadcrumbs (${locale})`, () => {
    test('an icon of its own for each item; one current crumb, no two crumbs to one place; 立即升级 not underlined', async () => {
      const context = await signedInContext(browser, locale);
      const page = await context.newPage();
      await visit(page, FABRIKAM, locale);
      const icons = await page.$$eval('.sidenav a svg.nav-icon', (all) => all.map((s) => s.innerHTML));
      assert.equal(icons.length, 11, 'an icon for each item');
      assert.equal(new Set(icons).size, 11, 'eleven different icons');
      const external = await page.$$eval('.sidenav svg [href], .sidenav img', (all) => all.length);
      assert.equal(external, 0, 'drawn inline, nothing fetched');

      for (const path of ['/customers/c-fabrikam/subscriptions', FABRIKAM, '/activity?customer=c-fabrikam', `${FABRIKAM}/upgrade`, '/api-access/reference']) {
        await visit(page, path, locale);
        const crumbs = await page.$$eval('nav.crumbs li', (items) =>
          items.map((li) => ({
            current: li.querySelectorAll('[aria-current="page"]').length,
            href: li.querySelector('a')?.getAttribute('href') ?? null,
          })),
        );
        assert.ok(crumbs.length > 1, `${path}: breadcrumbs`);
        assert.equal(crumbs.reduce((n, c) => n + c.current, 0), 1, `${path}: exactly one crumb is the current page`);
        assert.equal(crumbs[crumbs.length - 1].current, 1, `${path}: the last crumb is the current page`);
        const hrefs = crumbs.map((c) => c.href).filter(Boolean);
        assert.equal(new Set(hrefs).size, hrefs.length, `${path}: two crumbs to one place: ${hrefs.join(' ')}`);
      }

      await visit(page, FABRIKAM, locale);
      const upgrade = page.locator('.notice-upgrade a.button');
      assert.equal(await upgrade.count(), 1, 'the Upgrade now button');
      const decoration = await upgrade.evaluate((a) => getComputedStyle(a).textDecorationLine);
      assert.equal(decoration, 'none', '立即升级 is not underlined');
      assertNoProblems(context);
      await context.close();
    });
  });
}
