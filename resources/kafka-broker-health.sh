#!/usr/bin/env bash
# The brokers' health, as an operator (or a runbook step) checks it on any broker: Session Manager, or
#   aws ssm send-command --document-name AWS-RunShellScript --parameters 'commands=["bash /opt/kafka-health.sh"]'
# It asks the broker it runs on, signed in as the broker (which forwards the quorum questions to the controllers), and
# prints one line. Exit 0: every partition has all its replicas in sync and every voter of the quorum is within
# MAX_VOTER_LAG records of the leader; exit 1, saying what is not; exit 2 when it cannot ask.
# The tests run it against the local cluster the bootstrap makes (KAFKA_HOME, CLASSPATH_DIR, KAFKA_PORT).
set -uo pipefail
KAFKA_HOME="$(printenv KAFKA_HOME || echo /opt/kafka)"
KAFKA_PORT="$(printenv KAFKA_PORT || echo 9096)"
CLASSPATH_DIR="$(printenv CLASSPATH_DIR || echo "$KAFKA_HOME/libs")"
MAX_VOTER_LAG="$(printenv MAX_VOTER_LAG || echo 1000)"
CONFIG="$KAFKA_HOME/config"

tool() {
  java -cp "$CLASSPATH_DIR/*" -Dlog4j.configuration="file:$CONFIG/log4j.properties" "$@" 2>&1
}

if ! lagging="$(tool org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" \
  --command-config "$CONFIG/admin-client.properties" --describe --under-replicated-partitions)"; then
  echo "cannot ask the broker at 127.0.0.1:$KAFKA_PORT: $(echo "$lagging" | grep -m1 -E 'Exception|Error' || echo "$lagging" | tail -n 1)"
  exit 2
fi
# The quorum as the broker forwards the question to it: no controller address has to answer this host.
if ! replication="$(tool org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" \
  --command-config "$CONFIG/admin-client.properties" describe --replication)"; then
  echo "cannot ask the quorum through the broker: $(echo "$replication" | grep -m1 -E 'Exception|Error' || echo "$replication" | tail -n 1)"
  exit 2
fi

# "Topic: t Partition: 0 ... Replicas: 1,2,3 Isr: 1,2" → "t-0 (in sync 1,2 of 1,2,3)".
partitions="$(echo "$lagging" | python3 -c 'import re, sys
for line in sys.stdin:
  found = re.search(r"Topic: (\S+)\s+Partition: (\d+).*Replicas: ([\d,]+)\s+Isr: ([\d,]*)", line)
  if found:
    print("%s-%s (in sync %s of %s)" % (found.group(1), found.group(2), found.group(4) or "none", found.group(3)))')"
# The quorum's voters (the leader and its followers) with their lag; observers are not counted.
voters="$(echo "$replication" | awk '$NF == "Leader" || $NF == "Follower" { print $1, $4 }' | sort -n)"
behind="$(echo "$voters" | awk -v max="$MAX_VOTER_LAG" '$2 > max { print "node " $1 " (" $2 " records)" }')"
ids="$(echo "$voters" | cut -d' ' -f1 | paste -sd, -)"

problems=""
if [ -n "$partitions" ]; then
  problems="$(echo "$partitions" | wc -l) under-replicated partitions: $(echo "$partitions" | paste -sd ';' - | sed 's/;/; /g')"
fi
if [ -n "$behind" ]; then
  problems="$problems$([ -n "$problems" ] && echo '; ')voters behind the leader: $(echo "$behind" | paste -sd ',' - | sed 's/,/, /g')"
fi
if [ -n "$problems" ]; then
  echo "unhealthy: $problems (voters $ids)"
  exit 1
fi
echo "healthy: every partition fully in sync; voters $ids in step"
