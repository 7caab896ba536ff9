#!/usr/bin/env bash
# Bootstraps a tickstream Kafka broker: a KRaft node (broker + controller) run by systemd, whose only client
# listener is SASL_SSL with SCRAM-SHA-512 (what Lambda's Kafka event source mapping supports). Alone, or one of
# the nodes KAFKA_CONTROLLER_QUORUM_VOTERS lists (a cluster; this node is the entry with its own address).
# At first boot it takes the cluster's private CA from the KAFKA_CLUSTER_SECRET_ID secret (node 1 makes it there
# when the secret is empty), makes its own certificate (the JDK's keytool), creates the clients' SCRAM user from
# the KAFKA_CLIENT_SECRET_ID secret when it formats the storage, and node 1 writes the CA certificate to the
# KAFKA_CA_SECRET_ID secret (the mapping's SERVER_ROOT_CA_CERTIFICATE). With CFN_STACK set it signals
# CloudFormation how it ended.
# Run as EC2 UserData (the template sets the variables below before this script) and by the tests on a
# developer machine (KAFKA_LIBS_DIR = the local jar cache, SERVICE_MANAGER=none, no Java install, a stand-in
# `aws` on the PATH). Written without brace expansions so serverless embeds it verbatim.
set -euo pipefail

: "$KAFKA_VERSION" "$KAFKA_TOPIC" "$KAFKA_PARTITIONS" "$KAFKA_RETENTION_HOURS"
: "$KAFKA_CLIENT_SECRET_ID" "$KAFKA_CA_SECRET_ID" "$KAFKA_CLUSTER_SECRET_ID"
KAFKA_HOME="$(printenv KAFKA_HOME || echo /opt/kafka)"
KAFKA_DATA_DIR="$(printenv KAFKA_DATA_DIR || echo /var/lib/kafka)"
KAFKA_PORT="$(printenv KAFKA_PORT || echo 9096)"
KAFKA_CONTROLLER_PORT="$(printenv KAFKA_CONTROLLER_PORT || echo 9093)"
KAFKA_HEAP="$(printenv KAFKA_HEAP || echo 1g)"
KAFKA_CONTROLLER_QUORUM_VOTERS="$(printenv KAFKA_CONTROLLER_QUORUM_VOTERS || true)"
KAFKA_REPLICATION_FACTOR="$(printenv KAFKA_REPLICATION_FACTOR || echo 1)"
KAFKA_MIN_INSYNC_REPLICAS="$(printenv KAFKA_MIN_INSYNC_REPLICAS || echo 1)"
SERVICE_MANAGER="$(printenv SERVICE_MANAGER || echo systemd)"
DATA_DEVICE="$(printenv DATA_DEVICE || true)"
DATA_DEVICE_NAME="$(printenv DATA_DEVICE_NAME || true)"
DATA_DEVICE_WAIT_SECONDS="$(printenv DATA_DEVICE_WAIT_SECONDS || echo 120)"
KAFKA_LIBS_DIR="$(printenv KAFKA_LIBS_DIR || true)"
KAFKA_DISTRIBUTION_URL="$(printenv KAFKA_DISTRIBUTION_URL || true)"
INSTALL_JAVA="$(printenv INSTALL_JAVA || echo 1)"
CFN_STACK="$(printenv CFN_STACK || true)"
CFN_RESOURCE="$(printenv CFN_RESOURCE || echo KafkaBroker)"
CFN_SIGNAL="$(printenv CFN_SIGNAL || echo /opt/aws/bin/cfn-signal)"
TLS_DIR="$KAFKA_DATA_DIR/tls"

log() { echo "[kafka-bootstrap] $*" >&2; }

# CloudFormation waits for this signal (the instance's CreationPolicy): success once the broker serves
# SASL_SSL and the CA secret holds its certificate, failure as soon as any step fails. cfn-signal comes with
# aws-cfn-bootstrap, which the first dnf install brings: when that install is what failed, the AWS CLI (part of
# Amazon Linux 2023) sends the same signal, so CloudFormation never waits out its timeout for a dead bootstrap.
instance_id() {
  if [ -n "$(printenv INSTANCE_ID || true)" ]; then
    printenv INSTANCE_ID
    # An explicit status: a bare `return` in a trap handler returns the status from before the trap.
    return 0
  fi
  local token
  token="$(curl -sf --max-time 5 -X PUT http://169.254.169.254/latest/api/token -H 'X-aws-ec2-metadata-token-ttl-seconds: 300')"
  curl -sf --max-time 5 -H "X-aws-ec2-metadata-token: $token" http://169.254.169.254/latest/meta-data/instance-id
}
signal_cloudformation() {
  local status=$?
  if [ -n "$CFN_STACK" ]; then
    if [ -x "$CFN_SIGNAL" ]; then
      "$CFN_SIGNAL" --exit-code "$status" --stack "$CFN_STACK" --resource "$CFN_RESOURCE" --region "$AWS_REGION" ||
        log "could not signal CloudFormation"
    else
      local outcome=SUCCESS
      if [ "$status" -ne 0 ]; then outcome=FAILURE; fi
      aws cloudformation signal-resource --stack-name "$CFN_STACK" --logical-resource-id "$CFN_RESOURCE" \
        --unique-id "$(instance_id || echo unknown)" --status "$outcome" --region "$AWS_REGION" ||
        log "could not signal CloudFormation"
    fi
  fi
  if [ "$status" -ne 0 ]; then log "bootstrap failed (exit $status)"; fi
}
trap signal_cloudformation EXIT

