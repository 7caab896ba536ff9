#!/usr/bin/env bash
# Bootstraps the tickstream Kafka broker: a single KRaft node (broker + controller) run by systemd.
# Run as EC2 UserData (the template sets the variables below before this script) and by the tests on a
# developer machine (KAFKA_LIBS_DIR = the local jar cache, SERVICE_MANAGER=none, no Java install).
# Written without brace expansions so serverless embeds it verbatim.
set -euo pipefail

: "$KAFKA_VERSION" "$KAFKA_TOPIC" "$KAFKA_PARTITIONS" "$KAFKA_RETENTION_HOURS"
KAFKA_HOME="$(printenv KAFKA_HOME || echo /opt/kafka)"
KAFKA_DATA_DIR="$(printenv KAFKA_DATA_DIR || echo /var/lib/kafka)"
KAFKA_PORT="$(printenv KAFKA_PORT || echo 9092)"
KAFKA_CONTROLLER_PORT="$(printenv KAFKA_CONTROLLER_PORT || echo 9093)"
KAFKA_HEAP="$(printenv KAFKA_HEAP || echo 1g)"
SERVICE_MANAGER="$(printenv SERVICE_MANAGER || echo systemd)"
DATA_DEVICE="$(printenv DATA_DEVICE || true)"
KAFKA_LIBS_DIR="$(printenv KAFKA_LIBS_DIR || true)"
KAFKA_DISTRIBUTION_URL="$(printenv KAFKA_DISTRIBUTION_URL || true)"
INSTALL_JAVA="$(printenv INSTALL_JAVA || echo 1)"

log() { echo "[kafka-bootstrap] $*"; }

# The NAT route or the endpoints may come up after the instance: retry what needs the network.
retry() {
  local attempt
  for attempt in $(seq 1 30); do
    if "$@"; then return 0; fi
    log "attempt $attempt of '$*' failed; retrying in 10 s"
    sleep 10
  done
  return 1
}

# The address clients are told to connect to: the instance's private IP (IMDSv2), or what the caller gives.
advertised_host() {
  if [ -n "$(printenv ADVERTISED_HOST || true)" ]; then
    printenv ADVERTISED_HOST
    return
  fi
  local token
  token="$(curl -sf -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')"
  curl -sf -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/local-ipv4
}

if [ "$INSTALL_JAVA" = "1" ]; then
  log "installing Java 17"
  retry dnf install -y java-17-amazon-corretto-headless
fi

# The log dirs live on their own encrypted EBS volume when one is attached.
if [ -n "$DATA_DEVICE" ] && [ -b "$DATA_DEVICE" ]; then
  if ! blkid "$DATA_DEVICE" >/dev/null 2>&1; then mkfs.xfs -q "$DATA_DEVICE"; fi
  mkdir -p "$KAFKA_DATA_DIR"
  grep -q "$KAFKA_DATA_DIR" /etc/fstab || echo "$DATA_DEVICE $KAFKA_DATA_DIR xfs defaults,nofail 0 2" >> /etc/fstab
  mount -a
fi

mkdir -p "$KAFKA_HOME" "$KAFKA_DATA_DIR/logs" "$KAFKA_HOME/config"
if [ -n "$KAFKA_LIBS_DIR" ]; then
  CLASSPATH_DIR="$KAFKA_LIBS_DIR"
else
  log "fetching Kafka $KAFKA_VERSION from $KAFKA_DISTRIBUTION_URL"
  case "$KAFKA_DISTRIBUTION_URL" in
    s3://*) retry aws s3 cp "$KAFKA_DISTRIBUTION_URL" /tmp/kafka.tgz ;;
    *) retry curl -sfL -o /tmp/kafka.tgz "$KAFKA_DISTRIBUTION_URL" ;;
  esac
  tar -xzf /tmp/kafka.tgz -C "$KAFKA_HOME" --strip-components=1
  CLASSPATH_DIR="$KAFKA_HOME/libs"
fi

HOST="$(advertised_host)"
PROPERTIES="$KAFKA_HOME/config/server.properties"
cat > "$PROPERTIES" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://0.0.0.0:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$KAFKA_DATA_DIR/logs
num.partitions=$KAFKA_PARTITIONS
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=$KAFKA_RETENTION_HOURS
PROPS
cat > "$KAFKA_HOME/config/log4j.properties" <<'LOG4J'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
LOG4J

JAVA_OPTS="-Xms$KAFKA_HEAP -Xmx$KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Dlog4j.configuration=file:$KAFKA_HOME/config/log4j.properties"
if [ ! -f "$KAFKA_DATA_DIR/logs/meta.properties" ]; then
  CLUSTER_ID="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | sed 's/^-/A/')"
  log "formatting KRaft storage (cluster $CLUSTER_ID)"
  java -cp "$CLASSPATH_DIR/*" -Dlog4j.configuration="file:$KAFKA_HOME/config/log4j.properties" \
    kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$PROPERTIES"
fi

if [ "$SERVICE_MANAGER" = "systemd" ]; then
  id kafka >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin kafka
  chown -R kafka:kafka "$KAFKA_HOME" "$KAFKA_DATA_DIR"
  cat > /etc/systemd/system/kafka.service <<UNIT
[Unit]
Description=Apache Kafka (tickstream, KRaft)
After=network-online.target
Wants=network-online.target

[Service]
User=kafka
ExecStart=/usr/bin/java $JAVA_OPTS -cp $CLASSPATH_DIR/* kafka.Kafka $PROPERTIES
Restart=on-failure
RestartSec=5
LimitNOFILE=100000

[Install]
WantedBy=multi-user.target
UNIT
  systemctl daemon-reload
  systemctl enable --now kafka
else
  # Developer machines and tests: run it in the background and record the pid.
  nohup java $JAVA_OPTS -cp "$CLASSPATH_DIR/*" kafka.Kafka "$PROPERTIES" > "$KAFKA_HOME/kafka.out" 2>&1 &
  echo $! > "$KAFKA_HOME/kafka.pid"
fi

log "waiting for port $KAFKA_PORT"
for _ in $(seq 1 120); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null; then break; fi
  sleep 1
done

# Create the topic with the stage's partitions (idempotent) through the broker's own admin client.
java -cp "$CLASSPATH_DIR/*" -Dlog4j.configuration="file:$KAFKA_HOME/config/log4j.properties" org.apache.kafka.tools.TopicCommand \
  --bootstrap-server "127.0.0.1:$KAFKA_PORT" --create --if-not-exists --topic "$KAFKA_TOPIC" \
  --partitions "$KAFKA_PARTITIONS" --replication-factor 1 --config "retention.ms=$((KAFKA_RETENTION_HOURS * 3600000))"
log "broker ready at $HOST:$KAFKA_PORT, topic $KAFKA_TOPIC ($KAFKA_PARTITIONS partitions)"
