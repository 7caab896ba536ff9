import { resolve } from 'node:path';

/**
 * The project's cache folder, `.cache/` (ignored by git): the Kafka jars and the Trino distribution fetched from
 * Maven Central, and the work folders of the local servers and stores. Every local service keeps its files here.
 */
export const CACHE_DIR = resolve(__dirname, '..', '..', '.cache');