# The NAT route or the endpoints may come up after the instance: retry what needs the network.
RETRY_ATTEMPTS="$(printenv RETRY_ATTEMPTS || echo 30)"
RETRY_DELAY_SECONDS="$(printenv RETRY_DELAY_SECONDS || echo 10)"
retry() {
  local attempt
  for attempt in $(seq 1 "$RETRY_ATTEMPTS"); do
    if "$@"; then return 0; fi
    log "attempt $attempt of $(echo "$@" | cut -d' ' -f1-3) failed; retrying in $RETRY_DELAY_SECONDS s"
    sleep "$RETRY_DELAY_SECONDS"
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

# One field of a JSON document on stdin (the secrets are JSON objects).
json_field() { python3 -c 'import json, sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
# A JSON document {"<name>": <value of stdin>}.
json_object() { python3 -c 'import json, sys; print(json.dumps({sys.argv[1]: sys.stdin.read()}))' "$1"; }
random_password() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32; }

HOST="$(advertised_host)"

# This node's id and controller port. One broker: node 1, its controller on the loopback interface only. A cluster
# (KAFKA_CONTROLLER_QUORUM_VOTERS = id@ip:port,... of every node): the entry whose address is this host's.
if [ -z "$KAFKA_CONTROLLER_QUORUM_VOTERS" ]; then
  NODE_ID=1
  BOOTSTRAP_CONTROLLERS="127.0.0.1:$KAFKA_CONTROLLER_PORT"
  CONTROLLER_LISTENER="CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT"
  CONTROLLER_PROTOCOL=PLAINTEXT
  CONTROLLER_TLS=""
  ADVERTISED_CONTROLLER=""
else
  VOTERS="$KAFKA_CONTROLLER_QUORUM_VOTERS"
  VOTER="$(echo "$VOTERS" | tr ',' '\n' | grep -F "@$HOST:" || true)"
  if [ -z "$VOTER" ]; then
    log "this host ($HOST) is not among the controller quorum voters $VOTERS"
    exit 1
  fi
  NODE_ID="$(echo "$VOTER" | cut -d@ -f1)"
  KAFKA_CONTROLLER_PORT="$(echo "$VOTER" | cut -d: -f2)"
  # The quorum is dynamic (KIP-853): a node finds it through these addresses, and the voters themselves are
  # recorded in the metadata log, so a controller can be replaced (a lost disk, a new address) while it runs.
  BOOTSTRAP_CONTROLLERS="$(echo "$VOTERS" | tr ',' '\n' | cut -d@ -f2 | paste -sd, -)"
  # Between hosts the controllers speak TLS, and only to a peer holding a certificate of the cluster's CA.
  CONTROLLER_LISTENER="CONTROLLER://0.0.0.0:$KAFKA_CONTROLLER_PORT"
  CONTROLLER_PROTOCOL=SSL
  CONTROLLER_TLS="listener.name.controller.ssl.client.auth=required"
  # The address the quorum records for this controller (KIP-853 keeps voters' endpoints in the metadata log).
  ADVERTISED_CONTROLLER=",CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT"
fi
# Which broker this node is: brokers 1, 2 and 3 each have two addresses (slots), and the node id follows the
# slot (1-3, or 4-6 at the other address), so that a replacement at the other address runs beside the node it
# replaces, under its own id, until CloudFormation deletes the old one. Its sibling is the other slot's node.
BROKER=$(( (NODE_ID - 1) % 3 + 1 ))
if [ "$NODE_ID" -gt 3 ]; then SIBLING_ID=$((NODE_ID - 3)); else SIBLING_ID=$((NODE_ID + 3)); fi
# Each broker signals its own resource: KafkaBroker, KafkaBroker2, KafkaBroker3.
if [ "$BROKER" != "1" ]; then CFN_RESOURCE="$CFN_RESOURCE$BROKER"; fi

if [ "$INSTALL_JAVA" = "1" ]; then
  log "installing Java 17 and the CloudFormation helper scripts"
  retry dnf install -y java-17-amazon-corretto-headless aws-cfn-bootstrap
fi

# The block device of the EBS volume attached as DATA_DEVICE_NAME (e.g. /dev/sdf). On Nitro instances EBS
# volumes are NVMe devices numbered in the order the kernel finds them, not the mapping order (EC2 user guide,
# "Amazon EBS and NVMe"): Amazon Linux's udev rules link the attachment name to the right device, and the
# volume's NVMe controller data holds that name too (ebsnvme-id). Waits for the device to appear.
resolve_data_device() {
  local waited device
  for waited in $(seq 0 "$DATA_DEVICE_WAIT_SECONDS"); do
    if [ -b "$DATA_DEVICE_NAME" ]; then
      readlink -f "$DATA_DEVICE_NAME"
      return 0
    fi
    for device in /dev/nvme*n1; do
      [ -b "$device" ] || continue
      if command -v ebsnvme-id >/dev/null 2>&1 &&
        [ "/dev/$(ebsnvme-id -b "$device" 2>/dev/null | sed 's|^/dev/||')" = "$DATA_DEVICE_NAME" ]; then
        echo "$device"
        return 0
      fi
    done
    if [ "$waited" -lt "$DATA_DEVICE_WAIT_SECONDS" ]; then sleep 1; fi
  done
  return 1
}

# The log dirs live on their own encrypted EBS volume. A volume that was asked for but cannot be found fails the
# bootstrap: Kafka must never fill the root volume instead.
if [ -z "$DATA_DEVICE" ] && [ -n "$DATA_DEVICE_NAME" ]; then
  if ! DATA_DEVICE="$(resolve_data_device)"; then
    log "no block device for the data volume $DATA_DEVICE_NAME after $DATA_DEVICE_WAIT_SECONDS s"
    exit 1
  fi
fi
if [ -n "$DATA_DEVICE" ]; then
  if ! blkid "$DATA_DEVICE" >/dev/null 2>&1; then mkfs.xfs -q "$DATA_DEVICE"; fi
  mkdir -p "$KAFKA_DATA_DIR"
  # Mounted by the filesystem's UUID, which stays the same whatever NVMe name the volume gets at the next boot.
  DATA_UUID="$(blkid -s UUID -o value "$DATA_DEVICE")"
  grep -q " $KAFKA_DATA_DIR " /etc/fstab || echo "UUID=$DATA_UUID $KAFKA_DATA_DIR xfs defaults,nofail 0 2" >> /etc/fstab
  mount -a
  mountpoint -q "$KAFKA_DATA_DIR"
fi

mkdir -p "$KAFKA_HOME" "$KAFKA_DATA_DIR/logs" "$KAFKA_HOME/config"
if [ -n "$KAFKA_LIBS_DIR" ]; then
  CLASSPATH_DIR="$KAFKA_LIBS_DIR"
else
  log "fetching Kafka $KAFKA_VERSION from $KAFKA_DISTRIBUTION_URL"
  # The archive and the SHA-512 checksum Apache publishes beside it (an s3:// mirror keeps both): a truncated or
  # altered download stops the bootstrap before anything runs.
  fetch() {
    case "$1" in
      s3://*) aws s3 cp --only-show-errors "$1" "$2" ;;
      *) curl -sfL --connect-timeout 20 --max-time "$(printenv DOWNLOAD_TIMEOUT_SECONDS || echo 600)" -o "$2" "$1" ;;
    esac
  }
  DOWNLOADS="$(mktemp -d)"
  retry fetch "$KAFKA_DISTRIBUTION_URL" "$DOWNLOADS/kafka.tgz"
  retry fetch "$KAFKA_DISTRIBUTION_URL.sha512" "$DOWNLOADS/kafka.tgz.sha512"
  # Either `sha512sum` output ("<hex>  <file>") or gpg --print-md's ("<file>: <hex in groups, over lines>").
  EXPECTED_SHA512="$(python3 -c 'import sys
