/* backstretch: the guided session in the browser, on screen. An ES module, no build step.
 *
 * This file is the view: the page, the controls, sound, voice, the wake lock and saving. The
 * clock and what was done live in static/timeline.js (`Timeline`, a port of core/player.py:
 * pause, skip, back, stop and what was done), so both players agree on what a session is; this
 * file only hands it performance.now() readings. The page embeds the same timeline JSON the
 * terminal plays. What is shown is computed on every animation frame from performance.now()
 * against the segments' offsets, never by counting ticks, so a page that was throttled, hidden
 * or stalled catches up instead of drifting. Every word shown comes from the page
 * (#player-words), so this file holds no text of its own.
 *
 * Loaded with <script type="module">, which is deferred like the classic deferred
 * static/offline.js earlier in the page: that one runs first, and its queue is here as
 * window.backstretchOffline.
 *
 * The page may come from the service worker's cache, offline. It carries the moment its
 * screening stops allowing a session (`screening_expires_at`, the server's own rule), and the
 * player refuses to start after it by the device's clock. Sessions are kept in the offline queue
 * (static/offline.js, IndexedDB) until the server has them. While a session runs, what was done
 * (the part of the current hold included) is sent at least every 5 seconds, so a closed tab or
 * a dead battery loses at most that much. Once the ending and the pain afterwards are saved, the
 * page moves on to the session's reward page; unsaved, it keeps its own summary.
 *
 * A coach, not only a clock: the set-up and movement steps of the planned way are shown large
 * the first time a stretch comes up (and while switching to its other side) and folded away
 * when it comes up again, always as they read on the side that is playing; each hold or
 * repetition is counted ("Rep 3 of 10 · left leg back").
 */
import { Timeline } from "./timeline.js";

const playerData = document.getElementById("player-data");
const playerRoot = document.getElementById("player");
if (playerData && playerRoot) play(playerData, playerRoot);

