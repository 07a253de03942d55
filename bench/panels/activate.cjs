// Loads dist/extension.js and calls activate() with a stand-in for the vscode module, in a
// fresh process: prints {requireMs, activateMs, heavy} as JSON. Node's built-in modules are
// loaded first, as the extension host has them loaded already.
'use strict';
const Module = require('node:module');
const { join } = require('node:path');
for (const m of [
  'fs',
  'fs/promises',
  'path',
  'os',
  'crypto',
  'child_process',
  'url',
  'events',
  'util',
  'stream',
  'zlib',
  'readline',
  'timers',
])
  require(m);

const handler = {
  get(_t, p) {
    if (p === 'then') return undefined;
    if (p === Symbol.toPrimitive) return () => '';
    if (p === Symbol.iterator) return function* () {};
    return stub();
  },
  apply() {
    return stub();
  },
  construct() {
    return stub();
  },
  set() {
    return true;
  },
};
function stub() {
  return new Proxy(function () {}, handler);
}
class EventEmitter {
  constructor() {
    this.listeners = [];
    this.event = (l) => {
      this.listeners.push(l);
      return { dispose() {} };
    };
  }
  fire(v) {
    for (const l of this.listeners) l(v);
  }
  dispose() {}
}
const vscode = {
  EventEmitter,
  workspace: new Proxy(
    {
      getConfiguration: () => ({ get: (_k, d) => d, update: async () => {} }),
      workspaceFolders: undefined,
    },
    { get: (t, p) => (p in t ? t[p] : stub()) },
  ),
  Uri: {
    file: (p) => ({ fsPath: p, path: p, toString: () => `file://${p}` }),
    joinPath: (u, ...parts) => ({ fsPath: join(u.fsPath, ...parts), toString: () => '' }),
    parse: (s) => ({ fsPath: s, toString: () => s }),
  },
};
// Every other namespace and class the bundle names: a stand-in that accepts anything.
for (const name of [
  'ConfigurationTarget',
  'MarkdownString',
  'NotebookCellData',
  'NotebookCellKind',
  'NotebookData',
  'NotebookEdit',
  'ProgressLocation',
  'StatusBarAlignment',
  'ThemeColor',
  'ThemeIcon',
  'TreeItem',
  'TreeItemCollapsibleState',
  'UIKind',
  'ViewColumn',
  'WorkspaceEdit',
  'commands',
  'env',
  'window',
  'extensions',
  'languages',
  'Disposable',
])
  vscode[name] = stub();

const heavy = [];
const original = Module._load;
Module._load = function (request, ...rest) {
  if (request === 'vscode') return vscode;
  // What activation must not load: the bundles required on first use and what they hold.
  if (
    /onnxruntime|(aws|awsProfiles|datasets)\.js$|@aws-sdk|@smithy|csv-parse|pngjs|jpeg-js/.test(
      request,
    )
  )
    heavy.push(request);
  return original.call(this, request, ...rest);
};

const extensionPath = process.argv[2];
const store = process.argv[3];
const context = {
  subscriptions: [],
  extensionUri: { fsPath: join(extensionPath, '..', '..'), toString: () => '' },
  extensionPath: join(extensionPath, '..', '..'),
  asAbsolutePath: (p) => join(extensionPath, '..', '..', p),
  globalStorageUri: { fsPath: store },
  workspaceState: { get: (_k, d) => d, update: async () => {} },
  globalState: { get: (_k, d) => d, update: async () => {}, setKeysForSync() {} },
  secrets: stub(),
};
process.env.SMW_STORE = store;
const t0 = process.hrtime.bigint();
const extension = require(extensionPath);
const t1 = process.hrtime.bigint();
extension.activate(context);
const t2 = process.hrtime.bigint();
process.stdout.write(
  JSON.stringify({
    requireMs: Number(t1 - t0) / 1e6,
    activateMs: Number(t2 - t1) / 1e6,
    heavy,
  }),
);
for (const d of context.subscriptions) {
  try {
    d.dispose?.();
  } catch {
    // stand-ins
  }
}
process.exit(0);