text = open(sys.argv[1]).read()
text = text.split(":", 1)[1] if text.split()[0].endswith(":") else text.split()[0]
print("".join(text.split()).lower())' "$DOWNLOADS/kafka.tgz.sha512")"
  ACTUAL_SHA512="$(sha512sum "$DOWNLOADS/kafka.tgz" | cut -d' ' -f1)"
  if [ "$EXPECTED_SHA512" != "$ACTUAL_SHA512" ]; then
    log "checksum mismatch for $KAFKA_DISTRIBUTION_URL: expected $EXPECTED_SHA512, got $ACTUAL_SHA512"
    exit 1
  fi
  tar -xzf "$DOWNLOADS/kafka.tgz" -C "$KAFKA_HOME" --strip-components=1
  rm -rf "$DOWNLOADS"
  CLASSPATH_DIR="$KAFKA_HOME/libs"
fi

# What every node of the cluster shares lives in the KAFKA_CLUSTER_SECRET_ID secret (readable by the brokers'
# role only): the private CA (its PKCS12 store, base64), the stores' password, the broker's own SCRAM password
# (the inter-broker user) and the cluster id. Node 1 makes it on the cluster's first boot; every other node, and
# any node that replaces one later, takes it from there, so clients keep trusting one CA.
cluster_secret() {
  aws secretsmanager get-secret-value --secret-id "$KAFKA_CLUSTER_SECRET_ID" --query SecretString --output text
}
# One field of the cluster secret held in CLUSTER_SECRET ('' until node 1 has written it).
cluster_field() {
  echo "$CLUSTER_SECRET" | python3 -c 'import json, sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1"
}
# The cluster secret once node 1 has written it; fails while it is still empty.
written_cluster_secret() {
  local CLUSTER_SECRET
  CLUSTER_SECRET="$(cluster_secret)" || return 1
  [ -n "$(cluster_field clusterId)" ] || return 1
  echo "$CLUSTER_SECRET"
}

