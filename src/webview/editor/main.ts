/**
 * The tuning request editor's webview: the form over an EditorDraft. Every edit is sent to
 * the extension (debounced); its validation comes back keyed by field and is shown beside
 * each field, with the request-wide problems, the warm-start rules and the worst-case compute.
 */
import { markData, markFirstRender, markInitialised } from '../shared/timing';
import '../shared/base.css';
import './editor.css';
import '../shared/elements';
import type { CheckedElement, ValueElement } from '../shared/elements';
import { connect } from '../shared/vscodeApi';
import { h, icon, replaceChildren } from '../shared/dom';
import type {
  BuiltinAlgorithmInfo,
  EditorDraft,
  EditorInbound,
  EditorOutbound,
  EditorState,
  FieldProblem,
  InstanceTypeOption,
  RangeDraft,
} from '../../ui/panels/protocol/editor';
import { SCALING_TYPES, siftingEstimateMessage, STRATEGIES } from '../../ui/panels/protocol/editor';
import { validate } from '../../ui/panels/protocol/check';
import type { SiftingEstimateResult } from '../../engine/builtin/siftingEstimateRequest';
import { BUILTIN_IMAGES } from '../../model/builtinAlgorithms';
import {
  SIFT_HYPERPARAMETERS,
  siftingEstimateAsk,
  siftingEstimateLines,
  siftingView,
  type SiftHyperParameter,
  type SiftingEstimateAsk,
} from '../../ui/panels/viewModels/sifting';

const channel = connect<EditorInbound, EditorOutbound, EditorState>();
const saved = channel.getState();
let draft: EditorDraft | undefined = saved?.draft;
let file = saved?.file;
let base = saved?.base;
let algorithms: BuiltinAlgorithmInfo[] = [];
let instanceTypes: InstanceTypeOption[] = [];
let seq = 0;
let lastApplied = -1;
let debounce: number | undefined;
let problems: FieldProblem[] = [];

function saveState(): void {
  channel.setState({
    ...(draft ? { draft } : {}),
    ...(file ? { file } : {}),
    ...(base !== undefined ? { base } : {}),
  });
}

/** Re-reads the sifting options (a tuned sift_beta_value range changes them too). */
let refreshSifting: (() => void) | undefined;

/** Sends the form for validation, at most every 120 ms while typing. */
function changed(now = false): void {
  if (!draft) return;
  saveState();
  refreshSifting?.();
  window.clearTimeout(debounce);
  const send = () => channel.post({ type: 'changed', seq: ++seq, draft: draft! });
  if (now) send();
  else debounce = window.setTimeout(send, 120);
}

// ------------------------------------------------------------------ controls

type StringKeys = {
  [K in keyof EditorDraft]: EditorDraft[K] extends string ? K : never;
}[keyof EditorDraft];

const fieldId = (field: string) => `f-${field.replace(/\./g, '-')}`;

/** A labelled control with its error line; the field id ties validation messages to it. */
function field(id: string, label: string, control: HTMLElement, hint?: string): HTMLElement {
  control.id = fieldId(id);
  control.setAttribute('aria-describedby', `${fieldId(id)}-error`);
  return h(
    'div',
    { class: 'field', 'data-field': id },
    h('label', { for: fieldId(id) }, label),
    control,
    hint ? h('div', { class: 'hint muted' }, hint) : null,
    h('div', { class: 'field-error', id: `${fieldId(id)}-error`, 'aria-live': 'polite' }),
  );
}

function textInput(
  label: string,
  value: string,
  onInput: (value: string) => void,
  placeholder = '',
): ValueElement {
  const input = h('vscode-textfield', {
    value,
    label,
    'aria-label': label,
    placeholder,
  }) as ValueElement;
  input.value = value;
  input.addEventListener('input', () => {
    onInput(input.value);
    changed();
  });
  return input;
}

function select<T extends string>(
  label: string,
  value: T,
  options: readonly (T | [T, string])[],
  onChange: (value: T) => void,
): ValueElement {
  const element = h(
    'vscode-single-select',
    { 'aria-label': label },
    ...options.map((option) => {
      const [v, text] = Array.isArray(option) ? option : [option, option];
      return h('vscode-option', { value: v, ...(v === value ? { selected: true } : {}) }, text);
    }),
  ) as ValueElement;
  element.addEventListener('change', () => {
    onChange(element.value as T);
    changed();
  });
  return element;
}

