// A class with a geofence: the administrator draws the room's circle in the
// course settings; students check in from phones whose position Playwright
// mocks. Inside the circle is present, outside is refused in plain words,
// a blocked location says what to do, and without JavaScript the page says
// that location needs it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_PASSWORD, BASE, DESKTOP, PHONE, decodeQr, launch, login, open, shot, utcInputs,
} from './helpers.mjs';

const run = `g${Date.now().toString(36)}`;
const students = ['in', 'out', 'typed', 'nojs'].map((k, i) => ({
  username: `${k}-${run}`,
  name: `Geo ${k} ${run}`,
  password: `pw-${run}-${k}`,
  number: `G${run}${i}`,
}));
const [inside, outside, typed, noScript] = students;
const courseCode = `GEO-${run}`.toUpperCase();
// A lecture hall and a circle of 100 m around it.
const HALL = { latitude: 38.7369, longitude: -9.1427 };
const IN_THE_HALL = { latitude: 38.73695, longitude: -9.14275, accuracy: 15 };
const ACROSS_TOWN = { latitude: 38.7600, longitude: -9.1427, accuracy: 15 };

let browser;
let admin;
const state = {};

before(async () => {
  assert.ok(ADMIN_PASSWORD, 'CLASSTRACK_ADMIN_PASSWORD must be set');
  browser = await launch();
  admin = await open(browser, DESKTOP);
  await login(admin.page, 'admin', ADMIN_PASSWORD);
  await admin.page.waitForURL('**/admin');
});

after(async () => {
  await browser?.close();
});

/** A phone whose position is `where`, with location allowed for the site. */
async function phone(where) {
  const p = await open(browser, PHONE, { geolocation: where });
  if (where) await p.context.grantPermissions(['geolocation'], { origin: BASE });
  return p;
}

/** The check-in URL in the projected QR code, with at least 15 s to live. */
async function freshQr() {
  const { page } = state.projector;
  const qr = page.locator('#qr');
  await qr.locator('svg').waitFor();
  const left = Number(await page.locator('#countdown').innerText());
  if (!(left >= 15)) {
    const current = await qr.getAttribute('data-url');
    await page.waitForFunction((u) => document.getElementById('qr').getAttribute('data-url') !== u, current, { timeout: 70_000 });
  }
  return decodeQr(qr.locator('svg'));
}

