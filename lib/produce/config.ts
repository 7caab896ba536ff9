import { z } from 'zod';
import { type KafkaSettings, kafkaEnvironment, kafkaSettings } from '../kafka/settings';
import { type MarketSettings, marketEnvironment, marketSettings } from '../market/settings';
import { type Anomaly, parseAnomalies } from '../market/simulated/anomalies';
import { ConfigError, type Environment, parseEnvironment } from '../shared/environment';

/** Variables whose values never appear in an error message. */
const SECRET_VARIABLES = new Set(['KAFKA_SASL_PASSWORD', 'ALPHA_VANTAGE_API_KEY']);

const producerEnvironment = z.object({
  ...kafkaEnvironment,
  ...marketEnvironment,
  SIMULATION_SEED: z.string().min(1),
  SIMULATION_ANOMALIES: z.string().optional(),
  // `sls invoke local` sets IS_LOCAL and waits for an empty event loop, which an open Kafka connection never gives.
  IS_LOCAL: z.string().optional(),
});

export interface ProducerConfig {
  kafka: KafkaSettings;
  /** Where the ticks come from (`MARKET_SOURCE`). */
  market: MarketSettings;
  simulationSeed: string;
  /** Halts and jumps the simulated source makes on purpose (`SIMULATION_ANOMALIES`; none by default). */
  simulationAnomalies: Anomaly[];
  /** Close the Kafka connection after each invocation instead of keeping it for the next one. */
  disconnectAfterInvoke: boolean;
}

/** The anomalies setting, a malformed one failing at start-up with the variable named. */
function anomaliesSetting(text: string | undefined): Anomaly[] {
  try {
    return parseAnomalies(text);
  } catch (error) {
    throw new ConfigError([`SIMULATION_ANOMALIES is invalid: ${(error as Error).message}`]);
  }
}

/** Parses the producer functions' settings from an environment (default: this process's). */
export function loadProducerConfig(env: Environment = process.env): ProducerConfig {
  const parsed = parseEnvironment(producerEnvironment, env, SECRET_VARIABLES);
  return {
    kafka: kafkaSettings(parsed),
    market: marketSettings(parsed),
    simulationSeed: parsed.SIMULATION_SEED,
    simulationAnomalies: anomaliesSetting(parsed.SIMULATION_ANOMALIES),
    disconnectAfterInvoke: parsed.IS_LOCAL === 'true',
  };
}