function textField(key: StringKeys, label: string, hint?: string, placeholder = ''): HTMLElement {
  return field(
    key,
    label,
    textInput(label, draft![key], (v) => (draft![key] = v as never), placeholder),
    hint,
  );
}

function button(
  label: string,
  iconName: string,
  onClick: () => void,
  options: { primary?: boolean; id?: string } = {},
): HTMLElement {
  const element = h(
    'vscode-button',
    {
      ...(options.primary ? {} : { secondary: true }),
      'aria-label': label,
      ...(options.id ? { id: options.id } : {}),
    },
    icon(iconName),
    ` ${label}`,
  );
  element.addEventListener('click', onClick);
  return element;
}

function removeButton(label: string, onClick: () => void): HTMLElement {
  const element = h(
    'button',
    { class: 'icon-button', 'aria-label': label, title: label },
    icon('trash'),
  );
  element.addEventListener('click', onClick);
  return element;
}

// ------------------------------------------------------------------ skeleton

const app = document.getElementById('app')!;
const fileLabel = h('span', { class: 'muted' });
const status = h('span', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
const problemCount = h('span', { class: 'problem-count', 'aria-live': 'polite' });
const loadBanner = h('div', { class: 'banner', role: 'alert', hidden: true });
const notesBanner = h('div', { class: 'banner info', hidden: true });
const generalBanner = h('div', {
  class: 'banner',
  role: 'alert',
  hidden: true,
  id: 'general-problems',
});
const form = h('div', { class: 'form' });
const estimateBox = h('div', { class: 'estimate', 'aria-live': 'polite' });
const costBox = h('div', {
  class: 'estimate cost',
  id: 'cost-estimate',
  role: 'status',
  'aria-live': 'polite',
});
const warmStartChecks = h('ul', { class: 'rules', 'aria-label': 'Warm start rules' });
const requestPreview = h('pre', {
  class: 'request-json',
  tabindex: 0,
  'aria-label': 'Request JSON',
});

replaceChildren(
  app,
  h(
    'header',
    { class: 'toolbar' },
    h('h1', null, 'Tuning request'),
    fileLabel,
    problemCount,
    h(
      'div',
      { class: 'actions' },
      button('Load Request JSON...', 'folder-opened', () => channel.post({ type: 'loadJson' })),
      button('Save Request JSON', 'save', () => draft && channel.post({ type: 'save', draft })),
      button('Launch', 'play', () => draft && channel.post({ type: 'launch', draft }), {
        primary: true,
        id: 'launch',
      }),
    ),
  ),
  status,
  loadBanner,
  notesBanner,
  generalBanner,
  form,
);

// ------------------------------------------------------------------ the form

function render(): void {
  if (!draft) return;
  const d = draft;
  refreshSifting = undefined;
  renderStatics();
  replaceChildren(
    form,
    section(
      'Job',
      'job',
      h(
        'div',
        { class: 'grid' },
        textField('name', 'Tuning job name', '1-32 letters, digits and hyphens'),
        field(
          'strategy',
          'Strategy',
          select('Strategy', d.strategy, STRATEGIES, (v) => {
            d.strategy = v;
            render();
          }),
        ),
        textField('randomSeed', 'Random seed', 'Optional: makes a run reproducible'),
        textField('objectiveMetric', 'Objective metric', 'One of the metric definitions'),
        field(
          'objectiveType',
          'Objective',
          select(
            'Objective type',
            d.objectiveType,
            ['Minimize', 'Maximize'],
            (v) => (d.objectiveType = v),
          ),
        ),
      ),
    ),
    section('Algorithm', 'algorithm', ...algorithmSection()),
    section('Hyperparameter ranges', 'ranges', ...rangesSection()),
    section('Static hyperparameters', 'statics', staticsBox),
    ...(builtinOf(d)
      ? [section('Smart sifting', 'sifting', ...siftingSection(builtinOf(d)!))]
      : []),
    section(
      'Limits and completion',
      'limits',
      h(
        'div',
        { class: 'grid' },
        textField('maxTrainingJobs', 'Max training jobs', 'ResourceLimits.MaxNumberOfTrainingJobs'),
        textField(
          'maxParallelTrainingJobs',
          'Max parallel training jobs',
          'ResourceLimits.MaxParallelTrainingJobs',
        ),
        textField(
          'maxRuntimeSeconds',
          'Max tuning time (seconds)',
          'ResourceLimits.MaxRuntimeInSeconds, optional',
        ),
        textField('targetObjective', 'Target objective value', 'Complete when reached (optional)'),
        textField(
          'maxNotImproving',
          'Stop after N jobs not improving',
          'BestObjectiveNotImproving (optional)',
        ),
        field(
          'completeOnConvergence',
          'Complete on convergence',
          checkbox(
            'Complete on convergence',
            d.completeOnConvergence,
            (v) => (d.completeOnConvergence = v),
          ),
        ),
        field(
          'earlyStopping',
          'Early stopping',
          select(
            'Early stopping',
            d.earlyStopping,
            [
              ['Off', 'Off'],
              ['Auto', 'Auto (median rule)'],
            ],
            (v) => (d.earlyStopping = v),
          ),
        ),
        ...(d.strategy === 'Hyperband'
          ? [
              textField(
                'hyperbandMinResource',
                'Hyperband min resource',
                'Epochs before the first rung',
              ),
              textField(
                'hyperbandMaxResource',
                'Hyperband max resource',
                'Default: the epochs hyperparameter',
              ),
            ]
          : []),
      ),
    ),
    section('Input channels', 'channels', ...channelsSection()),
    section(
      'Each training job',
      'resources',
      h(
        'div',
        { class: 'grid' },
        ...instanceTypeFields(),
        textField('instanceCount', 'Instance count'),
        textField('volumeSizeInGB', 'Volume size (GB)'),
        textField(
          'maxRuntimePerJob',
          'Max runtime per job (seconds)',
          'StoppingCondition.MaxRuntimeInSeconds',
        ),
        textField('outputPath', 'Output path', 's3://bucket/prefix or file:///folder'),
        textField('roleArn', 'IAM role ARN'),
      ),
    ),
    section('Warm start', 'warm-start', ...warmStartSection()),
    section('Estimated worst-case compute and cost', 'estimate', estimateBox, costBox),
    h('details', { class: 'preview' }, h('summary', null, 'Request JSON'), requestPreview),
  );
  applyProblems();
}

function section(title: string, id: string, ...children: (HTMLElement | null)[]): HTMLElement {
  return h(
    'section',
    { 'aria-labelledby': `h-${id}` },
    h('h2', { id: `h-${id}` }, title),
    ...children,
  );
}

function checkbox(
  label: string,
  checked: boolean,
  onChange: (value: boolean) => void,
): HTMLElement {
  const element = h('vscode-checkbox', {
    label,
    'aria-label': label,
    ...(checked ? { checked: true } : {}),
  }) as CheckedElement;
  element.addEventListener('change', () => {
    onChange(element.checked);
    changed();
  });
  return element;
}

function algorithmSection(): HTMLElement[] {
  const d = draft!;
  const presets: [string, string][] = [
    ['local:process', 'Your script (local:process)'],
    ...algorithms.map((a): [string, string] => [a.image, `${a.label} (${a.image})`]),
    ['custom', 'Another training image'],
  ];
  const known = presets.some(([image]) => image === d.trainingImage);
  const builtin = algorithms.find((a) => a.image === d.trainingImage);
  const image = select(
    'Algorithm',
    known ? d.trainingImage : 'custom',
    presets.map(([v, t]) => [v, t] as [string, string]),
    (v) => {
      if (v !== 'custom') d.trainingImage = v;
      render();
    },
  );
  const imageInput = textInput('Training image', d.trainingImage, (v) => (d.trainingImage = v));
  // A typed image that makes the job a built-in algorithm's (or not) changes the form
  // (the Smart sifting section): redrawn when the field is committed, not on each keystroke.
  imageInput.addEventListener('change', () => {
    if (builtinOf(d) !== builtin) render();
  });
  return [
    h(
      'div',
      { class: 'grid' },
      field('algorithm', 'Algorithm', image),
      field(
        'trainingImage',
        'Training image',
        imageInput,
        'local:process runs your script; an ECR image URI runs on SageMaker',
      ),
    ),
    h(
      'div',
      { class: 'row-actions' },
      d.trainingImage === 'local:process'
        ? button('Choose Script...', 'file-code', () => channel.post({ type: 'chooseScript' }))
        : null,
      builtin
        ? button(`Add ${builtin.label} Defaults`, 'wand', () => {
            const names = new Set(d.staticHyperParameters.map((p) => p.name));
            const tuned = new Set(d.ranges.map((r) => r.name));
            for (const [name, value] of Object.entries(builtin.defaults))
              if (!names.has(name) && !tuned.has(name))
                d.staticHyperParameters.push({ name, value });
            if (!d.objectiveMetric) d.objectiveMetric = 'validation:accuracy';
            render();
            changed(true);
          })
        : null,
    ),
    h('h3', null, 'Metric definitions'),
    builtin ? h('p', { class: 'muted' }, `Built in: ${builtin.metrics.join(', ')}`) : null,
    rows(
      d.metricDefinitions,
      'metricDefinitions',
      (m, i) => [
        field(
          `metricDefinitions.${i}.name`,
          'Name',
          textInput(`Metric ${i + 1} name`, m.name, (v) => (m.name = v), 'validation:accuracy'),
        ),
        field(
          `metricDefinitions.${i}.regex`,
          'Regex',
          textInput(`Metric ${i + 1} regex`, m.regex, (v) => (m.regex = v), 'accuracy=([0-9.]+)'),
        ),
      ],
      () => ({ name: '', regex: '' }),
      'Add Metric',
    ),
  ].filter((e): e is HTMLElement => e !== null);
}

function rows<T>(
  list: T[],
  key: string,
  cells: (item: T, index: number) => HTMLElement[],
  create: () => T,
  addLabel: string,
  skip?: (item: T) => boolean,
): HTMLElement {
  const container = h('div', { class: 'rows', 'data-list': key });
  list.forEach((item, index) => {
    if (skip?.(item)) return;
    container.appendChild(
      h(
        'div',
        {
          class: 'row',
          role: 'group',
          'aria-label': `${addLabel.replace(/^Add /, '')} ${index + 1}`,
        },
        ...cells(item, index),
        removeButton(`Remove ${addLabel.replace(/^Add /, '').toLowerCase()} ${index + 1}`, () => {
          list.splice(index, 1);
          render();
          changed(true);
        }),
      ),
    );
  });
  container.appendChild(
    h(
      'div',
      { class: 'row-actions' },
      button(addLabel, 'add', () => {
        list.push(create());
        render();
        changed(true);
        const inputs = form.querySelectorAll<HTMLElement>(
          `[data-list="${key}"] .row:last-of-type vscode-textfield`,
        );
        inputs[0]?.focus();
      }),
    ),
  );
  return container;
}

function rangesSection(): HTMLElement[] {
  const d = draft!;
  return [
    rows(
      d.ranges,
      'ranges',
      (r: RangeDraft, i) => [
        field(
          `ranges.${i}.name`,
          'Name',
          textInput(`Range ${i + 1} name`, r.name, (v) => (r.name = v), 'learning_rate'),
        ),
        field(
          `ranges.${i}.type`,
          'Type',
          select(`Range ${i + 1} type`, r.type, ['Continuous', 'Integer', 'Categorical'], (v) => {
            r.type = v;
            render();
          }),
        ),
        ...(r.type === 'Categorical'
          ? [
              field(
                `ranges.${i}.values`,
                'Values',
                textInput(`Range ${i + 1} values`, r.values, (v) => (r.values = v), 'a, b, c'),
                'Comma-separated',
              ),
            ]
          : [
              field(
                `ranges.${i}.min`,
                'Min',
                textInput(`Range ${i + 1} min`, r.min, (v) => (r.min = v)),
              ),
              field(
                `ranges.${i}.max`,
                'Max',
                textInput(`Range ${i + 1} max`, r.max, (v) => (r.max = v)),
              ),
              field(
                `ranges.${i}.scaling`,
                'Scaling',
                select(`Range ${i + 1} scaling`, r.scaling, SCALING_TYPES, (v) => (r.scaling = v)),
              ),
            ]),
      ],
      (): RangeDraft => ({
        name: '',
        type: 'Continuous',
        min: '',
        max: '',
        scaling: 'Auto',
        values: '',
      }),
      'Add Range',
    ),
  ];
}

const staticsBox = h('div', { class: 'statics' });

/** The static rows; re-rendered alone when the sifting options add or remove a row. */
function renderStatics(): void {
  replaceChildren(staticsBox, ...staticsSection());
}

function builtinOf(d: EditorDraft): BuiltinAlgorithmInfo | undefined {
  return algorithms.find((a) => a.image === d.trainingImage.trim());
}

const isSift = (name: string) => (SIFT_HYPERPARAMETERS as readonly string[]).includes(name.trim());

function staticsSection(): HTMLElement[] {
  const d = draft!;
  // A built-in algorithm's sift_* values are edited in the Smart sifting section.
  const builtin = builtinOf(d);
  return [
    builtin ? h('p', { class: 'muted' }, 'sift_* hyperparameters: see Smart sifting below.') : null,
    rows(
      d.staticHyperParameters,
      'staticHyperParameters',
      (p, i) => [
        field(
          `staticHyperParameters.${i}.name`,
          'Name',
          textInput(`Static hyperparameter ${i + 1} name`, p.name, (v) => (p.name = v)),
        ),
        field(
          `staticHyperParameters.${i}.value`,
          'Value',
          textInput(`Static hyperparameter ${i + 1} value`, p.value, (v) => (p.value = v)),
        ),
      ],
      () => ({ name: '', value: '' }),
      'Add Hyperparameter',
      builtin ? (p) => isSift(p.name) : undefined,
    ),
  ].filter((e): e is HTMLElement => e !== null);
}

// ------------------------------------------------------------------ smart sifting

const SIFT_LABELS: Record<SiftHyperParameter, [string, string]> = {
  sift_beta_value: ['Beta (sift_beta_value)', 'Empty: off. > 0: keeps about 1 / (1 + beta)'],
  sift_loss_history_length: [
    'Loss history (sift_loss_history_length)',
    'Recent losses a loss is ranked against; >= 1',
  ],
  sift_delay: ['Delay (sift_delay)', 'Training steps on every sample first; >= 0'],
  sift_repeat_delay_per_epoch: ['Repeat the delay every epoch', 'sift_repeat_delay_per_epoch'],
};

/**
 * The four sift_* hyperparameters of a built-in algorithm, kept as static hyperparameter rows,
 * with the expected kept fraction and the advice recomputed on every keystroke (the same model
 * the extension checks before launching).
 */
function siftingSection(builtin: BuiltinAlgorithmInfo): HTMLElement[] {
  const d = draft!;
  const summary = h('p', { class: 'sift-summary', id: 'sift-kept', role: 'status' });
  const estimate = h('div', {
    class: 'sift-estimate',
    id: 'sift-estimate',
    role: 'status',
    'aria-live': 'polite',
  });
  const advice = h('ul', { class: 'sift-advice', id: 'sift-advice', 'aria-label': 'Advice' });
  const rowOf = (name: string) => d.staticHyperParameters.findIndex((p) => p.name.trim() === name);
  const valueOf = (name: string) => d.staticHyperParameters[rowOf(name)]?.value ?? '';
  const update = () => {
    const tuned = d.ranges.find((r) => r.name.trim() === 'sift_beta_value');
    const input = {
      values: Object.fromEntries(d.staticHyperParameters.map((p) => [p.name.trim(), p.value])),
      defaults: builtin.defaults,
      ...(tuned
        ? {
            tuned:
              tuned.type === 'Categorical'
                ? { values: tuned.values }
                : { min: tuned.min, max: tuned.max },
          }
        : {}),
    };
    const view = siftingView(input);
    const algorithm = BUILTIN_IMAGES[builtin.image];
    scheduleEstimate(
      algorithm
        ? siftingEstimateAsk(
            algorithm,
            input,
            d.ranges.map((r) => r.name),
          )
        : undefined,
      estimate,
    );
    summary.textContent = view.summary;
    summary.className = `sift-summary${view.state === 'invalid' ? ' error-text' : ''}`;
    replaceChildren(advice, ...view.advice.map((line) => h('li', null, line)));
    // Shown as typed; the extension's validation says the same a moment later.
    for (const name of SIFT_HYPERPARAMETERS)
      showFieldProblem(`sift.${name}`, view.problems.find((p) => p.name === name)?.message);
  };
  const set = (name: SiftHyperParameter, value: string) => {
    const at = rowOf(name);
    if (value.trim() === '') {
      if (at >= 0) {
        d.staticHyperParameters.splice(at, 1);
        renderStatics();
      }
    } else if (at >= 0) d.staticHyperParameters[at].value = value;
    else {
      d.staticHyperParameters.push({ name, value });
      renderStatics();
    }
    update();
  };
  const input = (name: SiftHyperParameter, placeholder: string) => {
    const [label, hint] = SIFT_LABELS[name];
    return field(
      `sift.${name}`,
      label,
      textInput(label, valueOf(name), (v) => set(name, v), placeholder),
      hint,
    );
  };
  const repeat = valueOf('sift_repeat_delay_per_epoch').trim().toLowerCase();
  const elements = [
    h(
      'div',
      { class: 'grid' },
      input('sift_beta_value', 'off'),
      input(
        'sift_loss_history_length',
        `${builtin.defaults.sift_loss_history_length ?? '500'} (default)`,
      ),
      input('sift_delay', `${builtin.defaults.sift_delay ?? '1000'} (default)`),
      field(
        'sift.sift_repeat_delay_per_epoch',
        SIFT_LABELS.sift_repeat_delay_per_epoch[0],
        checkbox(
          SIFT_LABELS.sift_repeat_delay_per_epoch[0],
          repeat === 'true' || repeat === '1',
          (v) => set('sift_repeat_delay_per_epoch', v ? 'True' : ''),
        ),
        SIFT_LABELS.sift_repeat_delay_per_epoch[1],
      ),
    ),
    summary,
    estimate,
    advice,
  ];
  update();
  refreshSifting = update;
  return elements;
}

/** Quiet time after the last change before the top is profiled (a profile takes seconds). */
const ESTIMATE_DEBOUNCE_MS = 1000;
/** The latest estimate asked for: its request (as JSON), its seq once sent, its answer. */
let estimateAsked: { key: string; seq?: number; result?: SiftingEstimateResult } | undefined;
// From the clock: a reloaded webview's asks never reuse the numbers of answers still on the way.
let estimateSeq = Date.now();
let estimateTimer: number | undefined;
let siftEstimateBox: HTMLElement | undefined;
let estimateTuned: readonly string[] = [];

/**
 * Smart sifting's profiled estimate for the options as they are: asked of the extension a
 * second after the last change that alters it, one at a time; answers to older asks are dropped.
 */
function scheduleEstimate(ask: SiftingEstimateAsk | undefined, box: HTMLElement): void {
  siftEstimateBox = box;
  estimateTuned = ask?.tunedAtDefault ?? [];
  const key = ask ? JSON.stringify(ask.request) : '';
  if (key !== (estimateAsked?.key ?? '')) {
    window.clearTimeout(estimateTimer);
    estimateAsked = ask ? { key } : undefined;
    if (ask) {
      const asked = estimateAsked!;
      estimateTimer = window.setTimeout(() => {
        asked.seq = ++estimateSeq;
        channel.post({ type: 'estimateSifting', seq: asked.seq, request: ask.request });
      }, ESTIMATE_DEBOUNCE_MS);
    }
  }
  paintEstimate();
}

function paintEstimate(): void {
  const box = siftEstimateBox;
  if (!box) return;
  const asked = estimateAsked;
  if (!asked) {
    replaceChildren(box);
    return;
  }
  if (!asked.result) {
    replaceChildren(
      box,
      h('p', { class: 'muted' }, 'Estimating the saving per epoch (profiling the top here)...'),
    );
    return;
  }
  const tones = { plain: null, warning: 'warning-text', error: 'error-text', muted: 'muted' };
  replaceChildren(
    box,
    ...siftingEstimateLines(asked.result, estimateTuned).map((line) =>
      h('p', { class: tones[line.tone] }, line.text),
    ),
  );
}

function showSiftingEstimate(raw: unknown): void {
  const checked = validate(siftingEstimateMessage, raw);
  // Not the protocol's shape: ignored, as the extension ignores such messages.
  if (!checked.ok) return;
  // An answer for an ask since replaced is stale.
  if (!estimateAsked || checked.value.seq !== estimateAsked.seq) return;
  estimateAsked.result = checked.value.result;
  paintEstimate();
}

// ------------------------------------------------------------------ instance type

const usd = (value: number) =>
  `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 3 })}`;

/** What the catalog says about a type, or that its price is unknown. */
function describeType(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) return 'Choose a type from the catalog or type one';
  const info = instanceTypes.find((t) => t.name === trimmed);
  if (!info) return `${trimmed}: not in the catalog - price unknown`;
  return `${info.description}${info.pricePerHour !== undefined ? `, ${usd(info.pricePerHour)}/hour` : ', price unknown'}`;
}

