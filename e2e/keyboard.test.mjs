// 4. Keyboard use: from the top of a page, Tab reaches the skip link first, then the header's
//    links; every focused element has a visible outline; the skip link leads into the main
//    content; a customer row opens with the keyboard and its links are reachable.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  LOCALES,
  TEXT,
  assertNoProblems,
  launchBrowser,
  newContext,
  signedInContext,
  visit,
} from './lib/portal.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

/** What has focus, and how it is drawn. */
function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const matches = (selector) => el.matches(selector);
    return {
      tag: el.tagName.toLowerCase(),
      text: (el.textContent || el.value || '').replace(/\s+/g, ' ').trim(),
      href: el.getAttribute('href'),
      id: el.id,
      className: el.className,
      focusVisible: matches(':focus-visible'),
      outlineStyle: style.outlineStyle,
      outlineWidth: parseFloat(style.outlineWidth) || 0,
      outlineColor: style.outlineColor,
      // (Within a pixel: scrolled into view on a phone, an element may end a fraction past it.)
      inViewport: box.width > 0 && box.height > 0 && box.top >= -1 && box.left >= -1 &&
        box.bottom <= window.innerHeight + 1 && box.right <= window.innerWidth + 1,
      inMain: !!el.closest('main'),
      inHeader: !!el.closest('header'),
    };
  });
}

/** Presses Tab and returns the newly focused element, asserting that its focus is visible. */
async function tab(page) {
  await page.keyboard.press('Tab');
  const f = await focused(page);
  assert.ok(f, 'Tab focuses an element');
  const what = `${f.tag}${f.id ? `#${f.id}` : ''}${f.className ? `.${String(f.className).split(' ').join('.')}` : ''} "${f.text}"`;
  assert.ok(f.focusVisible, `${what} matches :focus-visible`);
  assert.notEqual(f.outlineStyle, 'none', `${what} has a focus outline`);
  assert.ok(f.outlineWidth >= 1, `${what} has a focus outline at least 1px wide (${f.outlineWidth}px)`);
  assert.ok(f.inViewport, `${what} is on screen when focused`);
  return f;
}

for (const locale of LOCALES) {
  describe(`keyboard (${locale})`, { timeout: 60_000 }, () => {
    let context;
    let page;
    before(async () => {
      context = await signedInContext(browser, locale);
      page = await context.newPage();
    });
    after(async () => {
      await context?.close();
    });

    test('Tab from the top: the skip link, then the header\'s links', async () => {
      await visit(page, '/', locale);
      const skip = await tab(page);
      assert.match(skip.className, /\bskip-link\b/, 'the skip link comes first');
      assert.equal(skip.text, TEXT[locale].skip);
      assert.equal(skip.href, '#main');
      const brand = await tab(page);
      assert.ok(brand.inHeader && brand.href === '/', `then the portal's name, home (${brand.href})`);
      const lang = await tab(page);
      assert.match(lang.className, /\blang-switch\b/, 'then the language switch');
      const signOut = await tab(page);
      assert.ok(signOut.inHeader && signOut.tag === 'button', 'then Sign out');
      const nav = await tab(page);
      assert.equal(nav.href, '/', 'then the side navigation');
      assert.ok(!nav.inMain && !nav.inHeader);
    });

    test('the skip link leads into the main content', async () => {
      await visit(page, '/', locale);
      await tab(page);
      await page.keyboard.press('Enter');
      await page.waitForURL(/#main$/);
      const next = await tab(page);
      assert.ok(next.inMain, `the next Tab lands in <main> (${next.tag}#${next.id})`);
      assert.equal(next.id, 'q', 'on the search box');
    });

    test('a customer row opens with the keyboard and its links can be followed', async () => {
      await visit(page, '/?q=Fabrikam', locale);
      await page.locator('#q').focus();
      let f;
      for (let i = 0; i < 10; i += 1) {
        f = await tab(page);
        if (f.tag === 'summary') break;
      }
      assert.equal(f.tag, 'summary', 'Tab reaches the customer row');
      await page.keyboard.press('Enter');
      assert.equal(await page.locator('details.customer').first().evaluate((d) => d.open), true, 'Enter opens the row');
      await page.locator('details.customer').first().locator('table a').first().waitFor();
      const link = await tab(page);
      assert.equal(link.tag, 'a');
      assert.match(link.href, /^\/customers\/c-fabrikam\/subscriptions\//);
      await Promise.all([page.waitForURL(`**${link.href}`), page.keyboard.press('Enter')]);
      assert.ok(await page.locator('h1').isVisible());
    });

    test('the upgrade form can be filled in with the keyboard alone', async () => {
      await visit(page, '/customers/c-fabrikam/subscriptions/s-fabrikam-essentials/upgrade', locale);
      let f;
      for (let i = 0; i < 20; i += 1) {
        f = await tab(page);
        if (f.tag === 'input' && (await page.evaluate(() => document.activeElement.type)) === 'radio') break;
      }
      assert.equal(f.tag, 'input', 'Tab reaches the offers');
      await page.keyboard.press('Space');
      assert.equal(await page.locator('input[name="offer"]:checked').count(), 1, 'Space chooses an offer');
      const licenses = await tab(page);
      assert.equal(licenses.id, 'licenses', 'the next Tab goes to the licenses field');
      const submit = await tab(page);
      assert.equal(submit.tag, 'button', 'then Submit');
    });

    test('the sign-in page: skip link, header, then the form', async () => {
      const signedOut = await newContext(browser, locale);
      try {
        const p = await signedOut.newPage();
        await visit(p, '/sign-in', locale);
        assert.match((await tab(p)).className, /\bskip-link\b/);
        assert.equal((await tab(p)).href, '/');
        assert.match((await tab(p)).className, /\blang-switch\b/);
        assert.equal((await tab(p)).id, 'email');
        assert.equal((await tab(p)).id, 'password');
        assert.equal((await tab(p)).tag, 'button');
        assertNoProblems(signedOut);
      } finally {
        await signedOut.close();
      }
      assertNoProblems(context);
    });
  });
}
