/** hh:mm:ss<sep>mmm; hours grow past 99 rather than wrap. */
export function timestamp(ms: number, separator: ',' | '.'): string {
  const t = Math.max(0, Math.round(ms));
  const h = Math.floor(t / 3600000);
  const m = Math.floor((t % 3600000) / 60000);
  const s = Math.floor((t % 60000) / 1000);
  return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}${separator}${pad(t % 1000, 3)}`;
}

/** hh:mm:ss, for the text format. */
export function clock(ms: number): string {
  return timestamp(ms, '.').slice(0, -4);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}
