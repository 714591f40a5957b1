// The check-in journey and the report in French and in Arabic (issue 15):
// browsers that ask for those languages (Accept-Language, from the context's
// locale) get the pages in them, right to left for Arabic; a student scans the
// projected code on a phone, logs in on the translated login page and reads
// the result in their language; the professor's roll and report follow. Each
// page of the journey is checked with axe-core against WCAG 2.1 A and AA.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ADMIN_PASSWORD, DESKTOP, PHONE, PROJECTOR, decodeQr, launch, login, open, shot, utcInputs,
} from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** The one-line messages of a language's web.ftl (enough for labels and words). */
function messages(lang) {
  const file = join(here, '..', '..', 'crates', 'i18n', 'locales', lang, 'web.ftl');
  const out = new Map();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([a-z][a-z0-9-]*) = (.+)$/.exec(line);
    if (m) out.set(m[1], m[2].trim());
  }
  return (key) => {
    const text = out.get(key);
    if (text === undefined) throw new Error(`${lang}/web.ftl has no one-line message ${key}`);
    return text;
  };
}

const LANGUAGES = [
  { tag: 'fr', locale: 'fr-FR', dir: 'ltr', t: messages('fr') },
  { tag: 'ar', locale: 'ar', dir: 'rtl', t: messages('ar') },
];
const en = messages('en');

const run = `l${Date.now().toString(36)}`;
const professor = { username: `prof-${run}`, name: 'Hypatia Alexandria', password: `prof-pass-${run}` };
const students = [
  { username: `lea-${run}`, name: 'Léa Lefèvre', number: `L${run}1`, password: `lea-pass-${run}` },
  { username: `omar-${run}`, name: 'عمر الفاروق', number: `L${run}2`, password: `omar-pass-${run}` },
  { username: `yas-${run}`, name: 'Yasmine Haddad', number: `L${run}3`, password: `yas-pass-${run}` },
];
// Who scans in which language; the third one types the code on an Arabic page.
const scanner = { fr: students[0], ar: students[1] };
const typist = students[2];
const courseCode = `LANG-${run}`.toUpperCase();

let browser;
const state = {};

before(async () => {
  assert.ok(ADMIN_PASSWORD, 'CLASSTRACK_ADMIN_PASSWORD must be set');
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** Runs axe-core on the page as it is now and fails, listing them, on any WCAG 2.1 A/AA violation. */
async function assertAccessible(page, what) {
  // The pages' CSP allows no inline script; evaluate() goes through the
  // DevTools protocol, which the CSP does not cover.
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 200), summary: n.failureSummary })),
    }));
  }, AXE_TAGS);
  const readable = violations
    .map((v) => `  ${v.id} (${v.impact}): ${v.help}\n${v.nodes
      .map((n) => `    at ${n.target}\n      ${n.html}\n      ${n.summary.replace(/\n/g, '\n      ')}`)
      .join('\n')}`)
    .join('\n');
  assert.equal(violations.length, 0, `axe found WCAG problems on ${what} (${page.url()}):\n${readable}`);
}

/** The page is in `lang`: <html lang dir> say so. */
async function assertLanguage(page, lang) {
  const { htmlLang, htmlDir } = await page.evaluate(() => ({
    htmlLang: document.documentElement.lang,
    htmlDir: document.documentElement.dir,
  }));
  assert.equal(htmlLang, lang.tag, `<html lang> on ${page.url()}`);
  assert.equal(htmlDir, lang.dir, `<html dir> on ${page.url()}`);
}

/** Logs in on the login page in `lang`, by its translated labels. */
async function loginIn(page, lang, username, password) {
  if (!page.url().includes('/login')) await page.goto('/login');
  await assertLanguage(page, lang);
  await page.getByLabel(lang.t('login-username')).fill(username);
  await page.getByLabel(lang.t('login-password'), { exact: true }).fill(password);
  await Promise.all([
    page.waitForLoadState('load'),
    page.getByRole('button', { name: lang.t('login-submit'), exact: true }).click(),
  ]);
}

/** Waits for the projector's next code, so that it stays valid for a while, and returns it decoded. */
async function freshCode(page) {
  const qr = page.locator('#qr');
  await qr.locator('svg').waitFor();
  const first = await qr.getAttribute('data-url');
  await page.waitForFunction((u) => document.getElementById('qr').getAttribute('data-url') !== u, first, { timeout: 20_000 });
  const url = await decodeQr(qr.locator('svg'));
  assert.equal(url, await qr.getAttribute('data-url'));
  return { url, code: (await page.locator('#short-code').innerText()).replace(/\s/g, '') };
}

