/**
 * A tiny DOM builder: elements from tag, attributes and children. Text always goes in as text
 * nodes (never HTML), and listeners are attached with addEventListener, so nothing here needs
 * inline script or style (the panels' CSP allows neither).
 */

export type Child = Node | string | number | false | null | undefined;
export type AttributeValue = string | number | boolean | undefined | null;
/** Attributes by name; `on` holds event listeners by event name. */
export type Attributes = { [name: string]: AttributeValue | Listeners } & { on?: Listeners };
export type Listeners = Record<string, (event: Event) => void>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes?: Attributes | null,
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K];
export function h(
  tag: string,
  attributes?: Attributes | null,
  ...children: (Child | Child[])[]
): HTMLElement;
export function h(
  tag: string,
  attributes?: Attributes | null,
  ...children: (Child | Child[])[]
): HTMLElement {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (key === 'on') {
      for (const [event, listener] of Object.entries(value as Listeners))
        element.addEventListener(event, listener);
    } else if (typeof value === 'object' && value !== null) {
      continue;
    } else if (value === true) element.setAttribute(key, '');
    else if (value !== false && value !== undefined && value !== null)
      element.setAttribute(key, String(value));
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === false || child === null || child === undefined) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function replaceChildren(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A codicon (decorative: hidden from screen readers; the control carries the label). */
export function icon(name: string): HTMLElement {
  return h('span', { class: `codicon codicon-${name}`, 'aria-hidden': 'true' });
}

export function formatNumber(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '-';
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  return abs !== 0 && (abs < 1e-3 || abs >= 1e6)
    ? value.toExponential(3)
    : String(Number(value.toPrecision(4)));
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '-';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  const hours = Math.floor(m / 60);
  return `${hours}h ${String(m % 60).padStart(2, '0')}m`;
}

export function formatTime(ms: number | undefined): string {
  return ms === undefined ? '-' : new Date(ms).toLocaleString();
}
