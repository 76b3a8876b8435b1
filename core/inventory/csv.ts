/**
 * RFC 4180 CSV as esxcli --formatter=csv and PowerShell Export-Csv write it: commas, fields in
 * double quotes where needed (Export-Csv quotes every field), "" for a quote inside one. Blank
 * lines between rows are skipped.
 */

export interface CsvRow {
  /** 1-based line the row starts on. */
  line: number;
  cells: string[];
}

export interface CsvTable {
  rows: CsvRow[];
  /** A quote left open at the end of the text: the line it opened on. */
  unterminatedQuoteLine: number | null;
}

export function parseCsv(lines: readonly { text: string; line: number }[]): CsvTable {
  const rows: CsvRow[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let rowLine = 0;
  let quoteLine = 0;
  for (const { text, line } of lines) {
    if (!quoted && text.trim() === '') continue;
    if (!quoted) {
      cells = [];
      cell = '';
      rowLine = line;
    } else cell += '\n';
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (quoted) {
        if (c !== '"') cell += c;
        else if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else if (c === '"') {
        quoted = true;
        quoteLine = line;
      } else if (c === ',') {
        cells.push(cell);
        cell = '';
      } else cell += c;
    }
    if (!quoted) {
      cells.push(cell);
      rows.push({ line: rowLine, cells });
    }
  }
  return { rows, unterminatedQuoteLine: quoted ? quoteLine : null };
}