# The TLS material lives on the data volume, made once: this node's key and certificate signed by the cluster's CA
# (SAN: the private IP clients connect to, and 127.0.0.1 for this script's own admin calls).
mkdir -p "$TLS_DIR"
chmod 700 "$TLS_DIR"
# The stores' password reaches keytool through its environment, never its command line.
keytool_store() { keytool "$@" -storepass:env STORE_PASSWORD -storetype PKCS12; }
if [ ! -f "$TLS_DIR/broker.p12" ]; then
  (
    umask 077
    CLUSTER_SECRET="$(retry cluster_secret)"
    if [ -z "$(cluster_field clusterId)" ] && [ "$BROKER" = "1" ]; then
      log "making the cluster's private CA"
      # The node that makes the cluster founds its quorum (below); every other node joins it.
      touch "$TLS_DIR/founder"
      random_password > "$TLS_DIR/store-password"
      export STORE_PASSWORD="$(cat "$TLS_DIR/store-password")"
      keytool_store -genkeypair -alias ca -keyalg RSA -keysize 2048 -dname 'CN=tickstream Kafka CA' -validity 3650 \
        -ext bc:c -keystore "$TLS_DIR/ca.p12" -keypass:env STORE_PASSWORD
      random_password > "$TLS_DIR/broker-password"
      head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=' | sed 's/^-/A/' > "$TLS_DIR/cluster-id"
      python3 -c 'import base64, json, sys
d = sys.argv[1]
read = lambda name: open(d + "/" + name).read().strip()
print(json.dumps({"caKeystore": base64.b64encode(open(d + "/ca.p12", "rb").read()).decode(),
  "storePassword": read("store-password"), "brokerPassword": read("broker-password"), "clusterId": read("cluster-id")}))' \
        "$TLS_DIR" > "$TLS_DIR/cluster-secret.json"
      retry aws secretsmanager put-secret-value --secret-id "$KAFKA_CLUSTER_SECRET_ID" \
        --secret-string "file://$TLS_DIR/cluster-secret.json" > /dev/null
      rm -f "$TLS_DIR/cluster-secret.json"
    else
      # Node 1 may still be making it: wait until it is written.
      if [ -z "$(cluster_field clusterId)" ]; then CLUSTER_SECRET="$(retry written_cluster_secret)"; fi
      log "taking the cluster's CA from its secret"
      cluster_field storePassword > "$TLS_DIR/store-password"
      cluster_field brokerPassword > "$TLS_DIR/broker-password"
      cluster_field clusterId > "$TLS_DIR/cluster-id"
      cluster_field caKeystore | base64 -d > "$TLS_DIR/ca.p12"
    fi
    export STORE_PASSWORD="$(cat "$TLS_DIR/store-password")"
    log "making node $NODE_ID's certificate"
    keytool_store -exportcert -alias ca -rfc -keystore "$TLS_DIR/ca.p12" -file "$TLS_DIR/ca.pem"
    keytool_store -genkeypair -alias broker -keyalg RSA -keysize 2048 -dname "CN=$HOST" -validity 3650 \
      -keystore "$TLS_DIR/broker.p12" -keypass:env STORE_PASSWORD
    keytool_store -certreq -alias broker -keystore "$TLS_DIR/broker.p12" -file "$TLS_DIR/broker.csr"
    keytool_store -gencert -alias ca -keystore "$TLS_DIR/ca.p12" -infile "$TLS_DIR/broker.csr" \
      -outfile "$TLS_DIR/broker.pem" -rfc -validity 3650 -ext "SAN=ip:$HOST,ip:127.0.0.1,dns:localhost"
    keytool_store -importcert -alias ca -file "$TLS_DIR/ca.pem" -keystore "$TLS_DIR/broker.p12" -noprompt
    keytool_store -importcert -alias broker -file "$TLS_DIR/broker.pem" -keystore "$TLS_DIR/broker.p12" -noprompt
    keytool_store -importcert -alias ca -file "$TLS_DIR/ca.pem" -keystore "$TLS_DIR/truststore.p12" -noprompt
  )