test('the check-in journey and the report in French and Arabic', async (t) => {
  const admin = await open(browser, DESKTOP);

  await t.test('set-up in English: a professor, students, a course and a session open now', async () => {
    const { page } = admin;
    await login(page, 'admin', ADMIN_PASSWORD);
    await page.waitForURL('**/admin');
    await page.goto('/admin/users/new');
    await page.getByLabel('Username').fill(professor.username);
    await page.getByLabel('Full name').fill(professor.name);
    await page.getByLabel('Email').fill(`${professor.username}@example.edu`);
    await page.getByLabel('Role').selectOption('professor');
    await page.getByLabel(/^Password/).fill(professor.password);
    await page.getByRole('button', { name: 'Create user' }).click();
    await page.getByText(`Created ${professor.name}`).waitFor();

    await page.goto('/admin/users/import');
    const csv = ['username,email,display_name,role,student_number,password']
      .concat(students.map((s) => `${s.username},${s.username}@example.edu,${s.name},student,${s.number},${s.password}`))
      .join('\n');
    await page.getByLabel('…or paste it').fill(csv);
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.getByText(`${students.length} users would be created`).waitFor();
    await page.getByRole('button', { name: 'Import now' }).click();
    await page.getByText(`${students.length} users created`).waitFor();

    await page.goto('/courses');
    await page.getByLabel(/^Code/).fill(courseCode);
    await page.getByLabel('Title').fill('Langues et lettres');
    await page.getByLabel('Term').fill('2026 Spring');
    await page.getByLabel('Time zone').fill('UTC');
    await page.getByLabel(`${professor.name} (${professor.username})`).check();
    await page.getByRole('button', { name: 'Create course' }).click();
    await page.waitForURL(/\/courses\/[\w-]+$/);
    state.coursePath = new URL(page.url()).pathname;

    await page.goto(`${state.coursePath}/students`);
    await page.getByLabel('…or paste it').fill(['username'].concat(students.map((s) => s.username)).join('\n'));
    await page.getByRole('button', { name: 'Check the file' }).click();
    await page.getByText(`${students.length} students would be enrolled`).waitFor();
    await page.getByRole('button', { name: 'Import now' }).click();
    await page.getByText(`${students.length} students enrolled`).waitFor();

    await page.goto(state.coursePath);
    const start = new Date(Date.now() - 5 * 60_000);
    const end = new Date(start.getTime() + 90 * 60_000);
    const form = page.locator('#new-session');
    await form.getByLabel('Date').fill(utcInputs(start).date);
    await form.getByLabel('Starts').fill(utcInputs(start).time);
    await form.getByLabel('Ends').fill(utcInputs(end).time);
    await form.getByLabel('Room').fill('B 204');
    await form.getByRole('button', { name: 'Create session' }).click();
    await page.waitForURL(/\/sessions\/[\w-]+$/);
    state.sessionPath = new URL(page.url()).pathname;
  });

  await t.test('axe reports a page that breaks the rules', async () => {
    const page = await admin.context.newPage();
    await page.setContent('<html lang="fr"><body><main><img src="/static/none.png"><a href="/x"></a></main></body></html>');
    await assert.rejects(assertAccessible(page, 'a broken page'), /image-alt[\s\S]*link-name/);
    await page.close();
  });

  const contexts = [admin];

  for (const lang of LANGUAGES) {
    const projector = await open(browser, PROJECTOR, { locale: lang.locale });
    const phone = await open(browser, PHONE, { locale: lang.locale });
    const prof = await open(browser, DESKTOP, { locale: lang.locale });
    contexts.push(projector, phone, prof);
    const student = scanner[lang.tag];

    await t.test(`${lang.tag}: the professor opens the projector`, async () => {
      const { page } = projector;
      await page.goto(`${state.sessionPath}/projector`);
      await page.waitForURL(/\/login(\?|$)/);
      await loginIn(page, lang, professor.username, professor.password);
      await page.waitForURL(`**${state.sessionPath}/projector`);
      await assertLanguage(page, lang);
      await page.getByText(lang.t('projector-scan')).waitFor();
      state.code = await freshCode(page);
      assert.match(state.code.url, /\/c\/[^/]+$/);
    });

    await t.test(`${lang.tag}: a logged-out student scans and logs in on the translated login page`, async () => {
      const { page } = phone;
      await page.goto(state.code.url);
      await page.waitForURL(/\/login(\?|$)/);
      await assertLanguage(page, lang);
      await page.locator('.scan-kept').waitFor();
      await page.getByRole('button', { name: lang.t('login-submit'), exact: true }).waitFor();
      assert.equal(await page.getByRole('button', { name: en('login-submit'), exact: true }).count(), 0);
      await assertAccessible(page, `the ${lang.tag} login page`);
      await shot(page, `phone-login-${lang.tag}`);
      await loginIn(page, lang, student.username, student.password);
      const outcome = page.locator('[data-outcome]');
      await outcome.waitFor();
      assert.equal(await outcome.getAttribute('data-outcome'), 'present');
      await assertLanguage(page, lang);
      assert.equal((await page.locator('.outcome-word').innerText()).trim(), lang.t('word-status-present'));
      await assertAccessible(page, `the ${lang.tag} check-in result`);
      await shot(page, `phone-present-${lang.tag}`);
    });

    await t.test(`${lang.tag}: the projector shows the student`, async () => {
      const { page } = projector;
      await page.locator('#names li', { hasText: student.name }).waitFor();
      await assertAccessible(page, `the ${lang.tag} projector`);
      await shot(page, `projector-${lang.tag}`);
    });

    await t.test(`${lang.tag}: the student home`, async () => {
      const { page } = phone;
      await page.goto('/student');
      await assertLanguage(page, lang);
      await page.getByLabel(lang.t('student-code-label')).waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
      assert.equal(overflow, false, 'the page is wider than the phone');
      await assertAccessible(page, `the ${lang.tag} student home`);
      await shot(page, `phone-student-home-${lang.tag}`, { fullPage: true });
    });

    if (lang.tag === 'ar') {
      await t.test('ar: another student types the code on the screen', async () => {
        const typing = await open(browser, PHONE, { locale: lang.locale });
        contexts.push(typing);
        const { page } = typing;
        await page.goto('/student');
        await page.waitForURL(/\/login(\?|$)/);
        await loginIn(page, lang, typist.username, typist.password);
        await page.waitForURL('**/student');
        const { code } = await freshCode(projector.page);
        await page.getByLabel(lang.t('student-code-label')).fill(code);
        await page.getByRole('button', { name: lang.t('student-code-submit'), exact: true }).click();
        const outcome = page.locator('[data-outcome]');
        await outcome.waitFor();
        assert.equal(await outcome.getAttribute('data-outcome'), 'present');
        assert.equal((await page.locator('.outcome-word').innerText()).trim(), lang.t('word-status-present'));
        await assertLanguage(page, lang);
        await projector.page.locator('#names li', { hasText: typist.name }).waitFor();
      });
    }

    await t.test(`${lang.tag}: the professor's roll shows the student present`, async () => {
      const { page } = prof;
      await page.goto(state.sessionPath);
      await page.waitForURL(/\/login(\?|$)/);
      await loginIn(page, lang, professor.username, professor.password);
      await page.goto(state.sessionPath);
      await assertLanguage(page, lang);
      const status = page.locator('tr', { hasText: student.name }).locator('[data-role="status"]');
      assert.equal((await status.innerText()).trim(), lang.t('word-status-present'));
      await assertAccessible(page, `the ${lang.tag} roll`);
      await shot(page, `roll-${lang.tag}`, { fullPage: true });
    });

    await t.test(`${lang.tag}: the professor's report`, async (st) => {
      const { page } = prof;
      await page.goto(`${state.coursePath}/report`);
      await page.locator('#report-matrix, .notice').first().waitFor();
      if (await page.locator('#report-matrix').count() === 0) {
        st.skip('the API does not implement ReportService yet');
        return;
      }
      await assertLanguage(page, lang);
      await page.getByRole('heading', { level: 1, name: lang.t('report-title') }).waitFor();
      await page.getByRole('link', { name: lang.t('report-download-csv') }).waitFor();
      const row = page.locator('#report-matrix tbody tr', { hasText: student.name });
      // The session is still going on: its cell says present, the counts wait for its end.
      const cell = row.locator('td.cell');
      assert.equal(await cell.getAttribute('title'), lang.t('word-status-present'));
      assert.equal((await cell.locator('[aria-hidden="true"]').innerText()).trim(), lang.t('report-short-present'));
      // The chart is drawn left to right in both directions: its y-axis labels stay left of the axis.
      const intoThePlot = await page.evaluate(() => {
        const axis = document.querySelector('.chart .axis').getBoundingClientRect();
        return [...document.querySelectorAll('.chart .tick:not(.middle)')]
          .filter((tick) => tick.getBoundingClientRect().right > axis.left + 1)
          .map((tick) => tick.textContent);
      });
      assert.deepEqual(intoThePlot, [], 'y-axis labels run into the chart');
      await assertAccessible(page, `the ${lang.tag} report`);
      await shot(page, `report-${lang.tag}`, { fullPage: true });
    });
  }

  for (const lang of LANGUAGES) {
    // A context of its own in this language (Accept-Language), logged in as the
    // administrator, who has no saved language: the English tests are not moved.
    const office = await open(browser, DESKTOP, { locale: lang.locale });
    contexts.push(office);
    await t.test(`${lang.tag}: the administrator's overview, users, audit and a course's settings`, async () => {
      const { page } = office;
      await loginIn(page, lang, 'admin', ADMIN_PASSWORD);
      await page.waitForURL('**/admin');
      for (const [path, name] of [
        ['/admin', `admin-overview-${lang.tag}`],
        ['/admin/users', `admin-users-${lang.tag}`],
        ['/admin/audit', `admin-audit-${lang.tag}`],
        [`${state.coursePath}/edit`, `admin-course-settings-${lang.tag}`],
      ]) {
        await page.goto(path);
        await assertLanguage(page, lang);
        await assertAccessible(page, `the ${lang.tag} page ${path}`);
        await shot(page, name, { fullPage: true });
      }
    });
  }

  await t.test('pages ran without script errors', () => {
    for (const c of contexts) {
      assert.deepEqual(c.page.problems.filter((p) => !/Failed to load resource/.test(p)), []);
    }
  });

  await Promise.all(contexts.map((c) => c.context.close()));
});
