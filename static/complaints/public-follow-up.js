// The public follow-up form. The receipt code stays in this browser: it is checked here (Damm
// digit), the secret digits go into Argon2id with the locator's salt, and only the locator and the
// derived lookup token are sent. Replies come back sealed (age) to the reply identity, the other
// half of the Argon2id output, and are opened here. Parameters as the terminal's receipts module.
const ARGON2 = {t: 2, m: 19 * 1024, p: 1, dkLen: 64};
const LOCATOR_DIGITS = 8;
const CODE_DIGITS = 21;
const DAMM = [
  [0, 3, 1, 7, 5, 9, 8, 6, 4, 2], [7, 0, 9, 2, 1, 5, 4, 8, 6, 3], [4, 2, 0, 6, 8, 7, 1, 3, 5, 9],
  [1, 7, 5, 0, 9, 8, 3, 4, 2, 6], [6, 1, 2, 3, 0, 4, 5, 9, 7, 8], [3, 6, 7, 4, 2, 0, 9, 5, 8, 1],
  [5, 8, 6, 9, 7, 2, 0, 1, 3, 4], [8, 9, 4, 5, 3, 6, 2, 0, 1, 7], [9, 4, 3, 8, 6, 1, 7, 2, 0, 5],
  [2, 5, 8, 1, 4, 3, 6, 7, 9, 0],
];
const SEPARATORS = new Set([' ', '\t', '\n', '\r', '\u00a0', '\u202f', '\u2009', '-', '\u2010', '\u2011',
  '\u2012', '\u2013', '\u2014', '\u2212']);

export function parseCode(text) {
  const digits = [];
  let position = 0;
  for (const ch of text) {
    position += 1;
    if (ch >= '0' && ch <= '9') digits.push(ch);
    else if (!SEPARATORS.has(ch)) return {error: 'character', position, character: ch};
  }
  if (!digits.length) return {error: 'empty'};
  if (digits.length !== CODE_DIGITS) return {error: 'length', count: digits.length};
  let interim = 0;
  for (const d of digits) interim = DAMM[interim][d.charCodeAt(0) - 48];
  if (interim !== 0) return {error: 'check'};
  const code = digits.join('');
  return {locator: code.slice(0, LOCATOR_DIGITS), secret: code.slice(LOCATOR_DIGITS, CODE_DIGITS - 1)};
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
const unhex = (text) => Uint8Array.from(text.match(/../g), (h) => parseInt(h, 16));
const unbase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : '';
}

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST', credentials: 'same-origin', cache: 'no-store',
    headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrfToken()},
    body: JSON.stringify(body),
  });
  let data = {};
  try {
    data = await response.json();
  } catch (_) { /* not JSON: handled below */ }
  return {ok: response.ok, status: response.status, data};
}