/** The instance type as text, its catalog description, and a picker over the catalog. */
function instanceTypeFields(): HTMLElement[] {
  const d = draft!;
  const hint = h(
    'div',
    { class: 'hint muted', id: 'instance-type-info' },
    describeType(d.instanceType),
  );
  const text = textInput(
    'Instance type',
    d.instanceType,
    (v) => {
      d.instanceType = v;
      hint.textContent = describeType(v);
    },
    'ml.m5.large',
  );
  const catalog = h(
    'vscode-single-select',
    { 'aria-label': 'Instance type catalog', id: 'instance-type-catalog' },
    h('vscode-option', { value: '' }, 'Choose from the catalog...'),
    ...instanceTypes.map((t) =>
      h(
        'vscode-option',
        { value: t.name, description: t.description },
        `${t.name} - ${t.description}${t.pricePerHour !== undefined ? ` - ${usd(t.pricePerHour)}/h` : ''}`,
      ),
    ),
  ) as ValueElement;
  catalog.addEventListener('change', () => {
    if (!catalog.value) return;
    d.instanceType = catalog.value;
    text.value = catalog.value;
    hint.textContent = describeType(catalog.value);
    changed();
  });
  const typeField = field('instanceType', 'Instance type', text);
  typeField.insertBefore(hint, typeField.querySelector('.field-error'));
  text.setAttribute(
    'aria-describedby',
    `${text.getAttribute('aria-describedby')} instance-type-info`,
  );
  return [
    typeField,
    h('div', { class: 'field' }, h('label', { for: 'instance-type-catalog' }, 'Catalog'), catalog),
  ];
}

