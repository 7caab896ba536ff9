/** Parses RFC 4180 CSV (quoted fields, doubled quotes, newlines inside quotes) into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/**
 * The instant a report's time cell names, in epoch ms (NaN when it names none): an ISO text (`2026-11-20T14:32`,
 * `2026-11-20T14:32:00.000Z`, as the reports build them from the tick's timestamp string), or a Trino timestamp as
 * Athena's CSV renders it (`2026-11-20 14:32:00.123 UTC`, for a column typed timestamp). A text without a zone is
 * UTC, as every report's day is.
 */
export function parseReportTime(text: string): number {
  const trino = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(?: UTC)?$/.exec(text);
  if (trino) return Date.parse(`${trino[1]}T${trino[2]}Z`);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) return Number.NaN;
  return Date.parse(
    /(Z|[+-]\d{2}:\d{2})$/.test(text) ? text : `${text.length === 16 ? `${text}:00` : text}Z`,
  );
}

/**
 * Renders rows as CSV the way Athena writes results: every value quoted, quotes doubled, `\n` line ends; a NULL is
 * an unquoted empty field, so it differs from an empty string (`""`).
 */
export function toCsv(rows: readonly (readonly unknown[])[]): string {
  return rows
    .map((row) =>
      row
        .map((value) =>
          value === null || value === undefined ? '' : `"${String(value).replaceAll('"', '""')}"`,
        )
        .join(','),
    )
    .map((line) => `${line}\n`)
    .join('');
}
