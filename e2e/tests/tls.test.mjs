// The browser over TLS: e2e/run starts a second server with --tls-cert and
// --tls-key (a certificate for localhost from a test CA made with openssl)
// at CLASSTRACK_TLS_URL. Chromium accepts exactly that server key
// (--ignore-certificate-errors-spki-list with CLASSTRACK_TLS_SPKI), loads
// the login page over https, sees Strict-Transport-Security and logs in as
// the admin. Without that flag the same page is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { ADMIN_PASSWORD, login } from './helpers.mjs';

const TLS_URL = process.env.CLASSTRACK_TLS_URL;
const SPKI = process.env.CLASSTRACK_TLS_SPKI;
if ((!TLS_URL || !SPKI) && process.env.CI) {
  throw new Error('CLASSTRACK_TLS_URL and CLASSTRACK_TLS_SPKI are missing under CI: run e2e/run');
}
const skip = !TLS_URL || !SPKI ? 'CLASSTRACK_TLS_URL/CLASSTRACK_TLS_SPKI not set (e2e/run sets them): SKIPPED' : false;

async function browserTrusting(spki) {
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
  if (spki) args.push(`--ignore-certificate-errors-spki-list=${spki}`);
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args });
}

test('the login page over https carries HSTS and the admin logs in', { skip }, async () => {
  const browser = await browserTrusting(SPKI);
  try {
    const context = await browser.newContext({ baseURL: TLS_URL });
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const response = await page.goto('/login');
    assert.ok(response, 'an answer to /login');
    assert.equal(response.status(), 200);
    assert.ok(response.url().startsWith('https://'), response.url());
    const hsts = (await response.allHeaders())['strict-transport-security'] ?? '';
    assert.match(hsts, /max-age=[1-9]\d*/, `Strict-Transport-Security: ${hsts}`);
    const tls = await response.securityDetails();
    assert.ok(tls?.protocol?.startsWith('TLS'), `TLS details: ${JSON.stringify(tls)}`);

    await login(page, 'admin', ADMIN_PASSWORD);
    await page.waitForURL('**/admin');
    assert.ok(page.url().startsWith(`${TLS_URL}/admin`), page.url());
    // The login cookie is Secure: it only ever travels over TLS.
    const cookies = await context.cookies(TLS_URL);
    const session = cookies.find((c) => c.name === 'ct_session');
    assert.ok(session?.secure, `ct_session is Secure: ${JSON.stringify(session)}`);
  } finally {
    await browser.close();
  }
});

test('without its key pinned, Chromium refuses the test certificate', { skip }, async () => {
  const browser = await browserTrusting(null);
  try {
    const page = await (await browser.newContext()).newPage();
    await assert.rejects(page.goto(`${TLS_URL}/login`), /ERR_CERT_AUTHORITY_INVALID/);
  } finally {
    await browser.close();
  }
});