function setUp(root) {
  const form = root.querySelector('[data-code-form]');
  const input = form.querySelector('input');
  const error = root.querySelector('[data-error]');
  const working = root.querySelector('[data-working]');
  const result = root.querySelector('[data-result]');
  const texts = root.querySelector('[data-messages]').dataset;
  const msg = (name) => texts[`msg${name[0].toUpperCase()}${name.slice(1)}`] || '';
  const lang = document.documentElement.lang || 'en';
  // Dates as the site writes them: 26.11.2026 14:05 in Kazakh and Russian, 26 Nov 2026, 14:05 in English.
  const english = new Intl.DateTimeFormat('en-GB', {
    day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  });
  const two = (n) => String(n).padStart(2, '0');
  const when = (date) => (lang === 'en' ? english.format(date)
    : `${two(date.getDate())}.${two(date.getMonth() + 1)}.${date.getFullYear()} ${two(date.getHours())}:${two(date.getMinutes())}`);

  const say = (text) => {
    error.textContent = text;
    error.hidden = !text;
    input.setAttribute('aria-invalid', text ? 'true' : 'false');
  };

  let proof = null; // {locator, token, sealTo, buckets} of the thread on show; never the code
  const messageForm = root.querySelector('[data-message-form]');
  const messageError = root.querySelector('[data-message-error]');
  const messageSent = root.querySelector('[data-message-sent]');

  messageForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const textarea = messageForm.querySelector('textarea');
    messageSent.hidden = true;
    const fail = (text) => { messageError.textContent = text; messageError.hidden = !text; };
    if (!textarea.value.trim()) return fail(msg('textRequired'));
    // As a terminal seals a later message: the JSON document padded with spaces to its size bucket.
    const doc = {v: 1, kind: 'message', text: textarea.value, voice: null, filed_at: new Date().toISOString()};
    const body = new TextEncoder().encode(JSON.stringify(doc));
    const bucket = proof.buckets.slice(0, 3).find((size) => size >= body.length);
    if (!bucket) return fail(msg('tooLong'));
    const padded = new Uint8Array(bucket).fill(0x20);
    padded.set(body);
    fail('');
    messageForm.querySelector('button').disabled = true;
    try {
      const encrypter = new proof.crypto.Encrypter();
      for (const key of proof.sealTo) encrypter.addRecipient(key);
      const sealed = await encrypter.encrypt(padded);
      let binary = '';
      for (const byte of sealed) binary += String.fromCharCode(byte);
      const answer = await post(root.dataset.messageUrl, {locator: proof.locator, token: proof.token, bucket,
        sealed: btoa(binary)});
      if (!answer.ok) return fail(answer.data.error || msg('failed'));
      textarea.value = '';
      messageSent.textContent = answer.data.notice;
      messageSent.hidden = false;
    } catch (_) {
      fail(msg('failed'));
    } finally {
      messageForm.querySelector('button').disabled = false;
    }
  });

  async function show(answer, identity, crypto) {
    result.hidden = false;
    result.querySelector('[data-status]').textContent = answer.status_label;
    result.querySelector('[data-filed]').textContent = fill(msg('filed'), {date: answer.received_text});
    result.querySelector('[data-ledger]').textContent = answer.ledger_text || '';
    result.querySelector('[data-count]').textContent = answer.count
      ? fill(msg('repliesCount'), {count: answer.count}) : msg('noReplies');
    const list = result.querySelector('[data-replies]');
    list.replaceChildren();
    let unopened = 0;
    for (const item of answer.items) {
      try {
        const decrypter = new crypto.Decrypter();
        decrypter.addIdentity(identity);
        const text = await decrypter.decrypt(unbase64(item.sealed), 'text');
        const doc = JSON.parse(text);
        const article = document.createElement('article');
        article.className = 'follow-up-reply';
        const head = document.createElement('h3');
        const by = answer.organisations[doc.by_organisation] || doc.by_organisation || '';
        head.textContent = `${by}, ${when(new Date(doc.sent_at))}`;
        const body = document.createElement('p');
        body.textContent = doc.text;
        article.append(head, body);
        list.append(article);
      } catch (_) {
        unopened += 1;
      }
    }
    const note = result.querySelector('[data-undecrypted]');
    note.hidden = unopened === 0;
    note.textContent = unopened ? fill(msg('undecrypted'), {count: unopened}) : '';
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    result.hidden = true;
    const parsed = parseCode(input.value);
    if (parsed.error) {
      say(fill(msg(parsed.error), parsed));
      input.focus();
      return;
    }
    say('');
    working.hidden = false;
    form.querySelector('button').disabled = true;
    try {
      const crypto = await import(root.dataset.crypto);
      const salted = await post(root.dataset.saltUrl, {locator: parsed.locator});
      if (!salted.ok) {
        say(salted.data.error || msg('failed'));
        return;
      }
      const derived = await crypto.argon2idAsync(new TextEncoder().encode(parsed.secret), unhex(salted.data.salt), ARGON2);
      const token = hex(derived.slice(0, 32));
      const identity = crypto.bech32.encode('AGE-SECRET-KEY-', crypto.bech32.toWords(derived.slice(32)), false)
        .toUpperCase();
      derived.fill(0);
      input.value = ''; // the code is not kept on the page once it has served
      const answer = await post(root.dataset.threadUrl, {locator: parsed.locator, token});
      if (!answer.ok) {
        say(answer.data.error || msg('failed'));
        return;
      }
      proof = {locator: parsed.locator, token, sealTo: answer.data.seal_to, buckets: answer.data.buckets, crypto};
      await show(answer.data, identity, crypto);
    } catch (_) {
      say(msg('failed'));
    } finally {
      working.hidden = true;
      form.querySelector('button').disabled = false;
    }
  });
}

document.querySelectorAll('[data-follow-up]').forEach(setUp);