function channelsSection(): HTMLElement[] {
  const d = draft!;
  return [
    rows(
      d.channels,
      'channels',
      (c, i) => [
        field(
          `channels.${i}.name`,
          'Channel',
          textInput(`Channel ${i + 1} name`, c.name, (v) => (c.name = v), 'training'),
        ),
        field(
          `channels.${i}.uri`,
          'Data',
          textInput(
            `Channel ${i + 1} data`,
            c.uri,
            (v) => (c.uri = v),
            's3://bucket/prefix or file:///folder',
          ),
        ),
        button('Browse...', 'folder', () =>
          channel.post({ type: 'chooseChannelFolder', index: i }),
        ),
      ],
      () => ({ name: '', uri: '' }),
      'Add Channel',
    ),
  ];
}

function warmStartSection(): HTMLElement[] {
  const d = draft!;
  return [
    h(
      'div',
      { class: 'grid' },
      field(
        'warmStartType',
        'Warm start type',
        select(
          'Warm start type',
          d.warmStartType,
          [
            ['None', 'None'],
            ['IdenticalDataAndAlgorithm', 'Identical data and algorithm'],
            ['TransferLearning', 'Transfer learning'],
          ],
          (v) => {
            d.warmStartType = v;
            render();
          },
        ),
      ),
      d.warmStartType !== 'None'
        ? field(
            'warmStartParents',
            'Parent tuning jobs',
            textInput(
              'Parent tuning jobs',
              d.warmStartParents.join(', '),
              (v) =>
                (d.warmStartParents = v
                  .split(',')
                  .map((s) => s.trim())
                  .filter(Boolean)),
            ),
            'Up to 5, comma-separated',
          )
        : null,
    ),
    h(
      'div',
      { class: 'row-actions' },
      button('Choose Parents...', 'references', () =>
        channel.post({ type: 'chooseParents', draft: d }),
      ),
    ),
    warmStartChecks,
  ].filter((e): e is HTMLDivElement | HTMLUListElement => e !== null);
}

