/* backstretch: the browser player's clock and controls, as an ES module. No build step.
 *
 * A port of core/player.py, so both players agree on what a session is: where a session stands
 * in its timeline (the segments' JSON the page embeds, as the terminal plays them), pause,
 * resume, skip, back and stop, and what was done of each routine item. Pure: no DOM, no window,
 * no clock of its own. Every method takes the clock reading `now` in milliseconds (the player
 * passes performance.now(); the tests pass plain numbers), and every deadline is computed from
 * the moment the session started (plus the time spent paused and any skip or step back), never
 * by counting ticks. Names follow core/player.py in camelCase; data handed out (spans, the
 * per-item records) keeps the Python names, as the JSON does.
 *
 * static/player.js shows it on screen; tests/js/timeline.test.mjs replays the scripted sessions
 * of tests/fixtures/timelines/, whose expected results come from the Python player.
 */

export const WORK_KINDS = new Set(["hold", "rep"]);
// "back" within this much of an item's start goes to the item before, as music players do.
export const BACK_GRACE_MS = 3000;

function endMs(segment) {
  return segment.start_ms + segment.duration_ms;
}

// Group the segments of a timeline by routine item, in order (the closing segment has none).
export function itemSpans(segments) {
  const spans = [];
  let index = 0;
  while (index < segments.length && segments[index].stretch !== null) {
    const stretch = segments[index].stretch;
    const first = index;
    while (index < segments.length && segments[index].stretch === stretch) index += 1;
    const part = segments.slice(first, index);
    const work = part.filter((s) => WORK_KINDS.has(s.kind));
    spans.push({
      position: spans.length,
      stretch: stretch,
      first: first,
      last: index - 1,
      start_ms: part[0].start_ms,
      end_ms: endMs(part[part.length - 1]),
      // Stretching time (holds and repetitions, without rests or lead-ins), whole seconds.
      planned_seconds: Math.floor(work.reduce((sum, s) => sum + s.duration_ms, 0) / 1000),
      // Holds or repetitions, each side and set counted.
      planned_reps: new Set(work.map((s) => [s.set, s.side, s.rep].join("|"))).size,
    });
  }
  return spans;
}

export class Timeline {
  // `originMs` is the clock reading at which position 0 was (or would have been) reached;
  // pausing, skipping and going back move it, nothing else does.
  constructor(segments, nowMs) {
    this.segments = segments;
    this.originMs = nowMs;
    this.pausedAtMs = null;
    this.quit = false;
    this.playedMs = segments.map(() => 0); // how far into each segment the person got
    this.skippedItems = new Set();
    this.notedMs = 0;
    this.spans = itemSpans(segments);
    this.starts = segments.map((s) => s.start_ms);
    this.totalMs = segments.length ? endMs(segments[segments.length - 1]) : 0;
  }

  get paused() {
    return this.pausedAtMs !== null;
  }

  positionMs(nowMs) {
    const reading = this.pausedAtMs !== null ? this.pausedAtMs : nowMs;
    return Math.max(0, Math.min(this.totalMs, reading - this.originMs));
  }

  // The index of the segment playing at `positionMs` (the last one at the end).
  indexAt(positionMs) {
    if (positionMs >= this.totalMs) return this.segments.length - 1;
    let low = 0;
    let high = this.starts.length; // bisect_right(starts, positionMs) - 1
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.starts[middle] <= positionMs) low = middle + 1;
      else high = middle;
    }
    return low - 1;
  }

  finished(nowMs) {
    return this.quit || this.positionMs(nowMs) >= this.totalMs;
  }

  // The routine item a segment belongs to (null for the closing segment).
  itemAt(index) {
    return this.spans.find((span) => span.first <= index && index <= span.last) || null;
  }

  // Credit the segments played since the last call; a seek credits nothing it jumped over.
  noteProgress(nowMs) {
    const position = this.positionMs(nowMs);
    if (position > this.notedMs) {
      let index = this.indexAt(this.notedMs);
      while (index < this.segments.length && this.segments[index].start_ms < position) {
        const segment = this.segments[index];
        const reached = Math.min(segment.duration_ms, position - segment.start_ms);
        this.playedMs[index] = Math.max(this.playedMs[index], reached);
        index += 1;
      }
    }
    this.notedMs = position;
  }

  // The controls ------------------------------------------------------------------------------

  pause(nowMs) {
    if (this.pausedAtMs === null) {
      this.noteProgress(nowMs);
      this.pausedAtMs = nowMs;
    }
  }

  resume(nowMs) {
    if (this.pausedAtMs !== null) {
      this.originMs += nowMs - this.pausedAtMs;
      this.pausedAtMs = null;
    }
  }

  togglePause(nowMs) {
    if (this.paused) this.resume(nowMs);
    else this.pause(nowMs);
  }

  seek(nowMs, positionMs) {
    const reading = this.pausedAtMs !== null ? this.pausedAtMs : nowMs;
    this.originMs = reading - positionMs;
    this.notedMs = positionMs;
  }

  // Pass over the rest of the current item and go to the next one (or the end).
  skip(nowMs) {
    this.noteProgress(nowMs);
    const span = this.itemAt(this.indexAt(this.positionMs(nowMs)));
    if (span === null) return;
    this.skippedItems.add(span.position);
    this.seek(nowMs, span.end_ms);
  }

  // Go to the start of the current item, or of the one before when just begun.
  back(nowMs) {
    this.noteProgress(nowMs);
    const position = this.positionMs(nowMs);
    let span = this.itemAt(this.indexAt(position));
    if (span === null) {
      // At the very end: back to the last item.
      span = this.spans.length ? this.spans[this.spans.length - 1] : null;
      if (span === null) return;
    } else if (position - span.start_ms < BACK_GRACE_MS && span.position > 0) {
      span = this.spans[span.position - 1];
    }
    this.skippedItems.delete(span.position);
    this.seek(nowMs, span.start_ms);
  }

  // End the session here, keeping what was done.
  stop(nowMs) {
    this.noteProgress(nowMs);
    this.pause(nowMs);
    this.quit = true;
  }

  // What was done -----------------------------------------------------------------------------

  // Every item's target next to what was done so far (core.records.ItemRecord's fields).
  itemsDone() {
    return this.spans.map((span) => this.itemDone(span));
  }

  itemDone(span) {
    let playedMs = 0;
    const groups = new Map(); // (set, side, rep) -> every part of it played in full
    for (let index = span.first; index <= span.last; index += 1) {
      const segment = this.segments[index];
      if (!WORK_KINDS.has(segment.kind)) continue;
      playedMs += this.playedMs[index];
      const key = [segment.set, segment.side, segment.rep].join("|");
      const whole = this.playedMs[index] >= segment.duration_ms;
      groups.set(key, (groups.has(key) ? groups.get(key) : true) && whole);
    }
    const doneSeconds = Math.floor(playedMs / 1000);
    return {
      position: span.position,
      stretch: span.stretch,
      planned_seconds: span.planned_seconds,
      planned_reps: span.planned_reps,
      done_seconds: doneSeconds,
      done_reps: Array.from(groups.values()).filter(Boolean).length,
      skipped: this.skippedItems.has(span.position) && doneSeconds < span.planned_seconds,
    };
  }
}
