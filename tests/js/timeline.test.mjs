// The browser's clock (src/backstretch/web/static/timeline.js) against the Python player.
//
// Every fixture in tests/fixtures/timelines/ holds a timeline as the server embeds it, a script
// of clock readings and controls, and what core/player.py says after each step (written by
// make_fixtures.py; tests/core/test_timeline_fixtures.py keeps them true). Here the same script
// is replayed on the JavaScript `Timeline` and must give the same answers, step by step.
//
// Run with Node's own test runner, nothing to install: node --test tests/js/*.test.mjs
// (a bare folder, `node --test tests/js/`, works on Node 20 only; tests/web/test_timeline_js.py
// runs the files under pytest).

import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";

const FIXTURES = new URL("../fixtures/timelines/", import.meta.url);
const SOURCE = new URL("../../src/backstretch/web/static/timeline.js", import.meta.url);

// timeline.js is an ES module in a folder no package.json marks as one (the browser is told by
// <script type="module">); loaded from its text, any Node from 18 on takes it as a module.
const { BACK_GRACE_MS, Timeline, WORK_KINDS, itemSpans } = await import(
  "data:text/javascript;charset=utf-8," + encodeURIComponent(readFileSync(SOURCE, "utf8"))
);

// The scripted actions, named as in Python, and the method each one calls.
const ACTIONS = {
  tick: "noteProgress",
  pause: "pause",
  resume: "resume",
  toggle_pause: "togglePause",
  skip: "skip",
  back: "back",
  stop: "stop",
};

// What a fixture expects of a player at the clock reading `now` (make_fixtures.state).
function state(timeline, now) {
  const position = timeline.positionMs(now);
  const index = timeline.indexAt(position);
  const span = timeline.itemAt(index);
  return {
    position_ms: position,
    index: index,
    item: span === null ? null : span.position,
    paused: timeline.paused,
    finished: timeline.finished(now),
    played_ms: Array.from(timeline.playedMs),
    done: timeline.itemsDone(),
  };
}

const files = readdirSync(FIXTURES)
  .filter((name) => name.endsWith(".json"))
  .sort();

test("there are fixtures to replay", () => {
  assert.ok(files.length >= 3, `only ${files.length} fixtures in ${FIXTURES.pathname}`);
});

test("the module holds the same constants as core/player.py", () => {
  assert.deepEqual([...WORK_KINDS].sort(), ["hold", "rep"]);
  for (const name of files) {
    const fixture = JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8"));
    assert.equal(BACK_GRACE_MS, fixture.back_grace_ms, name);
  }
});

for (const name of files) {
  const fixture = JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8"));

  test(`${fixture.name}: the items are where the Python player finds them`, () => {
    assert.deepEqual(itemSpans(fixture.segments), fixture.spans);
    const timeline = new Timeline(fixture.segments, fixture.started_at_ms);
    assert.equal(timeline.totalMs, fixture.total_ms);
    assert.deepEqual(timeline.spans, fixture.spans);
  });

  test(`${fixture.name}: every step gives what the Python player gave`, () => {
    const timeline = new Timeline(fixture.segments, fixture.started_at_ms);
    fixture.steps.forEach((step, number) => {
      const method = ACTIONS[step.action];
      assert.ok(method, `step ${number}: no action called ${step.action}`);
      timeline[method](step.at_ms);
      assert.deepEqual(
        state(timeline, step.at_ms),
        step.expect,
        `${name}, step ${number}: ${step.action} at ${step.at_ms}`
      );
    });
  });
}

test("an empty timeline has no items and is finished at once", () => {
  const timeline = new Timeline([], 0);
  assert.equal(timeline.totalMs, 0);
  assert.deepEqual(timeline.itemsDone(), []);
  assert.equal(timeline.finished(10), true);
  timeline.skip(10);
  timeline.back(10);
  assert.equal(timeline.positionMs(10), 0);
});

// The rep counter ("Rep 3 of 10 · right leg back") reads `rep`, `reps`, `side_label` and
// `phase` from the segments: they must agree with what the clock counts.
for (const name of files) {
  const fixture = JSON.parse(readFileSync(new URL(name, FIXTURES), "utf8"));

  test(`${fixture.name}: the counter's fields agree with the reps the clock counts`, () => {
    const spans = itemSpans(fixture.segments);
    spans.forEach((span, position) => {
      const item = fixture.items[position];
      const work = fixture.segments.filter(
        (s, index) => index >= span.first && index <= span.last && WORK_KINDS.has(s.kind)
      );
      // Sets (on each side, for an item done one side at a time) times the reps in each.
      const counted = new Map();
      for (const s of work) {
        counted.set([s.set, item.sides === "each" ? s.side : ""].join("|"), s.reps);
      }
      const planned = Array.from(counted.values()).reduce((sum, reps) => sum + reps, 0);
      assert.equal(planned, span.planned_reps, `${name}, item ${position}`);
      for (const s of work) {
        assert.ok(s.rep >= 1 && s.rep <= s.reps, `${name}: rep ${s.rep} of ${s.reps}`);
        assert.equal(s.side_label === null, s.side === null, `${name}: side_label of ${s.side}`);
      }
    });
  });

  test(`${fixture.name}: every repetition begins with the movement`, () => {
    let previous = null;
    for (const s of fixture.segments) {
      if (s.kind !== "rep") {
        assert.equal(s.phase, null);
        previous = null;
        continue;
      }
      const starts =
        previous === null || previous.rep !== s.rep || previous.set !== s.set || previous.side !== s.side;
      assert.equal(s.phase === "move", starts, `${name}: ${s.phase} at ${s.start_ms} ms`);
      previous = s;
    }
  });
}
