/** The vscode-elements components the panels use, each imported on its own (no full bundle). */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-divider/index.js';

/** The members of vscode-elements' form controls the panels read and write. */
export interface ValueElement extends HTMLElement {
  value: string;
  disabled: boolean;
}
export interface CheckedElement extends HTMLElement {
  checked: boolean;
  disabled: boolean;
}
