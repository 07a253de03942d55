/**
 * The bundled text encoder's tokenizer (models/wordvec-en/tokenizer.json). Until the text
 * encoder is bundled, text classification reports that it is missing.
 */
export interface Tokenizer {
  encode(text: string): BigInt64Array;
  encodeBatch(texts: readonly string[]): { data: BigInt64Array; dims: [number, number] };
}

export function loadTokenizer(dir: string): Tokenizer {
  throw new Error(`The text encoder's tokenizer in ${dir} is not available in this build.`);
}
