import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../../local/support/processes';

/**
 * Every running process below `pid` (its children, theirs…), from /proc. A child that has exited but whose status
 * its parent has not collected yet (a zombie, for the moment between a process's exit and Node's handling of it)
 * is not running and not listed.
 */
export function descendants(pid: number): number[] {
  const tasks = join('/proc', String(pid), 'task');
  if (!existsSync(tasks)) return [];
  const children = readdirSync(tasks).flatMap((task) => {
    const file = join(tasks, task, 'children');
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number) : [];
  });
  return children.filter(isAlive).flatMap((child) => [child, ...descendants(child)]);
}

/** The process's command line, arguments joined by spaces ('' once it is gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}
