/**
 * Chart colours and fonts from VS Code's theme variables, re-read when the theme changes
 * (VS Code switches the body's vscode-light / vscode-dark / vscode-high-contrast class).
 */
import type { ChartTheme } from './chartTheme';

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

export function readTheme(): ChartTheme {
  const kind = document.body.classList.contains('vscode-high-contrast')
    ? 'high-contrast'
    : document.body.classList.contains('vscode-light') ||
        document.body.classList.contains('vscode-high-contrast-light')
      ? 'light'
      : 'dark';
  return {
    kind,
    foreground: cssVar('--vscode-foreground', kind === 'light' ? '#333333' : '#cccccc'),
    muted: cssVar('--vscode-descriptionForeground', '#888888'),
    grid: cssVar('--vscode-charts-lines', 'rgba(128,128,128,0.35)'),
    background: cssVar('--vscode-editor-background', kind === 'light' ? '#ffffff' : '#1e1e1e'),
    fontFamily: cssVar('--vscode-font-family', 'sans-serif'),
    fontSize: Number.parseFloat(cssVar('--vscode-font-size', '13px')) || 13,
    blue: cssVar('--vscode-charts-blue', '#3794ff'),
    red: cssVar('--vscode-charts-red', '#f14c4c'),
    green: cssVar('--vscode-charts-green', '#89d185'),
    yellow: cssVar('--vscode-charts-yellow', '#cca700'),
    orange: cssVar('--vscode-charts-orange', '#d18616'),
    purple: cssVar('--vscode-charts-purple', '#b180d7'),
  };
}

/** Calls back when VS Code changes the theme. */
export function onThemeChange(listener: () => void): void {
  new MutationObserver(() => listener()).observe(document.body, {
    attributes: true,
    attributeFilter: ['class', 'data-vscode-theme-id'],
  });
}