test('a geofenced class, checked in from phones', async (t) => {
  const { page } = admin;

  await t.test('the administrator sets up students, a course with a room area, and a session', async () => {
    await page.goto('/admin/users/import');
    const csv = ['username,email,display_name,role,student_number,password']
      .concat(students.map((s) => `${s.username},${s.username}@example.edu,${s.name},student,${s.number},${s.password}`))
      .join('\n');
    await page.getByLabel('…or paste it').fill(csv);
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.getByRole('button', { name: 'Import now' }).click();
    await page.getByText(`${students.length} users created`).waitFor();

    await page.goto('/courses');
    await page.getByLabel(/^Code/).fill(courseCode);
    await page.getByLabel('Title').fill('Field Geology');
    await page.getByLabel('Term').fill('2026 Spring');
    await page.getByLabel('Time zone').fill('UTC');
    await page.getByRole('button', { name: 'Create course' }).click();
    await page.waitForURL(/\/courses\/[\w-]+$/);
    state.coursePath = new URL(page.url()).pathname;

    await page.goto(`${state.coursePath}/edit`);
    // A half-drawn circle is refused next to the missing field.
    await page.getByLabel('Latitude').fill(String(HALL.latitude));
    await page.getByRole('button', { name: 'Save' }).click();
    await page.locator('#course-settings-geofence-longitude-error').waitFor();
    await page.getByLabel('Longitude').fill(String(HALL.longitude));
    await page.getByLabel(/^Radius, metres/).fill('100');
    // Long-lived codes keep the test steady through logins.
    await page.getByLabel(/^Seconds between QR codes/).fill('60');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Course settings saved.').waitFor();
    await page.goto(`${state.coursePath}/edit`);
    assert.equal(await page.getByLabel('Latitude').inputValue(), String(HALL.latitude));
    assert.equal(await page.getByLabel(/^Radius, metres/).inputValue(), '100');

    await page.goto(`${state.coursePath}/students`);
    await page.getByLabel('…or paste it').fill(['username'].concat(students.map((s) => s.username)).join('\n'));
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.getByRole('button', { name: 'Import now' }).click();
    await page.getByText(`${students.length} students enrolled`).waitFor();

    await page.goto(state.coursePath);
    const start = new Date(Date.now() - 5 * 60_000);
    const end = new Date(start.getTime() + 90 * 60_000);
    const form = page.locator('#new-session');
    await form.getByLabel('Date').fill(utcInputs(start).date);
    await form.getByLabel('Starts').fill(utcInputs(start).time);
    await form.getByLabel('Ends').fill(utcInputs(end).time);
    await form.getByLabel('Room').fill('Hall G');
    await form.getByRole('button', { name: 'Create session' }).click();
    await page.waitForURL(/\/sessions\/[\w-]+$/);
    state.sessionPath = new URL(page.url()).pathname;

    state.projector = await open(browser, DESKTOP);
    await login(state.projector.page, 'admin', ADMIN_PASSWORD);
    await state.projector.page.goto(`${state.sessionPath}/projector`);
    await state.projector.page.locator('#qr svg').waitFor();
  });

  await t.test('a logged-out student in the hall scans, logs in, shares the location and is present', async () => {
    const { context, page: ph } = await phone(IN_THE_HALL);
    const url = await freshQr();
    await ph.goto(url);
    await ph.waitForURL('**/login');
    await login(ph, inside.username, inside.password);
    const outcome = ph.locator('[data-outcome]');
    await outcome.waitFor();
    assert.equal(await outcome.getAttribute('data-reason'), 'LOCATION_REQUIRED');
    assert.equal((await ph.locator('.outcome-word').innerText()).trim(), 'Location needed');
    await ph.getByText("needs your phone's location").waitFor();
    const share = ph.getByRole('button', { name: 'Share my location and check in' });
    await share.waitFor();
    await shot(ph, 'phone-location-needed', { fullPage: true });
    const overflow = await ph.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, 'the page is wider than the phone');
    await share.click();
    await ph.waitForURL('**/checkin/location');
    assert.equal(await ph.locator('[data-outcome]').getAttribute('data-outcome'), 'present');
    assert.equal((await ph.locator('.outcome-word').innerText()).trim(), 'Present');
    assert.equal((await context.cookies()).some((c) => c.name === 'ct_scan'), false, 'the scan is used up');
    assert.deepEqual(ph.problems.filter((p) => !/Failed to load resource/.test(p)), []);
    await context.close();
  });

  await t.test('a student across town is refused as outside the area', async () => {
    const { context, page: ph } = await phone(ACROSS_TOWN);
    await login(ph, outside.username, outside.password);
    await ph.waitForURL('**/student');
    await ph.goto(await freshQr());
    await ph.locator('[data-reason="LOCATION_REQUIRED"]').waitFor();
    await ph.getByRole('button', { name: 'Share my location and check in' }).click();
    const outcome = ph.locator('[data-outcome]');
    await ph.waitForURL('**/checkin/location');
    assert.equal(await outcome.getAttribute('data-outcome'), 'refused');
    assert.equal(await outcome.getAttribute('data-reason'), 'OUTSIDE_GEOFENCE');
    assert.equal((await ph.locator('.outcome-word').innerText()).trim(), 'Not in the room');
    await ph.getByText(/outside the area of this class/).waitFor();

    // The in-page camera scan posts the code with the position (the camera
    // itself is not in headless Chromium: the found code is handed over as
    // checkin.js does).
    await ph.goto('/student');
    await ph.getByText('checks that you are in the room').waitFor();
    const path = new URL(await freshQr()).pathname;
    await ph.evaluate((p) => {
      const form = document.getElementById('scan-post');
      form.action = p;
      form.requestSubmit();
    }, path);
    await ph.waitForURL(`**${path}`);
    assert.equal(await outcome.getAttribute('data-reason'), 'OUTSIDE_GEOFENCE');

    // Location blocked for the site: the page says what to do.
    await context.clearPermissions();
    await ph.goto(await freshQr());
    await ph.getByRole('button', { name: 'Share my location and check in' }).click();
    await ph.getByRole('alert').filter({ hasText: /Location is blocked for this site/ }).waitFor();
    assert.match(await ph.getByRole('alert').filter({ hasText: /blocked/ }).innerText(), /ask your professor/);
    await context.close();
  });

  await t.test('a student in the hall types the short code; the position goes with it', async () => {
    const { context, page: ph } = await phone(IN_THE_HALL);
    await login(ph, typed.username, typed.password);
    await ph.waitForURL('**/student');
    await ph.getByText('checks that you are in the room').waitFor();
    await freshQr();
    const code = (await state.projector.page.locator('#short-code').innerText()).replace(/\s/g, '');
    await ph.getByLabel('Code on the screen').fill(code);
    await ph.getByRole('button', { name: 'Check in with code' }).click();
    const outcome = ph.locator('[data-outcome]');
    await outcome.waitFor();
    assert.equal(await outcome.getAttribute('data-outcome'), 'present');
    await context.close();
  });

  await t.test('without JavaScript the page says that location needs it', async () => {
    const noJs = await browser.newContext({ ...PHONE, baseURL: BASE, javaScriptEnabled: false });
    const ph = await noJs.newPage();
    await ph.goto('/student');
    await login(ph, noScript.username, noScript.password);
    await ph.waitForURL('**/student');
    await freshQr();
    const code = (await state.projector.page.locator('#short-code').innerText()).replace(/\s/g, '');
    await ph.getByLabel('Code on the screen').fill(code);
    await ph.getByRole('button', { name: 'Check in with code' }).click();
    await ph.locator('[data-reason="LOCATION_REQUIRED"]').waitFor();
    await ph.getByText('Sharing your location needs JavaScript').waitFor();
    assert.equal(await ph.getByRole('button', { name: 'Share my location and check in' }).count(), 0);
    await noJs.close();
  });

  await t.test('the roll shows who was inside', async () => {
    await page.goto(state.sessionPath);
    for (const s of [inside, typed]) {
      await page.locator('tr', { hasText: s.name }).locator('[data-role="status"]', { hasText: 'Present' }).waitFor();
    }
    assert.equal(await page.locator('tr', { hasText: outside.name }).locator('[data-role="status"]', { hasText: 'Present' }).count(), 0);
  });

  await state.projector?.context.close();
  await admin.context.close();
});