// ------------------------------------------------------------------ validation

function applyProblems(): void {
  for (const element of form.querySelectorAll('.field-error')) element.textContent = '';
  for (const element of form.querySelectorAll('[invalid]')) element.removeAttribute('invalid');
  for (const element of form.querySelectorAll('[aria-invalid]'))
    element.removeAttribute('aria-invalid');
  const unplaced: string[] = [];
  for (const p of problems) {
    const container = form.querySelector(`[data-field="${CSS.escape(p.field)}"]`);
    const error = container?.querySelector('.field-error');
    if (!container || !error) {
      unplaced.push(p.message);
      continue;
    }
    error.textContent = error.textContent ? `${error.textContent} ${p.message}` : p.message;
    const control = container.querySelector(`#${CSS.escape(fieldId(p.field))}`);
    control?.setAttribute('invalid', '');
    control?.setAttribute('aria-invalid', 'true');
  }
  return void unplaced.length;
}

/** One field's error, shown at once (the sifting options check as they are typed). */
function showFieldProblem(id: string, message: string | undefined): void {
  const container = form.querySelector(`[data-field="${CSS.escape(id)}"]`) ?? undefined;
  const error = container?.querySelector('.field-error');
  const control = container?.querySelector(`#${CSS.escape(fieldId(id))}`);
  if (!error) return;
  error.textContent = message ?? '';
  if (message) {
    control?.setAttribute('invalid', '');
    control?.setAttribute('aria-invalid', 'true');
  } else {
    control?.removeAttribute('invalid');
    control?.removeAttribute('aria-invalid');
  }
}

