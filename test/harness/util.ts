// Small async helpers shared by the harness.

export const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

/** Resolves or rejects like promise, or rejects with message after ms (the timer never lingers). */
export async function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
