// Issue 32 in a browser: a global admin invites a user on the Users page, the user sets a
// password through the one-time link, signs in, sets up two-step sign-in on the Security page
// (the QR code, the secret as text, a first code, the recovery codes) and signs in again with a
// code after the password. In both languages, each page checked with axe.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  ADMIN,
  LOCALES,
  assertNoProblems,
  checkAccessibility,
  clickAndWait,
  launchBrowser,
  newContext,
  screenshot,
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

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** The bytes of a base32 secret. */
function fromBase32(text) {
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | ALPHABET.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** RFC 6238's code of a step (HMAC-SHA-1, 6 digits), as an authenticator app computes it. */
function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const hash = createHmac('sha1', fromBase32(secret)).update(counter).digest();
  const offset = hash[hash.length - 1] & 0x0f;
  const word = hash.readUInt32BE(offset) & 0x7fffffff;
  return String(word % 1_000_000).padStart(6, '0');
}

const step = () => Math.floor(Date.now() / 1000 / 30);

for (const locale of LOCALES) {
  describe(`invite, set a password, two-step sign-in (${locale})`, { timeout: 120_000 }, () => {
    const email = `e2e-${locale.toLowerCase()}@contoso.example`;
    const password = `e2e password ${locale}`;
    let link;
    let secret;
    let enrolledAt;

    test('a global admin invites a user on the Users page', async (t) => {
      const context = await signedInContext(browser, locale, ADMIN);
      try {
        const page = await context.newPage();
        await visit(page, '/users', locale);
        await checkAccessibility(page, `users (${locale})`, t);
        await page.locator('#email').fill(email);
        await page.locator('#name').fill(locale === 'zh-CN' ? '王芳' : 'Wang Fang');
        await page.locator('#role').selectOption('helpdesk-agent');
        await clickAndWait(page, page.locator('form[action="/users"] button[type="submit"]'));
        assert.equal(new URL(page.url()).pathname, '/users');
        link = await page.locator('#new-link').inputValue();
        assert.match(link, /\/set-password\/psl_[0-9a-f]{64}$/);
        assert.equal(await page.locator(`tr[data-user="${email}"]`).count(), 1);
        await checkAccessibility(page, `users with a link (${locale})`, t);
        await screenshot(page, `${locale}-team-01-users`);
        assertNoProblems(context);
      } finally {
        await context.close();
      }
    });

    test('the user sets a password, signs in and sets up two-step sign-in', async (t) => {
      const context = await newContext(browser, locale);
      try {
        const page = await context.newPage();
        await visit(page, new URL(link).pathname, locale);
        await checkAccessibility(page, `set password (${locale})`, t);
        await page.locator('#password').fill(password);
        await page.locator('#again').fill(password);
        await clickAndWait(page, page.locator('form button[type="submit"]'));
        await page.locator('a[href="/sign-in"].button').click();
        await page.locator('#email').fill(email);
        await page.locator('#password').fill(password);
        await clickAndWait(page, page.locator('form[action="/sign-in"] button[type="submit"]'));
        assert.equal(new URL(page.url()).pathname, '/');
        // A helpdesk agent is offered no change, and sees no Users page.
        assert.equal(await page.locator('nav a[href="/users"]').count(), 0);
        assert.equal(await page.locator('nav a[href="/bulk"]').count(), 0);

        await visit(page, '/security', locale);
        await clickAndWait(page, page.locator('form[action="/security/two-step"] button'));
        assert.equal(await page.locator('.qr svg').count(), 1, 'the QR code, drawn as SVG');
        secret = (await page.locator('[data-secret]').textContent()).trim();
        await checkAccessibility(page, `security, enrolling (${locale})`, t);
        await screenshot(page, `${locale}-team-02-security`);
        enrolledAt = step();
        await page.locator('#code').fill(totp(secret, enrolledAt));
        await clickAndWait(page, page.locator('form[action="/security/two-step/confirm"] button'));
        assert.equal(await page.locator('.recovery-codes li').count(), 10);
        assert.equal(await page.locator('[data-two-step="on"]').count(), 1);
        await checkAccessibility(page, `security, recovery codes (${locale})`, t);
        assertNoProblems(context);
      } finally {
        await context.close();
      }
    });

    test('sign-in asks for a code after the password', async (t) => {
      const context = await newContext(browser, locale);
      try {
        const page = await context.newPage();
        await visit(page, '/sign-in', locale);
        await page.locator('#email').fill(email);
        await page.locator('#password').fill(password);
        await clickAndWait(page, page.locator('form[action="/sign-in"] button[type="submit"]'));
        assert.equal(await page.locator('#code').count(), 1, 'the code is asked for');
        await checkAccessibility(page, `sign-in, code (${locale})`, t);
        await screenshot(page, `${locale}-team-03-code`);
        // The enrollment's code was used: the next step's.
        await page.locator('#code').fill(totp(secret, Math.max(step(), enrolledAt + 1)));
        await clickAndWait(page, page.locator('form[action="/sign-in"] button[type="submit"]'));
        assert.equal(new URL(page.url()).pathname, '/');
        assertNoProblems(context);
      } finally {
        await context.close();
      }
    });
  });
}
