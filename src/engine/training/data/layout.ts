/**
 * Recognises a channel's layout from its file list alone (no file system, no reads), so a
 * local folder and an S3 prefix are judged the same way.
 *
 * - text classification: `data.csv` at the top;
 * - image classification: one sub-folder per class holding .jpg/.jpeg/.png files.
 *
 * Hidden files and folders (a name starting with '.') and macOS's `__MACOSX` are ignored
 * everywhere: archive tools and file browsers leave them behind.
 */
import { compareCodePoints } from './source';

export const TEXT_DATA_FILE = 'data.csv';
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png'] as const;

export interface ImageClassFolder {
  name: string;
  /** Image files directly inside the folder, relative to the channel root, sorted. */
  images: string[];
  /** Other files directly inside the folder (skipped). */
  others: string[];
  /** Files in sub-folders of the class folder (skipped). */
  nested: string[];
}

export type DatasetLayout =
  | { kind: 'text'; dataFile: string; stray: string[] }
  | { kind: 'images'; classes: ImageClassFolder[]; stray: string[] }
  | { kind: 'unknown'; reason: string };

export function isIgnoredPath(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.') || part === '__MACOSX');
}

export function hasImageExtension(path: string): boolean {
  const lower = path.toLowerCase();
  return IMAGE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}

export function detectLayout(paths: readonly string[]): DatasetLayout {
  const files = paths.filter((p) => !isIgnoredPath(p)).sort(compareCodePoints);
  const topLevel = files.filter((p) => !p.includes('/'));
  const nested = files.filter((p) => p.includes('/'));

  if (topLevel.includes(TEXT_DATA_FILE)) {
    const stray = files.filter((p) => p !== TEXT_DATA_FILE);
    return { kind: 'text', dataFile: TEXT_DATA_FILE, stray };
  }
  if (files.length === 0) {
    return {
      kind: 'unknown',
      reason:
        'The folder is empty. Text classification needs a data.csv file in it; image ' +
        'classification needs one sub-folder per class holding .jpg, .jpeg or .png files.',
    };
  }
  if (nested.length === 0) return { kind: 'unknown', reason: flatFolderReason(topLevel) };

  const byFolder = new Map<string, string[]>();
  for (const path of nested) {
    const folder = path.slice(0, path.indexOf('/'));
    const list = byFolder.get(folder) ?? [];
    list.push(path);
    byFolder.set(folder, list);
  }
  // Channel folders (train/data.csv, validation/data.csv) one level too high.
  const channelFolders = [...byFolder.keys()].filter((f) =>
    byFolder.get(f)?.includes(`${f}/${TEXT_DATA_FILE}`),
  );
  if (channelFolders.length > 0) {
    return {
      kind: 'unknown',
      reason:
        `This folder holds channel folders (${channelFolders.join(', ')}), each with its own ` +
        `data.csv. Point the training channel at the folder that holds the training data.csv ` +
        `(and the validation channel at the validation one), not at their parent.`,
    };
  }

  const classes: ImageClassFolder[] = [...byFolder.entries()].map(([name, list]) => {
    const direct = list.filter((p) => p.split('/').length === 2);
    return {
      name,
      images: direct.filter(hasImageExtension),
      others: direct.filter((p) => !hasImageExtension(p)),
      nested: list.filter((p) => p.split('/').length > 2),
    };
  });
  return { kind: 'images', classes, stray: topLevel };
}

function flatFolderReason(topLevel: string[]): string {
  const csvFiles = topLevel.filter((p) => p.toLowerCase().endsWith('.csv'));
  if (csvFiles.length > 0) {
    return (
      `No data.csv found (found ${listNames(csvFiles)}). Text classification reads exactly ` +
      `one file named data.csv: rename your file to data.csv.`
    );
  }
  const images = topLevel.filter(hasImageExtension);
  if (images.length > 0) {
    return (
      `Found ${images.length} images at the top level but no class folders. Image ` +
      `classification takes the class from the folder: move each image into a sub-folder ` +
      `named after its class (e.g. cat/${images[0]}).`
    );
  }
  return (
    `No data.csv and no class folders (found ${listNames(topLevel)}). Text classification ` +
    `needs a data.csv file; image classification needs one sub-folder per class.`
  );
}

/** The first few names, for messages. */
export function listNames(names: readonly string[], max = 5): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} and ${names.length - max} more` : shown;
}
