// The webview message protocols: the checks every message passes before the extension acts on
// it, and how a rejected message is logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  array,
  bool,
  json,
  messages,
  num,
  object,
  oneOf,
  optional,
  record,
  str,
  validate,
} from '../../src/ui/panels/protocol/check';
import { dashboardInbound, dashboardState } from '../../src/ui/panels/protocol/dashboard';
import {
  acceptMessage,
  jsonForScriptElement,
  makeNonce,
  panelHtml,
} from '../../src/ui/panels/webviewHtml';

const problem = (result: ReturnType<typeof validate>) => (result.ok ? undefined : result.problem);

test('scalar checks accept their type and name the path when they reject', () => {
  assert.equal(validate(str(), 'x').ok, true);
  assert.equal(problem(validate(str(), 3, 'm.name')), 'm.name should be a string, not number');
  assert.match(problem(validate(str(3), 'long'))!, /longer than 3/);
  assert.equal(validate(num({ integer: true, min: 0 }), 4).ok, true);
  assert.match(problem(validate(num(), Number.NaN))!, /finite number/);
  assert.match(problem(validate(num(), Infinity))!, /finite number/);
  assert.match(problem(validate(num({ integer: true }), 1.5))!, /whole number/);
  assert.match(problem(validate(num({ min: 0 }), -1))!, /at least 0/);
  assert.equal(validate(bool, false).ok, true);
  assert.match(problem(validate(bool, 'true'))!, /true or false/);
  assert.equal(validate(oneOf('a', 'b'), 'b').ok, true);
  assert.match(problem(validate(oneOf('a', 'b'), 'c'))!, /one of "a", "b"/);
});

test('objects are exact: missing members, extra members and wrong types are rejected', () => {
  const point = object({ x: num(), label: optional(str()) });
  assert.equal(validate(point, { x: 1 }).ok, true);
  assert.equal(validate(point, { x: 1, label: 'a' }).ok, true);
  assert.match(problem(validate(point, { x: 1, y: 2 }))!, /unexpected member "y"/);
  assert.match(problem(validate(point, {}))!, /message\.x should be a finite number/);
  assert.match(problem(validate(point, null))!, /should be an object, not null/);
  assert.match(problem(validate(point, [1]))!, /should be an object, not an array/);
  // Objects with another prototype (class instances, prototype tricks) are not plain data.
  assert.equal(validate(point, Object.create({ x: 1 })).ok, false);
  const nested = object({ items: array(object({ n: num() }), 2), tags: record(str()) });
  assert.equal(validate(nested, { items: [{ n: 1 }], tags: { a: 'b' } }).ok, true);
  assert.match(
    problem(validate(nested, { items: [{ n: 1 }, { n: 'x' }], tags: {} }))!,
    /message\.items\[1\]\.n/,
  );
  assert.match(problem(validate(nested, { items: [{}, {}, {}], tags: {} }))!, /more than 2/);
  assert.match(problem(validate(nested, { items: [], tags: { a: 1 } }))!, /message\.tags\.a/);
});

test('json accepts plain JSON values only, to a bounded depth', () => {
  assert.equal(validate(json(), { a: [1, 'x', null, true, { b: {} }] }).ok, true);
  assert.match(problem(validate(json(), { a: Number.POSITIVE_INFINITY }))!, /finite/);
  assert.match(problem(validate(json(), { a: () => 1 }))!, /not JSON/);
  let deep: unknown = 1;
  for (let i = 0; i < 40; i++) deep = [deep];
  assert.match(problem(validate(json(), deep))!, /deeper than 32/);
});

test('messages: the kind picks the shape; unknown kinds and stray members are rejected', () => {
  const check = messages({ ready: {}, open: { name: str() } });
  assert.equal(validate(check, { type: 'ready' }).ok, true);
  assert.equal(validate(check, { type: 'open', name: 'job' }).ok, true);
  assert.match(problem(validate(check, { type: 'open' }))!, /message\.name should be a string/);
  assert.match(problem(validate(check, { type: 'ready', extra: 1 }))!, /unexpected member/);
  assert.match(problem(validate(check, { type: 'delete' }))!, /"delete" is not a message/);
  assert.match(problem(validate(check, { kind: 'ready' }))!, /type should be a string/);
  assert.match(problem(validate(check, 'ready'))!, /should be an object/);
});