fi
STORE_PASSWORD="$(cat "$TLS_DIR/store-password")"
BROKER_PASSWORD="$(cat "$TLS_DIR/broker-password")"

PROPERTIES="$KAFKA_HOME/config/server.properties"
CLIENT_PROPERTIES="$KAFKA_HOME/config/admin-client.properties"
CONTROLLER_ADMIN_PROPERTIES="$KAFKA_HOME/config/controller-admin.properties"
JAAS="org.apache.kafka.common.security.scram.ScramLoginModule required username=\"broker\" password=\"$BROKER_PASSWORD\";"
SSL_PROPERTIES="ssl.truststore.type=PKCS12
ssl.truststore.location=$TLS_DIR/truststore.p12
ssl.truststore.password=$STORE_PASSWORD"
(
  umask 077
  cat > "$PROPERTIES" <<PROPS
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.bootstrap.servers=$BOOTSTRAP_CONTROLLERS
listeners=SASL_SSL://0.0.0.0:$KAFKA_PORT,$CONTROLLER_LISTENER
advertised.listeners=SASL_SSL://$HOST:$KAFKA_PORT$ADVERTISED_CONTROLLER
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:$CONTROLLER_PROTOCOL
$CONTROLLER_TLS
inter.broker.listener.name=SASL_SSL
controller.listener.names=CONTROLLER
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$JAAS
ssl.keystore.type=PKCS12
ssl.keystore.location=$TLS_DIR/broker.p12
ssl.keystore.password=$STORE_PASSWORD
ssl.key.password=$STORE_PASSWORD
$SSL_PROPERTIES
log.dirs=$KAFKA_DATA_DIR/logs
num.partitions=$KAFKA_PARTITIONS
auto.create.topics.enable=false
default.replication.factor=$KAFKA_REPLICATION_FACTOR
min.insync.replicas=$KAFKA_MIN_INSYNC_REPLICAS
unclean.leader.election.enable=false
offsets.topic.replication.factor=$KAFKA_REPLICATION_FACTOR
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=$KAFKA_REPLICATION_FACTOR
transaction.state.log.min.isr=$KAFKA_MIN_INSYNC_REPLICAS
transaction.state.log.num.partitions=3
group.initial.rebalance.delay.ms=0
log.retention.hours=$KAFKA_RETENTION_HOURS
PROPS
  # What the quorum tool signs in with on the controller listener (TLS with this node's certificate in a cluster)
  # and reads this node's controller from (node.id, listeners, the metadata directory): the server's own
  # settings. Half the controller addresses have no node (each broker's other slot): a connection that does not
  # open within 3 s is given up for another address, and a call has 30 s to find one that answers.
  {
    cat "$PROPERTIES"
    echo "security.protocol=$CONTROLLER_PROTOCOL"
    echo "socket.connection.setup.timeout.ms=3000"
    echo "socket.connection.setup.timeout.max.ms=3000"
    echo "request.timeout.ms=5000"
    echo "default.api.timeout.ms=30000"
  } > "$CONTROLLER_ADMIN_PROPERTIES"
  cat > "$CLIENT_PROPERTIES" <<PROPS
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=$JAAS
$SSL_PROPERTIES
PROPS
)
cat > "$KAFKA_HOME/config/log4j.properties" <<'LOG4J'
log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
LOG4J

