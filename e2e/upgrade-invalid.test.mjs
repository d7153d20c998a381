// 2. Bad license counts on the upgrade form: the message shows beside the field, the field is
//    marked aria-invalid and described by the message, what was typed stays, and nothing is
//    upgraded. Uses Litware's "Business Premium – consultants" (→ E3), which no other test
//    upgrades.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  AT_PHONE,
  LOCALES,
  PHONE,
  TEXT,
  assertCsp,
  assertLanguage,
  assertNoProblems,
  clickAndWait,
  launchBrowser,
  screenshot,
  signedInContext,
  squash,
  visit,
} from './lib/portal.mjs';

const CUSTOMER = 'c-litware';
const SUBSCRIPTION = 's-litware-premium';
const DETAILS = `/customers/${CUSTOMER}/subscriptions/${SUBSCRIPTION}`;
const FORM = `${DETAILS}/upgrade`;
const LIST = `/customers/${CUSTOMER}/subscriptions`;
const SEVERAL_FORM = '/customers/c-jincheng/subscriptions/s-jincheng-1/upgrade';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** What the reseller can see of the customer's holdings: the Subscriptions table and the
 * Details page's facts. */
async function holdings(page, locale) {
  await visit(page, LIST, locale);
  const rows = (await page.locator('table.table tbody tr').allTextContents()).map(squash);
  await visit(page, DETAILS, locale);
  const facts = squash(await page.locator('.facts').textContent());
  return { rows, facts };
}

for (const locale of LOCALES) {
  describe(`upgrade form refuses bad license counts (${locale})`, { timeout: 90_000 }, () => {
    const words = TEXT[locale];
    let context;
    let page;
    let before_;
    before(async () => {
      context = await signedInContext(browser, locale);
      page = await context.newPage();
      before_ = await holdings(page, locale);
      assert.ok(before_.rows.length > 0, 'the customer has subscriptions');
    });
    after(async () => {
      await context?.close();
    });

    test('the form opens from the Upgrade now notice', async () => {
      await visit(page, DETAILS, locale);
      await clickAndWait(page, page.locator('#upgrade-notice').getByRole('link', { name: words.upgradeNow }));
      assert.equal(new URL(page.url()).pathname, FORM);
      await assertLanguage(page, locale);
      assert.equal(await page.locator('#licenses-error').count(), 0, 'no error before submitting');
      assert.equal(await page.locator('#licenses').getAttribute('aria-invalid'), null);
    });

    test('the only eligible offer is chosen already', async () => {
      await visit(page, FORM, locale);
      assert.equal(await page.locator('#offer-O365_E3').isChecked(), true);
    });

    test('submitting without choosing an offer asks for one', async () => {
      // 成都锦程's Business Essentials has several eligible targets, so none is chosen in
      // advance; the submit is refused, so this changes nothing.
      await visit(page, SEVERAL_FORM, locale);
      assert.ok((await page.locator('input[name="offer"]:enabled').count()) > 1, 'several offers to choose from');
      assert.equal(await page.locator('input[name="offer"]:checked').count(), 0, 'no offer is pre-chosen');
      await page.locator('#licenses').fill('5');
      const response = await clickAndWait(page, page.locator('form.upgrade-form button[type="submit"]'));
      assert.equal(response.status(), 422, 'the form comes back as unprocessable');
      const error = page.locator('#offer-error');
      assert.equal(await error.isVisible(), true, 'the offer error is shown');
      assert.match(await error.textContent(), words.errors.noOffer);
      assert.match((await page.locator('fieldset').getAttribute('aria-describedby')) ?? '', /\boffer-error\b/);
      assert.equal(await page.locator('#licenses').inputValue(), '5', 'the licenses typed stay');
    });

    const BAD = [
      { value: 'abc', message: 'notWhole', name: 'letters' },
      { value: '１０', message: 'fullWidth', name: 'full-width digits' },
      { value: '0', message: 'range', name: 'zero' },
      { value: '-3', message: ['range', 'notWhole'], name: 'a negative number' },
      { value: '2.5', message: 'notWhole', name: 'a fraction' },
      { value: '10000001', message: 'range', name: 'more than the offer allows' },
      { value: '', message: 'empty', name: 'nothing' },
    ];
    for (const bad of BAD) {
      test(`${bad.name} (${JSON.stringify(bad.value)}): the message shows beside the field`, async () => {
        await visit(page, FORM, locale);
        await page.locator('#offer-O365_E3').check();
        await page.locator('#licenses').fill(bad.value);
        const response = await clickAndWait(page, page.locator('form.upgrade-form button[type="submit"]'));
        assertCsp(response);
        assert.equal(response.status(), 422, 'the form comes back as unprocessable');
        assert.equal(new URL(page.url()).pathname, FORM, 'still on the form');
        await assertLanguage(page, locale);

        const input = page.locator('#licenses');
        const error = page.locator('#licenses-error');
        assert.equal(await error.isVisible(), true, 'the message is shown');
        const text = squash(await error.textContent());
        const expected = [bad.message].flat().map((m) => words.errors[m]);
        assert.ok(expected.some((re) => re.test(text)), `the message ${JSON.stringify(text)} matches ${expected.join(' or ')}`);
        assert.equal(await error.getAttribute('role'), 'alert');
        assert.equal(await input.getAttribute('aria-invalid'), 'true');
        const describedBy = ((await input.getAttribute('aria-describedby')) ?? '').split(/\s+/);
        assert.ok(describedBy.includes('licenses-error'), `described by the message: ${describedBy}`);
        assert.equal(await input.inputValue(), bad.value, 'what was typed stays in the field');
        assert.equal(await page.locator('#offer-O365_E3').isChecked(), true, 'the chosen offer stays chosen');

        // Beside the field on a wide screen: to its right, level with it; on a phone, right
        // under it.
        const i = await input.boundingBox();
        const e = await error.boundingBox();
        if (AT_PHONE) {
          assert.ok(e.y >= i.y + i.height - 1, `the message is under the field (${e.y} vs ${i.y + i.height})`);
          assert.ok(e.x + e.width <= PHONE.width, 'the message is on screen');
        } else {
          assert.ok(e.x >= i.x + i.width, `the message is right of the field (${e.x} vs ${i.x + i.width})`);
          assert.ok(e.y < i.y + i.height && e.y + e.height > i.y, 'the message is level with the field');
        }
        if (bad.message === 'fullWidth') await screenshot(page, `${locale}-invalid-full-width`);
      });
    }

    test('nothing was upgraded', async () => {
      const now = await holdings(page, locale);
      assert.deepEqual(now, before_, 'the Subscriptions page and the Details facts are unchanged');
      const notice = page.locator('#upgrade-notice');
      assert.equal(await notice.isVisible(), true, 'the Details page still offers the upgrade');
      assert.match(await notice.textContent(), new RegExp(words.upgradeNow));
      assertNoProblems(context);
    });
  });
}
