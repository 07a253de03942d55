// The test harness: code-server + Chromium + workbench helpers. See README.md beside this file.
export * from './paths';
export * from './util';
export * from './processes';
export * from './codeServer';
export * from './browser';
export * from './workspace';
export * from './workbench';
export * from './ui';
export * from './hostTests';
export * from './webview';