JAVA_OPTS="-Xms$KAFKA_HEAP -Xmx$KAFKA_HEAP -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Dlog4j.configuration=file:$KAFKA_HOME/config/log4j.properties"
# The KRaft quorum tool (kafka-metadata-quorum.sh) against the controllers at $1.
quorum() {
  local controllers="$1"
  shift
  java -cp "$CLASSPATH_DIR/*" -Dlog4j.configuration="file:$KAFKA_HOME/config/log4j.properties" \
    org.apache.kafka.tools.MetadataQuorumCommand --bootstrap-controller "$controllers" \
    --command-config "$CONTROLLER_ADMIN_PROPERTIES" "$@"
}
# A Kafka admin tool signed in to this broker's own SASL_SSL listener as the broker's user.
admin_tool() {
  local tool="$1"
  shift
  java -cp "$CLASSPATH_DIR/*" -Dlog4j.configuration="file:$KAFKA_HOME/config/log4j.properties" "$tool" \
    --bootstrap-server "127.0.0.1:$KAFKA_PORT" --command-config "$CLIENT_PROPERTIES" "$@"
}
TOPICS_TOOL="org.apache.kafka.tools.TopicCommand"
# The other nodes' controllers (a cluster), and whether a quorum among them answers with a leader: then this node
# joins a running cluster (its disk was lost, or it is a replacement) instead of founding one.
OTHER_CONTROLLERS="$(echo "$BOOTSTRAP_CONTROLLERS" | tr ',' '\n' | grep -vxF "$HOST:$KAFKA_CONTROLLER_PORT" | paste -sd, - || true)"
running_quorum() {
  [ -n "$OTHER_CONTROLLERS" ] && quorum "$OTHER_CONTROLLERS" describe --status 2>/dev/null | grep -q '^LeaderId:'
}
JOINING=""
if [ ! -f "$KAFKA_DATA_DIR/logs/meta.properties" ]; then
  CLUSTER_ID="$(cat "$TLS_DIR/cluster-id")"
  # How this node's metadata log starts (KIP-853): a single broker, or the node that made the cluster, is a
  # quorum of itself (--standalone); every other node joins the running quorum with none (it starts as an
  # observer and is added as a voter below, once it has caught up), whether the cluster is being created (nodes
  # 2 and 3 wait for node 1's quorum), a node lost its disk, or a replacement runs beside the node it replaces.
  if [ -z "$KAFKA_CONTROLLER_QUORUM_VOTERS" ] || [ -f "$TLS_DIR/founder" ]; then
    QUORUM_FORMAT="--standalone"
  else
    JOINING=1
    QUORUM_FORMAT="--no-initial-controllers"
    log "waiting for the cluster's quorum at $OTHER_CONTROLLERS"
    retry running_quorum
  fi
  if [ -n "$JOINING" ]; then
    # The SCRAM users are in the cluster's metadata already: a joining node is formatted without them.
    log "formatting KRaft storage of node $NODE_ID (cluster $CLUSTER_ID) to join the running quorum"
    java -cp "$CLASSPATH_DIR/*" -Dlog4j.configuration="file:$KAFKA_HOME/config/log4j.properties" \
      kafka.tools.StorageTool format -t "$CLUSTER_ID" -c "$PROPERTIES" --no-initial-controllers
  else
    # The clients' user comes from the stack's generated secret; it is created with the storage (KIP-900), on
    # every node alike. The passwords go to the storage tool in a Java argument file only this user may read,
    # never on its command line.
    CLIENT_SECRET="$(retry aws secretsmanager get-secret-value --secret-id "$KAFKA_CLIENT_SECRET_ID" \
      --query SecretString --output text)"
    CLIENT_USERNAME="$(echo "$CLIENT_SECRET" | json_field username)"
    log "formatting KRaft storage of node $NODE_ID (cluster $CLUSTER_ID, dynamic quorum) with the SCRAM-SHA-512 users broker and $CLIENT_USERNAME"
    (
      umask 077
      # The whole command: the launcher expands an argument file only before the main class.
      echo "$CLIENT_SECRET" | python3 -c 'import json, sys
secret = json.load(sys.stdin)
classpath, log4j, cluster_id, properties, broker_password_file, quorum_format = sys.argv[1:]
args = ["-cp", classpath, "-Dlog4j.configuration=file:" + log4j, "kafka.tools.StorageTool", "format",
  "-t", cluster_id, "-c", properties] + quorum_format.split("=", 1) + ["--feature", "kraft.version=1"]
for name, password in [("broker", open(broker_password_file).read().strip()), (secret["username"], secret["password"])]:
  args += ["--add-scram", "SCRAM-SHA-512=[name=%s,password=%s]" % (name, password)]
print("\n".join(json.dumps(arg) for arg in args))' "$CLASSPATH_DIR/*" "$KAFKA_HOME/config/log4j.properties" \
        "$CLUSTER_ID" "$PROPERTIES" "$TLS_DIR/broker-password" "$QUORUM_FORMAT" > "$TLS_DIR/format.args"
    )
    java "@$TLS_DIR/format.args" || { rm -f "$TLS_DIR/format.args"; exit 1; }
    rm -f "$TLS_DIR/format.args"
  fi
fi

# A port another process already listens on would make the broker exit as it starts: say so before starting it
# (unless it is this broker, already started by an earlier run).
port_answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! { [ "$SERVICE_MANAGER" = "systemd" ] && systemctl is-active --quiet kafka; }; then
  for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_answers "$port"; then
      log "port $port is already in use by another process"
      exit 1
    fi
  done
fi

if [ "$SERVICE_MANAGER" = "systemd" ]; then
  id kafka >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin kafka
  chown -R kafka:kafka "$KAFKA_HOME" "$KAFKA_DATA_DIR"
  cat > /etc/systemd/system/kafka.service <<UNIT
[Unit]
Description=Apache Kafka (tickstream, KRaft)
After=network-online.target
Wants=network-online.target
# Never start on the root volume: the log dirs' mount must be there first.
RequiresMountsFor=$KAFKA_DATA_DIR

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