function play(dataNode, root) {
  const data = JSON.parse(dataNode.textContent);
  const words = JSON.parse(document.getElementById("player-words").textContent);
  const segments = data.timeline;
  const $ = (id) => document.getElementById(id);

  const PHASES = ["inhale", "exhale", "steady", "none"];
  const WORK = new Set(["hold", "rep"]);
  const offline = window.backstretchOffline || null; // static/offline.js, loaded first
  // No expiry (or one that does not parse) counts as expired: refusing is the safe mistake.
  const expiresAt = Date.parse(data.screening_expires_at || "");

  // Small helpers ---------------------------------------------------------------------------

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (match, key) => (key in values ? values[key] : match));
  }

  // Whole seconds left as m:ss, rounding up so 0:00 shows only at the very end.
  function clockText(ms) {
    const seconds = Math.max(0, Math.ceil(ms / 1000 - 1e-6));
    return Math.floor(seconds / 60) + ":" + String(seconds % 60).padStart(2, "0");
  }

  // An amount of stretching, as core/durations.minutes writes it (nearest minute, half up).
  function minutesText(seconds) {
    if (seconds <= 0) return words.no_minutes;
    const count = Math.floor(seconds / 60 + 0.5);
    return count < 1 ? words.under_minute : fill(words.minutes, { n: count });
  }

  function setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  function newUuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Outside a secure context randomUUID is missing; getRandomValues is not.
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  // Sound, voice and the screen ------------------------------------------------------------

  let audio = null;

  function startAudio() {
    // Made on the Start click: browsers only let a page make sound after a gesture.
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      audio = audio || new Context();
      if (audio.state === "suspended") audio.resume().catch(() => {});
    } catch (error) {
      audio = null;
    }
  }

  function beep(soft) {
    if (!audio || audio.state !== "running") return;
    try {
      const at = audio.currentTime;
      const tone = audio.createOscillator();
      const level = audio.createGain();
      tone.frequency.value = soft ? 440 : 660;
      level.gain.setValueAtTime(0.0001, at);
      level.gain.exponentialRampToValueAtTime(soft ? 0.04 : 0.12, at + 0.01);
      level.gain.exponentialRampToValueAtTime(0.0001, at + (soft ? 0.08 : 0.2));
      tone.connect(level).connect(audio.destination);
      tone.start(at);
      tone.stop(at + 0.25);
    } catch (error) {
      // A missing beep never holds up the session.
    }
  }

  const synth = "speechSynthesis" in window ? window.speechSynthesis : null;
  let voiceOn = Boolean(data.voice) && synth !== null;

  function speak(text) {
    if (!voiceOn || !text) return;
    try {
      // Cut short whatever is still being said: the clock never waits for speech.
      synth.cancel();
      synth.speak(new SpeechSynthesisUtterance(text));
    } catch (error) {
      return; // no voice here: carry on silently
    }
    setText($("said"), text);
    root.dataset.spoken = text;
  }

  function showVoice() {
    const button = $("voice");
    if (synth === null) {
      setText(button, words.voice_none);
      button.disabled = true;
      return;
    }
    setText(button, voiceOn ? words.voice_on : words.voice_off);
    button.setAttribute("aria-pressed", voiceOn ? "true" : "false");
    root.dataset.voice = voiceOn ? "on" : "off";
  }

  function toggleVoice() {
    if (synth === null) return;
    voiceOn = !voiceOn;
    if (!voiceOn) {
      try {
        synth.cancel();
      } catch (error) {
        // nothing to cancel
      }
      setText($("said"), "");
      root.dataset.spoken = "";
    }
    showVoice();
  }

  let wakeLock = null;

  async function holdScreen() {
    if (!("wakeLock" in navigator) || document.visibilityState !== "visible") return;
    try {
      wakeLock = await navigator.wakeLock.request("screen");
    } catch (error) {
      wakeLock = null; // refused (battery saver, no permission): the session goes on
    }
  }

  function releaseScreen() {
    if (wakeLock) wakeLock.release().catch(() => {});
    wakeLock = null;
  }

  // Saving: the whole state, PUT again and again; never lost silently --------------------------

  const session = {
    uuid: newUuid(),
    startedAt: null,
    status: "in_progress",
    painBefore: null,
    painAfter: null,
    stopSignal: null,
    stoppedStretch: null,
  };
  root.dataset.session = session.uuid;
  const saver = { inFlight: false, queued: false, timer: null, delay: 1000, failed: false, savedJson: null };
  // The progress of a running session goes out at least this often (and no more often).
  const PROGRESS_EVERY_MS = 5000;
  let progressSavedAt = 0;
  let answeredAfter = false; // the pain afterwards was given (or the question skipped)
  let stayed = false; // "Not saved yet" was shown: the page keeps its summary from then on
  let rejected = null;
  let outcome = null;

  function snapshot() {
    return {
      routine_name: data.routine_name,
      items: data.items.map((item) => ({
        stretch: item.stretch,
        sets: item.sets,
        reps: item.reps,
        sides: item.sides,
        hold_seconds: item.hold_seconds,
        way: item.way,
      })),
      started_at: session.startedAt,
      status: session.status,
      pain_before: session.painBefore,
      pain_after: session.painAfter,
      stop_signal: session.stopSignal,
      stopped_stretch: session.stoppedStretch,
      // What the server takes of each item: its targets are the server's own.
      done: timeline
        ? timeline.itemsDone().map((item) => ({
            position: item.position,
            done_seconds: item.done_seconds,
            done_reps: item.done_reps,
            skipped: item.skipped,
          }))
        : [],
    };
  }

  // The latest state goes into the offline queue before every attempt, so a closed page, a
  // dropped network or a stopped server loses nothing; the queue forgets it once it is saved.
  function keepCopy(json) {
    if (offline) offline.keep(session.uuid, json).catch(() => {});
  }

  async function put(json) {
    if (!offline) {
      const token = document.querySelector('meta[name="csrf-token"]');
      return fetch("/api/sessions/" + session.uuid, {
        method: "PUT",
        headers: { "Content-Type": "application/json", "x-csrftoken": token ? token.content : "" },
        body: json,
      });
    }
    // Only into the account this page was made for, even if another person logged in since.
    if (offline.account && !(await offline.sameAccount())) throw new Error("another account");
    return offline.send(session.uuid, json);
  }

  function save() {
    if (rejected) return; // the server will never take this session: nothing more to send
    saver.queued = true;
    keepCopy(JSON.stringify(snapshot()));
    if (session.status !== "in_progress") retryNow(); // an ending is worth trying at once
    pump();
  }

  function retryNow() {
    if (saver.timer === null) return;
    clearTimeout(saver.timer);
    saver.timer = null;
    pump();
  }

  // One PUT at a time, always of the latest state; a failure retries with a growing pause.
  function pump() {
    if (saver.inFlight || !saver.queued || saver.timer !== null || rejected) return;
    saver.queued = false;
    saver.inFlight = true;
    const json = JSON.stringify(snapshot());
    keepCopy(json);
    put(json)
      .then(async (response) => {
        const verdict = offline ? offline.verdict(response.status) : response.ok ? "saved" : "later";
        if (verdict === "saved") {
          const answer = await response.json();
          saver.failed = false;
          saver.delay = 1000;
          saver.savedJson = json;
          if (offline) offline.settled(session.uuid, json).catch(() => {});
          // The programme is paused now: no kept copy of the player may start a session.
          if (offline && answer.outcome && answer.outcome.blocks && answer.outcome.blocks.length) {
            offline.forgetPlayer().catch(() => {});
          }
          outcome = answer.outcome || outcome;
          showOutcome();
        } else if (verdict === "refused") {
          const detail = await offline.reasonOf(response);
          rejected = { status: response.status, detail: detail };
          offline.refused(session.uuid, json, response.status, detail).catch(() => {});
          onRejected();
        } else {
          // Login expired, server trouble: keep the session and try again later.
          if (offline) offline.forgetAccountCheck();
          throw new Error(String(response.status));
        }
      })
      .catch(() => {
        if (rejected) return;
        saver.failed = true;
        saver.queued = true;
        saver.timer = setTimeout(() => {
          saver.timer = null;
          pump();
        }, saver.delay);
        saver.delay = Math.min(saver.delay * 2, 30000);
      })
      .finally(() => {
        saver.inFlight = false;
        showSaveStatus();
        pump();
        leaveWhenSaved();
      });
  }

  // The whole session is on the server (its ending and the pain afterwards): on to its reward
  // page. A stopped session stays here, with what to do now on screen.
  function leaveWhenSaved() {
    if (!answeredAfter || stayed || session.status === "stopped" || rejected) return;
    if (saver.inFlight || saver.queued || saver.failed) return;
    if (saver.savedJson !== JSON.stringify(snapshot())) return;
    root.dataset.leaving = "done";
    window.location.assign("/sessions/" + session.uuid + "/done");
  }

  function onRejected() {
    if (rejected.status === 409 && session.status === "in_progress") {
      closeEndConfirm();
      // Safety changed since the page was made (a block opened elsewhere, a week went by).
      stopLoop();
      if (timeline) timeline.stop(performance.now());
      phase = "refused";
      setText($("refused-text"), words.refused);
      showOnly(["refused"]);
    }
    showSaveStatus();
  }

  function showSaveStatus() {
    if (phase !== "ended") return;
    let text = words.saved;
    if (rejected) text = fill(words.rejected, { detail: rejected.detail });
    else if (saver.failed) text = words.not_saved;
    else if (saver.inFlight || saver.queued) text = words.saving;
    setText($("save-status"), text);
    root.dataset.saved = rejected ? "rejected" : saver.failed ? "failed" : text === words.saved ? "yes" : "pending";
    if (answeredAfter && saver.failed) stayed = true; // no jumping away from what was read
    const reward = $("summary-next");
    reward.href = "/sessions/" + session.uuid + "/done";
    show(reward, root.dataset.saved === "yes");
  }

  function paragraphs(target, texts) {
    target.replaceChildren(
      ...texts.map((text) => {
        const paragraph = document.createElement("p");
        paragraph.textContent = text;
        return paragraph;
      })
    );
    show(target, texts.length > 0);
  }

  function showOutcome() {
    if (!outcome) return;
    if (phase === "easing") paragraphs($("easing-programme"), outcome.programme_advice);
    if (phase !== "ended") return;
    const target = session.status === "stopped" ? $("programme-advice") : $("summary-advice");
    paragraphs(target, outcome.programme_advice);
  }

  // The session on screen ------------------------------------------------------------------

  // before, running, choosing (the stop menu), easing (paused after "pain is building"),
  // ended, refused, expired
  let phase = "before";
  let timeline = null;
  let lastIndex = -1;
  let lastItem = -1;
  let frameId = 0;
  let backupTimer = null;
  const eased = [];
  const seen = new Set(); // the stretches that came up already in this session
  let firstTime = false; // the current stretch comes up for the first time
  const still = window.matchMedia("(prefers-reduced-motion: reduce)");
  const names = Object.fromEntries(data.items.map((item) => [item.stretch, item.name]));
  const SECTIONS = ["before", "running", "stop-menu", "easing", "stop-advice", "after", "summary", "refused", "expired"];
  // Getting into position: before a stretch, and before its other side.
  const SETTLING = new Set(["get_ready", "transition", "switch_side"]);
  const LIVE = new Set(["running", "choosing", "easing"]); // a session under way, maybe paused

  function showOnly(visible) {
    for (const id of SECTIONS) show($(id), visible.includes(id));
    show($("stop-bar"), phase === "running" || phase === "easing");
    root.dataset.state = phase;
    // Nothing the browser scrolls to (a focused button, a found word) hides under the stop bar.
    document.documentElement.classList.toggle("stop-bar-shown", !$("stop-bar").hidden);
  }

  // Past the screening's expiry by this device's clock (also for a page kept offline).
  function expired() {
    return !(Date.now() <= expiresAt);
  }

  function refuseExpired() {
    phase = "expired";
    showOnly(["expired"]);
  }

  function start(painBefore) {
    if (expired()) {
      refuseExpired();
      return;
    }
    if (offline) offline.claim(session.uuid);
    session.painBefore = painBefore;
    session.startedAt = new Date().toISOString();
    startAudio();
    holdScreen();
    phase = "running";
    showOnly(["running"]);
    timeline = new Timeline(segments, performance.now());
    progressSavedAt = performance.now();
    save();
    tick();
    frameId = requestAnimationFrame(frame);
    // Animation frames stop in a hidden tab; this only asks "where are we now?", it counts nothing.
    backupTimer = setInterval(tick, 1000);
    $("running").scrollIntoView({ block: "start" });
    $("pause").focus({ preventScroll: true });
  }

  function frame() {
    frameId = 0;
    tick();
    if (LIVE.has(phase)) frameId = requestAnimationFrame(frame);
  }

  function stopLoop() {
    if (frameId) cancelAnimationFrame(frameId);
    frameId = 0;
    if (backupTimer !== null) clearInterval(backupTimer);
    backupTimer = null;
  }

  function tick() {
    if (!timeline || !LIVE.has(phase)) return;
    const now = performance.now();
    timeline.noteProgress(now);
    const position = timeline.positionMs(now);
    const index = timeline.indexAt(position);
    // After a stall the segments jumped over are not replayed: only the current one is cued.
    if (index !== lastIndex && !timeline.paused) enter(index, position);
    render(position, index);
    if (phase === "running" && timeline.finished(now)) {
      finish("completed");
      return;
    }
    // The done part of the current hold reaches the server every few seconds, not only at the
    // end of a stretch: a closed tab or a killed browser loses at most that much.
    if (phase === "running" && !timeline.paused && now - progressSavedAt >= PROGRESS_EVERY_MS) {
      progressSavedAt = now;
      save();
    }
  }

  function enter(index, position) {
    const segment = segments[index];
    lastIndex = index;
    beep(segment.kind === "rep");
    speak(data.spoken[index]);
    showFigure(segment);
    breathe(segment, position);
    const span = timeline.itemAt(index);
    const item = span ? span.position : -1;
    if (item !== lastItem) {
      lastItem = item;
      if (span) showSteps(span);
      progressSavedAt = performance.now();
      save(); // what was done so far, at every change of stretch
    }
    if (span) stepsFor(data.items[span.position], segment.side);
    // The steps are large while getting into position the first time, ordinary size after.
    const coaching = firstTime && SETTLING.has(segment.kind);
    $("how").classList.toggle("large", coaching);
    root.classList.toggle("coaching", coaching);
  }

  // The set-up and movement steps of the way this stretch is planned: open the first time it
  // comes up in the session, folded away (one tap opens them) when it comes up again.
  function showSteps(span) {
    const item = data.items[span.position];
    firstTime = !seen.has(item.stretch);
    seen.add(item.stretch);
    const how = $("how");
    how.open = firstTime;
    how.dataset.first = firstTime ? "yes" : "no";
    show(how, Boolean((item.setup || []).length || (item.movement || []).length));
  }

  // The steps as they read on the side that is playing: a stretch done one side at a time has
  // them for each side (the server mirrors the side they are not written for); otherwise, and
  // between sides, as written.
  let stepsShown = null;

  function stepsFor(item, side) {
    const written = (item.steps_by_side && side && item.steps_by_side[side]) || item;
    if (stepsShown === written) return;
    stepsShown = written;
    const lines = (list, texts) =>
      list.replaceChildren(
        ...(texts || []).map((text) => {
          const line = document.createElement("li");
          line.textContent = text;
          return line;
        })
      );
    lines($("how-setup"), written.setup);
    lines($("how-move"), written.movement);
  }

  let shownFigure = null;

  function showFigure(segment) {
    if (!segment.stretch) return;
    const all = Array.from(document.querySelectorAll("#figures .figure"));
    const figure =
      all.find((f) => f.dataset.stretch === segment.stretch && f.dataset.side === (segment.side || "")) ||
      all.find((f) => f.dataset.stretch === segment.stretch);
    if (!figure) return;
    if (shownFigure && shownFigure !== figure) shownFigure.hidden = true;
    figure.hidden = false;
    shownFigure = figure;
    const svg = figure.querySelector("svg");
    if (svg) {
      for (const name of PHASES) svg.classList.remove("phase-" + name);
      svg.classList.add("phase-" + segment.breath);
    }
  }

  // The ball grows on the in-breath and shrinks on the out-breath over the segment's own length.
  function breathe(segment, position) {
    const ball = $("breath-ball");
    ball.style.transform = "";
    for (const name of PHASES) ball.classList.remove(name);
    ball.classList.add(segment.breath);
    const left = segment.start_ms + segment.duration_ms - position;
    ball.style.transitionDuration = still.matches ? "0s" : Math.max(0, left) + "ms";
  }

  // Paused, the ball stays where it is; carrying on, it finishes its breath in the time left.
  function freezeBall(frozen) {
    const ball = $("breath-ball");
    if (frozen) {
      ball.style.transform = getComputedStyle(ball).transform;
      ball.style.transitionDuration = "0s";
    } else if (lastIndex >= 0) {
      const segment = segments[lastIndex];
      const left = segment.start_ms + segment.duration_ms - timeline.positionMs(performance.now());
      ball.style.transitionDuration = still.matches ? "0s" : Math.max(0, left) + "ms";
      void ball.offsetWidth; // the transition starts from where the ball stands now
      ball.style.transform = "";
    }
  }

  function stateWords(segment) {
    if (timeline.paused) return words.paused;
    return WORK.has(segment.kind) ? "" : words.kind[segment.kind] || "";
  }

  // How many holds or repetitions this set has (on this side, when sides take turns by set):
  // the segment says so, or the segments of its item are counted.
  function repsInSet(segment, span) {
    if (Number.isInteger(segment.reps)) return segment.reps;
    const item = data.items[span.position];
    let most = 0;
    for (let index = span.first; index <= span.last; index += 1) {
      const other = segments[index];
      if (other.kind !== segment.kind || other.set !== segment.set) continue;
      if (item.sides === "each" && other.side !== segment.side) continue;
      most = Math.max(most, other.rep || 0);
    }
    return most;
  }

  // "Set 2 of 2 · Rep 3 of 10 · left leg back" for a repetition, "Hold 1 of 2 · left side"
  // for a hold; empty outside the stretching itself.
  function counterWords(segment, span) {
    if (!span || !WORK.has(segment.kind) || !segment.rep) return "";
    const item = data.items[span.position];
    const parts = [];
    if (item.sets > 1) parts.push(fill(words.set_of, { n: segment.set, total: item.sets }));
    const total = repsInSet(segment, span);
    if (segment.kind === "rep") parts.push(fill(words.rep_of, { n: segment.rep, total: total }));
    else parts.push(total > 1 ? fill(words.hold_of, { n: segment.rep, total: total }) : words.kind.hold);
    const side = segment.side_label || (segment.side ? words.side_short[segment.side] : "");
    if (side) parts.push(side);
    return parts.join(" · ");
  }

  function render(position, index) {
    const segment = segments[index];
    const span = timeline.itemAt(index);
    root.dataset.segment = String(index);
    root.dataset.kind = segment.kind;
    root.dataset.breath = segment.breath;
    root.dataset.phase = segment.phase || "";
    const paused = timeline.paused && phase === "running";
    if (root.classList.contains("paused") !== paused) {
      root.classList.toggle("paused", paused);
      freezeBall(paused);
    }
    show($("paused-banner"), paused);
    setText($("countdown"), clockText(segment.start_ms + segment.duration_ms - position));
    setText($("state"), stateWords(segment));
    setText($("breath"), timeline.paused ? "" : words.breath[segment.breath] || "");
    setText($("cue"), segment.cue);
    const counter = counterWords(segment, span);
    setText($("counter"), counter);
    show($("counter"), Boolean(counter));
    setText($("pause"), timeline.paused ? words.resume : words.pause);
    $("pause").classList.toggle("primary", timeline.paused);
    $("pause").classList.toggle("secondary", !timeline.paused);
    // The side is a badge while getting ready or switching; during the stretch the counter says it.
    const side = $("side");
    const sideWords = segment.side_label
      ? segment.side_label.charAt(0).toUpperCase() + segment.side_label.slice(1)
      : segment.side
        ? words.side[segment.side]
        : "";
    show(side, Boolean(sideWords) && !counter);
    setText(side, sideWords);
    if (span) {
      setText($("item-count"), fill(words.count, { n: span.position + 1, total: timeline.spans.length }));
      setText($("stretch-name"), names[span.stretch] || span.stretch);
      const length = span.end_ms - span.start_ms;
      $("stretch-progress").value = length ? (position - span.start_ms) / length : 1;
      setText($("stretch-left"), fill(words.left, { time: clockText(span.end_ms - position) }));
      const following = timeline.spans[span.position + 1];
      const lastWords = timeline.spans.length > 1 ? words.last : "";
      setText($("next-up"), following ? fill(words.next_up, { name: names[following.stretch] }) : lastWords);
    } else {
      $("stretch-progress").value = 1;
      setText($("stretch-left"), "");
      setText($("next-up"), "");
    }
    $("session-progress").value = timeline.totalMs ? position / timeline.totalMs : 1;
    setText($("session-left"), fill(words.left, { time: clockText(timeline.totalMs - position) }));
  }

  // The controls -----------------------------------------------------------------------------

  function togglePause() {
    timeline.togglePause(performance.now());
    if (timeline.paused) save();
    tick();
    if (timeline.paused) $("paused-banner").scrollIntoView({ block: "nearest" });
    // The banner's button and the Pause button swap roles: the focus follows the one shown.
    if (!timeline.paused && document.activeElement === $("resume")) $("pause").focus({ preventScroll: true });
  }

  function skip() {
    timeline.skip(performance.now());
    lastIndex = -1;
    tick();
  }

  function back() {
    timeline.back(performance.now());
    lastIndex = -1;
    tick();
  }

  function openStopMenu() {
    // Stop first, ask afterwards: the clock is paused before anything is shown.
    timeline.pause(performance.now());
    phase = "choosing";
    showOnly(["stop-menu"]);
    tick();
    $("stop-menu").scrollIntoView({ block: "start" });
    const first = document.querySelector("#stop-menu .signal");
    if (first) first.focus({ preventScroll: true });
  }

  function carryOn() {
    timeline.resume(performance.now());
    lastIndex = -1; // the part it comes back to is announced again
    phase = "running";
    showOnly(["running"]);
    tick();
    $("running").scrollIntoView({ block: "start" });
    $("pause").focus({ preventScroll: true });
  }

  function choose(signalId) {
    const signal = data.signals.find((s) => s.id === signalId);
    if (!signal || phase !== "choosing") return;
    const now = performance.now();
    const span = timeline.itemAt(timeline.indexAt(timeline.positionMs(now)));
    const stretch = span ? span.stretch : null;
    session.stopSignal = signal.id;
    session.stoppedStretch = stretch;
    if (!signal.ends_session) {
      // Pain building ends this stretch (as in the terminal) and the session stays paused on
      // its advice until the person says to carry on; the next session eases off.
      if (stretch && !eased.includes(stretch)) eased.push(stretch);
      timeline.skip(now); // paused: the clock stays at the start of what comes next
      lastIndex = -1;
      phase = "easing";
      showOnly(["easing"]);
      setText($("easing-advice"), signal.advice);
      show($("easing-programme"), false);
      const following = span ? timeline.spans[span.position + 1] : null;
      setText($("easing-next"), following ? fill(words.next_up, { name: names[following.stretch] }) : "");
      save();
      tick();
      $("easing").scrollIntoView({ block: "start" });
      $("easing-go").focus({ preventScroll: true });
      return;
    }
    timeline.stop(now);
    // A stop that pauses the programme: no copy of this page may start a session offline.
    if (signal.opens_block && offline) offline.forgetPlayer().catch(() => {});
    // What to do now comes first, before any question or any saving.
    setText($("advice-now"), signal.advice);
    finish("stopped");
  }

  // Ending asks first, in the page: the clock waits while the person decides.
  let pausedBeforeAsking = false;

  function askToEnd() {
    if (phase !== "running" && phase !== "easing") return;
    const dialog = $("end-confirm");
    if (dialog.open) return;
    pausedBeforeAsking = timeline.paused;
    timeline.pause(performance.now());
    tick();
    dialog.showModal();
    $("end-no").focus();
  }

  function closeEndConfirm() {
    const dialog = $("end-confirm");
    if (dialog.open) dialog.close();
  }

  function keepGoing() {
    closeEndConfirm();
    if (phase === "running" && !pausedBeforeAsking) {
      timeline.resume(performance.now());
      lastIndex = -1;
    }
    tick();
    const focus = phase === "easing" ? $("easing-go") : $("pause");
    focus.focus({ preventScroll: true });
  }

  function endHere() {
    closeEndConfirm();
    timeline.stop(performance.now());
    finish("abandoned");
  }

  function finish(status) {
    stopLoop();
    releaseScreen();
    timeline.noteProgress(performance.now());
    session.status = status;
    phase = "ended";
    root.classList.remove("paused", "coaching");
    const visible = status === "stopped" ? ["stop-advice", "after"] : ["after"];
    showOnly(visible);
    save(); // the ending is recorded at once; pain afterwards follows when given
    showSummary();
    $(visible[0]).scrollIntoView({ block: "start" });
    const first = document.querySelector("#after button.pain");
    if (first) first.focus({ preventScroll: true });
  }

  function afterPain(value) {
    if (answeredAfter) return;
    answeredAfter = true;
    session.painAfter = value;
    save();
    showOnly(session.status === "stopped" ? ["stop-advice", "summary"] : ["summary"]);
    showSummary();
    $("summary").scrollIntoView({ block: "nearest" });
    const link = Array.from(document.querySelectorAll("#summary a")).find((a) => !a.hidden);
    if (link) link.focus({ preventScroll: true });
    leaveWhenSaved();
  }

  function showSummary() {
    const done = timeline.itemsDone().reduce((sum, item) => sum + item.done_seconds, 0);
    // Nothing done is not a session to praise (every stretch skipped, or ended at once).
    const title = done > 0 ? words[session.status] : words.nothing;
    setText($("summary-title"), fill(title, { time: minutesText(done) }));
    root.dataset.done = String(done);
    const after = session.painAfter === null ? words.pain_unrated : String(session.painAfter);
    setText($("summary-pain"), fill(words.pain, { before: session.painBefore, after: after }));
    const list = $("summary-eased");
    list.replaceChildren(
      ...eased.map((stretch) => {
        const line = document.createElement("li");
        line.textContent = fill(words.eased, { name: names[stretch] || stretch });
        return line;
      })
    );
    show(list, eased.length > 0);
    showSaveStatus();
    showOutcome();
  }

  // Wiring -----------------------------------------------------------------------------------

  // Each number is a submit button: one tap answers (and, before, starts the session).
  function chosenPain(event) {
    const button = event.submitter;
    return button && button.value !== "" ? Number(button.value) : null;
  }

  $("before-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const pain = chosenPain(event);
    if (pain !== null && phase === "before") start(pain);
  });
  $("after-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const pain = chosenPain(event);
    if (pain !== null) afterPain(pain);
  });
  $("skip-after").addEventListener("click", () => afterPain(null));
  $("pause").addEventListener("click", togglePause);
  $("resume").addEventListener("click", () => {
    if (timeline.paused) togglePause();
    $("pause").focus({ preventScroll: true });
  });
  $("skip").addEventListener("click", skip);
  $("back").addEventListener("click", back);
  $("voice").addEventListener("click", toggleVoice);
  $("end").addEventListener("click", askToEnd);
  $("end-yes").addEventListener("click", endHere);
  $("end-no").addEventListener("click", keepGoing);
  $("end-confirm").addEventListener("cancel", (event) => {
    event.preventDefault(); // Escape: keep going, the same as the button
    keepGoing();
  });
  $("easing-go").addEventListener("click", carryOn);
  $("easing-end").addEventListener("click", askToEnd);
  $("stop").addEventListener("click", () => {
    if (phase === "running" || phase === "easing") openStopMenu();
  });
  $("carry-on").addEventListener("click", carryOn);
  for (const button of document.querySelectorAll("#stop-menu .signal")) {
    button.addEventListener("click", () => choose(button.dataset.signal));
  }

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if ($("end-confirm").open) return; // the dialog has its own buttons (and Escape)
    const key = event.key;
    if (phase === "easing") {
      const easingActions = { c: carryOn, q: askToEnd, "!": openStopMenu, s: openStopMenu };
      if (easingActions[key]) {
        event.preventDefault();
        easingActions[key]();
      }
      return;
    }
    if (phase === "choosing") {
      const number = Number(key);
      if (Number.isInteger(number) && number >= 1 && number <= data.signals.length) {
        event.preventDefault();
        choose(data.signals[number - 1].id);
      } else if (key === "c" || key === "Escape") {
        event.preventDefault();
        carryOn();
      }
      return;
    }
    if (phase !== "running") return;
    const target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) return;
    const actions = {
      " ": togglePause,
      n: skip,
      ArrowRight: skip,
      b: back,
      ArrowLeft: back,
      "!": openStopMenu,
      s: openStopMenu,
      v: toggleVoice,
      q: askToEnd,
    };
    const action = actions[key];
    if (action) {
      // Also keeps space from pressing whichever button has the focus.
      event.preventDefault();
      action();
    }
  });

  window.addEventListener("online", retryNow);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && phase === "running") holdScreen();
    tick(); // catch up at once on coming back
  });

  // Leaving mid-session: send what was done (the session then reads as left part-way).
  window.addEventListener("pagehide", () => {
    if (!LIVE.has(phase)) return;
    const json = JSON.stringify(snapshot());
    keepCopy(json); // sent again on the next page if this last try does not arrive
    if (offline) offline.send(session.uuid, json, true).catch(() => {});
  });

  still.addEventListener("change", () => root.classList.toggle("still", still.matches));
  root.classList.toggle("still", still.matches);
  // The keyboard's shortcuts are open where there is likely a keyboard, folded on a touch screen.
  $("shortcuts").open = !window.matchMedia("(pointer: coarse)").matches;
  showVoice();
  if (expired()) refuseExpired();
}