test('the dashboard protocol: what the webview may send, and the state it may restore', () => {
  for (const ok of [
    { type: 'ready' },
    { type: 'stop' },
    { type: 'revealArtifact', trainingJobName: 'job-001-abc' },
    { type: 'trainIncrementally', trainingJobName: 'job-001-abc' },
    { type: 'openTrainingJob', trainingJobName: 'job-001-abc' },
    { type: 'rendered', jobs: 500, renderMs: 42.5 },
  ]) {
    assert.equal(validate(dashboardInbound, ok).ok, true, JSON.stringify(ok));
  }
  for (const bad of [
    { type: 'stop', name: 'other-job' },
    { type: 'revealArtifact' },
    { type: 'revealArtifact', trainingJobName: 'x'.repeat(101) },
    { type: 'rendered', jobs: -1, renderMs: 1 },
    { type: 'runCommand', command: 'workbench.action.terminal.new' },
  ]) {
    assert.equal(validate(dashboardInbound, bad).ok, false, JSON.stringify(bad));
  }
  assert.equal(
    validate(dashboardState, { tuningJobName: 'tune-1', statusFilter: 'running' }).ok,
    true,
  );
  assert.equal(
    validate(dashboardState, { tuningJobName: 'tune-1', statusFilter: 'odd' }).ok,
    false,
  );
  assert.equal(validate(dashboardState, undefined).ok, false);
});

test('a message that fails the protocol is not returned, and the rejection is logged', () => {
  const logged: string[] = [];
  const log = { warn: (line: string) => logged.push(line) };
  assert.deepEqual(
    acceptMessage(dashboardInbound, { type: 'stop' }, 'sagemakerWorkbench.tuningDashboard', log),
    { type: 'stop' },
  );
  assert.equal(logged.length, 0);
  assert.equal(
    acceptMessage(
      dashboardInbound,
      { type: 'openTrainingJob', trainingJobName: 42 },
      'sagemakerWorkbench.tuningDashboard',
      log,
    ),
    undefined,
  );
  assert.equal(logged.length, 1);
  assert.match(
    logged[0],
    /^sagemakerWorkbench\.tuningDashboard: rejected a message from the webview: message\.trainingJobName should be a string, not number: \{"type":"openTrainingJob","trainingJobName":42\}$/,
  );
  // Whatever arrives is only ever logged, shortened.
  acceptMessage(dashboardInbound, { type: 'x'.repeat(5000) }, 'v', log);
  assert.ok(logged[1].length < 700);
});

test('panel HTML: strict CSP, the nonce on both scripts, no inline handler or style', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/);
  assert.notEqual(makeNonce(), nonce);
  const html = panelHtml({
    cspSource: 'https://webview.example',
    nonce,
    title: 'Tuning: <job>',
    scriptUri: 'https://webview.example/dist/webview/dashboard.js',
    styleUri: 'https://webview.example/dist/webview/dashboard.css',
    codiconsUri: 'https://webview.example/dist/webview/codicons/codicon.css',
  });
  const csp = /content="([^"]+)"/.exec(html)![1];
  assert.equal(
    csp,
    `default-src 'none'; script-src 'nonce-${nonce}'; style-src https://webview.example; font-src https://webview.example; img-src https://webview.example data:`,
  );
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
  // The open-time stamp first in <head>, the panel's script last: both with the nonce.
  const scripts = [...html.matchAll(/<script([^>]*)>/g)];
  assert.equal(scripts.length, 2);
  for (const script of scripts)
    assert.match(script[1], new RegExp(`nonce="${nonce.replace(/[+/]/g, '\\$&')}"`));
  assert.match(scripts[1][1], /src="https:\/\/webview\.example\/dist\/webview\/dashboard\.js"/);
  assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i);
  assert.match(html, /<title>Tuning: &lt;job&gt;<\/title>/);
});

test('panel HTML: the first data inline, as a JSON block no value can break out of', () => {
  const nonce = makeNonce();
  const hostile = {
    type: 'model',
    name: '</script><script>alert(1)</script><!--',
    note: 'a < b && c > d \u2028',
  };
  const html = panelHtml({
    cspSource: 'https://webview.example',
    nonce,
    title: 'Tuning: job',
    scriptUri: 'https://webview.example/dist/webview/dashboard.js',
    styleUri: 'https://webview.example/dist/webview/dashboard.css',
    codiconsUri: 'https://webview.example/dist/webview/codicons/codicon.css',
    inlineMessages: [{ type: 'opened', tuningJobName: 'job' }, hostile],
  });
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
  // The stamp, the data block (never executed: type application/json), the panel's script.
  assert.equal(scripts.length, 3);
  assert.match(scripts[1][1], /type="application\/json" id="inline-messages"/);
  assert.match(scripts[2][1], /src="https:\/\/webview\.example\/dist\/webview\/dashboard\.js"/);
  const block = scripts[1][2];
  assert.doesNotMatch(block, /</);
  assert.deepEqual(JSON.parse(block), [{ type: 'opened', tuningJobName: 'job' }, hostile]);
  assert.equal(jsonForScriptElement('</script>'), '"\\u003c/script>"');
  // No messages, no block.
  const plain = panelHtml({
    cspSource: 'https://webview.example',
    nonce,
    title: 't',
    scriptUri: 's',
    styleUri: 'c',
    codiconsUri: 'i',
    inlineMessages: [],
  });
  assert.doesNotMatch(plain, /inline-messages/);
});