# Whether the broker process is still there: systemd's unit (which restarts it on failure: only a unit that gave
# up counts as stopped), or the background process.
broker_running() {
  if [ "$SERVICE_MANAGER" = "systemd" ]; then
    ! systemctl is-failed --quiet kafka
  else
    kill -0 "$(cat "$KAFKA_HOME/kafka.pid")" 2>/dev/null
  fi
}
# Why the broker stopped, from its own output: the first error Kafka logged with the exception line under it (e.g.
# "Socket server failed to bind to 0.0.0.0:9096: Address already in use."), or else the last line (the JVM's own
# reason when it could not start at all).
broker_failure() {
  local output
  if [ "$SERVICE_MANAGER" = "systemd" ]; then
    output="$(journalctl -u kafka --no-pager -o cat 2>/dev/null || true)"
  else
    output="$(cat "$KAFKA_HOME/kafka.out")"
  fi
  local reason
  reason="$(echo "$output" | grep -m1 -A1 -E ' (ERROR|FATAL) ' | sed 's/^\[[^]]*\] //' | paste -sd ' ' || true)"
  if [ -n "$reason" ]; then echo "$reason"; else echo "$output" | tail -n 1; fi
}
broker_stopped() {
  log "the broker stopped: $(broker_failure)"
  exit 1
}

log "waiting for port $KAFKA_PORT"
for waited in $(seq 1 120); do
  broker_running || broker_stopped
  if port_answers "$KAFKA_PORT"; then break; fi
  if [ "$waited" = 120 ]; then
    log "the broker did not open port $KAFKA_PORT in 120 s"
    exit 1
  fi
  sleep 1
done

# A joining node becomes a voter as KIP-853's "disk failure recovery" does it: it fetches the metadata log as an
# observer until it has caught up, the lost directory of the same node id (if the quorum still counts it) is
# removed, and this one is added. Removing first is what Kafka requires (one voter per node id); the two other
# voters must answer meanwhile, as any change of a three-voter quorum needs. A replacement at the broker's other
# address then takes over its sibling (the node it replaces, still running until CloudFormation deletes it): every
# partition replica the sibling holds moves to this node, and the sibling leaves the quorum.
if [ -n "$JOINING" ]; then
  DIRECTORY_ID="$(sed -n 's/^directory.id=//p' "$KAFKA_DATA_DIR/logs/meta.properties")"
  caught_up() {
    broker_running || broker_stopped
    quorum "$BOOTSTRAP_CONTROLLERS" describe --replication 2>/dev/null |
      awk -v id="$NODE_ID" -v dir="$DIRECTORY_ID" '$1 == id && $2 == dir && $4 == 0 { found = 1 } END { exit !found }'
  }
  # The voters as "id directoryId" lines.
  voters() {
    quorum "$BOOTSTRAP_CONTROLLERS" describe --status 2>/dev/null | python3 -c 'import json, sys
for line in sys.stdin:
  if line.startswith("CurrentVoters:"):
    for voter in json.loads(line.split(":", 1)[1]):
      print(voter["id"], voter["directoryId"])'
  }
  remove_lost_directory() {
    local listed lost
    listed="$(voters)" || return 1
    [ -n "$listed" ] || return 1
    lost="$(echo "$listed" | awk -v id="$NODE_ID" -v dir="$DIRECTORY_ID" '$1 == id && $2 != dir { print $2 }')"
    [ -z "$lost" ] && return 0
    log "removing controller $NODE_ID's lost directory $lost from the quorum"
    quorum "$BOOTSTRAP_CONTROLLERS" remove-controller --controller-id "$NODE_ID" --controller-directory-id "$lost"
  }
  add_this_controller() {
    if voters | grep -qxF "$NODE_ID $DIRECTORY_ID"; then return 0; fi
    quorum "$BOOTSTRAP_CONTROLLERS" add-controller
  }
  REASSIGN_TOOL="org.apache.kafka.tools.reassign.ReassignPartitionsCommand"
  PLAN="$KAFKA_HOME/reassignment.json"
  # Every partition with a replica on the sibling, its replicas with this node in the sibling's place (the same
  # order, so leadership preferences stay as they were).
  plan_takeover() {
    admin_tool "$TOPICS_TOOL" --describe | python3 -c 'import json, re, sys
sibling, me = sys.argv[1], int(sys.argv[2])
moves = []
for line in sys.stdin:
  found = re.search(r"Topic: (\S+)\s+Partition: (\d+)\s+Leader: \S+\s+Replicas: ([\d,]+)", line)
  if found and sibling in found.group(3).split(","):
    replicas = [me if replica == sibling else int(replica) for replica in found.group(3).split(",")]
    moves.append({"topic": found.group(1), "partition": int(found.group(2)), "replicas": replicas})
print(json.dumps({"version": 1, "partitions": moves}) if moves else "", end="")' "$SIBLING_ID" "$NODE_ID" > "$PLAN"
  }
  takeover_done() {
    broker_running || broker_stopped
    local output
    output="$(admin_tool "$REASSIGN_TOOL" --reassignment-json-file "$PLAN" --verify 2>&1)" || return 1
    if echo "$output" | grep -q 'is completed'; then
      if ! echo "$output" | grep -q 'still in progress'; then return 0; fi
    fi
    log "$(echo "$output" | grep -c 'still in progress') partitions still being copied from node $SIBLING_ID"
    return 1
  }
  remove_sibling() {
    local sibling_directory
    sibling_directory="$(voters | awk -v id="$SIBLING_ID" '$1 == id { print $2 }')"
    [ -z "$sibling_directory" ] && return 0
    log "removing controller $SIBLING_ID (the node this one replaces) from the quorum"
    quorum "$BOOTSTRAP_CONTROLLERS" remove-controller --controller-id "$SIBLING_ID" \
      --controller-directory-id "$sibling_directory"
  }
  log "node $NODE_ID (directory $DIRECTORY_ID) fetching the metadata log as an observer"
  retry caught_up
  # A quorum formatted before the dynamic one lists its voters without directory ids (Kafka's zero id): it cannot
  # take voters in or out, and Kafka cannot convert it.
  if voters | grep -q ' AAAAAAAAAAAAAAAAAAAAAA$'; then
    log "the cluster's KRaft quorum is static (made before the dynamic quorum): a broker that lost its disk cannot rejoin it by itself; see docs/deploying.md, The quorum"
    exit 1
  fi
  retry remove_lost_directory
  log "adding controller $NODE_ID (directory $DIRECTORY_ID) to the quorum"
  retry add_this_controller
  retry plan_takeover
  if [ -s "$PLAN" ]; then
    log "moving $(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["partitions"]))' "$PLAN") partitions from node $SIBLING_ID to node $NODE_ID"
    retry admin_tool "$REASSIGN_TOOL" --reassignment-json-file "$PLAN" --execute > /dev/null
    retry takeover_done
  fi
  retry remove_sibling
  log "controller $NODE_ID is a voter: the voters are $(voters | cut -d' ' -f1 | sort -n | paste -sd, -)"