function showValidation(message: Extract<EditorOutbound, { type: 'validation' }>): void {
  problems = message.problems;
  applyProblems();
  // An answer about an older form may name sift_* values since retyped: the local check wins.
  refreshSifting?.();
  const placed = new Set(
    problems
      .filter((p) => form.querySelector(`[data-field="${CSS.escape(p.field)}"]`))
      .map((p) => p.field),
  );
  const general = [
    ...message.general,
    ...problems.filter((p) => !placed.has(p.field)).map((p) => p.message),
  ];
  generalBanner.hidden = general.length === 0;
  replaceChildren(
    generalBanner,
    h('strong', null, 'The request as a whole:'),
    h('ul', null, ...general.map((g) => h('li', null, g))),
  );
  const failedRules = message.warmStart.filter((r) => r.state === 'fail').length;
  const count = problems.length + general.length - (problems.length - placed.size) + failedRules;
  problemCount.textContent = count ? `${count} problem${count === 1 ? '' : 's'}` : 'No problems';
  problemCount.className = count ? 'problem-count error-text' : 'problem-count pass';
  replaceChildren(estimateBox, ...message.estimate.lines.map((line) => h('p', null, line)));
  replaceChildren(
    costBox,
    ...message.estimate.costLines.map((line) =>
      h('p', { class: /price unknown/.test(line) ? 'warning-text' : null }, line),
    ),
  );
  replaceChildren(
    warmStartChecks,
    ...message.warmStart.map((r) =>
      h(
        'li',
        { class: `rule rule-${r.state.replace('/', '')}` },
        h(
          'span',
          { class: r.state === 'fail' ? 'fail' : r.state === 'pass' ? 'pass' : 'muted' },
          icon(r.state === 'fail' ? 'error' : r.state === 'pass' ? 'pass' : 'circle-slash'),
          ` ${r.state === 'n/a' ? 'n/a' : r.state === 'pass' ? 'Passed' : 'Failed'}: `,
        ),
        r.label,
        ...r.reasons.map((reason) => h('div', { class: 'reason' }, reason)),
      ),
    ),
  );
  requestPreview.textContent = message.requestJson;
}

