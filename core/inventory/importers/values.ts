/** Value spellings shared by the importers. */

/** A field label as a key: lower case, letters and digits only (`MAC Address` and `MACAddress` are macaddress). */
export function fieldKey(label: string): string {
  return label.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** esxcli prints N/A (and sometimes nothing) for a value that does not apply. */
export function present(value: string | undefined): string | null {
  const v = value?.trim() ?? '';
  return v === '' || v.toUpperCase() === 'N/A' ? null : v;
}

export function parseWhole(text: string): number | null {
  // Digits beyond 2^53 are no number a field can hold (400 nines would read as Infinity).
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  return Number.isSafeInteger(n) ? n : null;
}

/** true/false as esxcli prints them, True/False as PowerShell does. */
export function parseBoolean(text: string): boolean | null {
  const v = text.trim().toLowerCase();
  return v === 'true' ? true : v === 'false' ? false : null;
}
