/** A SQL string literal. */
export const sqlString = (value: string) => `'${value.replaceAll("'", "''")}'`;

/** A quoted SQL identifier (`"timestamp"` is a reserved word). */
export const sqlName = (value: string) => `"${value.replaceAll('"', '""')}"`;