channel.onMessage((message) => {
  switch (message.type) {
    case 'init':
      markData();
      draft = message.draft;
      file = message.file;
      base = message.base;
      algorithms = message.algorithms;
      instanceTypes = message.instanceTypes;
      fileLabel.textContent = file ?? 'not saved yet';
      loadBanner.hidden = !message.loadError;
      replaceChildren(
        loadBanner,
        message.loadError ?? '',
        message.loadError
          ? h(
              'div',
              { class: 'row-actions' },
              button('Open JSON', 'go-to-file', () => channel.post({ type: 'openJson' })),
            )
          : null,
      );
      notesBanner.hidden = message.notes.length === 0;
      replaceChildren(notesBanner, ...message.notes.map((n) => h('div', null, n)));
      problems = [];
      render();
      changed(true);
      app.setAttribute('aria-busy', 'false');
      markFirstRender();
      return;
    case 'validation':
      if (message.seq < lastApplied) return;
      lastApplied = message.seq === Number.MAX_SAFE_INTEGER ? seq : message.seq;
      showValidation(message);
      return;
    case 'siftingEstimate':
      showSiftingEstimate(message);
      return;
    case 'instanceTypes':
      instanceTypes = message.instanceTypes;
      // The picker and the type's description show prices (the setting was changed elsewhere,
      // so redrawing the form takes no focus from anyone).
      render();
      return;
    case 'patch':
      if (!draft) return;
      Object.assign(draft, message.patch);
      render();
      changed(true);
      return;
    case 'saved':
      file = message.file;
      fileLabel.textContent = file;
      status.textContent = `Saved ${file}`;
      saveState();
      return;
    case 'launched':
      status.textContent = `Launched tuning job ${message.name}`;
      return;
    case 'failed':
      status.textContent = message.message;
      status.className = 'status-line error-text';
      if (message.field) {
        problems = [
          ...problems.filter((p) => p.field !== message.field),
          { field: message.field, message: message.message },
        ];
        applyProblems();
      }
      return;
  }
});

if (draft) render();
// `ready` went out when the script started (shared/timing.ts).
markInitialised();
