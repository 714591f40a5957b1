// Logging in through an OpenID Connect provider, in a real browser: a real,
// certified provider (oidc-provider, e2e/oidc/provider.mjs, started by
// e2e/run) in front of a ClassTrack server configured for it
// (CLASSTRACK_SSO_URL). A first login provisions, a matching account is
// linked, a conflict is refused, a student who scanned while logged out is
// checked in after the provider's login, and a tampered ID token, a token
// for another client, a foreign signature, a replayed state and a callback
// opened in another browser are all refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_PASSWORD, DESKTOP, PHONE, PROJECTOR, decodeQr, launch, login, open, utcInputs,
} from './helpers.mjs';

const SSO = process.env.CLASSTRACK_SSO_URL;
const ISSUER = process.env.OIDC_ISSUER;
const BUTTON = 'Log in with Test IdP';
const run = Date.now().toString(36);

let browser;

before(async () => {
  assert.ok(SSO && ISSUER, 'CLASSTRACK_SSO_URL and OIDC_ISSUER must be set (e2e/run sets them)');
  assert.ok(ADMIN_PASSWORD, 'CLASSTRACK_ADMIN_PASSWORD must be set');
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** A fresh browser (its own cookies) on the SSO server. */
const fresh = (shape = DESKTOP) => open(browser, shape, { baseURL: SSO });

/** Goes through the provider's pages (its development login form and its
 *  consent) as `account`, until the browser is back at ClassTrack. */
async function throughProvider(page, account) {
  for (let step = 0; step < 6 && page.url().startsWith(ISSUER); step += 1) {
    const form = page.locator('input[name=login]');
    const here = page.url();
    // Not 'load': the provider's development pages import a web font, which
    // may never arrive here.
    const next = page.waitForURL((u) => u.href !== here, { waitUntil: 'domcontentloaded' });
    if (await form.count()) {
      await form.fill(account);
      await page.locator('input[name=password]').fill('anything');
      await page.getByRole('button', { name: 'Sign-in' }).click();
    } else {
      await page.getByRole('button', { name: 'Continue' }).click();
    }
    await next;
  }
  assert.ok(page.url().startsWith(SSO), `back at ClassTrack, not at ${page.url()}`);
}

/** Clicks the provider's button on the login page. */
async function startSso(page) {
  if (!page.url().includes('/login')) await page.goto('/login');
  await Promise.all([
    page.waitForURL(`${ISSUER}/**`, { waitUntil: 'domcontentloaded' }),
    page.getByRole('link', { name: BUTTON }).click(),
  ]);
}

async function ssoLogin(page, account) {
  await startSso(page);
  await throughProvider(page, account);
}

/** The provider alters its next token response (see provider.mjs). */
async function nextToken(mode) {
  const answer = await fetch(`${ISSUER}/__test/next-token/${mode}`, { method: 'POST' });
  assert.equal(answer.status, 204);
}

async function refusal(page, pattern) {
  const alert = page.getByRole('alert').filter({ hasText: pattern });
  await alert.waitFor();
  return alert.innerText();
}

async function createUser(page, { username, name, email, role = 'student', password }) {
  await page.goto('/admin/users/new');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Full name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role').selectOption(role);
  if (password) await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Create user' }).click();
  await page.getByText(`Created ${name}`).waitFor();
}

test('logging in through an OpenID Connect provider', async (t) => {
  const admin = await fresh();
  const state = {};

  await t.test('the login page offers the provider beside the password form', async () => {
    const { page } = admin;
    await page.goto('/login');
    const button = page.getByRole('link', { name: BUTTON });
    await button.waitFor();
    assert.match(await button.getAttribute('href'), /^\/sso\/testidp/);
    await page.getByLabel('Password').waitFor();
  });

  await t.test('a local administrator still logs in with a password (break-glass)', async () => {
    const { page } = admin;
    await login(page, 'admin', ADMIN_PASSWORD);
    await page.waitForURL('**/admin');
  });

  await t.test('a first login through the provider creates the student', async (st) => {
    const { page, context } = await fresh(PHONE);
    await ssoLogin(page, 'ana');
    await page.waitForURL('**/student');
    assert.equal((await page.locator('.who bdi').innerText()).trim(), 'Ana Sso');
    const names = (await context.cookies()).map((c) => c.name);
    assert.ok(names.includes('ct_session'), `a session cookie: ${names}`);
    assert.ok(!names.includes('ct_sso'), 'the flow cookie is gone once used');
    await st.test('logging out offers the provider\'s logout', async () => {
      await page.goto('/student');
      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL('**/login');
      const link = page.locator('.sso-logout a');
      await link.waitFor();
      assert.match(await link.innerText(), /Also log out of Test IdP/);
      assert.ok((await link.getAttribute('href')).startsWith(`${ISSUER}/session/end`));
      assert.ok(!(await context.cookies()).some((c) => c.name === 'ct_session'));
    });
    await context.close();
  });

  await t.test('groups give the role: a /staff member is a professor', async () => {
    const prof = await fresh();
    await ssoLogin(prof.page, 'prof');
    await prof.page.waitForURL('**/courses');
    state.prof = prof;
  });

  await t.test('an account with the same username is linked, and loses its password', async () => {
    const { page } = admin;
    const password = `lin-pass-${run}-Xq7`;
    await createUser(page, { username: 'lin.local', name: 'Lin Local', email: `lin-${run}@example.edu`, password });
    const lin = await fresh();
    await ssoLogin(lin.page, 'lin');
    await lin.page.waitForURL('**/student');
    // The provider's profile wins: its display name replaced the local one.
    assert.equal((await lin.page.locator('.who bdi').innerText()).trim(), 'Lin Linked');
    await lin.context.close();
    const again = await fresh();
    await login(again.page, 'lin.local', password);
    await refusal(again.page, /wrong username or password/i);
    await again.context.close();
  });

  await t.test('an account matching two ClassTrack accounts is refused', async () => {
    const { page } = admin;
    await createUser(page, { username: 'clash.one', name: 'Clash One', email: `clash-one-${run}@example.edu`, password: `clash-${run}-Pw9z` });
    await createUser(page, { username: 'clash.two', name: 'Clash Two', email: 'clash.two@example.edu', password: `clash-${run}-Pw8y` });
    const clash = await fresh();
    await ssoLogin(clash.page, 'clash');
    await refusal(clash.page, /matches a different ClassTrack account/i);
    assert.ok(!(await clash.context.cookies()).some((c) => c.name === 'ct_session'));
    await clash.context.close();
  });

  await t.test('an email the provider has not verified is refused', async () => {
    const other = await fresh();
    await ssoLogin(other.page, 'unverified');
    await refusal(other.page, /lacks what ClassTrack needs/i);
    await other.context.close();
  });

  for (const [mode, why] of [
    ['tamper', 'a tampered ID token'],
    ['wrong-aud', 'an ID token for another client'],
    ['foreign', 'an ID token signed by another key'],
  ]) {
    await t.test(`${why} is refused`, async () => {
      const other = await fresh();
      await nextToken(mode);
      await ssoLogin(other.page, 'mallory');
      await refusal(other.page, /could not be verified/i);
      assert.ok(!(await other.context.cookies()).some((c) => c.name === 'ct_session'));
      await other.context.close();
    });
  }

  await t.test('a callback in another browser is refused, and a replayed state too', async () => {
    const mine = await fresh();
    let callback;
    mine.page.on('request', (r) => {
      if (r.url().startsWith(`${SSO}/sso/callback`)) callback = r.url();
    });
    await startSso(mine.page);
    const flowCookie = (await mine.context.cookies()).find((c) => c.name === 'ct_sso');
    assert.ok(flowCookie, 'the browser keeps the flow while at the provider');
    await throughProvider(mine.page, 'mallory');
    await mine.page.waitForURL('**/student');
    assert.ok(callback, 'the provider sent the browser to the callback');

    // The provider's answer opened in a browser that did not begin the login.
    const theirs = await fresh();
    await theirs.page.goto(callback);
    await refusal(theirs.page, /started in another browser/i);
    assert.ok(!(await theirs.context.cookies()).some((c) => c.name === 'ct_session'));
    await theirs.context.close();

    // The same callback again in the browser that began it, its flow cookie
    // put back: the API has used the state up.
    await mine.context.addCookies([flowCookie]);
    await mine.page.goto(callback);
    await refusal(mine.page, /unknown, already used or expired/i);
    await mine.context.close();
  });

  await t.test('a deactivated account stays out, and SSO does not bring it back', async () => {
    const { page } = admin;
    await page.goto('/admin/users?q=lin.local');
    await page.getByRole('link', { name: 'Lin Linked' }).click();
    page.once('dialog', (d) => d.accept());
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await page.getByText('Deactivated: they can no longer log in').waitFor();
    const lin = await fresh();
    await ssoLogin(lin.page, 'lin');
    await refusal(lin.page, /wrong username or password/i);
    await lin.context.close();
  });

  await t.test('a student who scanned while logged out is checked in after the provider\'s login', async () => {
    const { page } = admin;
    const code = `SSO-${run}`.toUpperCase();
    await page.goto('/courses');
    await page.getByLabel(/^Code/).fill(code);
    await page.getByLabel('Title').fill('Single sign-on 101');
    await page.getByLabel('Term').fill('2026 Spring');
    await page.getByLabel('Time zone').fill('UTC');
    await page.getByLabel('Professor Sso (prof.sso)').check();
    await page.getByRole('button', { name: 'Create course' }).click();
    await page.waitForURL(/\/courses\/[\w-]+$/);
    const coursePath = new URL(page.url()).pathname;
    await page.goto(`${coursePath}/students`);
    await page.locator('#existing').fill('ana.sso');
    await page.getByRole('button', { name: 'Enroll', exact: true }).click();
    await page.getByRole('cell', { name: 'Ana Sso', exact: true }).waitFor();

    const { page: profPage } = state.prof;
    await profPage.goto(coursePath);
    const start = new Date(Date.now() - 5 * 60_000);
    const end = new Date(start.getTime() + 90 * 60_000);
    const form = profPage.locator('#new-session');
    await form.getByLabel('Date').fill(utcInputs(start).date);
    await form.getByLabel('Starts').fill(utcInputs(start).time);
    await form.getByLabel('Ends').fill(utcInputs(end).time);
    await form.getByLabel('Room').fill('Hall B');
    await form.getByRole('button', { name: 'Create session' }).click();
    await profPage.waitForURL(/\/sessions\/[\w-]+$/);
    const sessionPath = new URL(profPage.url()).pathname;

    const projector = await open(browser, PROJECTOR, { baseURL: SSO });
    await projector.context.addCookies(await state.prof.context.cookies());
    await projector.page.goto(`${sessionPath}/projector`);
    const qr = projector.page.locator('#qr');
    await qr.locator('svg').waitFor();
    const first = await qr.getAttribute('data-url');
    await projector.page.waitForFunction((u) => document.getElementById('qr').getAttribute('data-url') !== u, first, { timeout: 20_000 });
    const url = await decodeQr(qr.locator('svg'));

    const phone = await fresh(PHONE);
    await phone.page.goto(url);
    await phone.page.waitForURL('**/login');
    await phone.page.locator('.scan-kept').waitFor();
    await ssoLogin(phone.page, 'ana');
    const outcome = phone.page.locator('[data-outcome]');
    await outcome.waitFor();
    assert.equal(await outcome.getAttribute('data-outcome'), 'present');
    await projector.page.locator('#names li', { hasText: 'Ana Sso' }).waitFor({ timeout: 15_000 });
    await phone.context.close();
    await projector.context.close();
  });
});