fi

# Create the topic with the stage's partitions (idempotent) through the broker's own admin client, signed in as
# the broker's user over the same SASL_SSL listener. A cluster's topic needs as many brokers as replicas: until
# the other nodes have registered, the creation is refused and tried again.
# The tool's own reason is logged when it refuses (e.g. "The target replication factor of 3 cannot be reached
# because only 2 broker(s) are registered."), and a broker that stopped meanwhile ends the bootstrap at once rather
# than after every attempt.
create_topic() {
  broker_running || broker_stopped
  local output
  if output="$(admin_tool "$TOPICS_TOOL" \
    --create --if-not-exists --topic "$KAFKA_TOPIC" --partitions "$KAFKA_PARTITIONS" \
    --replication-factor "$KAFKA_REPLICATION_FACTOR" --config "retention.ms=$((KAFKA_RETENTION_HOURS * 3600000))" \
    --config "min.insync.replicas=$KAFKA_MIN_INSYNC_REPLICAS" 2>&1)"; then
    echo "$output"
    return 0
  fi
  log "the topic's creation was refused: $(echo "$output" | grep -m1 'Error while executing' || echo "$output" | tail -n 1)"
  return 1
}
retry create_topic

# A cluster's node is ready once every partition has all its replicas in sync again (a node that lost its disk
# copies its partitions back from their leaders first): what a replacement waits for before it tells
# CloudFormation it succeeded, so the next broker is only replaced with three copies of everything.
fully_replicated() {
  broker_running || broker_stopped
  local output
  output="$(admin_tool "$TOPICS_TOOL" --describe --under-replicated-partitions 2>&1)" || return 1
  if [ -n "$output" ]; then
    log "$(echo "$output" | grep -c 'Partition:') partitions not yet fully replicated"
    return 1
  fi
}
if [ -n "$KAFKA_CONTROLLER_QUORUM_VOTERS" ]; then retry fully_replicated; fi

# The certificate the mapping and the producers trust, in the SERVER_ROOT_CA_CERTIFICATE format: one CA for the
# cluster, published by broker 1 (either of its nodes: the same certificate).
if [ "$BROKER" = "1" ]; then
  json_object certificate < "$TLS_DIR/ca.pem" > "$TLS_DIR/ca-secret.json"
  retry aws secretsmanager put-secret-value --secret-id "$KAFKA_CA_SECRET_ID" \
    --secret-string "file://$TLS_DIR/ca-secret.json" > /dev/null
fi
log "broker ready at $HOST:$KAFKA_PORT (SASL_SSL, SCRAM-SHA-512), node $NODE_ID, topic $KAFKA_TOPIC ($KAFKA_PARTITIONS partitions)"
