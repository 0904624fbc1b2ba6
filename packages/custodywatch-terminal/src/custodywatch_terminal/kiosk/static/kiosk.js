// The complaint kiosk: forms one step at a time, voice recording, clearing after inactivity.
// Nothing is kept in the browser: no storage, no cookies; recordings live in memory until sent.
(() => {
  'use strict';
  const body = document.body;
  const lang = document.documentElement.lang;
  let active = null; // the recording in progress: {recorder, stream, discard, done}
  let busy = false; // a form was sent and the agent is working (a follow-up waits for the server)

  function stopRecording(discard) {
    if (!active) return;
    active.discard = discard;
    if (active.recorder.state !== 'inactive') active.recorder.stop();
    active.stream.getTracks().forEach((track) => track.stop());
  }

  function wipe() {
    stopRecording(true);
    for (const form of document.forms) {
      form.reset();
      form.querySelectorAll('input[type=file]').forEach((input) => { input.value = ''; });
    }
    document.querySelectorAll('audio').forEach((audio) => {
      if (audio.src) URL.revokeObjectURL(audio.src);
      audio.removeAttribute('src');
    });
  }

  function leave(href) {
    wipe();
    const main = document.getElementById('main');
    if (main) main.replaceChildren();
    location.replace(href);
  }

  // --- inactivity: warn, then clear the page and go back to the language choice ------------------
  const idle = Number(body.dataset.idle || 90) * 1000;
  const warnBefore = Number(body.dataset.warn || 20) * 1000;
  const warning = document.getElementById('idle-warning');
  let warnTimer = 0;
  let clearTimer = 0;
  function arm() {
    clearTimeout(warnTimer);
    clearTimeout(clearTimer);
    if (warning) warning.hidden = true;
    if (body.dataset.page === 'language' || active || busy) return; // nothing to clear, or someone is busy
    warnTimer = setTimeout(() => {
      if (!warning) return;
      warning.hidden = false;
      warning.querySelector('[data-continue]').focus();
    }, Math.max(idle - warnBefore, 0));
    clearTimer = setTimeout(() => leave('/'), idle);
  }
  for (const name of ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart']) {
    document.addEventListener(name, arm, {capture: true, passive: true});
  }
  if (warning) warning.querySelector('[data-continue]').addEventListener('click', arm);
  window.addEventListener('pagehide', wipe);
  window.addEventListener('pageshow', () => { busy = false; arm(); });
  document.querySelectorAll('a[data-clear]').forEach((link) => link.addEventListener('click', (event) => {
    event.preventDefault();
    leave(link.href);
  }));
  arm();

  // --- voice ------------------------------------------------------------------------------------
  function setupVoice(box) {
    const q = (sel) => box.querySelector(sel);
    const record = q('[data-record]');
    const stop = q('[data-stop]');
    const recording = q('[data-recording]');
    const elapsed = q('[data-elapsed]');
    const recorded = q('[data-recorded]');
    const playback = q('[data-playback]');
    const remove = q('[data-delete]');
    const error = q('[data-mic-error]');
    const input = q('[data-voice-input]');
    let ticker = 0;
    let limit = 0;

    function attach(blob) {
      const transfer = new DataTransfer();
      transfer.items.add(new File([blob], 'voice.webm', {type: blob.type || 'audio/webm'}));
      input.files = transfer.files;
      playback.src = URL.createObjectURL(blob);
      recorded.hidden = false;
      record.hidden = true;
      box.dispatchEvent(new CustomEvent('voice-ready', {bubbles: true}));
    }

    record.addEventListener('click', async () => {
      error.hidden = true;
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.MediaRecorder) {
        error.hidden = false;
        return;
      }
      let stream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({audio: true});
      } catch (_) {
        error.hidden = false;
        return;
      }
      const type = MediaRecorder.isTypeSupported('audio/webm;codecs=opus') ? 'audio/webm;codecs=opus' : '';
      const recorder = new MediaRecorder(stream, type ? {mimeType: type, audioBitsPerSecond: 32000}
        : {audioBitsPerSecond: 32000});
      const chunks = [];
      const session = {recorder, stream, discard: false};
      recorder.ondataavailable = (event) => { if (event.data.size) chunks.push(event.data); };
      recorder.onstop = () => {
        clearInterval(ticker);
        clearTimeout(limit);
        stream.getTracks().forEach((track) => track.stop());
        recording.hidden = true;
        stop.hidden = true;
        record.hidden = false;
        active = null;
        if (!session.discard && chunks.length) attach(new Blob(chunks, {type: recorder.mimeType || 'audio/webm'}));
        chunks.length = 0;
        arm();
      };
      active = session;
      arm(); // pauses the inactivity clock while someone speaks
      const started = Date.now();
      recorder.start(1000);
      record.hidden = true;
      stop.hidden = false;
      recording.hidden = false;
      elapsed.textContent = '0:00';
      ticker = setInterval(() => {
        const s = Math.floor((Date.now() - started) / 1000);
        elapsed.textContent = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
      }, 500);
      limit = setTimeout(() => stopRecording(false), 175000); // three minutes at most
      stop.focus();
    });
    stop.addEventListener('click', () => stopRecording(false));
    remove.addEventListener('click', () => {
      input.value = '';
      if (playback.src) URL.revokeObjectURL(playback.src);
      playback.removeAttribute('src');
      recorded.hidden = true;
      record.hidden = false;
    });
  }
  document.querySelectorAll('[data-voice]').forEach(setupVoice);

  // --- forms one step at a time ---------------------------------------------------------------
  function hasVoice(scope) {
    const input = scope.querySelector('[data-voice-input]');
    return Boolean(input && input.files && input.files.length);
  }

  function missing(step) {
    const category = step.querySelector('input[name=category]');
    if (category && !step.querySelector('input[name=category]:checked')) return 'category';
    const text = step.querySelector('textarea[name=text]');
    if (text && !text.value.trim() && !hasVoice(step)) return 'text';
    const named = step.querySelector('input[name=anonymous][value="0"]');
    if (named && named.checked && !step.querySelector('input[name=name]').value.trim()) return 'name';
    return '';
  }

  function showNeed(step, what) {
    step.querySelectorAll('[data-need]').forEach((p) => { p.hidden = p.dataset.need !== what; });
  }

  for (const form of document.querySelectorAll('form.steps')) {
    const steps = [...form.querySelectorAll('.step')];
    const nameField = form.querySelector('[data-name-field]');
    const syncName = () => {
      if (!nameField) return;
      const named = form.querySelector('input[name=anonymous][value="0"]');
      nameField.hidden = !(named && named.checked);
    };
    form.addEventListener('change', syncName);
    syncName();

    let current = 0;
    const show = (index) => {
      current = Math.max(0, Math.min(index, steps.length - 1));
      steps.forEach((step, i) => { step.hidden = i !== current; });
      window.scrollTo(0, 0);
      const focusable = steps[current].querySelector('legend, input, textarea, button');
      if (focusable && focusable.tagName !== 'LEGEND') focusable.focus({preventScroll: true});
    };
    if (steps.length > 1) {
      const firstError = form.dataset.firstError && form.querySelector(`#error-${form.dataset.firstError}`);
      const errorStep = firstError && firstError.closest('.step');
      show(errorStep ? steps.indexOf(errorStep) : 0);
      form.addEventListener('click', (event) => {
        if (event.target.closest('[data-next]')) {
          const need = missing(steps[current]);
          showNeed(steps[current], need);
          if (!need) show(current + 1);
        } else if (event.target.closest('[data-back]')) {
          show(current - 1);
        }
      });
      form.querySelectorAll('input[data-advance]').forEach((radio) => radio.addEventListener('click', () => {
        showNeed(steps[current], '');
        show(current + 1);
      }));
    }
    form.addEventListener('voice-ready', () => form.querySelectorAll('[data-need]').forEach((p) => { p.hidden = true; }));
    form.addEventListener('submit', (event) => {
      if (active) { // finish the recording first, then send it with the text
        event.preventDefault();
        const session = active;
        session.recorder.addEventListener('stop', () => setTimeout(() => form.requestSubmit(), 0), {once: true});
        stopRecording(false);
        return;
      }
      const scope = steps.length ? steps : [form];
      for (const step of scope) {
        const need = missing(step);
        if (need) {
          event.preventDefault();
          if (steps.length > 1) show(steps.indexOf(step));
          showNeed(step, need);
          return;
        }
      }
      form.querySelectorAll('button[type=submit]').forEach((button) => { button.disabled = true; });
      busy = true;
      arm();
      const wait = document.getElementById('wait');
      if (wait) wait.hidden = false;
    });
  }

  // --- the receipt code field: digits in groups of four as they are typed ------------------------
  const code = document.querySelector('.code-input');
  if (code) {
    code.focus();
    code.addEventListener('input', () => {
      if (code.selectionStart !== code.value.length) return;
      const digits = code.value.replace(/[\s-]/g, '');
      if (/^[0-9]*$/.test(digits)) code.value = digits.replace(/(.{4})(?=.)/g, '$1 ');
    });
  }

  // --- the receipt: show the ledger index once the server has acknowledged -----------------------
  const delivery = document.querySelector('[data-delivery]');
  if (delivery && delivery.dataset.delivered !== '1') {
    const poll = async () => {
      if (!document.body.contains(delivery)) return;
      try {
        const answer = await fetch(`/delivery/${delivery.dataset.locator}?lang=${lang}`, {cache: 'no-store'});
        const state = await answer.json();
        delivery.textContent = state.text;
        if (state.delivered) {
          delivery.dataset.delivered = '1';
          return;
        }
      } catch (_) { /* the agent is busy; try again */ }
      setTimeout(poll, 3000);
    };
    setTimeout(poll, 1500);
  }
})();
