/** Bytes as people read them (SI, as the CLI prints them: 810 MB). */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = -1;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[u]}`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatRate(bitsPerSecond: number | null): string {
  if (bitsPerSecond === null) return '–';
  if (bitsPerSecond >= 1e9) return `${(bitsPerSecond / 1e9).toFixed(2)} Gbit/s`;
  if (bitsPerSecond >= 1e6) return `${(bitsPerSecond / 1e6).toFixed(1)} Mbit/s`;
  return `${(bitsPerSecond / 1e3).toFixed(1)} kbit/s`;
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '–';
  if (s < 1) return `${(s * 1000).toFixed(s < 0.01 ? 2 : 0)} ms`;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s % 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** The file name of a path from either platform. */
export function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

export function endpointLabel(e: { ip: string; port?: number; host: string | null; vmk: string | null }): string {
  const who = e.host !== null ? `${e.host}${e.vmk !== null ? `/${e.vmk}` : ''}` : e.ip;
  return e.port !== undefined ? `${who}:${e.port}` : who;
}

/** The short host name (esx01 of esx01.lab.example): topology labels must stay narrow. */
export function shortHost(host: string): string {
  return /^\d/.test(host) || host.includes(':') ? host : host.split('.')[0];
}
