/** The theme values chart options are built from (plain data, so option builders stay pure). */
export interface ChartTheme {
  kind: 'light' | 'dark' | 'high-contrast';
  foreground: string;
  muted: string;
  grid: string;
  background: string;
  fontFamily: string;
  fontSize: number;
  blue: string;
  red: string;
  green: string;
  yellow: string;
  orange: string;
  purple: string;
}

/** A fixed theme for tests and benchmarks. */
export const TEST_THEME: ChartTheme = {
  kind: 'dark',
  foreground: '#cccccc',
  muted: '#888888',
  grid: '#444444',
  background: '#1e1e1e',
  fontFamily: 'sans-serif',
  fontSize: 13,
  blue: '#3794ff',
  red: '#f14c4c',
  green: '#89d185',
  yellow: '#cca700',
  orange: '#d18616',
  purple: '#b180d7',
};
